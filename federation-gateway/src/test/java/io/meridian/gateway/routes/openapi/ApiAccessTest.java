package io.meridian.gateway.routes.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.JWTClaimsSet;
import io.meridian.gateway.TestTokens;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.ledger.InMemoryTransferLedger;
import io.meridian.regions.RegionConfigs;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Access control of every operation, walked from the checked-in OpenAPI document, so that a route added later is covered
 * without editing this test. Each operation declares the roles it admits in {@code x-meridian-roles} (an empty list: any
 * valid token of the realm); operations under {@code /v1/tenants/{tenant}} admit only the tenant's own users (or a
 * gateway client, which no user can be).
 *
 * <p>The gateway runs in this JVM with no catalog, no region and no Keycloak behind it: access is decided before any
 * of them is called, so a refusal here is the gateway's own. The last test shows the declared roles are not merely
 * restrictive but accurate: a caller that holds them gets past the access check (to whatever the missing backends cause).
 */
class ApiAccessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestTokens TOKENS = new TestTokens();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");
    private static final String OWN = "tenant-a";
    private static final String OTHER = "tenant-b";
    private static Gateway gateway;

    /** One documented operation with the roles it declares. */
    private record Operation(String method, String template, List<String> roles) {
        boolean tenantScoped() {
            return template.contains("{tenant}");
        }

        /** The path with sample values, the tenant segment set to {@code tenant}. */
        String path(String tenant) {
            return template.replace("{tenant}", tenant).replace("{device}", "device-1").replace("{region}", "eu-central")
                    .replaceAll("\\{[^}]+}", "x1");
        }

        @Override
        public String toString() {
            return method + " " + template;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Map<String, String> props = new java.util.HashMap<>(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.PORT, "0",
                GatewayConfig.CATALOG_URL, "http://127.0.0.1:" + deadPort + "/v1", GatewayConfig.ISSUER, TestTokens.ISSUER,
                GatewayConfig.CATALOG_TIMEOUT, "PT1S", GatewayConfig.REGION_TIMEOUT, "PT1S"));
        for (var r : RegionConfigs.loadDefault().regions()) {
            props.put(GatewayConfig.REGION_PREFIX + r.id().value() + ".dataApi", "http://127.0.0.1:" + deadPort + "/v1");
        }
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get, Map.of(GatewayConfig.CLIENT_SECRET_ENV, "test-secret")::get);
        gateway = Gateway.start(config, TOKENS.validator(), Clock.systemUTC(), new InMemoryTransferLedger());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static List<Operation> operations() throws Exception {
        JsonNode paths = JSON.readTree(OpenApiRoutes.document()).get("paths");
        List<Operation> ops = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> path = it.next();
            if (path.getKey().equals("/v1/openapi.json")) {
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> m = path.getValue().fields(); m.hasNext();) {
                Map.Entry<String, JsonNode> op = m.next();
                if (!METHODS.contains(op.getKey())) {
                    continue;
                }
                JsonNode roles = op.getValue().get("x-meridian-roles");
                if (roles == null || !roles.isArray()) {
                    fail(op.getKey().toUpperCase() + " " + path.getKey() + " must declare the roles it admits in x-meridian-roles");
                }
                List<String> r = new ArrayList<>();
                roles.forEach(x -> r.add(x.asText()));
                ops.add(new Operation(op.getKey().toUpperCase(), path.getKey(), r));
            }
        }
        return ops;
    }

    private static HttpResponse<String> send(Operation op, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).timeout(Duration.ofSeconds(20));
        if (op.method().equals("POST") || op.method().equals("PUT") || op.method().equals("PATCH")) {
            b.header("Content-Type", "application/json").method(op.method(), HttpRequest.BodyPublishers.ofString("{}"));
        } else {
            b.method(op.method(), HttpRequest.BodyPublishers.noBody());
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), ApiAccessTest::bodyUnlessStream);
    }

    /**
     * The body as a string, except of an event stream ({@code GET /v1/events}), which never ends: its headers are all this
     * test needs, so the body is cancelled at once (which closes the connection, and the gateway ends the stream).
     */
    static HttpResponse.BodySubscriber<String> bodyUnlessStream(HttpResponse.ResponseInfo info) {
        if (!info.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) {
            return HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
        }
        return new HttpResponse.BodySubscriber<>() {
            @Override
            public java.util.concurrent.CompletionStage<String> getBody() {
                return java.util.concurrent.CompletableFuture.completedStage("");
            }

            @Override
            public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
                subscription.cancel();
            }

            @Override
            public void onNext(java.util.List<java.nio.ByteBuffer> item) {
            }

            @Override
            public void onError(Throwable throwable) {
            }

            @Override
            public void onComplete() {
            }
        };
    }

    private static void assertProblem(int status, HttpResponse<String> r, String what) throws Exception {
        assertEquals(status, r.statusCode(), what + ": " + r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""), what);
        assertEquals(status, JSON.readTree(r.body()).get("status").asInt(), what);
    }

    /** Every role of the realm: a caller holding them all still may not cross a tenant. */
    private static String[] allRoles() {
        return new String[] {"customer-admin", "customer-analyst", "compliance-officer"};
    }

    @Test
    void everyOperationButTheDocument_declaresItsRoles() throws Exception {
        assertFalse(operations().isEmpty());
    }

    @Test
    void badTokens_are401_onEveryOperation() throws Exception {
        String good = TOKENS.sign(TestTokens.user(OWN, allRoles()).build());
        String[] parts = good.split("\\.");
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        ((com.fasterxml.jackson.databind.node.ObjectNode) claims).put("tenant", OTHER);
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        Map<String, String> bad = Map.of(
                "expired", TOKENS.sign(TestTokens.user(OWN, allRoles()).expirationTime(Date.from(TestTokens.NOW.minusSeconds(120))).build()),
                "wrong issuer", TOKENS.sign(TestTokens.user(OWN, allRoles()).issuer("http://127.0.0.1:1/realms/elsewhere").build()),
                "wrong audience", TOKENS.sign(TestTokens.user(OWN, allRoles()).audience("account").build()),
                "tampered claims", tampered,
                "forged signature", TOKENS.forge(TestTokens.user(OWN, allRoles()).build()),
                "not a JWT", "not-a-token");
        for (Operation op : operations()) {
            for (Map.Entry<String, String> t : bad.entrySet()) {
                HttpResponse<String> r = send(op, op.path(OWN), t.getValue());
                assertProblem(401, r, op + " with a token " + t.getKey());
                assertEquals("Bearer realm=\"meridian\", error=\"invalid_token\"", r.headers().firstValue("WWW-Authenticate").orElse(null), op.toString());
                assertFalse(r.body().contains(t.getValue()), op + " must not echo the token");
            }
        }
    }

    @Test
    void aMissingRole_is403_onEveryOperationThatNamesRoles() throws Exception {
        for (Operation op : operations()) {
            if (op.roles().isEmpty()) {
                continue;
            }
            Set<String> others = new TreeSet<>(List.of(allRoles()));
            others.removeAll(op.roles());
            others.add("offline_access");
            String token = TOKENS.sign(TestTokens.user(OWN, others.toArray(String[]::new)).build());
            HttpResponse<String> r = send(op, op.path(OWN), token);
            assertProblem(403, r, op + " with roles " + others);
            assertTrue(JSON.readTree(r.body()).get("detail").asText().contains("needs one of the roles"), op + ": " + r.body());
        }
    }

    @Test
    void aTenantsToken_cannotTouchAnotherTenant_onAnyTenantOperation() throws Exception {
        for (Operation op : operations()) {
            if (!op.tenantScoped()) {
                continue;
            }
            String token = TOKENS.sign(TestTokens.user(OWN, allRoles()).build());
            HttpResponse<String> r = send(op, op.path(OTHER), token);
            assertProblem(403, r, op + " of " + OTHER + " with a token of " + OWN);
            assertTrue(JSON.readTree(r.body()).get("detail").asText().contains("may not access tenant " + OTHER), op + ": " + r.body());
            // and a user without any tenant claim
            r = send(op, op.path(OTHER), TOKENS.sign(TestTokens.user(null, allRoles()).build()));
            assertProblem(403, r, op + " with a token without tenant");
        }
    }

    @Test
    void theDeclaredRoles_areAccurate_aHolderGetsPastTheAccessCheck() throws Exception {
        for (Operation op : operations()) {
            List<String> roles = op.roles().isEmpty() ? List.of("customer-analyst") : op.roles();
            for (String role : roles) {
                JWTClaimsSet claims = TestTokens.user(OWN, role).build();
                HttpResponse<String> r = send(op, op.path(OWN), TOKENS.sign(claims));
                assertNotEquals(401, r.statusCode(), op + " as " + role + ": " + r.body());
                if (r.statusCode() == 403) {
                    fail(op + " declares role " + role + " but refused it: " + r.body());
                }
            }
        }
    }
}
