package io.meridian.region.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.cql.Row;
import io.meridian.local.service.Federation;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The region node's data side end to end on a real Cassandra, Kafka and Keycloak: devices publish over MQTT, the
 * ingest stores their rows and latest state, and the region data API serves them to this region's gateway, refuses
 * them (451, logged) to everyone else, and lets a compliance officer page through and verify the decision log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// uk-south: a region no other IT class uses, since the federation's services (and so the tenant lampco) are shared by
// the IT classes of one run
@MeridianServices(cassandra = "uk-south", kafka = "uk-south", keycloak = true)
class DataPlaneIT {

    private static final String REGION = "uk-south";
    /** The demo users' tenant, so that their tokens can be used. */
    private static final String TENANT = "lampco";
    private static final JsonObject SETTINGS = new JsonObject().put("retention-days", 7).put("geohash-precision", 5)
            .put("group-labels", new JsonArray().add("model"))
            .put("payload", new JsonObject().put("metrics", new JsonObject().put("temperature", "/env/temp").put("humidity", "/env/hum"))
                    .put("location", new JsonObject().put("lat", "/pos/lat").put("lon", "/pos/lon")))
            .put("export", new JsonObject().put("allowed-labels", new JsonArray().add("model")));

    private Vertx vertx;
    private DataTestNode node;
    private String kafka;
    private KeycloakService keycloak;
    private String homeGateway;
    private String usGateway;
    private String auditor;
    private final List<JsonObject> published = new ArrayList<>();

    @BeforeAll
    void start(Federation federation, KeycloakService keycloak) throws Exception {
        vertx = Vertx.vertx();
        this.keycloak = keycloak;
        kafka = federation.kafka(REGION).bootstrapServers();
        node = new DataTestNode(vertx, REGION, federation.cassandra(REGION), kafka, keycloak);
        node.createTenant(TENANT, SETTINGS);
        node.registerDevice(TENANT, "lamp-1", Map.of("model", "classic"));
        node.registerDevice(TENANT, "lamp-2", Map.of("model", "studio"));
        homeGateway = node.client.gatewayToken(keycloak, REGION);
        usGateway = node.client.gatewayToken(keycloak, "us-east");
        auditor = node.client.userToken(keycloak, MeridianRealm.AUDITOR);
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (vertx != null) {
            DataTestNode.await(vertx.close());
        }
    }

    @Test
    @Order(1)
    void publishedTelemetry_isStoredRawWithItsMetrics_andBecomesTheLatestState() throws Exception {
        for (String device : List.of("lamp-1", "lamp-2")) {
            MqttClient mqtt = node.connect(TENANT, device);
            List<String> payloads = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                JsonObject p = new JsonObject().put("seq", i).put("device", device)
                        .put("env", new JsonObject().put("temp", 18.0 + i * 0.25).put("hum", 40 + i))
                        .put("pos", new JsonObject().put("lat", 50.11 + i * 0.001).put("lon", 8.68));
                payloads.add(p.encode());
                published.add(p);
            }
            DataTestNode.publishAll(mqtt, "telemetry", payloads);
            DataTestNode.await(mqtt.disconnect());
        }
        awaitTrue(() -> rows("telemetry", "lamp-1").size() == 25 && rows("telemetry", "lamp-2").size() == 25, "50 rows stored");

        for (String device : List.of("lamp-1", "lamp-2")) {
            List<Row> rows = rows("telemetry", device);
            Set<Integer> seqs = new HashSet<>();
            for (Row r : rows) {
                JsonObject payload = new JsonObject(StandardCharsets.UTF_8.decode(r.getByteBuffer("payload")).toString());
                JsonObject sent = published.stream().filter(p -> p.getString("device").equals(device)
                        && p.getInteger("seq").equals(payload.getInteger("seq"))).findFirst().orElseThrow();
                assertEquals(sent, payload, "the stored payload equals the published one");
                Map<String, Double> metrics = r.getMap("metrics", String.class, Double.class);
                assertEquals(Map.of("temperature", sent.getJsonObject("env").getDouble("temp"),
                        "humidity", sent.getJsonObject("env").getDouble("hum")), metrics);
                assertEquals(sent.getJsonObject("pos").getDouble("lat"), r.getDouble("lat"));
                assertEquals(8.68, r.getDouble("lon"));
                assertEquals(null, r.getString("parse_error"));
                seqs.add(payload.getInteger("seq"));
            }
            assertEquals(25, seqs.size(), "every message exactly once");
        }

