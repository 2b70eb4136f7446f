package io.meridian.gateway.routes.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.client.ClientToken;
import io.meridian.gateway.client.RegionBreakers;
import io.meridian.gateway.client.RegionClient;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device routes' logic against stub HTTP servers: a token endpoint, a catalog and the data APIs of eu-central and
 * us-east; af-south's data API is a closed port (a region that is down). The gateway is us-east's.
 */
class DeviceServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "t1";
    private static final String EU_GATEWAY = "http://gw-eu.test:8090/v1";
    private static final String AF_GATEWAY = "http://gw-af.test:8090/v1";

    /** A canned answer of a stub: status, content type and body. */
    private record Canned(int status, String contentType, String body) {
        static Canned json(int status, String body) {
            return new Canned(status, status >= 400 ? "application/problem+json" : "application/json", body);
        }
    }

    private static HttpServer stub;
    private static int deadPort;
    private static final Map<String, Canned> answers = new ConcurrentHashMap<>();
    private static final List<String> calls = new CopyOnWriteArrayList<>();
    private static DeviceService service;
    private static DeviceService serviceWithoutCatalog;

    @BeforeAll
    static void start() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/", DeviceServiceTest::answer);
        stub.start();
        String base = "http://127.0.0.1:" + stub.getAddress().getPort();
        service = service(base + "/catalog/v1", base);
        serviceWithoutCatalog = service("http://127.0.0.1:" + deadPort + "/v1", base);
    }

    private static DeviceService service(String catalog, String base) {
        return service(catalog, base, Map.of(), false);
    }

    /** With {@code breakers}, the region calls go through a fresh set of region breakers configured by {@code extra}. */
    private static DeviceService service(String catalog, String base, Map<String, String> extra, boolean breakers) {
        Map<String, String> props = new HashMap<>(Map.of(GatewayConfig.REGION, "us-east", GatewayConfig.PORT, "0",
                GatewayConfig.CATALOG_URL, catalog, GatewayConfig.CATALOG_TIMEOUT, "PT2S", GatewayConfig.REGION_TIMEOUT, "PT2S"));
        props.putAll(extra);
        props.put(GatewayConfig.REGION_PREFIX + "eu-central.dataApi", base + "/eu/v1");
        props.put(GatewayConfig.REGION_PREFIX + "eu-central.gateway", EU_GATEWAY);
        props.put(GatewayConfig.REGION_PREFIX + "us-east.dataApi", base + "/us/v1");
        props.put(GatewayConfig.REGION_PREFIX + "af-south.dataApi", "http://127.0.0.1:" + deadPort + "/v1");
        props.put(GatewayConfig.REGION_PREFIX + "af-south.gateway", AF_GATEWAY);
        props.put(GatewayConfig.REGION_PREFIX + "uk-south.dataApi", base + "/uk/v1");
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get, Map.of(GatewayConfig.CLIENT_SECRET_ENV, "s")::get);
        HttpClient http = RegionClient.httpClient(config);
        ClientToken token = new ClientToken(URI.create(base + "/token"), config.clientId(), config.clientSecret(), Duration.ofSeconds(2),
                Clock.systemUTC(), http);
        return new DeviceService(config, new CatalogDevices(config.catalogUrl(), token, http, config.catalogTimeout()),
                breakers ? new RegionClient(config, token, http, new RegionBreakers(config)) : new RegionClient(config, token, http));
    }

    private static long callsTo(String prefix) {
        return calls.stream().filter(c -> c.startsWith(prefix)).count();
    }

    @AfterAll
    static void stop() {
        stub.stop(0);
    }

    @BeforeEach
    void reset() {
        answers.clear();
        calls.clear();
        answers.put("POST /token", Canned.json(200, "{\"access_token\": \"gw-token\", \"expires_in\": 300}"));
    }

    private static void answer(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String key = ex.getRequestMethod() + " " + path;
        calls.add(key + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
        Canned c = answers.getOrDefault(key, Canned.json(404, "{\"status\": 404, \"detail\": \"no stub for " + key + "\"}"));
        byte[] body = c.body() == null ? new byte[0] : c.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", c.contentType());
        ex.sendResponseHeaders(c.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    private static void assignedTo(String device, String region) {
        answers.put("GET /catalog/v1/tenants/" + TENANT + "/devices/" + device,
                Canned.json(200, "{\"device-id\": \"" + device + "\", \"tenant\": \"" + TENANT + "\", \"region\": \"" + region + "\", \"state\": \"ACTIVE\"}"));
    }

    private static JsonNode body(Answer a) throws IOException {
        return JSON.readTree(a.body());
    }

    // ---- raw data: 451 unless the home region is this gateway's

    @Test
    void rawTelemetryOfAnEuDevice_throughTheUsGateway_is451WithLinkRuleAndTheRegionsDecisionId() throws Exception {
        assignedTo("lamp-1", "eu-central");
        answers.put("GET /eu/v1/tenants/t1/devices/lamp-1/telemetry", Canned.json(451,
                "{\"status\": 451, \"rule\": \"R1\", \"decisionId\": \"0b6f3c1e-52c4-4c1a-9a59-0f3e8c2b1d11\"}"));

        Answer a = service.raw(TENANT, "lamp-1", DeviceService.Raw.TELEMETRY, "limit=5", "/v1/tenants/t1/devices/lamp-1/telemetry");

        assertEquals(451, a.status());
        assertEquals("application/problem+json", a.contentType());
        assertEquals("<" + EU_GATEWAY + "/tenants/t1/devices/lamp-1/telemetry>; rel=\"alternate\"", a.headers().get("Link"));
        JsonNode p = body(a);
        assertEquals("R1", p.get("rule").asText());
        assertEquals("eu-central", p.get("homeRegion").asText());
        assertEquals("0b6f3c1e-52c4-4c1a-9a59-0f3e8c2b1d11", p.get("decisionId").asText());
        assertEquals(451, p.get("status").asInt());
        // the home region was asked, so that it logged its own decision
        assertTrue(calls.contains("GET /eu/v1/tenants/t1/devices/lamp-1/telemetry?limit=5"), calls.toString());
    }

    @Test
    void aForeignRegionThatAnswersWithRawData_isOverruled_andItsBodyDropped() throws Exception {
        assignedTo("lamp-2", "eu-central");
        answers.put("GET /eu/v1/tenants/t1/devices/lamp-2/state",
                Canned.json(200, "{\"device\": \"lamp-2\", \"metrics\": {\"temperature\": {\"value\": 21.4321}}}"));

        Answer a = service.raw(TENANT, "lamp-2", DeviceService.Raw.STATE, null, "/v1/tenants/t1/devices/lamp-2/state");

        assertEquals(451, a.status());
        assertFalse(a.body().contains("21.4321"), a.body());
        assertFalse(body(a).has("decisionId"), "no decision to name: the region did not decide");
        assertTrue(a.headers().get("Link").startsWith("<" + EU_GATEWAY + "/"), a.headers().toString());
    }

    @Test
    void aForeignHomeRegionThatIsDown_stillGets451WithTheLink() throws Exception {
        assignedTo("lamp-3", "af-south");

        Answer a = service.raw(TENANT, "lamp-3", DeviceService.Raw.EVENTS, null, "/v1/tenants/t1/devices/lamp-3/events");

        assertEquals(451, a.status());
        assertEquals("<" + AF_GATEWAY + "/tenants/t1/devices/lamp-3/events>; rel=\"alternate\"", a.headers().get("Link"));
        assertEquals("af-south", body(a).get("homeRegion").asText());
        assertTrue(body(a).get("detail").asText().contains("did not answer"), a.body());
    }

    @Test
    void rawDataOfADeviceAtHomeHere_isTheRegionsAnswer_withTheQueryPassedOn() throws Exception {
        assignedTo("lamp-4", "us-east");
        answers.put("GET /us/v1/tenants/t1/devices/lamp-4/telemetry", Canned.json(200, "{\"items\": [{\"temperature\": 19.5}]}"));

        Answer a = service.raw(TENANT, "lamp-4", DeviceService.Raw.TELEMETRY, "from=2026-11-24T10%3A00%3A00Z&limit=3",
                "/v1/tenants/t1/devices/lamp-4/telemetry");

        assertEquals(200, a.status());
        assertEquals(19.5, body(a).at("/items/0/temperature").asDouble());
        assertTrue(calls.contains("GET /us/v1/tenants/t1/devices/lamp-4/telemetry?from=2026-11-24T10%3A00%3A00Z&limit=3"), calls.toString());
    }

    @Test
    void badQueriesAndDeviceIds_are400_beforeAnyCall() {
        for (String query : List.of("from=yesterday", "to=1", "limit=0", "limit=1001", "cursor=", "device=x", "limit=1&limit=2")) {
            GatewayProblem p = assertThrows(GatewayProblem.class,
                    () -> service.raw(TENANT, "lamp-4", DeviceService.Raw.TELEMETRY, query, "/x"), query);
            assertEquals(400, p.status(), query + ": " + p.detail());
        }
        GatewayProblem state = assertThrows(GatewayProblem.class, () -> service.raw(TENANT, "lamp-4", DeviceService.Raw.STATE, "limit=1", "/x"));
        assertTrue(state.detail().contains("takes none"), state.detail());
        for (String device : List.of("", "-lamp", "lamp/1", "lamp 1", "x".repeat(129))) {
            GatewayProblem p = assertThrows(GatewayProblem.class, () -> service.get(TENANT, device), device);
            assertEquals(400, p.status());
            assertTrue(p.detail().contains("a device id must be"), p.detail());
        }
        assertEquals(List.of(), calls, "nothing was called");
    }

    // ---- error mapping

    @Test
    void catalogAndRegionErrors_mapToClearProblems() throws Exception {
        GatewayProblem unknown = assertThrows(GatewayProblem.class, () -> service.get(TENANT, "nobody"));
        assertEquals(404, unknown.status());
        assertTrue(unknown.detail().contains("device nobody of tenant t1 is not registered in any region"), unknown.detail());

        answers.put("GET /catalog/v1/tenants/t1/devices/lamp-5", Canned.json(500, "{}"));
        GatewayProblem catalogFault = assertThrows(GatewayProblem.class, () -> service.get(TENANT, "lamp-5"));
        assertEquals(502, catalogFault.status());
        assertTrue(catalogFault.detail().contains("the catalog answered 500"), catalogFault.detail());

        GatewayProblem catalogDown = assertThrows(GatewayProblem.class, () -> serviceWithoutCatalog.get(TENANT, "lamp-5"));
        assertEquals(503, catalogDown.status());
        assertEquals("5", catalogDown.headers().get("Retry-After"));

        assignedTo("lamp-6", "us-east");
        answers.put("GET /us/v1/tenants/t1/devices/lamp-6/state", Canned.json(500, "{}"));
        GatewayProblem regionFault = assertThrows(GatewayProblem.class,
                () -> service.raw(TENANT, "lamp-6", DeviceService.Raw.STATE, null, "/x"));
        assertEquals(502, regionFault.status());
        assertTrue(regionFault.detail().contains("region us-east answered 500"), regionFault.detail());

        answers.put("GET /us/v1/tenants/t1/devices/lamp-6/state", Canned.json(503, "{}"));
        GatewayProblem regionBusy = assertThrows(GatewayProblem.class,
                () -> service.raw(TENANT, "lamp-6", DeviceService.Raw.STATE, null, "/x"));
        assertEquals(503, regionBusy.status());
        assertEquals("5", regionBusy.headers().get("Retry-After"));

        answers.put("GET /us/v1/tenants/t1/devices/lamp-6/state", Canned.json(404, "{\"status\": 404, \"detail\": \"no data of device lamp-6\"}"));
        Answer notFound = service.raw(TENANT, "lamp-6", DeviceService.Raw.STATE, null, "/x");
        assertEquals(404, notFound.status());
        assertTrue(notFound.body().contains("no data of device lamp-6"), notFound.body());

        answers.put("GET /catalog/v1/tenants/t1/devices/lamp-7", Canned.json(200, "{\"region\": \"mars-north\"}"));
        GatewayProblem unknownRegion = assertThrows(GatewayProblem.class, () -> service.get(TENANT, "lamp-7"));
        assertEquals(502, unknownRegion.status());
        assertTrue(unknownRegion.detail().contains("mars-north"), unknownRegion.detail());
    }

    @Test
    void theGatewayWithoutItsOwnToken_is503_notA451() throws Exception {
        answers.put("POST /token", Canned.json(401, "{\"error\": \"unauthorized_client\"}"));
        GatewayProblem p = assertThrows(GatewayProblem.class, () -> service.get(TENANT, "lamp-1"));
        assertEquals(503, p.status());
        assertTrue(p.detail().contains("cannot get its own token"), p.detail());
    }

    // ---- the list, registration and commands

    @Test
    void theList_hasThisRegionsDevices_andEveryOtherRegionsCount_withADownRegionListedUnavailable() throws Exception {
        answers.put("GET /us/v1/tenants/t1/devices", Canned.json(200, "{\"items\": [{\"id\": \"lamp-4\", \"labels\": {}}], \"nextPageOffset\": 1}"));
        answers.put("GET /eu/v1/tenants/t1/devices/count", Canned.json(200, "{\"devices\": 12}"));
        answers.put("GET /uk/v1/tenants/t1/devices/count", Canned.json(500, "{}"));

        JsonNode list = body(service.list(TENANT, "pageSize=1"));

        assertEquals("UP", list.at("/devices/status").asText());
        assertEquals("lamp-4", list.at("/devices/items/0/id").asText());
        assertEquals(1, list.at("/devices/nextPageOffset").asInt());
        assertTrue(calls.contains("GET /us/v1/tenants/t1/devices?pageSize=1&pageOffset=0"), calls.toString());
        Map<String, JsonNode> others = new HashMap<>();
        list.get("otherRegions").forEach(r -> others.put(r.get("region").asText(), r));
        assertEquals(java.util.Set.of("eu-central", "af-south", "uk-south"), others.keySet());
        assertEquals(12, others.get("eu-central").get("devices").asInt());
        assertEquals(EU_GATEWAY + "/tenants/t1/devices", others.get("eu-central").get("link").asText());
        assertEquals("UNAVAILABLE", others.get("af-south").get("status").asText());
        assertEquals(AF_GATEWAY + "/tenants/t1/devices", others.get("af-south").get("link").asText());
        assertEquals("UNAVAILABLE", others.get("uk-south").get("status").asText());
        assertTrue(others.get("uk-south").get("reason").asText().contains("answered 500"));
        assertFalse(list.toString().contains("lamp-1"), "no other region's device id");
    }

    @Test
    void registration_isCheckedThenPassedToTheCatalog_andItsAnswerReturned() throws Exception {
        for (String bad : List.of("", "[]", "{", "{\"labels\": {}}", "{\"device-id\": \"a b\"}", "{\"device-id\": \"a\", \"x\": 1}",
                "{\"device-id\": \"a\", \"labels\": []}")) {
            GatewayProblem p = assertThrows(GatewayProblem.class, () -> service.register(TENANT, bad), bad);
            assertEquals(400, p.status(), bad + ": " + p.detail());
        }
        assertEquals(List.of(), calls);
        answers.put("POST /catalog/v1/tenants/t1/devices", Canned.json(201, "{\"region\": \"eu-central\", \"credentials\": {\"password\": \"p\"}}"));
        Answer a = service.register(TENANT, "{\"device-id\": \"lamp-9\", \"location\": {\"country\": \"DE\"}}");
        assertEquals(201, a.status());
        assertEquals("eu-central", body(a).get("region").asText());
        answers.put("POST /catalog/v1/tenants/t1/devices", Canned.json(409, "{\"status\": 409, \"detail\": \"already registered\"}"));
        assertEquals(409, service.register(TENANT, "{\"device-id\": \"lamp-9\"}").status());
    }

    @Test
    void aRequestResponseCommandAnsweredByAForeignRegion_isOverruledWith451() throws Exception {
        assignedTo("lamp-8", "eu-central");
        answers.put("POST /eu/v1/tenants/t1/devices/lamp-8/commands", Canned.json(200, "{\"status\": 200, \"payload\": {\"lumen\": 4711}}"));
        Answer rr = service.command(TENANT, "lamp-8", "{\"name\": \"getLumen\", \"responseRequired\": true}", "/x");
        assertEquals(451, rr.status());
        assertFalse(rr.body().contains("4711"), rr.body());

        answers.put("POST /eu/v1/tenants/t1/devices/lamp-8/commands", Canned.json(202, "{\"accepted\": true}"));
        Answer oneWay = service.command(TENANT, "lamp-8", "{\"name\": \"setBrightness\"}", "/x");
        assertEquals(202, oneWay.status(), "a one-way command carries nothing back, so it is relayed");

        GatewayProblem tooLong = assertThrows(GatewayProblem.class,
                () -> service.command(TENANT, "lamp-8", "{\"name\": \"x\", \"timeout\": \"PT2M\"}", "/x"));
        assertEquals(400, tooLong.status());
    }

    // ---- region breakers

    @Test
    void aRegionThatKeepsFailing_opensItsBreaker_andIsThenRefusedAtOnce_withoutBeingCalled() throws Exception {
        DeviceService guarded = guardedService();
        assignedTo("lamp-9", "us-east");
        answers.put("GET /us/v1/tenants/t1/devices/lamp-9/state", Canned.json(500, "{}"));
        for (int i = 0; i < 2; i++) {
            assertEquals(502, assertThrows(GatewayProblem.class, () -> guarded.raw(TENANT, "lamp-9", DeviceService.Raw.STATE, null, "/x")).status());
        }
        assertEquals(2, callsTo("GET /us/v1/tenants/t1/devices/lamp-9/state"));
        // two failures of two calls: open; the region is not asked again while it is
        answers.put("GET /us/v1/tenants/t1/devices/lamp-9/state", Canned.json(200, "{\"temp\": 21.5}"));
        GatewayProblem open = assertThrows(GatewayProblem.class, () -> guarded.raw(TENANT, "lamp-9", DeviceService.Raw.STATE, null, "/x"));
        assertEquals(503, open.status());
        assertEquals("region us-east is skipped: its circuit breaker is open after repeated failures (it is tried again after 60 s)", open.detail());
        assertEquals("60", open.headers().get("Retry-After"));
        assertEquals(2, callsTo("GET /us/v1/tenants/t1/devices/lamp-9/state"), "an open breaker must not call the region");
        // the device's labels are left out with the same reason, and the catalog's answer still comes back
        JsonNode got = body(guarded.get(TENANT, "lamp-9"));
        assertEquals("us-east", got.get("region").asText());
        assertEquals(open.detail(), got.get("labelsUnavailable").asText());

        // a region that does not answer at all (af-south's port is closed) opens its own breaker; the list then names it
        for (int i = 0; i < 2; i++) {
            JsonNode list = body(guarded.list(TENANT, null));
            assertTrue(afSouth(list).get("reason").asText().contains("did not answer"), list.toString());
        }
        JsonNode list = body(guarded.list(TENANT, null));
        assertEquals("region af-south is skipped: its circuit breaker is open after repeated failures (it is tried again after 60 s)",
                afSouth(list).get("reason").asText(), list.toString());
    }

    /** A service whose region calls go through fresh breakers that open after two failed calls of two, for 60 s. */
    private static DeviceService guardedService() {
        String base = "http://127.0.0.1:" + stub.getAddress().getPort();
        return service(base + "/catalog/v1", base,
                Map.of(GatewayConfig.BREAKER_CALLS, "2", GatewayConfig.BREAKER_MINIMUM_CALLS, "2", GatewayConfig.BREAKER_OPEN_FOR, "PT60S"), true);
    }

    private static JsonNode afSouth(JsonNode list) {
        for (JsonNode r : list.get("otherRegions")) {
            if (r.get("region").asText().equals("af-south")) {
                return r;
            }
        }
        throw new AssertionError("no af-south in " + list);
    }

    @Test
    void answersThatAreNotTheRegionsFailure_neverOpenItsBreaker() throws Exception {
        DeviceService guarded = guardedService();
        // a refusal (451) and a missing device (404) are the region working
        assignedTo("lamp-1", "eu-central");
        answers.put("GET /eu/v1/tenants/t1/devices/lamp-1/telemetry", Canned.json(451, "{\"status\": 451}"));
        assignedTo("lamp-2", "us-east");
        answers.put("GET /us/v1/tenants/t1/devices/lamp-2/state", Canned.json(404, "{\"status\": 404, \"detail\": \"no data\"}"));
        // a command's 503 (the device is not connected) and 504 (it did not respond) are the device's outcome
        answers.put("POST /us/v1/tenants/t1/devices/lamp-2/commands", Canned.json(503, "{\"status\": 503, \"detail\": \"not connected\"}"));
        for (int i = 0; i < 4; i++) {
            assertEquals(451, guarded.raw(TENANT, "lamp-1", DeviceService.Raw.TELEMETRY, null, "/x").status());
            assertEquals(404, guarded.raw(TENANT, "lamp-2", DeviceService.Raw.STATE, null, "/x").status());
            assertEquals(503, guarded.command(TENANT, "lamp-2", "{\"name\": \"setBrightness\"}", "/x").status());
        }
        assertEquals(4, callsTo("GET /eu/v1/tenants/t1/devices/lamp-1/telemetry"));
        assertEquals(4, callsTo("GET /us/v1/tenants/t1/devices/lamp-2/state"));
        assertEquals(4, callsTo("POST /us/v1/tenants/t1/devices/lamp-2/commands"));
        // the gateway without a token of its own never reached the region: not the region's failure either
        answers.put("POST /token", Canned.json(401, "{\"error\": \"unauthorized_client\"}"));
        DeviceService tokenless = guardedService();
        for (int i = 0; i < 3; i++) {
            GatewayProblem p = assertThrows(GatewayProblem.class, () -> tokenless.raw(TENANT, "lamp-2", DeviceService.Raw.STATE, null, "/x"));
            assertTrue(p.detail().contains("cannot get its own token"), p.detail());
        }
    }
}
