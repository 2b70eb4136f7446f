package io.meridian.local.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.local.ServiceMeasurements;
import io.meridian.local.process.FreePorts;
import io.meridian.local.process.StateDirectory;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Starts the real Keycloak with the rendered realm and asks it for tokens. The service is started and
 * stopped here, not by a shared extension, and the last check is that its whole process tree is gone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeycloakServiceIT {

    // The first start on a machine augments Quarkus (30-70 s, more under load); later ones take 13-18 s.
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private RegionConfigs configs;
    private KeycloakService keycloak;

    @BeforeAll
    void startKeycloak() {
        configs = RegionConfigs.loadDefault();
        List<String> regions = configs.regions().stream().map(r -> r.id().value()).toList();
        StateDirectory state = StateDirectory.at(Path.of("target", "meridian-it", "keycloak"));
        keycloak = new KeycloakService(state, KeycloakSettings.of(FreePorts.allocate(), regions).withFreshData(true));
        long t0 = System.nanoTime();
        keycloak.start(START_TIMEOUT);
        ServiceMeasurements.report("keycloak", System.nanoTime() - t0, keycloak.processTree());
    }

    @AfterAll
    void stopKeycloak_leavesNoProcessBehind() {
        List<ProcessHandle> tree = keycloak.processTree();
        assertTrue(tree.size() >= 1, "a running keycloak has a process tree, was " + tree);
        keycloak.stop();
        for (ProcessHandle p : tree) {
            assertFalse(p.isAlive(), "keycloak process " + p.pid() + " must be gone after stop");
        }
        assertFalse(keycloak.isReady());
        assertTrue(keycloak.processTree().isEmpty());
    }

    @Test
    void gatewayClientCredentialsToken_carriesRegionAndAudience() throws Exception {
        JsonNode claims = accessTokenClaims(Map.of(
                "grant_type", "client_credentials",
                "client_id", "gateway-eu-central",
                "client_secret", MeridianRealm.gatewaySecret("eu-central")));

        assertEquals("eu-central", claims.path("region").asText());
        assertEquals("gateway-eu-central", claims.path("azp").asText());
        assertEquals(keycloak.issuer().toString(), claims.path("iss").asText());
        assertTrue(audiences(claims).contains(MeridianRealm.AUDIENCE), "aud was " + claims.path("aud"));
    }

    @Test
    void everyConfiguredRegion_hasAGatewayClientThatNamesIt() throws Exception {
        assertEquals(4, configs.regions().size(), "region-configs holds the four demo regions");
        for (RegionConfig region : configs.regions()) {
            String id = region.id().value();
            JsonNode claims = accessTokenClaims(Map.of(
                    "grant_type", "client_credentials",
                    "client_id", MeridianRealm.gatewayClientId(id),
                    "client_secret", MeridianRealm.gatewaySecret(id)));
            assertEquals(id, claims.path("region").asText(), "region claim of gateway-" + id);
        }
    }

    @Test
    void gatewayWithWrongSecret_isRefused() throws Exception {
        HttpResponse<String> response = postToken(Map.of(
                "grant_type", "client_credentials",
                "client_id", "gateway-eu-central",
                "client_secret", "not-the-secret"));

        assertEquals(401, response.statusCode(), response.body());
    }

    @Test
    void customerAdminPasswordToken_carriesTenantAndRole() throws Exception {
        JsonNode claims = userTokenClaims(MeridianRealm.LAMP_ADMIN);

        assertEquals("lampco", claims.path("tenant").asText());
        assertEquals("lamp-admin", claims.path("preferred_username").asText());
        List<String> roles = realmRoles(claims);
        assertTrue(roles.contains("customer-admin"), "roles were " + roles);
        assertFalse(roles.contains("customer-analyst"), "roles were " + roles);
        assertFalse(roles.contains("compliance-officer"), "roles were " + roles);
        assertTrue(audiences(claims).contains(MeridianRealm.AUDIENCE), "aud was " + claims.path("aud"));
    }

    @Test
    void analystOfAnotherTenant_carriesItsOwnTenant() throws Exception {
        JsonNode claims = userTokenClaims(MeridianRealm.CARE_ANALYST);

        assertEquals("carehome", claims.path("tenant").asText());
        assertTrue(realmRoles(claims).contains("customer-analyst"), "roles were " + realmRoles(claims));
        assertFalse(realmRoles(claims).contains("customer-admin"), "roles were " + realmRoles(claims));
    }

    @Test
    void auditor_isComplianceOfficerWithoutTenant() throws Exception {
        JsonNode claims = userTokenClaims(MeridianRealm.AUDITOR);

        assertTrue(realmRoles(claims).contains("compliance-officer"), "roles were " + realmRoles(claims));
        assertTrue(claims.path("tenant").isMissingNode(), "auditor must carry no tenant, had " + claims.path("tenant"));
    }

    @Test
    void wrongUserPassword_isRefused() throws Exception {
        HttpResponse<String> response = postToken(Map.of(
                "grant_type", "password",
                "client_id", MeridianRealm.CLI_CLIENT,
                "username", "lamp-admin",
                "password", "wrong"));

        assertEquals(401, response.statusCode(), response.body());
    }

    @Test
    void console_acceptsAnyLoopbackPortWithPkce_andRefusesForeignRedirects() throws Exception {
        String challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assertEquals(200, authorize("http://127.0.0.1:" + FreePorts.allocate() + "/console/callback", challenge).statusCode());
        assertEquals(400, authorize("http://evil.example/console/callback", challenge).statusCode());
    }

    @Test
    void console_tokenEndpoint_answersCorsForAGatewayOriginOnAnyLoopbackPort() throws Exception {
        // the console redeems its code from the gateway's origin; without Access-Control-Allow-Origin the browser
        // would hide the token endpoint's answer from it
        String origin = "http://127.0.0.1:" + FreePorts.allocate();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(keycloak.issuer() + "/protocol/openid-connect/token"))
                .header("Origin", origin).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "authorization_code", "code", "not-a-code",
                        "client_id", MeridianRealm.CONSOLE_CLIENT, "redirect_uri", origin + "/console/", "code_verifier",
                        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(origin, r.headers().firstValue("Access-Control-Allow-Origin").orElse(null), r.headers().map().toString());
    }

    private HttpResponse<String> authorize(String redirect, String challenge) throws Exception {
        String query = form(Map.of(
                "client_id", MeridianRealm.CONSOLE_CLIENT,
                "response_type", "code",
                "scope", "openid",
                "redirect_uri", redirect,
                "code_challenge", challenge,
                "code_challenge_method", "S256"));
        URI uri = URI.create(keycloak.issuer() + "/protocol/openid-connect/auth?" + query);
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode userTokenClaims(MeridianRealm.DemoUser user) throws Exception {
        return accessTokenClaims(Map.of(
                "grant_type", "password",
                "client_id", MeridianRealm.CLI_CLIENT,
                "username", user.username(),
                "password", user.password()));
    }

    private JsonNode accessTokenClaims(Map<String, String> form) throws Exception {
        HttpResponse<String> response = postToken(form);
        assertEquals(200, response.statusCode(), response.body());
        String token = json.readTree(response.body()).path("access_token").asText();
        String[] parts = token.split("\\.");
        assertEquals(3, parts.length, "a JWT has three parts, was " + token);
        return json.readTree(Base64.getUrlDecoder().decode(parts[1]));
    }

    private HttpResponse<String> postToken(Map<String, String> form) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(keycloak.tokenEndpoint())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form)))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String form(Map<String, String> fields) {
        return new LinkedHashMap<>(fields).entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static List<String> realmRoles(JsonNode claims) {
        List<String> roles = new ArrayList<>();
        claims.path("realm_access").path("roles").forEach(r -> roles.add(r.asText()));
        return roles;
    }

    private static List<String> audiences(JsonNode claims) {
        List<String> aud = new ArrayList<>();
        JsonNode node = claims.path("aud");
        if (node.isArray()) {
            node.forEach(a -> aud.add(a.asText()));
        } else if (node.isTextual()) {
            aud.add(node.asText());
        }
        return aud;
    }
}