        // The latest state is the newest by event time (here the adapter's creation-time, as the tenant maps no device
        // time), ties going to the later record in the partition. With QoS 1 messages in flight together, our MQTT
        // adapter (asynchronous lookups per message) may hand them to Kafka in another order than they were published, so the expectation comes from
        // the stored rows, not from the publish order.
        List<Row> lamp2 = rows("telemetry", "lamp-2");
        Row newest = lamp2.stream().max(java.util.Comparator.comparing((Row r) -> r.getInstant("ts"))
                .thenComparingLong(r -> r.getLong("kafka_offset"))).orElseThrow();
        String order = lamp2.stream().map(r -> r.getInstant("ts") + "@" + r.getLong("kafka_offset") + "="
                + r.getMap("metrics", String.class, Double.class).get("temperature")).sorted().toList().toString();
        Map<String, Double> newestMetrics = newest.getMap("metrics", String.class, Double.class);
        // the ingest stores the raw rows before its listeners (aggregates, then the latest state) run, so the state may
        // still be one record behind the rows for a moment: wait until it has the newest row's time
        JsonObject[] latest = new JsonObject[1];
        awaitTrue(() -> {
            HttpResponse<String> state;
            try {
                state = node.get("/v1/tenants/" + TENANT + "/devices/lamp-2/state", homeGateway);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            assertEquals(200, state.statusCode(), state.body());
            latest[0] = new JsonObject(state.body());
            return "latest-state".equals(latest[0].getString("source"))
                    && newest.getInstant("ts").toString().equals(latest[0].getJsonObject("metrics").getJsonObject("temperature").getString("time"));
        }, "the latest state reaches the newest stored row " + newest.getInstant("ts"));
        JsonObject body = latest[0];
        assertEquals("latest-state", body.getString("source"));
        assertEquals(newestMetrics.get("temperature"), body.getJsonObject("metrics").getJsonObject("temperature").getDouble("value"), order);
        assertEquals(newestMetrics.get("humidity"), body.getJsonObject("metrics").getJsonObject("humidity").getDouble("value"), order);
        assertEquals(newest.getInstant("ts").toString(), body.getJsonObject("metrics").getJsonObject("temperature").getString("time"), order);
        assertEquals(newest.getDouble("lat"), body.getJsonObject("location").getDouble("lat"), order);
    }

    @Test
    @Order(2)
    void malformedPayloads_areStoredFlagged_andNeverStallTheIngest() throws Exception {
        node.registerDevice(TENANT, "lamp-bad", Map.of());
        MqttClient mqtt = node.connect(TENANT, "lamp-bad");
        List<String> payloads = List.of("{\"env\":{\"temp\":20.5}}", "not json {", "[1,2,3]", "{\"other\":\"x\"}",
                "{\"env\":{\"temp\":\"warm\"}}", "\u0000\u0001binary", "{\"env\":{\"temp\":21.5}}");
        DataTestNode.publishAll(mqtt, "telemetry", payloads);
        DataTestNode.await(mqtt.disconnect());
        awaitTrue(() -> rows("telemetry", "lamp-bad").size() == payloads.size(), "every payload stored, the bad ones too");

        Map<String, String> errors = new java.util.HashMap<>();
        for (Row r : rows("telemetry", "lamp-bad")) {
            errors.put(StandardCharsets.UTF_8.decode(r.getByteBuffer("payload")).toString(), r.getString("parse_error"));
        }
        assertEquals(null, errors.get(payloads.get(0)));
        assertTrue(errors.get("not json {").startsWith("malformed: not JSON"), errors.toString());
        assertTrue(errors.get("[1,2,3]").startsWith("unmapped: payload is JSON but not an object"), errors.toString());
        assertTrue(errors.get("{\"other\":\"x\"}").startsWith("unmapped: no mapped metric"), errors.toString());
        assertTrue(errors.get("{\"env\":{\"temp\":\"warm\"}}").startsWith("unmapped: /env/temp is not a finite number"), errors.toString());
        assertTrue(errors.get("\u0000\u0001binary").startsWith("malformed"), errors.toString());
        assertEquals(null, errors.get(payloads.get(6)), "the message after the bad ones is stored normally");
        assertTrue(node.meters.find("meridian.ingest.flagged").tag("reason", "malformed").counter().count() >= 2);
        assertTrue(node.meters.find("meridian.ingest.flagged").tag("reason", "unmapped").counter().count() >= 3);

        HttpResponse<String> page = node.get("/v1/tenants/" + TENANT + "/devices/lamp-bad/telemetry?limit=100", homeGateway);
        assertEquals(200, page.statusCode(), page.body());
        JsonArray items = new JsonObject(page.body()).getJsonArray("items");
        assertEquals(payloads.size(), items.size());
        assertTrue(items.stream().map(JsonObject.class::cast).anyMatch(i -> i.containsKey("parseError")));
    }

