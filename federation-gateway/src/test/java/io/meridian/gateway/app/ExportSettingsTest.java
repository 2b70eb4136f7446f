package io.meridian.gateway.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The export settings of {@link GatewayConfig}: defaults from the region file, stand-in endpoints, credentials both or neither. */
class ExportSettingsTest {

    private static GatewayConfig config(Map<String, String> props, Map<String, String> env) {
        Map<String, String> p = new HashMap<>(props);
        p.putIfAbsent(GatewayConfig.REGION, "eu-central");
        Map<String, String> e = new HashMap<>(env);
        e.put(GatewayConfig.CLIENT_SECRET_ENV, "s");
        return GatewayConfig.from(RegionConfigs.loadDefault(), p::get, e::get);
    }

    @Test
    void defaults_signForTheRegionsCloudRegion_useAws_andTheDefaultChain() {
        GatewayConfig.Export x = config(Map.of(), Map.of()).export();
        assertEquals("eu-central-1", x.awsRegion());
        assertEquals("EU", x.sinkJurisdiction().code());
        assertEquals(Optional.empty(), x.s3Endpoint());
        assertEquals(Optional.empty(), x.accessKeyId());
        assertEquals(Duration.ofMinutes(5), x.minEvery());
        assertEquals(Duration.ofSeconds(30), x.checkEvery());
    }

    @Test
    void standIns_andStaticKeys_areTaken_andTheSecretIsNeverPrinted() {
        GatewayConfig c = config(Map.of(GatewayConfig.EXPORT_S3_ENDPOINT, "http://127.0.0.1:9090", GatewayConfig.EXPORT_AWS_REGION, "us-east-1"),
                Map.of(GatewayConfig.EXPORT_ACCESS_KEY_ENV, "key", GatewayConfig.EXPORT_SECRET_KEY_ENV, "very-secret"));
        assertEquals(Optional.of(URI.create("http://127.0.0.1:9090")), c.export().s3Endpoint());
        assertEquals("US", c.export().sinkJurisdiction().code(), "us-east-1 is us-east's cloud region");
        assertFalse(c.toString().contains("very-secret"), c.toString());
        assertTrue(c.toString().contains("credentials=static ****"), c.toString());
    }

    @Test
    void unusableSettings_failNamingThem() {
        assertEquals("MERIDIAN_EXPORT_ACCESS_KEY_ID and MERIDIAN_EXPORT_SECRET_ACCESS_KEY must be set together or not at all; only"
                + " MERIDIAN_EXPORT_ACCESS_KEY_ID is set",
                assertThrows(GatewayConfigException.class, () -> config(Map.of(), Map.of(GatewayConfig.EXPORT_ACCESS_KEY_ENV, "k"))).getMessage());
        assertEquals("meridian.gateway.export.awsRegion must be an AWS region code such as eu-central-1, was 'Frankfurt'",
                assertThrows(GatewayConfigException.class, () -> config(Map.of(GatewayConfig.EXPORT_AWS_REGION, "Frankfurt"), Map.of())).getMessage());
        assertEquals("meridian.gateway.export.s3.endpoint must be an absolute http(s) URL with a host, was 'ftp://x'",
                assertThrows(GatewayConfigException.class, () -> config(Map.of(GatewayConfig.EXPORT_S3_ENDPOINT, "ftp://x"), Map.of())).getMessage());
        assertEquals("meridian.gateway.export.minEvery must be positive, was PT0S",
                assertThrows(GatewayConfigException.class, () -> config(Map.of(GatewayConfig.EXPORT_MIN_EVERY, "PT0S"), Map.of())).getMessage());
        assertEquals("meridian.gateway.export.checkEvery must be at least PT0.1S, was PT0.01S",
                assertThrows(GatewayConfigException.class, () -> config(Map.of(GatewayConfig.EXPORT_CHECK_EVERY, "PT0.01S"), Map.of())).getMessage());
    }
}
