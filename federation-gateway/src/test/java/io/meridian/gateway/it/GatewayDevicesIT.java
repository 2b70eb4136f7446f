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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Devices through two gateways (eu-central and us-east, in this JVM) over real region node processes of both regions, the
 * catalog process and Keycloak: a device registered through the eu-central gateway lands in Germany and publishes with
 * mosquitto_pub; its state and telemetry come through the eu-central gateway, while the us-east gateway answers 451 with a
 * Link to eu-central's gateway after eu-central logged the DENY; both gateways list; a one-way command sent through the
 * us-east gateway reaches the device (mosquitto_sub); another tenant's analyst gets 403 everywhere; the device is deleted.
 *
 * <p>Tenant: the realm's users are all of lampco (or carehome), and the gateway admits only a tenant's own users, so this
 * uses lampco with device ids of its own ({@code gwit-<random>}). lampco is created in the catalog when missing, and left
 * as it is when another test created it.
 */
@MeridianServices(cassandra = {"eu-central", "us-east"}, kafka = {"eu-central", "us-east"}, keycloak = true)
class GatewayDevicesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String TENANT = "lampco";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void devices_registeredInGermany_areServedAtHome_refused451Abroad_listed_commanded_andDeleted(Federation federation,
            KeycloakService keycloak) throws Exception {
        federation.start(List.of(ServiceRequest.of("region-node", "eu-central"), ServiceRequest.of("region-node", "us-east")),
                Federation.Listener.NONE);
        federation.start(List.of(ServiceRequest.of("catalog")), Federation.Listener.NONE);
        BackingService catalog = federation.service("catalog").orElseThrow();
        // The catalog is shared by the run's IT classes: an earlier one may have started it when only eu-central's node ran
        // (it learns the region nodes' endpoints when it starts, so us-east would never be UP for it), or stopped it to see
        // the gateway's 503. A restart now makes it know both nodes; its state is in Cassandra and its key file, and stays.
        catalog.stop();
        catalog.start(Duration.ofMinutes(3));
        BackingService euNode = federation.service("region-node-eu-central").orElseThrow();
        BackingService usNode = federation.service("region-node-us-east").orElseThrow();

        // eu-central's gateway on a port chosen here, so that both gateways name it as eu-central's gateway (the Link)
        int euPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            euPort = s.getLocalPort();
        }
        Map<String, String> euGateway = Map.of(GatewayConfig.REGION_PREFIX + "eu-central.gateway", "http://127.0.0.1:" + euPort + "/v1");
        Map<String, String> euSettings = new HashMap<>(euGateway);
        euSettings.put(GatewayConfig.PORT, String.valueOf(euPort));
        try (Gateway eu = gateway(keycloak, catalog, euNode, usNode, "eu-central", euSettings);
                Gateway us = gateway(keycloak, catalog, euNode, usNode, "us-east", euGateway)) {
            assertEquals(euPort, eu.port());
            String euBase = "http://127.0.0.1:" + eu.port() + "/v1/tenants/" + TENANT + "/devices";
            String usBase = "http://127.0.0.1:" + us.port() + "/v1/tenants/" + TENANT + "/devices";
            String admin = userToken(keycloak, MeridianRealm.LAMP_ADMIN);
            String analyst = userToken(keycloak, MeridianRealm.LAMP_ANALYST);
            ensureTenant(catalog, keycloak);
            awaitRegionsUp(catalog, keycloak);

            // register in Germany through the eu-central gateway
            String device = "gwit-" + UUID.randomUUID().toString().substring(0, 8);
            HttpResponse<String> registered = send("POST", euBase, admin,
                    "{\"device-id\": \"" + device + "\", \"location\": {\"lat\": 50.11, \"lon\": 8.68}, \"labels\": {\"model\": \"classic\"}}");
            assertEquals(201, registered.statusCode(), registered.body());
            JsonNode registration = JSON.readTree(registered.body());
            assertEquals("eu-central", registration.get("region").asText(), registered.body());
            String username = registration.at("/credentials/auth-id").asText() + "@" + TENANT;
            String password = registration.at("/credentials/password").asText();
            assertFalse(password.isBlank(), registered.body());

            JsonNode got = JSON.readTree(ok(send("GET", euBase + "/" + device, analyst, null)).body());
            assertEquals("eu-central", got.get("region").asText());
            assertEquals("EU", got.get("jurisdiction").asText());
            assertEquals("http://127.0.0.1:" + eu.port() + "/v1", got.get("homeGateway").asText());
            assertEquals("classic", got.at("/labels/model").asText(), "labels from the home region: " + got);
            JsonNode gotAbroad = JSON.readTree(ok(send("GET", usBase + "/" + device, analyst, null)).body());
            assertEquals("eu-central", gotAbroad.get("region").asText());
            assertFalse(gotAbroad.has("labels"), "device identity stays home: " + gotAbroad);

            // publish with the returned credentials; the same distinctive value under the names a tenant mapping may use
            int mqttPort = URI.create(euNode.endpoints().get("mqtt")).getPort();
            String payload = "{\"temperature\": 21.75, \"env\": {\"temp\": 21.75}, \"marker\": \"" + device + "\"}";
            Process pub = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-i", "gwit-pub-" + device,
                    "-u", username, "-P", password, "-q", "1", "-t", "telemetry", "-m", payload).redirectErrorStream(true).start();
            try {
                assertTrue(pub.waitFor(60, TimeUnit.SECONDS), "mosquitto_pub did not finish");
                assertEquals(0, pub.exitValue(), new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } finally {
                pub.destroyForcibly();
            }

            // at home: the telemetry row and the state, through the eu-central gateway
            JsonNode telemetry = await(() -> {
                HttpResponse<String> r = send("GET", euBase + "/" + device + "/telemetry?limit=10", analyst, null);
                assertEquals(200, r.statusCode(), r.body());
                JsonNode body = JSON.readTree(r.body());
                return body.get("items").size() > 0 ? body : null;
            }, "the telemetry row through the eu-central gateway");
            assertEquals(payload, telemetry.at("/items/0/payload").asText(), telemetry.toString());
            HttpResponse<String> state = ok(send("GET", euBase + "/" + device + "/state", admin, null));
            JsonNode metrics = JSON.readTree(state.body()).get("metrics");
            assertNotNull(metrics, state.body());
            boolean published = false;
            for (JsonNode m : metrics) {
                published |= m.get("value").asDouble() == 21.75;
            }
            assertTrue(published, "the state holds the published value: " + state.body());

            // abroad: 451 with the Link to eu-central's gateway, and eu-central logged the DENY
            for (String what : List.of("state", "telemetry", "events")) {
                HttpResponse<String> refused = send("GET", usBase + "/" + device + "/" + what, analyst, null);
                JsonNode problem = problem(refused, 451);
                assertEquals("<http://127.0.0.1:" + eu.port() + "/v1/tenants/" + TENANT + "/devices/" + device + "/" + what + ">; rel=\"alternate\"",
                        refused.headers().firstValue("Link").orElse(null));
                assertEquals("R1", problem.get("rule").asText());
                assertEquals("eu-central", problem.get("homeRegion").asText());
                assertFalse(refused.body().contains("21.75"), refused.body());
                JsonNode record = decision(euNode, keycloak, problem.get("decisionSequence").asLong());
                assertEquals(problem.get("decisionId").asText(), record.get("decisionId").asText());
                assertEquals("DENY", record.get("outcome").asText());
                assertEquals("client:" + MeridianRealm.gatewayClientId("us-east"), record.get("requester").asText());
                assertEquals("us-east", record.get("destinationRegion").asText());
            }

            // the lists: eu-central lists the device; us-east counts it under eu-central, with the link
            JsonNode euList = JSON.readTree(ok(send("GET", euBase + "?pageSize=500", analyst, null)).body());
            assertEquals("UP", euList.at("/devices/status").asText());
            assertTrue(euList.at("/devices/items").findValuesAsText("id").contains(device), euList.toString());
            JsonNode usList = JSON.readTree(ok(send("GET", usBase, analyst, null)).body());
            assertEquals("us-east", usList.at("/devices/region").asText());
            assertEquals("UP", usList.at("/devices/status").asText(), usList.toString());
            assertFalse(usList.toString().contains(device), "no device id of eu-central through us-east: " + usList);
            JsonNode euCount = null;
            for (JsonNode r : usList.get("otherRegions")) {
                if (r.get("region").asText().equals("eu-central")) {
                    euCount = r;
                }
            }
            assertNotNull(euCount, usList.toString());
            assertEquals("UP", euCount.get("status").asText(), euCount.toString());
            assertTrue(euCount.get("devices").asLong() >= 1, euCount.toString());
            assertEquals("http://127.0.0.1:" + eu.port() + "/v1/tenants/" + TENANT + "/devices", euCount.get("link").asText());
            for (JsonNode r : usList.get("otherRegions")) {
                if (r.get("region").asText().equals("af-south")) {
                    assertEquals("UNAVAILABLE", r.get("status").asText(), "af-south runs no node here: " + r);
                }
            }

            // a one-way command through the us-east gateway reaches the device in eu-central
            Process sub = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-i", "gwit-sub-" + device,
                    "-u", username, "-P", password, "-q", "1", "-t", "command///req/#", "-v", "-C", "1", "-W", "120")
                    .redirectErrorStream(true).start();
            try {
                BlockingQueue<String> lines = lines(sub);
                Instant deadline = Instant.now().plus(WAIT);
                String received = null;
                // until the router has registered the subscription, a one-way command is not delivered: send again
                while (received == null && Instant.now().isBefore(deadline)) {
                    HttpResponse<String> sent = send("POST", usBase + "/" + device + "/commands", admin,
                            "{\"name\": \"setBrightness\", \"payload\": {\"brightness\": 7}}");
                    assertEquals(202, sent.statusCode(), sent.body());
                    received = lines.poll(3, TimeUnit.SECONDS);
                }
                assertEquals("command///req//setBrightness {\"brightness\":7}", received);
            } finally {
                sub.destroyForcibly();
                sub.waitFor(10, TimeUnit.SECONDS);
            }
            // a request-response command's answer is device data: not through the us-east gateway
            problem(send("POST", usBase + "/" + device + "/commands", admin, "{\"name\": \"getLumen\", \"responseRequired\": true}"), 451);

            // another tenant's analyst gets 403 on every device operation of lampco (on the admin-only ones for the role
            // already), and another tenant's admin, who has every role these operations name, 403 for the tenant
            String strangerAnalyst = userToken(keycloak, MeridianRealm.CARE_ANALYST);
            String strangerAdmin = userToken(keycloak, MeridianRealm.CARE_ADMIN);
            for (String[] op : new String[][] {{"POST", ""}, {"GET", ""}, {"GET", "/" + device}, {"DELETE", "/" + device},
                    {"GET", "/" + device + "/state"}, {"GET", "/" + device + "/telemetry"}, {"GET", "/" + device + "/events"},
                    {"POST", "/" + device + "/commands"}}) {
                String body = op[0].equals("POST") ? "{\"device-id\": \"x\", \"name\": \"x\"}" : null;
                for (String base : List.of(euBase, usBase)) {
                    HttpResponse<String> r = send(op[0], base + op[1], strangerAnalyst, body);
                    String detail = problem(r, 403).get("detail").asText();
                    assertTrue(detail.contains("may not access tenant " + TENANT) || detail.contains("needs one of the roles [customer-admin]"),
                            op[0] + " " + op[1] + ": " + r.body());
                    r = send(op[0], base + op[1], strangerAdmin, body);
                    assertTrue(problem(r, 403).get("detail").asText().contains("may not access tenant " + TENANT), op[0] + " " + op[1] + ": " + r.body());
                }
            }
            // an analyst may read but not write
            problem(send("DELETE", euBase + "/" + device, analyst, null), 403);

            HttpResponse<String> deleted = send("DELETE", euBase + "/" + device, admin, null);
            assertEquals(204, deleted.statusCode(), deleted.body());
            problem(send("GET", euBase + "/" + device, analyst, null), 404);
            problem(send("GET", usBase + "/" + device + "/state", analyst, null), 404);
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

    /** lampco in the catalog, created (home EU) when no other test created it; an existing one is left as it is. */
    private void ensureTenant(BackingService catalog, KeycloakService keycloak) throws Exception {
        String token = clientToken(keycloak, "us-east");
        String uri = catalog.endpoints().get("api") + "/tenants/" + TENANT;
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

    private JsonNode decision(BackingService node, KeycloakService keycloak, long sequence) throws Exception {
        HttpResponse<String> log = ok(send("GET", node.endpoints().get("data-api") + "/decisions?from=" + sequence + "&limit=1",
                userToken(keycloak, MeridianRealm.AUDITOR), null));
        return JSON.readTree(log.body()).get("items").get(0);
    }

    private interface Probe {
        JsonNode get() throws Exception;
    }

    private static JsonNode await(Probe probe, String what) throws Exception {
        Instant deadline = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(deadline)) {
            JsonNode v = probe.get();
            if (v != null) {
                return v;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not within " + WAIT + ": " + what);
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

    private static BlockingQueue<String> lines(Process process) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("read failed: " + e);
            }
        }, "mosquitto_sub-output");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private String userToken(KeycloakService keycloak, MeridianRealm.DemoUser user) throws Exception {
        return RealmTokens.of(http, keycloak).user(user);
    }

    private String clientToken(KeycloakService keycloak, String region) throws Exception {
        return RealmTokens.of(http, keycloak).gateway(region);
    }
}