    @Test
    @Order(3)
    void rawTelemetry_pagesNewestFirst_withoutGapsOrRepeats() throws Exception {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        Instant previous = Instant.MAX;
        int pages = 0;
        do {
            HttpResponse<String> page = node.get("/v1/tenants/" + TENANT + "/devices/lamp-1/telemetry?limit=7&from=" + Instant.now().minus(java.time.Duration.ofDays(1))
                    + (cursor == null ? "" : "&cursor=" + cursor), homeGateway);
            assertEquals(200, page.statusCode(), page.body());
            JsonObject body = new JsonObject(page.body());
            for (Object o : body.getJsonArray("items")) {
                JsonObject item = (JsonObject) o;
                Instant t = Instant.parse(item.getString("time"));
                assertFalse(t.isAfter(previous), "newest first");
                previous = t;
                seen.add(new JsonObject(item.getString("payload")).getInteger("seq").toString());
            }
            cursor = body.getString("nextCursor");
            pages++;
        } while (cursor != null && pages < 20);
        assertEquals(25, seen.size(), seen.toString());
        assertEquals(25, new HashSet<>(seen).size(), "no row twice");
    }

    @Test
    @Order(4)
    void rawTelemetry_forAnotherRegionsGateway_is451NamingTheRule_andTheDecisionIsLogged() throws Exception {
        HttpResponse<String> refused = node.get("/v1/tenants/" + TENANT + "/devices/lamp-1/telemetry", usGateway);
        assertEquals(451, refused.statusCode(), refused.body());
        assertEquals("application/problem+json", refused.headers().firstValue("content-type").orElse(""));
        assertTrue(refused.headers().firstValue("Link").orElse("").contains("rel=\"blocked-by\""));
        JsonObject problem = new JsonObject(refused.body());
        assertEquals(451, problem.getInteger("status"));
        assertEquals("R1", problem.getString("rule"));
        assertEquals(REGION, problem.getString("homeRegion"));
        assertTrue(problem.getString("detail").contains("region us-east"), problem.getString("detail"));
        long sequence = problem.getLong("decisionSequence");

        HttpResponse<String> log = node.get("/v1/decisions?from=" + sequence + "&limit=1", auditor);
        assertEquals(200, log.statusCode(), log.body());
        JsonObject record = new JsonObject(log.body()).getJsonArray("items").getJsonObject(0);
        assertEquals(problem.getString("decisionId"), record.getString("decisionId"));
        assertEquals("DENY", record.getString("outcome"));
        assertEquals("client:" + MeridianRealm.gatewayClientId("us-east"), record.getString("requester"));
        assertEquals("US", record.getString("destinationJurisdiction"));
        assertEquals("us-east", record.getString("destinationRegion"));
        assertEquals(List.of("TELEMETRY"), record.getJsonArray("categories").getList());
        assertEquals(List.of("R1"), record.getJsonArray("rules").getList());

        // a user of the tenant calling the region directly is not a caller of the region either
        String admin = node.client.userToken(keycloak, MeridianRealm.LAMP_ADMIN);
        for (String path : List.of("/state", "/telemetry", "/events")) {
            HttpResponse<String> user = node.get("/v1/tenants/" + TENANT + "/devices/lamp-1" + path, admin);
            assertEquals(451, user.statusCode(), path + ": " + user.body());
        }
        // the region's own gateway is served
        assertEquals(200, node.get("/v1/tenants/" + TENANT + "/devices/lamp-1/events", homeGateway).statusCode());
    }

