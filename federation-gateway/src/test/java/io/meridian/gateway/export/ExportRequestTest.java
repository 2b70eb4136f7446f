package io.meridian.gateway.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ExportRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    private static String reason(String body) throws Exception {
        JsonNode b = json(body);
        return assertThrows(IllegalArgumentException.class, () -> ExportRequest.parse(b, Set.of())).getMessage();
    }

    @Test
    void aFullRequest_parses_andRoundTripsThroughItsJson() throws Exception {
        ExportRequest r = ExportRequest.parse(json("{\"query\": {\"metric\": \"temp\", \"resolution\": \"PT1H\", \"from\": \"2026-11-24T00:00:00Z\","
                + " \"to\": \"2026-11-24T06:00:00Z\", \"group\": \"label:model\", \"merge\": true}, \"sinks\": {\"s3\": {\"bucket\": \"my.bucket-1\","
                + " \"prefix\": \"a/b=c/\"}, \"kinesis\": {\"stream\": \"s_1.x\"}}}"), Set.of());
        assertEquals("a/b=c", r.s3().orElseThrow().prefix());
        UUID id = UUID.fromString("00000000-0000-4000-8000-000000000001");
        assertEquals("a/b=c/lampco/" + id + ".json", r.s3().orElseThrow().key("lampco", id));
        assertEquals(Optional.of("2026-11-24T00:00:00Z"), r.query().from());
        assertEquals(r, ExportRequest.parse(r.toJson(), Set.of()));
    }

    @Test
    void defaults_areAFifteenMinuteResolution_groupAll_noMerge() throws Exception {
        ExportRequest r = ExportRequest.parse(json("{\"query\": {\"metric\": \"t\"}, \"sinks\": {\"kinesis\": {\"stream\": \"s\"}}}"), Set.of());
        assertEquals("PT15M", r.query().resolution());
        assertEquals("all", r.query().group());
        assertEquals(false, r.query().merge());
        assertEquals(Optional.empty(), r.s3());
        assertEquals("", ExportRequest.parse(json("{\"query\": {\"metric\": \"t\"}, \"sinks\": {\"s3\": {\"bucket\": \"abc\"}}}"), Set.of())
                .s3().orElseThrow().prefix());
    }

    @Test
    void badInput_isRefused_namingTheField() throws Exception {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("[]", "the body must be a JSON object with query and sinks"),
                Map.entry("{\"query\": {\"metric\": \"t\"}, \"sinks\": {}}", "sinks must name at least one of s3 and kinesis"),
                Map.entry("{\"sinks\": {\"kinesis\": {\"stream\": \"s\"}}}", "query must be an object with metric, resolution, from, to, group and merge"),
                Map.entry("{\"query\": {}, \"sinks\": {\"kinesis\": {\"stream\": \"s\"}}}", "query.metric is required"),
                Map.entry("{\"query\": {\"metric\": \"t\", \"resolution\": \"PT5M\"}, \"sinks\": {\"kinesis\": {\"stream\": \"s\"}}}",
                        "query.resolution must be one of PT1M, PT15M, PT1H, was 'PT5M'"),
                Map.entry("{\"query\": {\"metric\": \"t\", \"from\": \"yesterday\"}, \"sinks\": {\"kinesis\": {\"stream\": \"s\"}}}",
                        "query.from must be an ISO-8601 instant such as 2026-11-24T10:00:00Z, was 'yesterday'"),
                Map.entry("{\"query\": {\"metric\": \"t\", \"from\": \"2026-11-24T06:00:00Z\", \"to\": \"2026-11-24T00:00:00Z\"}, \"sinks\": {\"kinesis\": {\"stream\": \"s\"}}}",
                        "query.from must be before query.to, were 2026-11-24T06:00:00Z and 2026-11-24T00:00:00Z"),
                Map.entry("{\"query\": {\"metric\": \"t\", \"group\": \"device\"}, \"sinks\": {\"kinesis\": {\"stream\": \"s\"}}}",
                        "query.group must be all, geohash or label:<key>, was 'device'"),
                Map.entry("{\"query\": {\"metric\": \"t\", \"merge\": \"yes\"}, \"sinks\": {\"kinesis\": {\"stream\": \"s\"}}}",
                        "query.merge must be true or false, was \"yes\""),
                Map.entry("{\"query\": {\"metric\": \"t\"}, \"sinks\": {\"s3\": {\"bucket\": \"UPPER\"}}}",
                        "sinks.s3.bucket must be an S3 bucket name (3-63 lower-case letters, digits, '.' and '-'), was 'UPPER'"),
                Map.entry("{\"query\": {\"metric\": \"t\"}, \"sinks\": {\"s3\": {\"bucket\": \"abc\", \"prefix\": \"a/../b\"}}}",
                        "sinks.s3.prefix must be '/'-separated segments of letters, digits and _.=- (no empty, '.' or '..' segment), was 'a/../b'"),
                Map.entry("{\"query\": {\"metric\": \"t\"}, \"sinks\": {\"s3\": {\"bucket\": \"abc\", \"prefix\": \"/root\"}}}",
                        "sinks.s3.prefix must be '/'-separated segments of letters, digits and _.=- (no empty, '.' or '..' segment), was '/root'"),
                Map.entry("{\"query\": {\"metric\": \"t\"}, \"sinks\": {\"kinesis\": {\"stream\": \"a b\"}}}",
                        "sinks.kinesis.stream must be 1-128 letters, digits or _.-, was 'a b'"),
                Map.entry("{\"query\": {\"metric\": \"t\"}, \"sinks\": {\"kinesis\": {\"stream\": \"s\"}}, \"every\": \"PT1H\"}", "unknown field 'every'"),
                Map.entry("{\"query\": {\"metric\": \"t\", \"device\": \"d1\"}, \"sinks\": {\"kinesis\": {\"stream\": \"s\"}}}", "unknown field query.device"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            assertEquals(c.getValue(), reason(c.getKey()), c.getKey());
        }
    }

    @Test
    void every_isAnIsoDuration_noShorterThanTheMinimum() throws Exception {
        assertEquals(Duration.ofHours(1), ExportRequest.every(json("{\"every\": \"PT1H\"}"), Duration.ofMinutes(5)));
        assertEquals("every must be at least PT5M, was PT1M",
                assertThrows(IllegalArgumentException.class, () -> ExportRequest.every(json("{\"every\": \"PT1M\"}"), Duration.ofMinutes(5))).getMessage());
        assertEquals("every must be an ISO-8601 duration such as PT1H, was 'hourly'",
                assertThrows(IllegalArgumentException.class, () -> ExportRequest.every(json("{\"every\": \"hourly\"}"), Duration.ofMinutes(5))).getMessage());
        assertEquals("every is required: an ISO-8601 duration such as PT1H",
                assertThrows(IllegalArgumentException.class, () -> ExportRequest.every(json("{}"), Duration.ofMinutes(5))).getMessage());
    }
}
