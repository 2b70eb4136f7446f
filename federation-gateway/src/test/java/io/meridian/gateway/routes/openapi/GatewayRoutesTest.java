package io.meridian.gateway.routes.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.gateway.TestTokens;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.camel.spi.RestRegistry;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway in-process on a free port, with tokens signed locally. The catalog URL points at a port nobody listens on,
 * so {@code /v1/regions} with a valid token must answer 503; the real catalog is {@code GatewayRegionsIT}'s.
 */
class GatewayRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestTokens TOKENS = new TestTokens();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Map<String, String> props = Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.PORT, "0",
                GatewayConfig.CATALOG_URL, "http://127.0.0.1:" + deadPort + "/v1", GatewayConfig.ISSUER, TestTokens.ISSUER,
                GatewayConfig.CATALOG_TIMEOUT, "PT2S");
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get,
                Map.of(GatewayConfig.CLIENT_SECRET_ENV, "test-secret")::get);
        gateway = Gateway.start(config, TOKENS.validator(), Clock.systemUTC(), new io.meridian.gateway.ledger.InMemoryTransferLedger());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static HttpResponse<String> send(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Set<String> documentedOperations() throws IOException {
        JsonNode paths = JSON.readTree(OpenApiRoutes.document()).get("paths");
        Set<String> ops = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> path = it.next();
            path.getValue().fieldNames().forEachRemaining(m -> {
                if (Set.of("get", "put", "post", "delete", "patch", "head", "options").contains(m)) {
                    ops.add(m.toUpperCase() + " " + path.getKey());
                }
            });
        }
        return ops;
    }

    private static JsonNode problem(HttpResponse<String> r, int status) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(status, body.get("status").asInt());
        assertFalse(body.get("detail").asText().isBlank());
        return body;
    }

    @Test
    void openApiDocument_describesExactlyTheRestServicesTheContextRuns() throws Exception {
        Set<String> running = PluginHelper.getRestRegistry(gateway.camel()).listAllRestServices().stream()
                .map(RestRegistry.RestService.class::cast)
                .map(s -> s.getMethod().toUpperCase() + " " + (s.getBasePath() + (s.getUriTemplate() == null ? "" : s.getUriTemplate())))
                .collect(Collectors.toCollection(TreeSet::new));
        // the event stream is a Vert.x route on the same server, not a Camel REST service
        running.addAll(Gateway.STREAM_OPERATIONS);
        assertTrue(running.containsAll(Set.of("GET /v1/openapi.json", "GET /v1/events", "GET /v1/federation/status", "GET /v1/transfers",
                "GET /v1/transfers/{from}/{to}", "GET /v1/tenants/{tenant}/overview", "GET /v1/regions", "GET /v1/audit/ledger", "GET /v1/audit/ledger/verify",
                "GET /v1/audit/regions/{region}/decisions", "GET /v1/audit/regions/{region}/decisions/verify", "POST /v1/tenants/{tenant}/exports",
                "GET /v1/tenants/{tenant}/export-schedules", "PUT /v1/tenants/{tenant}/export-schedules/{id}",
                "DELETE /v1/tenants/{tenant}/export-schedules/{id}", "GET /v1/tenants/{tenant}/aggregates",
                "POST /v1/tenants/{tenant}/devices", "GET /v1/tenants/{tenant}/devices", "GET /v1/tenants/{tenant}/devices/{device}",
                "DELETE /v1/tenants/{tenant}/devices/{device}", "GET /v1/tenants/{tenant}/devices/{device}/state",
                "GET /v1/tenants/{tenant}/devices/{device}/telemetry", "GET /v1/tenants/{tenant}/devices/{device}/events",
                "POST /v1/tenants/{tenant}/devices/{device}/commands")), "sanity: the features' operations run: " + running);
        assertEquals(documentedOperations(), running);
        JsonNode doc = JSON.readTree(OpenApiRoutes.document());
        assertEquals("3.1.0", doc.get("openapi").asText());
    }

    @Test
    void openApiDocument_isServedWithoutAToken_asCheckedIn() throws Exception {
        HttpResponse<String> r = send("GET", "/v1/openapi.json", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(JSON.readTree(OpenApiRoutes.document()), JSON.readTree(r.body()));
    }

    @Test
    void everyDocumentedOperationButTheDocument_refusesARequestWithoutToken() throws Exception {
        for (String op : documentedOperations()) {
            if (op.equals("GET /v1/openapi.json")) {
                continue;
            }
            String[] parts = op.split(" ");
            // path parameters get sample values ({tenant} -> tenant-a, {device} -> device-1, others x1)
            String path = parts[1].replace("{tenant}", "tenant-a").replace("{device}", "device-1").replaceAll("\\{[^}]+}", "x1");
            HttpResponse<String> r = send(parts[0], path, null);
            problem(r, 401);
            assertEquals("Bearer realm=\"meridian\"", r.headers().firstValue("WWW-Authenticate").orElse(null), op);
        }
    }

    @Test
    void forgedToken_is401_invalidToken_andTheTokenIsNotEchoed() throws Exception {
        String forged = TOKENS.forge(TestTokens.user("lampco", "customer-admin").build());
        HttpResponse<String> r = send("GET", "/v1/regions", forged);
        assertEquals("the bearer token's signature is not valid", problem(r, 401).get("detail").asText());
        assertEquals("Bearer realm=\"meridian\", error=\"invalid_token\"", r.headers().firstValue("WWW-Authenticate").orElse(null));
        assertNull(r.headers().firstValue("Authorization").orElse(null));
        assertFalse(r.body().contains(forged));
    }

    @Test
    void unknownPath_is404_andWrongMethod_is405_asProblems() throws Exception {
        assertEquals("/v1/nowhere", problem(send("GET", "/v1/nowhere", null), 404).get("instance").asText());
        HttpResponse<String> r = send("DELETE", "/v1/regions", null);
        problem(r, 405);
        assertEquals("GET", r.headers().firstValue("Allow").orElse(null));
    }

    @Test
    void regions_whenTheCatalogIsDown_is503_withRetryAfter() throws Exception {
        HttpResponse<String> r = send("GET", "/v1/regions", TOKENS.sign(TestTokens.user("lampco", "customer-analyst").build()));
        JsonNode body = problem(r, 503);
        assertTrue(body.get("detail").asText().startsWith("the gateway cannot get its own token from Keycloak")
                || body.get("detail").asText().startsWith("the catalog at"), body.toString());
        assertEquals("5", r.headers().firstValue("Retry-After").orElse(null));
    }
}