    @Test
    @Order(5)
    void badRequests_getProblemsThatNameTheProblem() throws Exception {
        String admin = node.client.userToken(keycloak, MeridianRealm.LAMP_ADMIN);
        String careAdmin = node.client.userToken(keycloak, MeridianRealm.CARE_ADMIN);
        String base = "/v1/tenants/" + TENANT;
        assertProblem(node.get(base + "/devices/lamp-1/telemetry", null), 401, "bearer token is required");
        assertProblem(node.get(base + "/devices/lamp-1/telemetry", "not-a-jwt"), 401, "not a JWT");
        assertProblem(node.get(base + "/devices/lamp-1/telemetry", careAdmin), 403, "tenant is not lampco");
        assertProblem(node.get(base + "/devices/lamp-1/telemetry?from=yesterday", homeGateway), 400, "from must be an ISO-8601 instant");
        assertProblem(node.get(base + "/devices/lamp-1/telemetry?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", homeGateway), 400,
                "from must be before to");
        assertProblem(node.get(base + "/devices/lamp-1/telemetry?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", homeGateway), 400,
                "at most 31 days");
        assertProblem(node.get(base + "/devices/lamp-1/telemetry?limit=0", homeGateway), 400, "limit must be an integer between 1 and 1000");
        assertProblem(node.get(base + "/devices/lamp-1/telemetry?cursor=abc", homeGateway), 400, "cursor must be a value returned");
        assertProblem(node.get(base + "/aggregates", homeGateway), 400, "metric is required");
        assertProblem(node.get(base + "/aggregates?metric=temperature&resolution=PT5M", homeGateway), 400, "resolution must be one of");
        assertProblem(node.get(base + "/aggregates?metric=temperature&group=device", homeGateway), 400, "group must be all, geohash or label");
        assertProblem(node.get(base + "/aggregates?metric=temperature", admin), 400, "must name the destination jurisdiction");
        assertProblem(node.get(base + "/aggregates?metric=temperature&destination=EU&onward=US", admin), 400, "onward is for gateways");
        assertProblem(node.get("/v1/decisions", admin), 403, "compliance-officer");
        assertProblem(node.get("/v1/nothing-here", admin), 404, "not an operation");
        // the registry refuses tenant settings the data side could not use, naming them
        HttpResponse<String> badRetention = node.client.send("POST", node.registryUri("/v1/tenants/broken-1"), node.catalog,
                "{\"ext\":{\"meridian\":{\"retention-days\":0}}}");
        assertEquals(400, badRetention.statusCode(), badRetention.body());
        assertTrue(badRetention.body().contains("retention-days must be between 1 and 3650, was 0"), badRetention.body());
        HttpResponse<String> loosening = node.client.send("POST", node.registryUri("/v1/tenants/broken-2"), node.catalog,
                "{\"ext\":{\"meridian\":{\"export\":{\"k\":2}}}}");
        assertEquals(400, loosening.statusCode(), loosening.body());
        assertTrue(loosening.body().contains("must not be below the default"), loosening.body());
        HttpResponse<String> openApi = node.get("/v1/openapi.json", null);
        assertEquals(200, openApi.statusCode());
        assertEquals("3.1.0", new JsonObject(openApi.body()).getString("openapi"));
    }

    @Test
    @Order(6)
    void redeliveredRecords_landOnTheirOwnRows_soNothingIsStoredTwice() throws Exception {
        int before = rows("telemetry", "lamp-1").size() + rows("telemetry", "lamp-2").size();
        node.restartDataPlane(() -> {
            // rewind the ingest's committed offsets to the start, as after a crash before the commit
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
                TopicPartition tp = new TopicPartition("hono.telemetry." + TENANT, 0);
                admin.alterConsumerGroupOffsets("meridian-ingest-" + REGION, Map.of(tp, new OffsetAndMetadata(0))).all()
                        .get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        });
        // wait until the rewound consumer has read everything again
        awaitTrue(() -> committed() >= 25 * 2 + 7, "the ingest re-read the topic");
        assertEquals(before, rows("telemetry", "lamp-1").size() + rows("telemetry", "lamp-2").size());
    }

