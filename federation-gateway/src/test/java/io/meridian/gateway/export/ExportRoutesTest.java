package io.meridian.gateway.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.gateway.TestTokens;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.ledger.InMemoryTransferLedger;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The export routes in-process with a fixed federated query, schedules in memory and both sinks on ports nobody listens on:
 * validation, the schedule resource, a sink failure leaving the ledger untouched, and a gateway without export backends.
 * The sinks that work are GatewayExportIT's (s3mock, kinesalite).
 */
class ExportRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestTokens TOKENS = new TestTokens();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final InMemoryTransferLedger LEDGER = new InMemoryTransferLedger();
    private static final InMemoryExportSchedules SCHEDULES = new InMemoryExportSchedules();
    private static final String BODY = "{\"query\": {\"metric\": \"temp\"}, \"sinks\": {\"s3\": {\"bucket\": \"exports\", \"prefix\": \"p\"}}}";
    private static Gateway gateway;
    private static Gateway unwired;

    @BeforeAll
    static void start() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Map<String, String> props = Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.PORT, "0", GatewayConfig.ISSUER, TestTokens.ISSUER,
                GatewayConfig.EXPORT_S3_ENDPOINT, "http://127.0.0.1:" + deadPort, GatewayConfig.EXPORT_KINESIS_ENDPOINT, "http://127.0.0.1:" + deadPort,
                GatewayConfig.EXPORT_CHECK_EVERY, "PT1H");
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get, Map.of(GatewayConfig.CLIENT_SECRET_ENV, "test-secret",
                GatewayConfig.EXPORT_ACCESS_KEY_ENV, "test-key", GatewayConfig.EXPORT_SECRET_KEY_ENV, "test-secret-key")::get);
        gateway = Gateway.start(config, TOKENS.validator(), Clock.systemUTC(), LEDGER,
                Optional.of(new ExportBackends(new FixedFederatedAggregates(), SCHEDULES)));
        unwired = Gateway.start(config, TOKENS.validator(), Clock.systemUTC(), new InMemoryTransferLedger());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (unwired != null) {
            unwired.close();
        }
    }

    private static HttpResponse<String> send(Gateway g, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TOKENS.sign(TestTokens.user("tenant-a", "customer-admin").build()));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode problem(HttpResponse<String> r, int status) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void aSinkThatCannotBeReached_is502NamingIt_andTheLedgerIsUntouched() throws Exception {
        int before = LEDGER.read(1, 1000).size();
        JsonNode p = problem(send(gateway, "POST", "/v1/tenants/tenant-a/exports", BODY), 502);
        assertTrue(p.get("detail").asText().matches("export [0-9a-f-]{36} failed on its s3 sink, nothing was recorded as exported: .*"), p.toString());
        assertFalse(p.get("detail").asText().contains("test-secret-key"), "no credential in the answer");
        assertEquals(before, LEDGER.read(1, 1000).size());
    }

    @Test
    void badBodies_are400_or413_namingTheProblem() throws Exception {
        assertEquals("the request needs a JSON body with query and sinks", problem(send(gateway, "POST", "/v1/tenants/tenant-a/exports", null), 400)
                .get("detail").asText());
        assertEquals("the request body is not JSON", problem(send(gateway, "POST", "/v1/tenants/tenant-a/exports", "{nope"), 400).get("detail").asText());
        assertEquals("query.metric is required", problem(send(gateway, "POST", "/v1/tenants/tenant-a/exports",
                "{\"query\": {}, \"sinks\": {\"s3\": {\"bucket\": \"abc\"}}}"), 400).get("detail").asText());
        String huge = "{\"query\": {\"metric\": \"" + "m".repeat(20_000) + "\"}}";
        assertTrue(problem(send(gateway, "POST", "/v1/tenants/tenant-a/exports", huge), 413).get("detail").asText().startsWith("the request body must be at most"));
    }

    @Test
    void schedules_arePutListedAndDeleted_withTheirPeriodChecked() throws Exception {
        String body = BODY.replaceFirst("\\{", "{\"every\": \"PT1H\", ");
        assertEquals(201, send(gateway, "PUT", "/v1/tenants/tenant-a/export-schedules/nightly", body).statusCode());
        HttpResponse<String> again = send(gateway, "PUT", "/v1/tenants/tenant-a/export-schedules/nightly", body);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals("PT1H", JSON.readTree(again.body()).get("every").asText());
        JsonNode list = JSON.readTree(send(gateway, "GET", "/v1/tenants/tenant-a/export-schedules", null).body());
        assertEquals(List.of("nightly"), List.of(list.get("schedules").get(0).get("id").asText()));
        assertEquals("exports", list.get("schedules").get(0).get("sinks").get("s3").get("bucket").asText());
        assertEquals("every must be at least PT5M, was PT1M", problem(send(gateway, "PUT", "/v1/tenants/tenant-a/export-schedules/x",
                body.replace("PT1H", "PT1M")), 400).get("detail").asText());
        assertEquals("a schedule's query takes no from or to: each run exports the last 'every'", problem(send(gateway, "PUT",
                "/v1/tenants/tenant-a/export-schedules/x", body.replace("\"metric\": \"temp\"", "\"metric\": \"temp\", \"from\": \"2026-11-24T00:00:00Z\"")),
                400).get("detail").asText());
        assertTrue(problem(send(gateway, "PUT", "/v1/tenants/tenant-a/export-schedules/Bad_Id", body), 400).get("detail").asText()
                .startsWith("a schedule id must be"));
        assertEquals(204, send(gateway, "DELETE", "/v1/tenants/tenant-a/export-schedules/nightly", null).statusCode());
        assertEquals("tenant tenant-a has no export schedule 'nightly'", problem(send(gateway, "DELETE", "/v1/tenants/tenant-a/export-schedules/nightly",
                null), 404).get("detail").asText());
    }

    @Test
    void theScheduler_claimsEachPeriodOnce_evenWhenTheRunFails() {
        ExportScheduler scheduler = gateway.exports().scheduler().orElseThrow();
        ExportRequest request = ExportRequest.parse(JSON.valueToTree(Map.of("query", Map.of("metric", "t"), "sinks", Map.of("s3", Map.of("bucket", "abc")))),
                java.util.Set.of());
        SCHEDULES.put(new ExportSchedules.Schedule("tenant-s", "quarter", request, Duration.ofMinutes(15), Instant.EPOCH));
        Instant t = Instant.parse("2026-11-24T10:07:00Z");
        List<ExportScheduler.Run> runs = scheduler.runDue(t).stream().filter(r -> r.schedule().tenant().equals("tenant-s")).toList();
        assertEquals(1, runs.size());
        assertEquals(Instant.parse("2026-11-24T10:00:00Z"), runs.get(0).periodStart());
        assertFalse(runs.get(0).exported(), "the sink is down");
        assertTrue(scheduler.runDue(t.plusSeconds(400)).stream().noneMatch(r -> r.schedule().tenant().equals("tenant-s")), "same period");
        assertEquals(1, scheduler.runDue(Instant.parse("2026-11-24T10:15:00Z")).stream().filter(r -> r.schedule().tenant().equals("tenant-s")).count());
        SCHEDULES.delete("tenant-s", "quarter");
    }

    @Test
    void aGatewayWithoutExportBackends_answers503_afterTheAccessCheck() throws Exception {
        assertTrue(problem(send(unwired, "POST", "/v1/tenants/tenant-a/exports", BODY), 503).get("detail").asText().startsWith("export is not available"));
        assertTrue(unwired.exports().scheduler().isEmpty());
        problem(send(unwired, "GET", "/v1/tenants/tenant-b/export-schedules", null), 403);
    }
}
