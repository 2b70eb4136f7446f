package io.meridian.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.ledger.InMemoryTransferLedger;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.keycloak.RealmTokens;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.regions.RegionConfigs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The console's API over a real federation: region node processes of eu-central and us-east, the catalog process,
 * Keycloak, and both gateways in this JVM. Devices of lampco and carehome registered in Germany connect and publish, and
 * {@code /v1/federation/status} shows them; a raw read of each through the us-east gateway is 451 and then a DENY arc
 * eu-central -> us-east in {@code /v1/transfers} and a decision in {@code /v1/transfers/eu-central/us-east}; each tenant's
 * analyst sees only its own tenant's rows and numbers; {@code /v1/events} streams a {@code status} event with the token
 * and is 401 without; Keycloak's {@code meridian-console} client accepts the gateway's {@code /console/} redirect.
 *
 * <p>Tenants: lampco and carehome are the realm users' tenants (the gateway admits only a tenant's own users), with device
 * ids of this class ({@code gwcon-<random>}); they are created in the catalog when missing and otherwise left as they are.
 */
@MeridianServices(cassandra = {"eu-central", "us-east"}, kafka = {"eu-central", "us-east"}, keycloak = true)
class GatewayConsoleApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofMinutes(2);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** A registered device and its MQTT login. */
    private record Device(String tenant, String id, String username, String password) {
    }

    @Test
    void statusTransfersAndEvents_showTheFederationLive_eachTenantOnlyItsOwn(Federation federation, KeycloakService keycloak) throws Exception {
        federation.start(List.of(ServiceRequest.of("region-node", "eu-central"), ServiceRequest.of("region-node", "us-east")),
                Federation.Listener.NONE);
        federation.start(List.of(ServiceRequest.of("catalog")), Federation.Listener.NONE);
        BackingService catalog = federation.service("catalog").orElseThrow();
        // as GatewayDevicesIT: a restart makes the shared catalog know both nodes, whatever an earlier class left running
        catalog.stop();
        catalog.start(Duration.ofMinutes(3));
        BackingService euNode = federation.service("region-node-eu-central").orElseThrow();
        BackingService usNode = federation.service("region-node-us-east").orElseThrow();

        int euPort = freePort();
        int usPort = freePort();
        Map<String, String> links = Map.of(GatewayConfig.REGION_PREFIX + "eu-central.gateway", "http://127.0.0.1:" + euPort + "/v1",
                GatewayConfig.REGION_PREFIX + "us-east.gateway", "http://127.0.0.1:" + usPort + "/v1");
        Map<String, String> euSettings = new HashMap<>(links);
        euSettings.put(GatewayConfig.PORT, String.valueOf(euPort));
        Map<String, String> usSettings = new HashMap<>(links);
        usSettings.put(GatewayConfig.PORT, String.valueOf(usPort));
        try (Gateway eu = gateway(keycloak, catalog, euNode, usNode, "eu-central", euSettings);
                Gateway us = gateway(keycloak, catalog, euNode, usNode, "us-east", usSettings)) {
            String euApi = "http://127.0.0.1:" + eu.port() + "/v1";
            String usApi = "http://127.0.0.1:" + us.port() + "/v1";
            String lampAnalyst = userToken(keycloak, MeridianRealm.LAMP_ANALYST);
            String careAnalyst = userToken(keycloak, MeridianRealm.CARE_ANALYST);
            String auditor = userToken(keycloak, MeridianRealm.AUDITOR);
            ensureTenant(catalog, keycloak, "lampco");
            ensureTenant(catalog, keycloak, "carehome");
            awaitRegionsUp(catalog, keycloak);

            Device lamp = register(euApi, userToken(keycloak, MeridianRealm.LAMP_ADMIN), "lampco");
            Device care = register(euApi, userToken(keycloak, MeridianRealm.CARE_ADMIN), "carehome");
            long lampCount = regionCount(euNode, keycloak, "lampco");
            long careCount = regionCount(euNode, keycloak, "carehome");
            int mqttPort = URI.create(euNode.endpoints().get("mqtt")).getPort();
            // lamp stays connected (a subscriber) while it publishes, so that it counts as connected and as ingest
            Process connected = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-i", "gwcon-sub-" + lamp.id(),
                    "-u", lamp.username(), "-P", lamp.password(), "-q", "1", "-t", "command///req/#", "-W", "600")
                    .redirectErrorStream(true).start();
            try {
                JsonNode[] last = new JsonNode[1];
                JsonNode status = await(() -> {
                    publish(mqttPort, lamp, 3);
                    JsonNode s = JSON.readTree(ok(send("GET", euApi + "/federation/status", lampAnalyst, null)).body());
                    last[0] = s;
                    JsonNode r = region(s, "eu-central");
                    return r.path("devicesRegistered").asLong() >= 1 && r.path("devicesConnected").asLong() >= 1
                            && r.path("ingestPerSecond").asDouble() > 0 ? s : null;
                }, () -> "lampco's device registered, connected and publishing in eu-central's status; last seen: " + last[0]
                        + "; mosquitto_sub alive: " + connected.isAlive());
                assertEquals("lampco", status.at("/scope/tenant").asText());
                assertEquals("UP", region(status, "eu-central").path("health").asText(), status.toString());
                assertEquals("UP", region(status, "us-east").path("health").asText(), status.toString());
                // each tenant's numbers are its own: equal to its count in the region's registry
                JsonNode lampStatus = await(() -> {
                    JsonNode s = JSON.readTree(ok(send("GET", usApi + "/federation/status", lampAnalyst, null)).body());
                    return region(s, "eu-central").path("devicesRegistered").asLong() == lampCount ? s : null;
                }, "lampco's registered count in eu-central, through the us-east gateway");
                assertEquals(1, region(lampStatus, "eu-central").path("devicesConnected").asLong(), lampStatus.toString());
                JsonNode careStatus = await(() -> {
                    JsonNode s = JSON.readTree(ok(send("GET", euApi + "/federation/status", careAnalyst, null)).body());
                    return region(s, "eu-central").path("devicesRegistered").asLong() == careCount ? s : null;
                }, "carehome's registered count in eu-central");
                assertEquals(0, region(careStatus, "eu-central").path("devicesConnected").asLong(), "carehome's device never connected: " + careStatus);
                assertEquals(0.0, region(careStatus, "eu-central").path("ingestPerSecond").asDouble(), careStatus.toString());
                JsonNode totals = JSON.readTree(ok(send("GET", euApi + "/federation/status", auditor, null)).body());
                assertTrue(totals.at("/scope/tenant").isNull(), totals.toString());
                assertTrue(region(totals, "eu-central").path("devicesRegistered").asLong() >= lampCount + careCount, totals.toString());

                // the SSE stream: a status event with the token, 401 without
                assertEquals(401, send("GET", euApi + "/events", null, null).statusCode());
                JsonNode streamed = firstEvent(euApi + "/events", lampAnalyst, "status");
                assertEquals("lampco", streamed.at("/scope/tenant").asText(), streamed.toString());
                assertTrue(region(streamed, "eu-central").path("devicesRegistered").asLong() >= 1, streamed.toString());
            } finally {
                connected.destroyForcibly();
                connected.waitFor(10, TimeUnit.SECONDS);
            }

            // raw reads of each tenant's German device through the us-east gateway: 451, then a DENY arc eu-central -> us-east
            JsonNode lampRefusal = problem(send("GET", usApi + "/tenants/lampco/devices/" + lamp.id() + "/state", lampAnalyst, null), 451);
            JsonNode careRefusal = problem(send("GET", usApi + "/tenants/carehome/devices/" + care.id() + "/state", careAnalyst, null), 451);
            String lampDecision = lampRefusal.get("decisionId").asText();
            String careDecision = careRefusal.get("decisionId").asText();
            JsonNode arcs = await(() -> {
                JsonNode t = JSON.readTree(ok(send("GET", euApi + "/transfers", lampAnalyst, null)).body());
                for (JsonNode a : t.get("arcs")) {
                    if (a.get("from").asText().equals("eu-central") && a.get("to").asText().equals("us-east") && a.get("deny").asLong() >= 1) {
                        return t;
                    }
                }
                return null;
            }, "a DENY arc eu-central -> us-east in /v1/transfers");
            assertEquals("lampco", arcs.at("/scope/tenant").asText());
            for (String[] who : new String[][] {{lampAnalyst, lampDecision, careDecision, "lampco"}, {careAnalyst, careDecision, lampDecision, "carehome"}}) {
                JsonNode behind = JSON.readTree(ok(send("GET", usApi + "/transfers/eu-central/us-east?limit=500", who[0], null)).body());
                List<String> ids = behind.get("decisions").findValuesAsText("decisionId");
                assertTrue(ids.contains(who[1]), "the 451's decision behind the arc: " + behind);
                assertFalse(ids.contains(who[2]), "another tenant's decision: " + behind);
                assertFalse(behind.toString().contains(who[3].equals("lampco") ? "carehome" : "lampco"), behind.toString());
                for (JsonNode d : behind.get("decisions")) {
                    assertEquals(who[3], d.get("tenant").asText());
                    if (d.get("decisionId").asText().equals(who[1])) {
                        assertEquals("DENY", d.get("outcome").asText());
                    }
                }
            }
            // each gateway reads the region logs at most every DecisionFeed.REFRESH_EVERY (2 s): the eu-central gateway's copy
            // may have been read between the two refusals, so it shows both within one more refresh
            await(() -> {
                JsonNode all = JSON.readTree(ok(send("GET", euApi + "/transfers/eu-central/us-east?limit=500", auditor, null)).body());
                return all.get("decisions").findValuesAsText("decisionId").containsAll(List.of(lampDecision, careDecision)) ? all : null;
            }, "both tenants' refusals behind the arc for the auditor, through the eu-central gateway");
            problem(send("GET", euApi + "/transfers/mars-north/us-east", auditor, null), 404);

            // the tenant overview: policies from the catalog, devices per region; never another tenant's
            JsonNode overview = JSON.readTree(ok(send("GET", euApi + "/tenants/lampco/overview", lampAnalyst, null)).body());
            assertEquals("lampco", overview.get("tenant").asText());
            assertTrue(overview.get("allocation").has("policy"), overview.toString());
            JsonNode euDevices = null;
            for (JsonNode r : overview.get("devicesByRegion")) {
                if (r.get("region").asText().equals("eu-central")) {
                    euDevices = r;
                }
            }
            assertNotNull(euDevices, overview.toString());
            assertEquals(lampCount, euDevices.get("devicesRegistered").asLong(), overview.toString());
            problem(send("GET", euApi + "/tenants/carehome/overview", lampAnalyst, null), 403);
            ok(send("GET", euApi + "/tenants/carehome/overview", auditor, null));

            // Keycloak accepts this gateway's console as the redirect of the console client (auth code + PKCE S256)
            for (int port : List.of(eu.port(), us.port())) {
                String redirect = "http://127.0.0.1:" + port + "/console/";
                String query = "client_id=meridian-console&response_type=code&scope=openid&state=s1&code_challenge_method=S256"
                        + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&redirect_uri="
                        + java.net.URLEncoder.encode(redirect, StandardCharsets.UTF_8);
                HttpResponse<String> login = send("GET", keycloak.issuer() + "/protocol/openid-connect/auth?" + query, null, null);
                assertEquals(200, login.statusCode(), login.body());
                assertFalse(login.body().contains("Invalid parameter: redirect_uri"), login.body());
                assertTrue(login.body().contains("kc-form-login") || login.body().contains("name=\"username\""), "the login page: " + login.body());
            }
            signInLikeTheConsole(keycloak, eu.port());

            for (Device d : List.of(lamp, care)) {
                String admin = userToken(keycloak, d.tenant().equals("lampco") ? MeridianRealm.LAMP_ADMIN : MeridianRealm.CARE_ADMIN);
                assertEquals(204, send("DELETE", euApi + "/tenants/" + d.tenant() + "/devices/" + d.id(), admin, null).statusCode());
            }
        }
    }

    /**
     * The console's sign-in as a browser makes it: the login form with lamp-analyst's password, the redirect to the
     * gateway's {@code /console/} with a code, and the token request with the PKCE verifier from the gateway's origin,
     * whose answer must carry CORS's {@code Access-Control-Allow-Origin} for that origin (else the browser hides it).
     */
    private void signInLikeTheConsole(KeycloakService keycloak, int gatewayPort) throws Exception {
        HttpClient browser = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
        String origin = "http://127.0.0.1:" + gatewayPort;
        String redirect = origin + "/console/";
        String verifier = "console-it-verifier-" + UUID.randomUUID() + UUID.randomUUID();
        String challenge = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        String enc = java.net.URLEncoder.encode(redirect, StandardCharsets.UTF_8);
        HttpResponse<String> page = browser.send(HttpRequest.newBuilder(URI.create(keycloak.issuer() + "/protocol/openid-connect/auth?client_id=meridian-console"
                + "&response_type=code&scope=openid&state=s2&code_challenge_method=S256&code_challenge=" + challenge + "&redirect_uri=" + enc))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), page.body());
        // Keycloak marks its login cookies Secure, which a browser still sends to 127.0.0.1 (a secure context) but Java's
        // CookieManager does not over http: carry them by hand
        String cookies = String.join("; ", page.headers().allValues("Set-Cookie").stream().map(c -> c.split(";", 2)[0]).toList());
        java.util.regex.Matcher action = java.util.regex.Pattern.compile("action=\"([^\"]+)\"").matcher(page.body());
        assertTrue(action.find(), page.body());
        HttpResponse<String> signedIn = browser.send(HttpRequest.newBuilder(URI.create(action.group(1).replace("&amp;", "&")))
                .header("Cookie", cookies)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + MeridianRealm.LAMP_ANALYST.username() + "&password="
                        + MeridianRealm.LAMP_ANALYST.password())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, signedIn.statusCode(), signedIn.body());
        String location = signedIn.headers().firstValue("Location").orElseThrow();
        assertTrue(location.startsWith(redirect), location);
        java.util.regex.Matcher code = java.util.regex.Pattern.compile("[?&]code=([^&]+)").matcher(location);
        assertTrue(code.find(), location);
        HttpResponse<String> token = browser.send(HttpRequest.newBuilder(keycloak.tokenEndpoint()).header("Origin", origin)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&client_id=meridian-console&code=" + code.group(1)
                        + "&redirect_uri=" + enc + "&code_verifier=" + verifier)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, token.statusCode(), token.body());
        assertTrue(JSON.readTree(token.body()).hasNonNull("access_token"), token.body());
        String allowed = token.headers().firstValue("Access-Control-Allow-Origin").orElse("");
        assertTrue(allowed.equals(origin) || allowed.equals("*"), "CORS for the console's origin " + origin + ": " + token.headers().map());
    }

    private Device register(String api, String admin, String tenant) throws Exception {
        String id = "gwcon-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> r = send("POST", api + "/tenants/" + tenant + "/devices", admin,
                "{\"device-id\": \"" + id + "\", \"location\": {\"lat\": 50.11, \"lon\": 8.68}}");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode reg = JSON.readTree(r.body());
        assertEquals("eu-central", reg.get("region").asText(), r.body());
        return new Device(tenant, id, reg.at("/credentials/auth-id").asText() + "@" + tenant, reg.at("/credentials/password").asText());
    }

    private static void publish(int port, Device device, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            Process pub = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(port), "-i", "gwcon-pub-" + device.id(),
                    "-u", device.username(), "-P", device.password(), "-q", "1", "-t", "telemetry", "-m", "{\"temperature\": 20.5}")
                    .redirectErrorStream(true).start();
            try {
                assertTrue(pub.waitFor(60, TimeUnit.SECONDS), "mosquitto_pub did not finish");
                assertEquals(0, pub.exitValue(), new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } finally {
                pub.destroyForcibly();
            }
        }
    }

    /** The data of the first event of that name on the stream (at most 30 s), parsed. */
    private JsonNode firstEvent(String uri, String token, String name) throws Exception {
        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"), r.headers().toString());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            Instant deadline = Instant.now().plusSeconds(30);
            String line;
            while (Instant.now().isBefore(deadline) && (line = lines.readLine()) != null) {
                if (line.equals("event: " + name)) {
                    String data = lines.readLine();
                    assertTrue(data.startsWith("data: "), data);
                    return JSON.readTree(data.substring("data: ".length()));
                }
            }
        }
        throw new AssertionError("no " + name + " event within 30 s");
    }

    private long regionCount(BackingService node, KeycloakService keycloak, String tenant) throws Exception {
        HttpResponse<String> r = ok(send("GET", node.endpoints().get("data-api") + "/tenants/" + tenant + "/devices/count", clientToken(keycloak,
                "eu-central"), null));
        return JSON.readTree(r.body()).get("devices").asLong();
    }

    private static JsonNode region(JsonNode status, String id) {
        for (JsonNode r : status.get("regions")) {
            if (r.get("id").asText().equals(id)) {
                return r;
            }
        }
        throw new AssertionError("no region " + id + " in " + status);
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Gateway gateway(KeycloakService keycloak, BackingService catalog, BackingService euNode, BackingService usNode, String region,
            Map<String, String> extra) throws Exception {
        Map<String, String> props = new HashMap<>(Map.of(GatewayConfig.REGION, region, GatewayConfig.PORT, "0",
                GatewayConfig.CATALOG_URL, catalog.endpoints().get("api"), GatewayConfig.ISSUER, keycloak.issuer().toString(),
                GatewayConfig.REGION_TIMEOUT, "PT10S", GatewayConfig.CATALOG_TIMEOUT, "PT10S"));
        props.put(GatewayConfig.REGION_PREFIX + "eu-central.dataApi", euNode.endpoints().get("data-api"));
        props.put(GatewayConfig.REGION_PREFIX + "us-east.dataApi", usNode.endpoints().get("data-api"));
        props.putAll(extra);
        Map<String, String> env = Map.of(GatewayConfig.CLIENT_SECRET_ENV, MeridianRealm.gatewaySecret(region));
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get, env::get);
        TokenValidator tokens = new TokenValidator(config.jwksUri(), config.issuer().toString(), GatewayConfig.AUDIENCE, Clock.systemUTC());
        return Gateway.start(config, tokens, Clock.systemUTC(), new InMemoryTransferLedger());
    }

    /** The tenant in the catalog, created (home EU) when no other test created it; an existing one is left as it is. */
    private void ensureTenant(BackingService catalog, KeycloakService keycloak, String tenant) throws Exception {
        String token = clientToken(keycloak, "us-east");
        String uri = catalog.endpoints().get("api") + "/tenants/" + tenant;
        HttpResponse<String> existing = send("GET", uri, token, null);
        if (existing.statusCode() == 404) {
            HttpResponse<String> put = send("PUT", uri, token, "{\"home-jurisdiction\": \"EU\"}");
            assertTrue(put.statusCode() == 200 || put.statusCode() == 201, put.body());
        } else {
            assertEquals(200, existing.statusCode(), existing.body());
        }
    }

    /** The catalog allocates only to regions it has seen UP. */
    private void awaitRegionsUp(BackingService catalog, KeycloakService keycloak) throws Exception {
        String token = clientToken(keycloak, "eu-central");
        await(() -> {
            JsonNode regions = JSON.readTree(ok(send("GET", catalog.endpoints().get("api") + "/regions", token, null)).body());
            long up = 0;
            for (JsonNode r : regions) {
                if (List.of("eu-central", "us-east").contains(r.get("id").asText()) && "UP".equals(r.get("status").asText())) {
                    up++;
                }
            }
            return up == 2 ? regions : null;
        }, "eu-central and us-east UP in the catalog");
    }

    private interface Probe {
        JsonNode get() throws Exception;
    }

    private static JsonNode await(Probe probe, String what) throws Exception {
        return await(probe, () -> what);
    }

    private static JsonNode await(Probe probe, java.util.function.Supplier<String> what) throws Exception {
        Instant deadline = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(deadline)) {
            JsonNode v = probe.get();
            if (v != null) {
                return v;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not within " + WAIT + ": " + what.get());
    }

    private HttpResponse<String> send(String method, String uri, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> ok(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        return r;
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

    private String clientToken(KeycloakService keycloak, String region) throws Exception {
        return RealmTokens.of(http, keycloak).gateway(region);
    }
}