    @Test
    @Order(7)
    void aggregates_releaseOnlyCellsOfAtLeastKDevices_equalToAnExactRecomputation() throws Exception {
        Instant start = Instant.now();
        String tenant = "fleetco-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        node.createTenant(tenant, new JsonObject().put("group-labels", new JsonArray().add("model")).put("geohash-precision", 5)
                .put("payload", new JsonObject().put("metrics", new JsonObject().put("temperature", "/t"))
                        .put("location", new JsonObject().put("lat", "/lat").put("lon", "/lon")))
                .put("export", new JsonObject().put("allowed-labels", new JsonArray().add("model").add("geohash"))));
        // 12 classic lamps in Frankfurt and 3 studio lamps in Munich: the studio cells (label and geohash) are below k = 10
        Map<String, List<Double>> values = new java.util.LinkedHashMap<>();
        for (int d = 0; d < 15; d++) {
            boolean classic = d < 12;
            String device = (classic ? "classic-" : "studio-") + d;
            node.registerDevice(tenant, device, Map.of("model", classic ? "classic" : "studio"));
            List<String> payloads = new ArrayList<>();
            List<Double> sent = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                double t = 15.0 + ((d * 7 + i * 3) % 20) + i * 0.125;
                sent.add(t);
                payloads.add(new JsonObject().put("t", t).put("lat", classic ? 50.1109 : 48.1372).put("lon", classic ? 8.6821 : 11.5756)
                        .encode());
            }
            values.put(device, sent);
            MqttClient mqtt = node.connect(tenant, device);
            DataTestNode.publishAll(mqtt, "telemetry", payloads);
            DataTestNode.await(mqtt.disconnect());
        }
        String query = "/v1/tenants/" + tenant + "/aggregates?metric=temperature&resolution=PT15M&merge=true&from="
                + start.minus(java.time.Duration.ofMinutes(1)) + "&to=" + Instant.now().plus(java.time.Duration.ofMinutes(1));
        JsonObject[] answer = new JsonObject[1];
        String[] raw = new String[1];
        awaitTrue(() -> {
            try {
                HttpResponse<String> r = node.get(query, homeGateway);
                raw[0] = r.body();
                answer[0] = new JsonObject(r.body());
                return r.statusCode() == 200 && answer[0].getJsonArray("cells").stream().map(JsonObject.class::cast)
                        .anyMatch(c -> c.getJsonObject("group").getString("kind").equals("all") && c.getLong("count") == 75);
            } catch (Exception e) {
                return false;
            }
        }, "the aggregates hold all 75 values: " + raw[0]);
        JsonObject body = answer[0];
        JsonObject decision = body.getJsonObject("decision");
        assertEquals("PARTIAL", decision.getString("outcome"), decision.encode());
        assertEquals(2, decision.getJsonObject("suppressedCounts").getInteger("A4"), "the studio label cell and the Munich cell");
        assertEquals(3, decision.getInteger("releasedCells"));
        assertEquals("GB", decision.getString("destination"));

        List<Double> all = values.values().stream().flatMap(List::stream).toList();
        List<Double> classic = values.entrySet().stream().filter(e -> e.getKey().startsWith("classic")).flatMap(e -> e.getValue().stream())
                .toList();
        Map<String, JsonObject> cells = new java.util.HashMap<>();
        for (Object o : body.getJsonArray("cells")) {
            JsonObject c = (JsonObject) o;
            cells.put(c.getJsonObject("group").getString("kind") + "=" + c.getJsonObject("group").getString("value", ""), c);
        }
        assertEquals(Set.of("all=", "label:model=classic", "geohash=u0yjj"), cells.keySet(), body.encode());
        assertExact(cells.get("all="), all, 15);
        assertExact(cells.get("label:model=classic"), classic, 12);
        assertExact(cells.get("geohash=u0yjj"), classic, 12);

        // the cells went out as exactly the bytes whose hash the decision log holds
        String cellsJson = raw[0].substring(raw[0].indexOf(",\"cells\":") + 9, raw[0].length() - 1);
        assertEquals(io.meridian.region.egress.EgressGate.sha256(cellsJson.getBytes(StandardCharsets.UTF_8)), decision.getString("payloadHash"));
        JsonObject record = new JsonObject(node.get("/v1/decisions?from=" + decision.getLong("sequence") + "&limit=1", auditor).body())
                .getJsonArray("items").getJsonObject(0);
        assertEquals(decision.getString("id"), record.getString("decisionId"));
        assertEquals("PARTIAL", record.getString("outcome"));
        assertEquals(decision.getString("payloadHash"), record.getString("payloadHash"));
        assertEquals(3, record.getInteger("releasedCells"));
        assertEquals(List.of("AGGREGATE"), record.getJsonArray("categories").getList());

        // to a destination the tenant does not allow: nothing, and the refusal is logged
        HttpResponse<String> us = node.get(query, usGateway);
        assertEquals(200, us.statusCode(), us.body());
        JsonObject denied = new JsonObject(us.body());
        assertEquals("DENY", denied.getJsonObject("decision").getString("outcome"));
        assertEquals(List.of("A1"), denied.getJsonObject("decision").getJsonArray("rules").getList());
        assertTrue(denied.getJsonArray("cells").isEmpty());
        // Windows finer than the default minimum of 15 minutes: every cell is suppressed. The range merged at 1 minute is a
        // window of a few minutes holding every device, so a cell of at least k devices fails A5 and the studio and Munich
        // cells fail A4 first (a cell counts under the first rule it fails).
        JsonObject mergedFine = new JsonObject(node.get(query.replace("PT15M", "PT1M"), homeGateway).body());
        assertEquals("DENY", mergedFine.getJsonObject("decision").getString("outcome"), mergedFine.encode());
        assertEquals(Map.of("A4", 2, "A5", 3), mergedFine.getJsonObject("decision").getJsonObject("suppressedCounts").getMap(),
                mergedFine.encode());
        // Unmerged 1-minute cells: which rule each fails depends on how the sends fell across minute boundaries (when they
        // straddle one, no minute holds k devices and all fail A4), so only the outcome and the rules are fixed here.
        JsonObject fine = new JsonObject(node.get(query.replace("PT15M", "PT1M").replace("&merge=true", ""), homeGateway).body());
        JsonObject fineDecision = fine.getJsonObject("decision");
        assertEquals("DENY", fineDecision.getString("outcome"), fine.encode());
        assertEquals(0, fineDecision.getInteger("releasedCells"), fine.encode());
        assertTrue(Set.of("A4", "A5").containsAll(fineDecision.getJsonObject("suppressedCounts").fieldNames()), fine.encode());
        assertEquals(fineDecision.getInteger("suppressedCells"),
                fineDecision.getJsonObject("suppressedCounts").getMap().values().stream().mapToInt(v -> ((Number) v).intValue()).sum(),
                fine.encode());

        // the home gateway may receive the cells, but not export them on to a US sink: the region decides for the US
        JsonObject onward = new JsonObject(node.get(query + "&onward=US", homeGateway).body());
        assertEquals("DENY", onward.getJsonObject("decision").getString("outcome"), onward.encode());
        assertEquals(List.of("A1"), onward.getJsonObject("decision").getJsonArray("rules").getList());
        assertEquals("US", onward.getJsonObject("decision").getString("destination"));
        assertTrue(onward.getJsonArray("cells").isEmpty());
        JsonObject logged = new JsonObject(node.get("/v1/decisions?from=" + onward.getJsonObject("decision").getLong("sequence") + "&limit=1", auditor)
                .body()).getJsonArray("items").getJsonObject(0);
        assertEquals("US", logged.getString("destinationJurisdiction"), logged.encode());
        assertEquals(null, logged.getString("destinationRegion"), "an export sink is not a region: " + logged.encode());
        // onward to its own jurisdiction is the ordinary query
        JsonObject home = new JsonObject(node.get(query + "&onward=GB", homeGateway).body());
        assertEquals("PARTIAL", home.getJsonObject("decision").getString("outcome"), home.encode());
        assertProblem(node.get(query + "&onward=U%24", homeGateway), 400, "onward must be a jurisdiction code");
    }

    @Test
    @Order(8)
    void aGroupValueThatIsADeviceIdOfTheTenant_isSuppressedUnderA9_thoughItDoesNotLookLikeAnIdentifier() throws Exception {
        Instant start = Instant.now();
        String tenant = "batchco-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        node.createTenant(tenant, new JsonObject().put("group-labels", new JsonArray().add("batch"))
                .put("payload", new JsonObject().put("metrics", new JsonObject().put("temperature", "/t")))
                .put("export", new JsonObject().put("allowed-labels", new JsonArray().add("batch"))));
        // 10 lamps whose batch is "unit-0", the first lamp's own id (a registry id, not an identifier's shape), and 10 whose
        // batch is "spring": both groups meet k = 10, only the registry tells them apart
        String named = "unit-0";
        assertFalse(io.meridian.policy.model.Identifiers.looksLikeIdentifier(named));
        for (int d = 0; d < 20; d++) {
            node.registerDevice(tenant, "unit-" + d, Map.of("batch", d < 10 ? named : "spring"));
        }
        for (int d = 0; d < 20; d++) {
            MqttClient mqtt = node.connect(tenant, "unit-" + d);
            DataTestNode.publishAll(mqtt, "telemetry", List.of(new JsonObject().put("t", 20.0 + d).encode()));
            DataTestNode.await(mqtt.disconnect());
        }
        String query = "/v1/tenants/" + tenant + "/aggregates?metric=temperature&resolution=PT15M&merge=true&group=label:batch&from="
                + start.minus(java.time.Duration.ofMinutes(1)) + "&to=" + Instant.now().plus(java.time.Duration.ofMinutes(1));
        JsonObject[] answer = new JsonObject[1];
        String[] raw = new String[1];
        awaitTrue(() -> {
            try {
                HttpResponse<String> r = node.get(query, homeGateway);
                raw[0] = r.body();
                answer[0] = new JsonObject(r.body());
                JsonObject counts = answer[0].getJsonObject("decision").getJsonObject("suppressedCounts");
                // both groups complete: spring released with its 10 devices, the named group suppressed
                return r.statusCode() == 200 && counts.getInteger("A9", 0) == 1 && answer[0].getJsonArray("cells").stream()
                        .map(JsonObject.class::cast).anyMatch(c -> c.getLong("distinctDevices") == 10);
            } catch (Exception e) {
                return false;
            }
        }, "both batch groups aggregated: " + raw[0]);
        JsonObject decision = answer[0].getJsonObject("decision");
        assertEquals("PARTIAL", decision.getString("outcome"), decision.encode());
        assertEquals(new JsonObject().put("A9", 1), decision.getJsonObject("suppressedCounts"), decision.encode());
        assertEquals(1, decision.getInteger("releasedCells"));
        assertEquals("spring", answer[0].getJsonArray("cells").getJsonObject(0).getJsonObject("group").getString("value"));
        assertFalse(raw[0].contains(named), raw[0]);
        JsonObject record = new JsonObject(node.get("/v1/decisions?from=" + decision.getLong("sequence") + "&limit=1", auditor).body())
                .getJsonArray("items").getJsonObject(0);
        assertEquals(decision.getString("id"), record.getString("decisionId"));
        assertEquals(1, record.getJsonObject("suppressedCounts").getInteger("A9"), record.encode());

        // check 4 of the audit re-decides the release with the registry and finds nothing wrong with what went out
        JsonObject page = new JsonObject(node.get("/v1/audit/releases?fromSequence=" + decision.getLong("sequence") + "&limit=1", auditor)
                .body());
        JsonObject release = page.getJsonArray("releases").getJsonObject(0);
        assertEquals("VERIFIED", release.getString("status"), page.encode());
        assertTrue(release.getJsonArray("violations").isEmpty(), page.encode());
    }

    private static void assertExact(JsonObject cell, List<Double> values, int devices) {
        assertEquals(values.size(), cell.getLong("count"), cell.encode());
        assertEquals(values.stream().mapToDouble(Double::doubleValue).sum(), cell.getDouble("sum"), 1e-9, cell.encode());
        assertEquals(values.stream().mapToDouble(Double::doubleValue).min().orElseThrow(), cell.getDouble("min"), cell.encode());
        assertEquals(values.stream().mapToDouble(Double::doubleValue).max().orElseThrow(), cell.getDouble("max"), cell.encode());
        assertEquals(devices, cell.getLong("distinctDevices"), cell.encode());
        List<Double> sorted = values.stream().sorted().toList();
        double p50 = cell.getJsonObject("quantiles").getDouble("p50");
        double low = sorted.get((int) Math.floor(0.5 * (sorted.size() - 1)));
        double high = sorted.get((int) Math.ceil(0.5 * (sorted.size() - 1)));
        assertTrue(p50 >= low * 0.99 && p50 <= high * 1.01, "p50 " + p50 + " within 1 % of the exact median between " + low + " and " + high);
        assertFalse(cell.getString("state").isEmpty());
    }

    @Test
    @Order(8)
    void stats_countTheTenantsDevices_itsOpenConnection_andItsMessagesOfTheLast10s_andOnlyToThoseWhoMaySeeThem() throws Exception {
        HttpResponse<String> count = node.get("/v1/tenants/" + TENANT + "/devices/count", homeGateway);
        assertEquals(200, count.statusCode(), count.body());
        long registered = new JsonObject(count.body()).getLong("devices");
        MqttClient mqtt = node.connect(TENANT, "lamp-1");
        try {
            List<String> payloads = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                payloads.add(new JsonObject().put("env", new JsonObject().put("temp", 20.0)).encode());
            }
            DataTestNode.publishAll(mqtt, "telemetry", payloads);
            // the whole region first, then the tenant: no message of the tenant comes after the publish, so the tenant's rate
            // can only fall as the window moves on, and the region's rate read earlier is at least the tenant's read later
            HttpResponse<String> whole = node.get("/v1/stats", auditor);
            HttpResponse<String> mine = node.get("/v1/stats?tenant=" + TENANT, homeGateway);
            assertEquals(200, mine.statusCode(), mine.body());
            JsonObject stats = new JsonObject(mine.body());
            assertEquals(REGION, stats.getString("region"));
            assertEquals(TENANT, stats.getString("tenant"));
            assertEquals(registered, stats.getLong("devicesRegistered"), stats.encode());
            assertEquals(1, stats.getInteger("devicesConnected"), stats.encode());
            // 30 PUBACKed messages within the last 10 s; earlier tests' messages are older than the window
            assertTrue(stats.getDouble("ingestPerSecond") >= 3.0, stats.encode());
            assertEquals("PT10S", stats.getString("window"));
            assertNotNull(Instant.parse(stats.getString("at")));

            HttpResponse<String> analyst = node.get("/v1/stats?tenant=" + TENANT, node.client.userToken(keycloak, MeridianRealm.LAMP_ANALYST));
            assertEquals(200, analyst.statusCode(), analyst.body());
            assertEquals(1, new JsonObject(analyst.body()).getInteger("devicesConnected"));

            assertEquals(200, whole.statusCode(), whole.body());
            JsonObject total = new JsonObject(whole.body());
            assertFalse(total.containsKey("tenant"));
            assertTrue(total.getLong("devicesRegistered") >= registered, total.encode());
            assertTrue(total.getInteger("devicesConnected") >= 1, total.encode());
            assertTrue(total.getDouble("ingestPerSecond") >= stats.getDouble("ingestPerSecond"), total.encode());

            JsonObject other = new JsonObject(node.get("/v1/stats?tenant=stats-nobody", auditor).body());
            assertEquals(0, other.getLong("devicesRegistered"));
            assertEquals(0, other.getInteger("devicesConnected"));
            assertEquals(0.0, other.getDouble("ingestPerSecond"));
        } finally {
            DataTestNode.await(mqtt.disconnect());
        }
        String lampAnalyst = node.client.userToken(keycloak, MeridianRealm.LAMP_ANALYST);
        assertProblem(node.get("/v1/stats", lampAnalyst), 403, "customer asks with tenant=");
        assertProblem(node.get("/v1/stats?tenant=carehome", lampAnalyst), 403, "tenant is not carehome");
        assertProblem(node.get("/v1/stats?tenant=" + TENANT, null), 401, "bearer token is required");
        assertProblem(node.get("/v1/stats?tenant=bad%20id", auditor), 400, "tenant must be");
        awaitTrue(() -> {
            try {
                return new JsonObject(node.get("/v1/stats?tenant=" + TENANT, homeGateway).body()).getInteger("devicesConnected") == 0;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "the closed connection is no longer counted");
    }

    @Test
    @Order(99)
    void decisionLog_verifiesIntact_andAnEditedRowIsFoundByVerify() throws Exception {
        HttpResponse<String> verify = node.get("/v1/decisions/verify", auditor);
        assertEquals(200, verify.statusCode(), verify.body());
        JsonObject ok = new JsonObject(verify.body());
        assertTrue(ok.getBoolean("intact"), ok.encode());
        long records = ok.getLong("recordsChecked");
        assertTrue(records >= 4, ok.encode());

        long target = Math.max(1, records - 1);
        // the edit must change the row: which outcome the target holds depends on how the earlier tests' polls went
        String outcome = node.session().execute("SELECT outcome FROM meridian_egress.decision_log WHERE region = '" + REGION
                + "' AND sequence = " + target).one().getString("outcome");
        String edited = "ALLOW".equals(outcome) ? "DENY" : "ALLOW";
        node.session().execute("UPDATE meridian_egress.decision_log SET outcome = '" + edited + "' WHERE region = '" + REGION
                + "' AND sequence = " + target);
        JsonObject broken = new JsonObject(node.get("/v1/decisions/verify", auditor).body());
        assertFalse(broken.getBoolean("intact"), broken.encode());
        assertEquals(target, broken.getJsonObject("firstBreak").getLong("sequence"), broken.encode());
        assertNotNull(broken.getJsonObject("firstBreak").getString("detail"));
    }

    // ---- helpers

    private long committed() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets("meridian-ingest-" + REGION).partitionsToOffsetAndMetadata()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS).get(new TopicPartition("hono.telemetry." + TENANT, 0));
            return o == null ? 0 : o.offset();
        } catch (Exception e) {
            return 0;
        }
    }

    private List<Row> rows(String table, String device) {
        return node.session().execute("SELECT * FROM meridian_data." + table + " WHERE tenant_id = ? AND device_id = ? AND day IN ?",
                TENANT, device, List.of(java.time.LocalDate.now(java.time.ZoneOffset.UTC),
                        java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1))).all();
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detailPart) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("content-type").orElse(""), response.body());
        JsonObject problem = new JsonObject(response.body());
        assertEquals(status, problem.getInteger("status"));
        assertTrue(problem.getString("detail").contains(detailPart), "expected '" + detailPart + "' in " + problem.getString("detail"));
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + DataTestNode.WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(200);
        }
    }
}
