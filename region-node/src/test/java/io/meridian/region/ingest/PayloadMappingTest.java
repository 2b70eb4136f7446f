package io.meridian.region.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PayloadMappingTest {

    private static final PayloadMapping MAPPED = TenantDataSettings.fromTenant(new JsonObject("""
            {"ext":{"meridian":{"payload":{"metrics":{"temperature":"/env/temp","power":"/w"},
              "location":{"lat":"/pos/0","lon":"/pos/1"},"time":"/ts"}}}}""")).mapping();

    private static PayloadMapping.Parsed parse(PayloadMapping m, String json) {
        return m.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void mappedPaths_yieldMetricsLocationAndTime() {
        PayloadMapping.Parsed p = parse(MAPPED, "{\"env\":{\"temp\":21.5},\"w\":3,\"pos\":[50.1,8.6],\"ts\":1700000000000,\"x\":9}");
        assertEquals(Map.of("temperature", 21.5, "power", 3.0), p.metrics());
        assertEquals(Optional.of(50.1), p.lat());
        assertEquals(Optional.of(8.6), p.lon());
        assertEquals(Optional.of(Instant.ofEpochMilli(1700000000000L)), p.eventTime());
        assertEquals(Optional.empty(), p.problem());
        assertEquals(Optional.of(Instant.parse("2026-11-24T10:00:00Z")),
                parse(MAPPED, "{\"w\":1,\"ts\":\"2026-11-24T10:00:00Z\"}").eventTime());
    }

    @Test
    void defaultMapping_takesEveryTopLevelNumber_andLatLon() {
        PayloadMapping.Parsed p = parse(PayloadMapping.DEFAULT, "{\"temp\":20,\"on\":true,\"name\":\"x\",\"lat\":1.5,\"lon\":2.5,\"nested\":{\"a\":1}}");
        assertEquals(Map.of("temp", 20.0), p.metrics());
        assertEquals(Optional.of(1.5), p.lat());
        assertEquals(Optional.empty(), p.problem());
    }

    @Test
    void problems_areReportedNotThrown() {
        assertTrue(parse(MAPPED, "not json").problem().orElseThrow().startsWith("malformed: not JSON"));
        assertTrue(parse(MAPPED, "").problem().orElseThrow().startsWith("malformed"));
        assertTrue(parse(MAPPED, "[1]").problem().orElseThrow().startsWith("unmapped: payload is JSON but not an object"));
        assertTrue(parse(MAPPED, "{\"a\":1}").problem().orElseThrow().startsWith("unmapped: no mapped metric"));
        assertTrue(parse(MAPPED, "{\"w\":\"high\"}").problem().orElseThrow().startsWith("unmapped: /w is not a finite number"));
        assertTrue(parse(MAPPED, "{\"w\":1,\"pos\":[91,0]}").problem().orElseThrow().startsWith("unmapped: location out of range"));
        assertTrue(parse(MAPPED, "{\"w\":1,\"ts\":\"soon\"}").problem().orElseThrow().startsWith("unmapped: /ts is not epoch"));
        // a partly usable payload keeps what could be read
        assertEquals(Map.of("temperature", 1.0), parse(MAPPED, "{\"env\":{\"temp\":1},\"w\":\"x\"}").metrics());
        String deep = "[".repeat(5000) + "]".repeat(5000);
        assertTrue(parse(MAPPED, deep).problem().orElseThrow().startsWith("malformed"));
    }

    @Test
    void randomBytes_neverThrow() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (i % 3 == 0 && bytes.length > 0) {
                bytes[0] = '{';
            }
            PayloadMapping.Parsed p = MAPPED.parse(bytes);
            assertTrue(p.problem().isPresent() || !p.metrics().isEmpty() || p.lat().isPresent());
        }
    }

    @Test
    void badSettings_areRefusedNamingTheSetting() {
        assertEquals("retention-days must be between 1 and 3650, was 0", assertThrows(IllegalArgumentException.class,
                () -> TenantDataSettings.fromTenant(new JsonObject("{\"ext\":{\"meridian\":{\"retention-days\":0}}}"))).getMessage());
        assertEquals("geohash-precision must be between 1 and 12, was 13", assertThrows(IllegalArgumentException.class,
                () -> TenantDataSettings.fromTenant(new JsonObject("{\"ext\":{\"meridian\":{\"geohash-precision\":13}}}"))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TenantDataSettings.fromTenant(new JsonObject(
                "{\"ext\":{\"meridian\":{\"payload\":{\"metrics\":{\"t\":\"env.temp\"}}}}}"))).getMessage().contains("JSON Pointer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TenantDataSettings.fromTenant(new JsonObject(
                "{\"ext\":{\"meridian\":{\"payload\":{\"location\":{\"lat\":\"/a\"}}}}}"))).getMessage().contains("both lat and lon"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TenantDataSettings.fromTenant(new JsonObject(
                "{\"ext\":{\"meridian\":{\"group-labels\":\"model\"}}}"))).getMessage().contains("group-labels must be an array"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TenantDataSettings.deviceLabels(new JsonObject(
                "{\"ext\":{\"meridian\":{\"labels\":{\"model\":3}}}}"))).getMessage().contains("device label model must be a string"));
    }

    @Test
    void aTenantWithoutSettings_getsTheDefaults() {
        TenantDataSettings s = TenantDataSettings.fromTenant(new JsonObject("{\"enabled\":true}"));
        assertEquals(TenantDataSettings.DEFAULTS, s);
        assertEquals(Duration.ofDays(90), s.retention());
        assertEquals(90 * 24 * 3600, s.ttlSeconds());
        // the platform's default retention (region-configs) applies to a tenant that sets none, not to one that does
        assertEquals(Duration.ofDays(14), TenantDataSettings.fromTenant(new JsonObject("{}"), Duration.ofDays(14)).retention());
        assertEquals(Duration.ofDays(3), TenantDataSettings.fromTenant(new JsonObject(
                "{\"ext\":{\"meridian\":{\"retention-days\":3}}}"), Duration.ofDays(14)).retention());
        assertEquals(List.of(), s.groupLabels());
        assertEquals(Map.of("model", "classic"), TenantDataSettings.deviceLabels(new JsonObject(
                "{\"ext\":{\"meridian\":{\"labels\":{\"model\":\"classic\"}}}}")));
    }
}
