package io.meridian.gateway.routes.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meridian.gateway.TestTokens;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.ledger.InMemoryTransferLedger;
import io.meridian.gateway.routes.events.EventStreams;
import io.meridian.regions.RegionConfigs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's endpoints on an in-process gateway whose regions, token endpoint and other gateway are stand-ins on one
 * loopback server (fakes for a fast test; GatewayConsoleApiIT runs the real federation): scopes and tenant isolation, the
 * transfer arcs, the event stream's auth, bound and clean-up, and the static files with their path checks.
 */
class ConsoleRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestTokens TOKENS = new TestTokens();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final String T = "2026-11-24T11:30:00Z";
    private static HttpServer stub;
    private static Gateway gateway;
    private static final List<String> statsQueries = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        stub.setExecutor(Executors.newCachedThreadPool());
        stub.createContext("/realms/meridian/protocol/openid-connect/token", e -> send(e, 200,
                "{\"access_token\":\"gateway-token\",\"expires_in\":300}"));
        stub.createContext("/eu-central/stats", e -> {
            String q = e.getRequestURI().getRawQuery();
            statsQueries.add(String.valueOf(q));
            send(e, 200, q != null && q.equals("tenant=tenant-a")
                    ? "{\"region\":\"eu-central\",\"tenant\":\"tenant-a\",\"devicesRegistered\":5,\"devicesConnected\":2,\"ingestPerSecond\":1.5}"
                    : "{\"region\":\"eu-central\",\"devicesRegistered\":50,\"devicesConnected\":20,\"ingestPerSecond\":15.0}");
        });
        stub.createContext("/us-east/stats", e -> send(e, 503, "{}"));
        stub.createContext("/eu-central/decisions", e -> send(e, 200, "{\"region\":\"eu-central\",\"head\":{\"sequence\":4,\"hash\":\"x\"},\"items\":["
                + decision(1, "DENY", "tenant-a", "us-east", 0) + "," + decision(2, "ALLOW", "tenant-b", "us-east", 3) + ","
                + decision(3, "ALLOW", "tenant-a", "eu-central", 0) + "," + decision(4, "PARTIAL", "tenant-a", null, 1) + "]}"));
        stub.createContext("/us-east/decisions", e -> send(e, 200, "{\"region\":\"us-east\",\"head\":{\"sequence\":0,\"hash\":\"x\"},\"items\":[]}"));
        stub.createContext("/gw-us-east/v1/audit/ledger", e -> send(e, 200, "{\"entries\":[" + ledger("tenant-a", 1) + "," + ledger("tenant-b", 2)
                + "],\"next\":null}"));
        stub.start();
        String base = "http://127.0.0.1:" + stub.getAddress().getPort();
        Map<String, String> props = new HashMap<>(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.PORT, "0",
                GatewayConfig.CATALOG_URL, base + "/catalog/v1", GatewayConfig.ISSUER, base + "/realms/meridian",
                GatewayConfig.CATALOG_TIMEOUT, "PT1S", GatewayConfig.REGION_TIMEOUT, "PT2S", GatewayConfig.REGIONS, "eu-central,us-east"));
        for (String r : List.of("eu-central", "us-east")) {
            props.put(GatewayConfig.REGION_PREFIX + r + ".dataApi", base + "/" + r);
        }
        props.put(GatewayConfig.REGION_PREFIX + "us-east.gateway", base + "/gw-us-east/v1");
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get, Map.of(GatewayConfig.CLIENT_SECRET_ENV, "s")::get);
        // the gateway's clock is the tokens' (their expiry is 5 min after TestTokens.NOW), and the decisions are 30 min before it
        gateway = Gateway.start(config, TOKENS.validator(), Clock.fixed(TestTokens.NOW, ZoneOffset.UTC), new InMemoryTransferLedger());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (stub != null) {
            stub.stop(0);
        }
    }

    private static String decision(long seq, String outcome, String tenant, String destinationRegion, int suppressed) {
        return "{\"sequence\":" + seq + ",\"decisionId\":\"00000000-0000-0000-0000-00000000000" + seq + "\",\"time\":\"" + T
                + "\",\"tenant\":\"" + tenant + "\",\"sourceRegion\":\"eu-central\",\"outcome\":\"" + outcome + "\",\"rules\":[\"R1\"],"
                + "\"suppressedCounts\":{\"k\":" + suppressed + "}" + (destinationRegion == null ? "" : ",\"destinationRegion\":\"" + destinationRegion + "\"")
                + ",\"payloadHash\":\"" + "a".repeat(64) + "\"}";
    }

    private static String ledger(String tenant, long seq) {
        return "{\"chain\":\"us-east.1\",\"sequence\":" + seq + ",\"kind\":\"RECEIVED\",\"tenant\":\"" + tenant
                + "\",\"sourceRegion\":\"eu-central\",\"sourceDecisionId\":\"00000000-0000-0000-0000-000000000002\",\"payloadHash\":\""
                + "b".repeat(64) + "\",\"at\":\"" + T + "\"}";
    }

    private static void send(HttpExchange e, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        e.getResponseHeaders().set("Content-Type", "application/json");
        e.sendResponseHeaders(status, bytes.length);
        e.getResponseBody().write(bytes);
        e.close();
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).timeout(Duration.ofSeconds(20)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String analyst(String tenant) {
        return TOKENS.sign(TestTokens.user(tenant, "customer-analyst").build());
    }

    private static String auditor() {
        return TOKENS.sign(TestTokens.user(null, "compliance-officer").build());
    }

    private static JsonNode ok(HttpResponse<String> r) throws IOException {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static void problem(HttpResponse<String> r, int status, String detailPart) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""), r.body());
        assertTrue(JSON.readTree(r.body()).path("detail").asText().contains(detailPart), r.body());
    }

    private static JsonNode region(JsonNode status, String id) {
        for (JsonNode r : status.path("regions")) {
            if (r.path("id").asText().equals(id)) {
                return r;
            }
        }
        throw new AssertionError("no region " + id + " in " + status);
    }

    @Test
    void status_aCustomerSeesItsTenantsNumbers_anAuditorTheTotals_aSilentRegionIsUnavailable() throws Exception {
        JsonNode mine = ok(get("/v1/federation/status", analyst("tenant-a")));
        assertEquals("tenant-a", mine.path("scope").path("tenant").asText());
        JsonNode eu = region(mine, "eu-central");
        assertEquals("UP", eu.path("health").asText());
        assertEquals("EU", eu.path("jurisdiction").asText());
        assertEquals(5, eu.path("devicesRegistered").asLong());
        assertEquals(2, eu.path("devicesConnected").asLong());
        assertEquals(1.5, eu.path("ingestPerSecond").asDouble());
        JsonNode us = region(mine, "us-east");
        assertEquals("UNAVAILABLE", us.path("health").asText());
        assertTrue(us.path("devicesRegistered").isNull() && us.path("ingestPerSecond").isNull(), us.toString());
        assertTrue(statsQueries.contains("tenant=tenant-a"), statsQueries.toString());

        JsonNode all = ok(get("/v1/federation/status", auditor()));
        assertTrue(all.path("scope").path("tenant").isNull(), all.toString());
        assertEquals(50, region(all, "eu-central").path("devicesRegistered").asLong());
        // a token with a customer role is a customer's, whatever else it holds
        JsonNode both = ok(get("/v1/federation/status", TOKENS.sign(TestTokens.user("tenant-a", "customer-admin", "compliance-officer").build())));
        assertEquals(5, region(both, "eu-central").path("devicesRegistered").asLong());
        problem(get("/v1/federation/status?tenant=tenant-b", analyst("tenant-a")), 400, "query parameter tenant is not known");
    }

    @Test
    void transfers_areArcsBetweenRegions_ofTheCallersTenantOnly() throws Exception {
        JsonNode a = ok(get("/v1/transfers", analyst("tenant-a")));
        assertEquals(1, a.path("arcs").size(), a.toString());
        JsonNode arc = a.path("arcs").get(0);
        assertEquals("eu-central", arc.path("from").asText());
        assertEquals("us-east", arc.path("to").asText());
        assertEquals(List.of(0L, 0L, 1L, 0L), List.of(arc.path("allow").asLong(), arc.path("partial").asLong(), arc.path("deny").asLong(),
                arc.path("suppressedCells").asLong()));
        JsonNode all = ok(get("/v1/transfers", auditor()));
        JsonNode total = all.path("arcs").get(0);
        assertEquals(1, all.path("arcs").size(), all.toString());
        assertEquals(1, total.path("allow").asLong());
        assertEquals(1, total.path("deny").asLong());
        assertEquals(3, total.path("suppressedCells").asLong());
        assertEquals(0, all.path("unavailableRegions").size(), all.toString());

        JsonNode behind = ok(get("/v1/transfers/eu-central/us-east", analyst("tenant-a")));
        assertEquals(1, behind.path("decisions").size(), behind.toString());
        assertEquals("DENY", behind.path("decisions").get(0).path("outcome").asText());
        assertEquals(1, behind.path("ledger").size(), behind.toString());
        assertEquals("tenant-a", behind.path("ledger").get(0).path("tenant").asText());
        JsonNode b = ok(get("/v1/transfers/eu-central/us-east", analyst("tenant-b")));
        assertFalse(b.toString().contains("tenant-a"), b.toString());
        assertEquals(2, ok(get("/v1/transfers/eu-central/us-east", auditor())).path("ledger").size());

        problem(get("/v1/transfers/mars-north/us-east", auditor()), 404, "mars-north");
        problem(get("/v1/transfers?from=2026-11-24T12:00:00Z&to=2026-11-24T11:00:00Z", auditor()), 400, "from must be before to");
        problem(get("/v1/transfers?from=2026-11-20T12:00:00Z&to=2026-11-24T11:00:00Z", auditor()), 400, "longer than PT24H");
        problem(get("/v1/transfers?from=yesterday", auditor()), 400, "ISO-8601");
        problem(get("/v1/transfers/eu-central/us-east?limit=501", auditor()), 400, "limit");
    }

    @Test
    void events_needAToken_sendStatusAtOnce_areBoundedPerUser_andStopWhenTheClientGoes() throws Exception {
        problem(get(EventStreams.PATH, null), 401, "bearer token is required");
        String token = TOKENS.sign(TestTokens.user("tenant-a", "customer-analyst").subject("streamer").build());
        List<InputStream> streams = new ArrayList<>();
        try {
            for (int i = 0; i < EventStreams.MAX_PER_SUBJECT; i++) {
                HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + EventStreams.PATH))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, r.statusCode());
                assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
                streams.add(r.body());
            }
            BufferedReader first = new BufferedReader(new InputStreamReader(streams.get(0), StandardCharsets.UTF_8));
            String line;
            String data = null;
            while ((line = first.readLine()) != null) {
                if (line.equals("event: status")) {
                    data = first.readLine();
                    break;
                }
            }
            assertTrue(data != null && data.startsWith("data: {"), String.valueOf(data));
            assertEquals("tenant-a", JSON.readTree(data.substring(6)).path("scope").path("tenant").asText());
            problem(get(EventStreams.PATH, token), 429, "at most " + EventStreams.MAX_PER_SUBJECT);
            assertEquals(EventStreams.MAX_PER_SUBJECT, gateway.events().open());
        } finally {
            for (InputStream s : streams) {
                s.close();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (gateway.events().open() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0, gateway.events().open(), "every stream stopped (its timers cancelled) once its client went away");
    }

    @Test
    void consoleFiles_areServedFromTheClasspath_withoutTraversal() throws Exception {
        HttpResponse<String> redirect = get("/console", null);
        assertEquals(302, redirect.statusCode());
        assertEquals("/console/", redirect.headers().firstValue("location").orElse(""));
        HttpResponse<String> index = get("/console/", null);
        assertEquals(200, index.statusCode(), index.body());
        assertTrue(index.body().contains("console fixture"));
        assertEquals("no-cache", index.headers().firstValue("cache-control").orElse(""));
        assertTrue(index.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        HttpResponse<String> js = get("/console/assets/app.js", null);
        assertEquals(200, js.statusCode());
        assertTrue(js.headers().firstValue("content-type").orElse("").startsWith("text/javascript"));
        problem(get("/console/assets/missing.js", null), 404, "no console file");
        for (String probe : List.of("/console/%2e%2e/%2e%2e/io/meridian/gateway/app/Gateway.class", "/console/..%2f..%2fopenapi%2fgateway-api.json",
                "/console/assets/..%5c..%5cindex.html", "/console/.hidden", "/console/assets", "/console/%00index.html")) {
            HttpResponse<String> r = get(probe, null);
            assertEquals(404, r.statusCode(), probe + ": " + r.body());
            assertFalse(r.body().contains("openapi") && r.body().contains("paths"), probe);
        }
        JsonNode config = ok(get("/console/config.json", null));
        assertEquals(gateway.config().issuer().toString(), config.path("issuer").asText());
        assertEquals("meridian-console", config.path("clientId").asText());
        assertEquals("eu-central", config.path("gateway").path("region").asText());
        assertEquals("EU", config.path("gateway").path("jurisdiction").asText());
        assertNull(config.get("secret"));
    }
}
