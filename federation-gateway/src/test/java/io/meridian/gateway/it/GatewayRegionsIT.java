package io.meridian.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.keycloak.RealmTokens;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway in this JVM against a real Keycloak and a real catalog process (with the eu-central region node it polls):
 * a user's token gets the region directory with eu-central UP; no token, a bad token and an unknown path get problem+json;
 * and once the catalog is stopped, {@code /v1/regions} is a 503 problem.
 */
@MeridianServices(cassandra = "eu-central", kafka = "eu-central", keycloak = true)
class GatewayRegionsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void regions_comeFromTheCatalog_withRealTokens_andTurn503WhenTheCatalogStops(Federation federation, KeycloakService keycloak) throws Exception {
        federation.start(List.of(ServiceRequest.of("region-node", "eu-central")), Federation.Listener.NONE);
        federation.start(List.of(ServiceRequest.of("catalog")), Federation.Listener.NONE);
        BackingService catalog = federation.service("catalog").orElseThrow();
        Map<String, String> props = Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.PORT, "0",
                GatewayConfig.CATALOG_URL, catalog.endpoints().get("api"), GatewayConfig.ISSUER, keycloak.issuer().toString(),
                GatewayConfig.REGIONS_TTL, "PT1S");
        Map<String, String> env = Map.of(GatewayConfig.CLIENT_SECRET_ENV, MeridianRealm.gatewaySecret("eu-central"));
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get, env::get);
        TokenValidator tokens = new TokenValidator(config.jwksUri(), config.issuer().toString(), GatewayConfig.AUDIENCE, Clock.systemUTC());
        try (Gateway gateway = Gateway.start(config, tokens, Clock.systemUTC(), new io.meridian.gateway.ledger.InMemoryTransferLedger())) {
            String base = "http://127.0.0.1:" + gateway.port();
            String user = userToken(keycloak, MeridianRealm.LAMP_ANALYST);

            // the catalog's health poller finds eu-central UP within a few periods
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            JsonNode answer = null;
            String status = "";
            while (!"UP".equals(status) && System.nanoTime() < deadline) {
                HttpResponse<String> r = get(base + "/v1/regions", user);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
                answer = JSON.readTree(r.body());
                for (JsonNode region : answer.get("regions")) {
                    if (region.get("id").asText().equals("eu-central")) {
                        status = region.get("status").asText();
                    }
                }
                Thread.sleep(500);
            }
            assertEquals("UP", status, String.valueOf(answer));
            assertEquals("eu-central", answer.get("gateway").get("region").asText());
            assertEquals("EU", answer.get("gateway").get("jurisdiction").asText());

            HttpResponse<String> none = get(base + "/v1/regions", null);
            assertEquals("a Keycloak bearer token is required", problem(none, 401).get("detail").asText());
            assertEquals("Bearer realm=\"meridian\"", none.headers().firstValue("WWW-Authenticate").orElse(null));

            // a real token whose signature was altered, and one that is no JWT at all
            String tampered = user.substring(0, user.lastIndexOf('.') + 1) + new StringBuilder(user.substring(user.lastIndexOf('.') + 1)).reverse();
            for (String bad : List.of(tampered, "not-a-token")) {
                HttpResponse<String> r = get(base + "/v1/regions", bad);
                problem(r, 401);
                assertEquals("Bearer realm=\"meridian\", error=\"invalid_token\"", r.headers().firstValue("WWW-Authenticate").orElse(null));
            }

            assertEquals("/v1/devices-nowhere", problem(get(base + "/v1/devices-nowhere", user), 404).get("instance").asText());

            catalog.stop();
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            HttpResponse<String> down = get(base + "/v1/regions", user);
            while (down.statusCode() == 200 && System.nanoTime() < deadline) {
                Thread.sleep(250);
                down = get(base + "/v1/regions", user);
            }
            JsonNode body = problem(down, 503);
            assertTrue(body.get("detail").asText().startsWith("the catalog at 127.0.0.1:"), body.toString());
            assertEquals("5", down.headers().firstValue("Retry-After").orElse(null));
            assertFalse(down.body().contains(user));
        }
    }

    private HttpResponse<String> get(String uri, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(TIMEOUT).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode problem(HttpResponse<String> r, int status) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(status, body.get("status").asInt(), r.body());
        return body;
    }

    private String userToken(KeycloakService keycloak, MeridianRealm.DemoUser user) throws Exception {
        return RealmTokens.of(http, keycloak).user(user);
    }
}
