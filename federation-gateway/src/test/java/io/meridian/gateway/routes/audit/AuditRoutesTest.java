package io.meridian.gateway.routes.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meridian.gateway.TestTokens;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.ledger.InMemoryTransferLedger;
import io.meridian.gateway.ledger.TransferRecord;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit routes in-process, against a stub region (and a stub token endpoint) on a local HTTP server: what the gateway
 * asks a region, with which token, and how each way a region can fail is answered. The real region is GatewayExportIT's.
 */
class AuditRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestTokens TOKENS = new TestTokens();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<String> ASKED = new CopyOnWriteArrayList<>();
    private static final InMemoryTransferLedger LEDGER = new InMemoryTransferLedger();
    private static HttpServer stub;
    private static java.util.concurrent.ExecutorService stubThreads;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/realms/meridian/protocol/openid-connect/token",
                x -> reply(x, 200, "{\"access_token\": \"stub-gateway-token\", \"expires_in\": 300}"));
        stub.createContext("/eu/v1/decisions", x -> {
            ASKED.add(x.getRequestURI() + " " + x.getRequestHeaders().getFirst("Authorization"));
            reply(x, 200, x.getRequestURI().getPath().endsWith("/verify")
                    ? "{\"region\": \"eu-central\", \"intact\": true, \"recordsChecked\": 3, \"head\": {\"sequence\": 3}, \"lastGood\": 3}"
                    : "{\"region\": \"eu-central\", \"items\": [{\"sequence\": 5}, {\"sequence\": 6}], \"next\": 7, \"head\": {\"sequence\": 9}}");
        });
        stub.createContext("/broken/v1/decisions", x -> reply(x, 500, "{\"status\": 500}"));
        stub.createContext("/slow/v1/decisions", x -> {
            try {
                Thread.sleep(2500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reply(x, 200, "{}");
        });
        // several threads, so that the slow region does not hold up the others' answers
        stubThreads = java.util.concurrent.Executors.newFixedThreadPool(4);
        stub.setExecutor(stubThreads);
        stub.start();
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        String stubBase = "http://127.0.0.1:" + stub.getAddress().getPort();
        Map<String, String> props = new HashMap<>(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.PORT, "0",
                GatewayConfig.ISSUER, stubBase + "/realms/meridian", GatewayConfig.REGION_TIMEOUT, "PT1S"));
        props.put(GatewayConfig.REGION_PREFIX + "eu-central.dataApi", stubBase + "/eu/v1");
        props.put(GatewayConfig.REGION_PREFIX + "us-east.dataApi", "http://127.0.0.1:" + deadPort + "/v1");
        props.put(GatewayConfig.REGION_PREFIX + "uk-south.dataApi", stubBase + "/broken/v1");
        props.put(GatewayConfig.REGION_PREFIX + "af-south.dataApi", stubBase + "/slow/v1");
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get, Map.of(GatewayConfig.CLIENT_SECRET_ENV, "test-secret")::get);
        for (int i = 1; i <= 3; i++) {
            LEDGER.append(new TransferRecord(TransferRecord.Kind.RECEIVED, "tenant-a", RegionId.of("us-east"), Jurisdiction.of("US"),
                    Jurisdiction.of("EU"), UUID.nameUUIDFromBytes(new byte[] {(byte) i}), i, "ab".repeat(32), 4, 512, Instant.parse("2026-11-24T10:00:00Z"),
                    Optional.empty(), Optional.empty()));
        }
        gateway = Gateway.start(config, TOKENS.validator(), Clock.systemUTC(), LEDGER);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (stub != null) {
            stub.stop(0);
            stubThreads.shutdownNow();
        }
    }

    private static void reply(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }

    private static HttpResponse<String> get(String path, String token, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).timeout(Duration.ofSeconds(20)).GET()
                .header("Authorization", "Bearer " + token);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String auditor() {
        return TOKENS.sign(TestTokens.user(null, "compliance-officer").build());
    }

    private static JsonNode problem(HttpResponse<String> r, int status) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void ledger_isPagedInOrder_withNext_andVerified() throws Exception {
        JsonNode page = JSON.readTree(get("/v1/audit/ledger?from=2&limit=1", auditor()).body());
        assertEquals(1, page.get("entries").size());
        assertEquals(2, page.get("entries").get(0).get("sequence").asLong());
        assertEquals(LEDGER.read(2, 1).get(0).hash(), page.get("entries").get(0).get("hash").asText());
        assertEquals("RECEIVED", page.get("entries").get(0).get("kind").asText());
        assertEquals(3, page.get("next").asLong());
        JsonNode last = JSON.readTree(get("/v1/audit/ledger?from=3", auditor()).body());
        assertTrue(last.get("next").isNull(), last.toString());
        JsonNode v = JSON.readTree(get("/v1/audit/ledger/verify", auditor()).body());
        assertTrue(v.get("intact").asBoolean());
        assertEquals(3, v.get("entriesChecked").asLong());
    }

    @Test
    void queryParameters_comeFromTheQueryString_notFromHeadersOfTheSameName() throws Exception {
        HttpResponse<String> r = get("/v1/audit/ledger", auditor(), "limit", "5000", "from", "0");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(3, JSON.readTree(r.body()).get("entries").size());
        assertTrue(problem(get("/v1/audit/ledger?limit=0", auditor()), 400).get("detail").asText()
                .equals("query parameter limit must be a whole number from 1 to 1000, was '0'"));
        assertTrue(problem(get("/v1/audit/ledger?from=x", auditor()), 400).get("detail").asText().startsWith("query parameter from must be"));
    }

    @Test
    void regionDecisions_areFetchedWithTheGatewaysToken_andPassedOnWithTheRegion() throws Exception {
        HttpResponse<String> r = get("/v1/audit/regions/eu-central/decisions?from=5&limit=2", auditor());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("eu-central", body.get("region").asText());
        assertEquals(7, body.get("next").asLong());
        assertEquals(2, body.get("items").size());
        assertTrue(ASKED.contains("/eu/v1/decisions?from=5&limit=2 Bearer stub-gateway-token"), ASKED.toString());
        r = get("/v1/audit/regions/eu-central/decisions/verify", auditor());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).get("intact").asBoolean());
    }

    @Test
    void anUnknownRegion_is404_aDeadOne503_aSlowOne503_aFailingOne502_eachNamingTheRegion() throws Exception {
        assertTrue(problem(get("/v1/audit/regions/mars-north/decisions", auditor()), 404).get("detail").asText()
                .startsWith("region 'mars-north' is not one of the federation's regions"));
        HttpResponse<String> down = get("/v1/audit/regions/us-east/decisions", auditor());
        assertEquals("region us-east is unreachable", problem(down, 503).get("detail").asText());
        assertEquals("5", down.headers().firstValue("Retry-After").orElse(null));
        assertEquals("region af-south did not answer within 1000 ms", problem(get("/v1/audit/regions/af-south/decisions/verify", auditor()), 503)
                .get("detail").asText());
        assertEquals("region uk-south answered 500 to the decision log request", problem(get("/v1/audit/regions/uk-south/decisions", auditor()), 502)
                .get("detail").asText());
    }

    @Test
    void onlyTheComplianceOfficer_isAdmitted() throws Exception {
        String admin = TOKENS.sign(TestTokens.user("tenant-a", "customer-admin", "customer-analyst").build());
        for (String p : List.of("/v1/audit/ledger", "/v1/audit/ledger/verify", "/v1/audit/regions/eu-central/decisions",
                "/v1/audit/regions/eu-central/decisions/verify")) {
            assertTrue(problem(get(p, admin), 403).get("detail").asText().startsWith("this endpoint needs one of the roles [compliance-officer]"), p);
        }
    }

    @Test
    void aGatewaysServiceClient_mayReadTheLedger_butNotARegionsDecisionsThroughThisGateway() throws Exception {
        // another gateway's audit run reads this ledger with its own client token (a region claim, no realm role)
        String otherGateway = TOKENS.sign(TestTokens.user(null).subject("service-account-gateway-us-east").claim("azp", "gateway-us-east")
                .claim("region", "us-east").build());
        assertEquals(200, get("/v1/audit/ledger", otherGateway).statusCode());
        assertEquals(200, get("/v1/audit/ledger/verify", otherGateway).statusCode());
        assertTrue(problem(get("/v1/audit/regions/eu-central/decisions", otherGateway), 403).get("detail").asText()
                .startsWith("this endpoint needs one of the roles [compliance-officer]"));
        // a user without the role is still refused, and told that a gateway client would do
        String admin = TOKENS.sign(TestTokens.user("tenant-a", "customer-admin").build());
        assertTrue(problem(get("/v1/audit/ledger", admin), 403).get("detail").asText()
                .startsWith("this endpoint needs one of the roles [compliance-officer] or a gateway's service client"));
    }
}
