package io.meridian.catalog.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.cql.ColumnDefinition;
import com.datastax.oss.driver.api.core.cql.Row;
import io.meridian.catalog.app.RegionSide;
import io.meridian.catalog.region.RegionDirectory;
import io.meridian.catalog.service.Regions;
import io.meridian.catalog.store.CatalogStore;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.service.Federation;
import io.meridian.policy.model.GeoPoint;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The catalog against real region node processes (eu-central, af-south, us-east; uk-south is not started, so it is
 * down throughout), their Cassandra clusters and Kafka brokers, and Keycloak. The catalog keeps its keyspace on
 * eu-central's cluster, standing in for its multi-data-centre cluster.
 */
@MeridianServices(cassandra = {"eu-central", "af-south", "us-east"}, kafka = {"eu-central", "af-south", "us-east"}, keycloak = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CatalogIT {

    private static final List<String> RUNNING = List.of("eu-central", "af-south", "us-east");
    private static final String LAMPCO = "lampco";
    private static final String CAREHOME = "carehome";

    private final TestHttp http = new TestHttp();
    private final Set<String> deviceIds = ConcurrentHashMap.newKeySet();
    /** Devices whose registry write the failing layer breaks (see {@link #failing}). */
    private final Set<String> breakCredentials = ConcurrentHashMap.newKeySet();
    private CatalogRig rig;
    private KeycloakService keycloak;
    private String lampAdmin;
    private String careAdmin;
    private String catalogToken;

    @BeforeAll
    void start(Federation federation, KeycloakService keycloak) throws Exception {
        this.keycloak = keycloak;
        rig = new CatalogRig(federation, keycloak, RUNNING, this::failing);
        lampAdmin = http.userToken(keycloak, MeridianRealm.LAMP_ADMIN);
        careAdmin = http.userToken(keycloak, MeridianRealm.CARE_ADMIN);
        catalogToken = http.catalogToken(keycloak);
    }

    @AfterAll
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    @Order(1)
    void aTenant_isPushedToEveryRegionThatIsUp_asAHonoTenantWithItsSettings() throws Exception {
        HttpResponse<String> put = http.send("PUT", rig.uri("/v1/tenants/" + LAMPCO), lampAdmin, """
                {"home-jurisdiction":"EU","export":{"allowed-destinations":["ZA"],"k":12,"allowed-labels":["model"]},"retention":"P30D",
                 "data":{"payload":{"metrics":{"temperature":"/env/temp"}},"group-labels":["model"]}}""");
        assertEquals(201, put.statusCode(), put.body());
        JsonObject tenant = new JsonObject(put.body());
        assertEquals(1, tenant.getLong("revision"));
        assertEquals("PROXIMITY", tenant.getJsonObject("allocation").getString("policy"));
        for (String r : RUNNING) {
            assertEquals("current", tenant.getJsonObject("regions").getJsonObject(r).getString("status"), tenant.encodePrettily());
            JsonObject inRegion = registryTenant(r, LAMPCO);
            JsonObject meridian = inRegion.getJsonObject("ext").getJsonObject("meridian");
            assertEquals(30, meridian.getInteger("retention-days"));
            assertEquals(12, meridian.getJsonObject("export").getInteger("k"));
            assertEquals(1, meridian.getInteger("catalog-revision"));
        }
        assertFalse("current".equals(tenant.getJsonObject("regions").getJsonObject("uk-south").getString("status")),
                "uk-south is down and cannot hold the tenant: " + tenant.getJsonObject("regions"));

        HttpResponse<String> care = http.send("PUT", rig.uri("/v1/tenants/" + CAREHOME), careAdmin,
                "{\"home-jurisdiction\":\"EU\",\"allocation\":{\"policy\":\"PINNED_JURISDICTION\",\"jurisdictions\":[\"EU\"]}}");
        assertEquals(201, care.statusCode(), care.body());
        HttpResponse<String> again = http.send("GET", rig.uri("/v1/tenants/" + CAREHOME), careAdmin, null);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals("PINNED_JURISDICTION", new JsonObject(again.body()).getJsonObject("allocation").getString("policy"));
    }

    @Test
    @Order(2)
    void badInputAndWrongCallers_getPreciseProblems() throws Exception {
        String analyst = http.userToken(keycloak, MeridianRealm.LAMP_ANALYST);
        assertProblem(http.send("GET", rig.uri("/v1/tenants/" + LAMPCO), null, null), 401, "bearer token is required");
        assertProblem(http.send("GET", rig.uri("/v1/tenants/" + LAMPCO), "not.a.jwt", null), 401, "");
        assertProblem(http.send("GET", rig.uri("/v1/tenants/" + LAMPCO), analyst, null), 403, "customer-admin");
        assertProblem(http.send("GET", rig.uri("/v1/tenants/" + LAMPCO), careAdmin, null), 403, "only its own tenant");
        String gateway = http.gatewayToken(keycloak, "us-east");
        assertEquals(200, http.send("GET", rig.uri("/v1/tenants/" + LAMPCO), gateway, null).statusCode(), "a gateway client may read any tenant");
        assertProblem(http.send("GET", rig.uri("/v1/tenants/nobody"), gateway, null), 404, "unknown tenant nobody");
        assertProblem(http.send("POST", rig.uri("/v1/tenants/nobody/devices"), gateway, "{\"device-id\":\"d-1\",\"location\":{\"country\":\"DE\"}}"),
                404, "unknown tenant nobody");
        JsonObject p = assertProblem(http.send("PUT", rig.uri("/v1/tenants/" + LAMPCO), lampAdmin, "{\"home-jurisdiction\":\"ATLANTIS\"}"), 400,
                "unknown jurisdiction ATLANTIS");
        assertEquals("/home-jurisdiction", p.getString("pointer"));
        p = assertProblem(http.send("PUT", rig.uri("/v1/tenants/" + LAMPCO), lampAdmin, "{\"home-jurisdiction\":\"EU\",\"export\":{\"k\":3}}"), 400, "");
        assertEquals("/export", p.getString("pointer"));
        p = assertProblem(register(LAMPCO, lampAdmin, "bad-1", new JsonObject().put("lat", 95.0).put("lon", 8.0)), 400, "malformed coordinates");
        assertEquals("/location", p.getString("pointer"));
        p = assertProblem(register(LAMPCO, lampAdmin, "bad-2", new JsonObject().put("lat", "north").put("lon", 8.0)), 400, "must both be numbers");
        p = assertProblem(register(LAMPCO, lampAdmin, "bad-3", new JsonObject().put("country", "QQ")), 400, "unknown country QQ");
        assertEquals("/location/country", p.getString("pointer"));
        assertProblem(register(LAMPCO, lampAdmin, "bad 4", new JsonObject().put("country", "DE")), 400, "device id");
        assertProblem(http.send("POST", rig.uri("/v1/tenants/" + LAMPCO + "/devices"), lampAdmin, "{not json"), 400, "not JSON");
        assertProblem(http.send("POST", rig.uri("/v1/tenants/" + LAMPCO + "/devices"), lampAdmin, "[1]"), 400, "JSON object");
        assertProblem(http.send("POST", rig.uri("/v1/bootstrap"), null, "{\"tenant\":\"lampco\"}"), 400, "device-id");
        assertProblem(http.send("DELETE", rig.uri("/v1/regions"), lampAdmin, null), 405, "");
        HttpResponse<String> doc = http.send("GET", rig.uri("/v1/openapi.json"), null, null);
        assertEquals(200, doc.statusCode());
        assertEquals("3.1.0", new JsonObject(doc.body()).getString("openapi"));
        HttpResponse<String> regions = http.send("GET", rig.uri("/v1/regions"), analyst, null);
        assertEquals(200, regions.statusCode(), regions.body());
        Map<String, String> status = new LinkedHashMap<>();
        new JsonArray(regions.body()).forEach(o -> status.put(((JsonObject) o).getString("id"), ((JsonObject) o).getString("status")));
        assertEquals(Map.of("eu-central", "UP", "af-south", "UP", "us-east", "UP", "uk-south", "DOWN"), status);
        JsonObject eu = new JsonArray(regions.body()).stream().map(JsonObject.class::cast).filter(o -> o.getString("id").equals("eu-central"))
                .findFirst().orElseThrow();
        assertEquals(new JsonObject().put("latitude", 50.1109).put("longitude", 8.6821), eu.getJsonObject("coordinates"), eu.encode());
        assertEquals("Frankfurt am Main", eu.getString("city"));
        assertEquals("DE", eu.getString("country"));
    }

    @Test
    @Order(3)
    void threeHundredDevices_goToTheNearestRegionThatIsUp() throws Exception {
        // bounding boxes well inside each country
        Map<String, double[]> boxes = new LinkedHashMap<>();
        boxes.put("DE", new double[] {48.0, 53.5, 7.0, 13.5});
        boxes.put("FR", new double[] {43.5, 49.5, -1.0, 6.0});
        boxes.put("NG", new double[] {5.0, 12.5, 3.5, 13.0});
        boxes.put("ZA", new double[] {-33.5, -23.5, 18.5, 31.0});
        boxes.put("CA", new double[] {43.5, 55.0, -123.0, -66.0});
        boxes.put("US", new double[] {30.0, 47.0, -120.0, -72.0});
        Random random = new Random(6);
        List<String> devices = new ArrayList<>();
        Map<String, GeoPoint> where = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, double[]> box : boxes.entrySet()) {
            for (int n = 0; n < 50; n++) {
                double[] b = box.getValue();
                GeoPoint p = GeoPoint.of(b[0] + random.nextDouble() * (b[1] - b[0]), b[2] + random.nextDouble() * (b[3] - b[2]));
                String id = "lamp-" + box.getKey().toLowerCase() + "-" + (i++);
                devices.add(id);
                where.put(id, p);
            }
        }
        Map<String, String> assigned = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String id : devices) {
                done.add(pool.submit(() -> {
                    HttpResponse<String> r = register(LAMPCO, lampAdmin, id, new JsonObject().put("lat", where.get(id).latitude())
                            .put("lon", where.get(id).longitude()));
                    assertEquals(201, r.statusCode(), r.body());
                    assigned.put(id, new JsonObject(r.body()).getString("region"));
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, Integer> perRegion = new java.util.TreeMap<>();
        for (String id : devices) {
            assertEquals(expectedRegion(where.get(id), Set.of("uk-south")), assigned.get(id), id + " at " + where.get(id));
            perRegion.merge(assigned.get(id), 1, Integer::sum);
        }
        assertTrue(perRegion.keySet().containsAll(RUNNING), "every running region got devices: " + perRegion);
        // each device is in its region's registry and in no other
        for (String id : devices.subList(0, devices.size()).stream().filter(d -> d.hashCode() % 5 == 0).toList()) {
            for (String r : RUNNING) {
                int status = http.send("GET", URI.create(rig.node(r).endpoints().get("registry") + "/devices/" + LAMPCO + "/" + id), catalogToken, null)
                        .statusCode();
                assertEquals(r.equals(assigned.get(id)) ? 200 : 404, status, id + " in " + r + " (assigned " + assigned.get(id) + ")");
            }
        }
        HttpResponse<String> one = http.send("GET", rig.uri("/v1/tenants/" + LAMPCO + "/devices/" + devices.get(0)), lampAdmin, null);
        assertEquals(200, one.statusCode(), one.body());
        assertEquals("ACTIVE", new JsonObject(one.body()).getString("state"));
    }

    /** An independent nearest-region computation: great-circle distance, regions within 50 km tie, the higher weight wins. */
    private String expectedRegion(GeoPoint p, Set<String> down) {
        List<RegionConfig> up = rig.configs.regions().stream().filter(r -> !down.contains(r.id().value())).toList();
        double best = up.stream().mapToDouble(r -> haversine(p, r.location())).min().orElseThrow();
        return up.stream().filter(r -> haversine(p, r.location()) - best <= 50.0)
                .max(java.util.Comparator.comparingInt(RegionConfig::weight).thenComparing(r -> -haversine(p, r.location())))
                .orElseThrow().id().value();
    }

    private static double haversine(GeoPoint a, GeoPoint b) {
        double dLat = Math.toRadians(b.latitude() - a.latitude());
        double dLon = Math.toRadians(b.longitude() - a.longitude());
        double h = Math.pow(Math.sin(dLat / 2), 2)
                + Math.cos(Math.toRadians(a.latitude())) * Math.cos(Math.toRadians(b.latitude())) * Math.pow(Math.sin(dLon / 2), 2);
        return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
    }

    @Test
    @Order(4)
    void aPinnedTenantsDeviceInTheUs_goesToEuCentral() throws Exception {
        HttpResponse<String> r = register(CAREHOME, careAdmin, "care-box-ny", new JsonObject().put("lat", 40.71).put("lon", -74.01));
        assertEquals(201, r.statusCode(), r.body());
        assertEquals("eu-central", new JsonObject(r.body()).getString("region"));
        assertEquals(200, http.send("GET", URI.create(rig.node("eu-central").endpoints().get("registry") + "/devices/" + CAREHOME + "/care-box-ny"),
                catalogToken, null).statusCode());
        assertEquals(404, http.send("GET", URI.create(rig.node("us-east").endpoints().get("registry") + "/devices/" + CAREHOME + "/care-box-ny"),
                catalogToken, null).statusCode());
    }

    @Test
    @Order(5)
    void fiftyConcurrentRegistrationsOfOneDevice_giveOneAssignmentAndOneRegistryEntry() throws Exception {
        String device = "lamp-race";
        int n = 50;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Future<HttpResponse<String>>> results = new ArrayList<>();
        try {
            for (int k = 0; k < n; k++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return register(LAMPCO, lampAdmin, device, new JsonObject().put("country", "DE"));
                }));
            }
            go.countDown();
            List<HttpResponse<String>> won = new ArrayList<>();
            Map<Integer, Integer> statuses = new java.util.TreeMap<>();
            for (Future<HttpResponse<String>> f : results) {
                HttpResponse<String> r = f.get(3, TimeUnit.MINUTES);
                statuses.merge(r.statusCode(), 1, Integer::sum);
                if (r.statusCode() == 201) {
                    won.add(r);
                }
            }
            assertEquals(Map.of(201, 1, 409, n - 1), statuses);
            JsonObject winner = new JsonObject(won.get(0).body());
            String key = rig.keys.pseudonym(LAMPCO, device);
            assertEquals(1, rig.session.execute("SELECT device_key FROM catalog.assignments WHERE device_key = ?", key).all().size());
            assertEquals(0, rig.catalog.store().pending().toCompletableFuture().get().stream().filter(op -> op.deviceKey().equals(key)).count(),
                    "no journal entry is left behind");
            String region = winner.getString("region");
            for (String r : RUNNING) {
                assertEquals(r.equals(region) ? 200 : 404, http.send("GET", URI.create(rig.node(r).endpoints().get("registry") + "/devices/" + LAMPCO
                        + "/" + device), catalogToken, null).statusCode(), r);
            }
            // the winner's credentials are the ones the region holds
            publish(winner, "{\"env\":{\"temp\":21.5}}");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(6)
    void endToEnd_enrollmentThenBootstrap_thenTheDevicePublishes() throws Exception {
        java.time.LocalDate firstDay = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        HttpResponse<String> group = http.send("POST", rig.uri("/v1/tenants/" + LAMPCO + "/enrollment-groups"), lampAdmin, "{\"group-id\":\"factory-za\"}");
        assertEquals(201, group.statusCode(), group.body());
        String groupSecret = new JsonObject(group.body()).getString("secret");
        assertEquals(43, groupSecret.length());
        deviceIds.add("lamp-za-new");
        JsonObject enroll = new JsonObject().put("tenant", LAMPCO).put("device-id", "lamp-za-new").put("enrollment-group", "factory-za")
                .put("group-secret", groupSecret).put("location", new JsonObject().put("country", "ZA")).put("labels", new JsonObject().put("model", "solar"));
        HttpResponse<String> first = http.send("POST", rig.uri("/v1/bootstrap"), null, enroll.encode());
        assertEquals(201, first.statusCode(), first.body());
        JsonObject enrolled = new JsonObject(first.body());
        assertEquals("af-south", enrolled.getString("region"));
        assertTrue(enrolled.getJsonObject("endpoints").getJsonObject("tls").getString("ca-pem").startsWith("-----BEGIN CERTIFICATE-----"));
        publish(enrolled, "{\"env\":{\"temp\":30.5}}");
        publishTls(enrolled, "{\"env\":{\"temp\":30.75}}");

        HttpResponse<String> twice = http.send("POST", rig.uri("/v1/bootstrap"), null, enroll.encode());
        assertProblem(twice, 409, "returned once");
        assertProblem(http.send("POST", rig.uri("/v1/bootstrap"), null, enroll.copy().put("group-secret", "wrong").put("device-id", "lamp-za-2").encode()),
                401, "enrollment group");

        JsonObject boot = new JsonObject().put("tenant", LAMPCO).put("device-id", "lamp-za-new").put("secret", enrolled.getString("bootstrap-secret"));
        HttpResponse<String> again = http.send("POST", rig.uri("/v1/bootstrap"), null, boot.encode());
        assertEquals(200, again.statusCode(), again.body());
        assertEquals("af-south", new JsonObject(again.body()).getString("region"));
        assertFalse(again.body().contains("password"), "a bootstrap by secret returns no credentials");
        assertProblem(http.send("POST", rig.uri("/v1/bootstrap"), null, boot.copy().put("secret", "guess").encode()), 401, "unknown or its bootstrap secret");
        assertProblem(http.send("POST", rig.uri("/v1/bootstrap"), null, boot.copy().put("device-id", "never-registered").encode()), 401,
                "unknown or its bootstrap secret");

        HttpResponse<String> disable = http.send("DELETE", rig.uri("/v1/tenants/" + LAMPCO + "/enrollment-groups/factory-za"), lampAdmin, null);
        assertEquals(204, disable.statusCode(), disable.body());
        assertProblem(http.send("POST", rig.uri("/v1/bootstrap"), null, enroll.copy().put("device-id", "lamp-za-3").encode()), 401, "disabled");

        // every bootstrap was logged, by pseudonym, in the partition of its own day: read every day the test ran in (it may
        // run across midnight UTC)
        List<CatalogStore.BootstrapEntry> log = new ArrayList<>();
        for (java.time.LocalDate day = firstDay; !day.isAfter(java.time.LocalDate.now(java.time.ZoneOffset.UTC)); day = day.plusDays(1)) {
            log.addAll(rig.catalog.store().log(day, 1000).toCompletableFuture().get());
        }
        String key = rig.keys.pseudonym(LAMPCO, "lamp-za-new");
        List<String> outcomes = log.stream().filter(e -> e.deviceKey().equals(key)).map(e -> e.method() + ":" + e.outcome()).sorted().toList();
        assertEquals(List.of("enrollment:409", "enrollment:ok", "secret:401", "secret:ok"), outcomes);
    }

    @Test
    @Order(7)
    void aFailureHalfWay_isRolledBack_andACrashHalfWay_isRepaired() throws Exception {
        // the region accepts the device, then refuses its credentials: the catalog must undo the device
        breakCredentials.add("lamp-broken");
        HttpResponse<String> r = register(LAMPCO, lampAdmin, "lamp-broken", new JsonObject().put("country", "DE"));
        assertProblem(r, 502, "nothing was registered");
        String key = rig.keys.pseudonym(LAMPCO, "lamp-broken");
        assertTrue(rig.catalog.store().assignment(key).toCompletableFuture().get().isEmpty(), "the claim was released");
        assertEquals(404, http.send("GET", URI.create(rig.node("eu-central").endpoints().get("registry") + "/devices/" + LAMPCO + "/lamp-broken"),
                catalogToken, null).statusCode(), "the registry entry was deleted");
        breakCredentials.clear();

        // a crash after the registry write and before activation: journal, PENDING claim and registry entry are left
        String crashed = "lamp-crashed";
        deviceIds.add(crashed);
        String crashedKey = rig.keys.pseudonym(LAMPCO, crashed);
        java.util.UUID op = CatalogStore.newOpId();
        java.time.Instant then = rig.clock.instant();
        rig.catalog.store().journal(new CatalogStore.PendingOp(CatalogStore.shardOf(op), op, "register", crashedKey, LAMPCO, "eu-central", Optional.empty(),
                ByteBuffer.wrap(rig.keys.seal(LAMPCO, crashed)), then)).toCompletableFuture().get();
        assertTrue(rig.catalog.store().claim(new CatalogStore.Assignment(crashedKey, LAMPCO, "eu-central", CatalogStore.State.PENDING, op, Optional.empty(),
                "api", then, then)).toCompletableFuture().get().won());
        rig.regions.createDevice(RegionId.of("eu-central"), LAMPCO, crashed, new JsonObject().put("enabled", true)).toCompletableFuture().get();
        String registryUri = rig.node("eu-central").endpoints().get("registry") + "/devices/" + LAMPCO + "/" + crashed;
        assertEquals(200, http.send("GET", URI.create(registryUri), catalogToken, null).statusCode());

        assertEquals(0, rig.catalog.service().repair().toCompletableFuture().get(), "nothing is repaired inside the grace period");
        rig.clock.advance(Duration.ofMinutes(3));
        int settled = rig.catalog.service().repair().toCompletableFuture().get();
        assertTrue(settled >= 1, "the crashed registration was settled");
        assertTrue(rig.catalog.store().assignment(crashedKey).toCompletableFuture().get().isEmpty(), "the PENDING claim was released");
        assertEquals(404, http.send("GET", URI.create(registryUri), catalogToken, null).statusCode(), "the orphan registry entry was deleted");
        assertTrue(rig.catalog.store().pending().toCompletableFuture().get().isEmpty(), "the journal is empty");
        // and the device can now be registered normally
        assertEquals(201, register(LAMPCO, lampAdmin, crashed, new JsonObject().put("country", "DE")).statusCode());
    }

    @Test
    @Order(8)
    void rehoming_movesTheRegistryEntry_andTheDevicePublishesInItsNewRegion() throws Exception {
        HttpResponse<String> reg = register(LAMPCO, lampAdmin, "lamp-mover", new JsonObject().put("country", "DE"));
        assertEquals(201, reg.statusCode(), reg.body());
        assertEquals("eu-central", new JsonObject(reg.body()).getString("region"));
        // a bootstrap puts the assignment in the near cache; the re-homing must invalidate it
        HttpResponse<String> before = http.send("POST", rig.uri("/v1/bootstrap"), null, new JsonObject().put("tenant", LAMPCO)
                .put("device-id", "lamp-mover").put("secret", new JsonObject(reg.body()).getString("bootstrap-secret")).encode());
        assertEquals("eu-central", new JsonObject(before.body()).getString("region"), before.body());
        assertTrue(rig.catalog.nearCache().size() > 0, "the bootstrap filled the near cache");
        assertProblem(http.send("POST", rig.uri("/v1/tenants/" + LAMPCO + "/devices/lamp-mover/rehome"), lampAdmin,
                "{\"region\":\"af-south\",\"raw-data\":\"delete\"}"), 400, "never moves");
        assertProblem(http.send("POST", rig.uri("/v1/tenants/" + CAREHOME + "/devices/care-box-ny/rehome"), careAdmin, "{\"region\":\"us-east\"}"),
                422, "does not permit region us-east");
        HttpResponse<String> moved = http.send("POST", rig.uri("/v1/tenants/" + LAMPCO + "/devices/lamp-mover/rehome"), lampAdmin, "{\"region\":\"af-south\"}");
        assertEquals(200, moved.statusCode(), moved.body());
        JsonObject now = new JsonObject(moved.body());
        assertEquals("af-south", now.getString("region"));
        assertEquals(404, http.send("GET", URI.create(rig.node("eu-central").endpoints().get("registry") + "/devices/" + LAMPCO + "/lamp-mover"),
                catalogToken, null).statusCode());
        assertEquals(200, http.send("GET", URI.create(rig.node("af-south").endpoints().get("registry") + "/devices/" + LAMPCO + "/lamp-mover"),
                catalogToken, null).statusCode());
        publish(now, "{\"env\":{\"temp\":19.0}}");
        HttpResponse<String> boot = http.send("POST", rig.uri("/v1/bootstrap"), null, new JsonObject().put("tenant", LAMPCO).put("device-id", "lamp-mover")
                .put("secret", now.getString("bootstrap-secret")).encode());
        assertEquals("af-south", new JsonObject(boot.body()).getString("region"), "the near cache was invalidated: " + boot.body());
        assertProblem(http.send("POST", rig.uri("/v1/bootstrap"), null, new JsonObject().put("tenant", LAMPCO).put("device-id", "lamp-mover")
                .put("secret", new JsonObject(reg.body()).getString("bootstrap-secret")).encode()), 401, "bootstrap secret");
        HttpResponse<String> del = http.send("DELETE", rig.uri("/v1/tenants/" + LAMPCO + "/devices/lamp-mover"), lampAdmin, null);
        assertEquals(204, del.statusCode(), del.body());
        assertEquals(404, http.send("GET", URI.create(rig.node("af-south").endpoints().get("registry") + "/devices/" + LAMPCO + "/lamp-mover"),
                catalogToken, null).statusCode());
        assertProblem(http.send("GET", rig.uri("/v1/tenants/" + LAMPCO + "/devices/lamp-mover"), lampAdmin, null), 404, "not registered");
    }

    @Test
    @Order(9)
    void aRegionThatIsDown_isSkipped_andCatchesUpOnTheTenantWhenItReturns() throws Exception {
        rig.node("us-east").stop();
        rig.awaitStatus("us-east", RegionDirectory.Status.DOWN, Duration.ofSeconds(30));
        HttpResponse<String> r = register(LAMPCO, lampAdmin, "lamp-nyc", new JsonObject().put("lat", 40.71).put("lon", -74.01));
        assertEquals(201, r.statusCode(), r.body());
        JsonObject body = new JsonObject(r.body());
        assertEquals(expectedRegion(GeoPoint.of(40.71, -74.01), Set.of("uk-south", "us-east")), body.getString("region"));
        // the regions nearer than the chosen one that were down, nearest first
        assertEquals(new JsonArray().add("us-east").add("uk-south"), body.getJsonObject("allocation").getJsonArray("skipped-down"));

        HttpResponse<String> put = http.send("PUT", rig.uri("/v1/tenants/" + LAMPCO), lampAdmin, """
                {"home-jurisdiction":"EU","export":{"allowed-destinations":["ZA"],"k":15,"allowed-labels":["model"]},"retention":"P60D",
                 "data":{"payload":{"metrics":{"temperature":"/env/temp"}},"group-labels":["model"]}}""");
        assertEquals(200, put.statusCode(), put.body());
        JsonObject tenant = new JsonObject(put.body());
        assertEquals(2, tenant.getLong("revision"));
        assertEquals("current", tenant.getJsonObject("regions").getJsonObject("eu-central").getString("status"));
        assertFalse("current".equals(tenant.getJsonObject("regions").getJsonObject("us-east").getString("status")), tenant.encodePrettily());

        rig.node("us-east").start(Duration.ofMinutes(3));
        rig.awaitStatus("us-east", RegionDirectory.Status.UP, Duration.ofSeconds(60));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonObject inRegion = registryTenant("us-east", LAMPCO);
        while (inRegion.getJsonObject("ext").getJsonObject("meridian").getInteger("catalog-revision") < 2 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            inRegion = registryTenant("us-east", LAMPCO);
        }
        assertEquals(2, inRegion.getJsonObject("ext").getJsonObject("meridian").getInteger("catalog-revision"), "us-east caught up on the tenant");
        assertEquals(60, inRegion.getJsonObject("ext").getJsonObject("meridian").getInteger("retention-days"));
        JsonObject after = new JsonObject(http.send("GET", rig.uri("/v1/tenants/" + LAMPCO), lampAdmin, null).body());
        assertEquals("current", after.getJsonObject("regions").getJsonObject("us-east").getString("status"), after.encodePrettily());
    }

    @Test
    @Order(10)
    void theCatalogsTables_holdNoDeviceIdInPlainText() {
        assertTrue(deviceIds.size() > 300, "the run registered devices: " + deviceIds.size());
        List<String> tables = rig.session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'catalog'").all().stream()
                .map(row -> row.getString("table_name")).toList();
        assertEquals(Set.of("tenants", "tenant_regions", "assignments", "pending_ops", "enrollment_groups", "bootstrap_log"), Set.copyOf(tables));
        int rows = 0;
        List<String> found = new ArrayList<>();
        for (String table : tables) {
            for (Row row : rig.session.execute("SELECT * FROM catalog." + table)) {
                rows++;
                StringBuilder text = new StringBuilder();
                for (ColumnDefinition c : row.getColumnDefinitions()) {
                    Object v = row.getObject(c.getName());
                    if (v instanceof ByteBuffer b) {
                        byte[] bytes = new byte[b.remaining()];
                        b.duplicate().get(bytes);
                        text.append(new String(bytes, StandardCharsets.ISO_8859_1)).append('|');
                    } else {
                        text.append(v).append('|');
                    }
                }
                for (String id : deviceIds) {
                    if (text.indexOf(id) >= 0) {
                        found.add(table + ": " + id);
                    }
                }
            }
        }
        assertTrue(rows > 300, "the scan read the catalog's rows: " + rows);
        assertEquals(List.of(), found, "device ids found in the catalog's tables");
    }

    @Test
    @Order(11)
    void auditAssignments_nameEachDevicesRegion_nullForUnknown_onlyForAuditors() throws Exception {
        // devices of the 300 registered above, in three different regions as the catalog itself answers one by one
        List<String> known = List.of("lamp-de-0", "lamp-za-150", "lamp-us-299");
        Map<String, String> expected = new LinkedHashMap<>();
        for (String id : known) {
            HttpResponse<String> one = http.send("GET", rig.uri("/v1/tenants/" + LAMPCO + "/devices/" + id), lampAdmin, null);
            assertEquals(200, one.statusCode(), one.body());
            expected.put(id, new JsonObject(one.body()).getString("region"));
        }
        assertEquals(3, Set.copyOf(expected.values()).size(), "three devices of three regions: " + expected);
        String auditor = http.userToken(keycloak, MeridianRealm.AUDITOR);
        JsonArray ask = new JsonArray(new ArrayList<>(known)).add("never-registered-7");
        for (String token : List.of(auditor, http.gatewayToken(keycloak, "af-south"))) {
            HttpResponse<String> r = http.send("POST", rig.uri("/v1/audit/assignments"), token,
                    new JsonObject().put("tenant", LAMPCO).put("devices", ask).encode());
            assertEquals(200, r.statusCode(), r.body());
            JsonObject body = new JsonObject(r.body());
            assertEquals(LAMPCO, body.getString("tenant"));
            JsonObject assignments = body.getJsonObject("assignments");
            expected.forEach((id, region) -> assertEquals(region, assignments.getString(id), id));
            assertTrue(assignments.containsKey("never-registered-7") && assignments.getValue("never-registered-7") == null, r.body());
            assertEquals(4, assignments.size());
        }
        // the same device under another tenant is another device: unknown there
        HttpResponse<String> other = http.send("POST", rig.uri("/v1/audit/assignments"), auditor,
                new JsonObject().put("tenant", CAREHOME).put("devices", new JsonArray().add("lamp-de-0")).encode());
        assertEquals(200, other.statusCode(), other.body());
        assertEquals(null, new JsonObject(other.body()).getJsonObject("assignments").getValue("lamp-de-0"));

        assertProblem(http.send("POST", rig.uri("/v1/audit/assignments"), lampAdmin, "{\"tenant\":\"lampco\",\"devices\":[\"lamp-de-0\"]}"),
                403, "compliance-officer");
        assertProblem(http.send("POST", rig.uri("/v1/audit/assignments"), null, "{}"), 401, "bearer token");
        JsonArray tooMany = new JsonArray();
        for (int i = 0; i < 1001; i++) {
            tooMany.add("d" + i);
        }
        JsonObject p = assertProblem(http.send("POST", rig.uri("/v1/audit/assignments"), auditor,
                new JsonObject().put("tenant", LAMPCO).put("devices", tooMany).encode()), 400, "at most 1000 ids, was 1001");
        assertEquals("/devices", p.getString("pointer"));
        assertProblem(http.send("POST", rig.uri("/v1/audit/assignments"), auditor, "{\"tenant\": "), 400, "not JSON");
        assertEquals("/tenant", assertProblem(http.send("POST", rig.uri("/v1/audit/assignments"), auditor, "{\"devices\":[]}"), 400, "tenant")
                .getString("pointer"));
        assertEquals("/devices/1", assertProblem(http.send("POST", rig.uri("/v1/audit/assignments"), auditor,
                "{\"tenant\":\"lampco\",\"devices\":[\"a\",7]}"), 400, "non-empty strings").getString("pointer"));
        // the OpenAPI document describes the route
        JsonObject doc = new JsonObject(http.send("GET", rig.uri("/v1/openapi.json"), null, null).body());
        assertTrue(doc.getJsonObject("paths").getJsonObject("/v1/audit/assignments").containsKey("post"), "documented");
    }

    // ---------------------------------------------------------------- helpers

    private HttpResponse<String> register(String tenant, String token, String device, JsonObject location) throws Exception {
        deviceIds.add(device);
        return http.send("POST", rig.uri("/v1/tenants/" + tenant + "/devices"), token,
                new JsonObject().put("device-id", device).put("location", location).put("labels", new JsonObject().put("model", "classic")).encode());
    }

    private JsonObject registryTenant(String region, String tenant) throws Exception {
        HttpResponse<String> r = http.send("GET", URI.create(rig.node(region).endpoints().get("registry") + "/tenants/" + tenant), catalogToken, null);
        assertEquals(200, r.statusCode(), region + ": " + r.body());
        return new JsonObject(r.body());
    }

    /** Publishes one QoS 1 message with the real mosquitto_pub, with the credentials and endpoint the catalog returned. */
    private void publish(JsonObject registered, String payload) throws Exception {
        JsonObject mqtt = registered.getJsonObject("endpoints").getJsonObject("mqtt");
        JsonObject cred = registered.getJsonObject("credentials");
        run(List.of("mosquitto_pub", "-h", mqtt.getString("host"), "-p", String.valueOf(mqtt.getInteger("port")), "-u",
                cred.getString("auth-id") + "@" + registered.getString("tenant", LAMPCO), "-P", cred.getString("password"), "-q", "1", "-t", "telemetry",
                "-m", payload));
    }

    /** The same over TLS, trusting the CA the bootstrap answer carried. */
    private void publishTls(JsonObject registered, String payload) throws Exception {
        java.nio.file.Path ca = java.nio.file.Files.createTempFile("catalog-it-ca", ".pem");
        try {
            java.nio.file.Files.writeString(ca, registered.getJsonObject("endpoints").getJsonObject("tls").getString("ca-pem"));
            JsonObject mqtt = registered.getJsonObject("endpoints").getJsonObject("mqtt");
            JsonObject cred = registered.getJsonObject("credentials");
            run(List.of("mosquitto_pub", "-h", mqtt.getString("host"), "-p", String.valueOf(mqtt.getInteger("tls-port")), "--cafile", ca.toString(),
                    "-u", cred.getString("auth-id") + "@" + registered.getString("tenant", LAMPCO), "-P", cred.getString("password"), "-q", "1",
                    "-t", "telemetry", "-m", payload));
        } finally {
            java.nio.file.Files.deleteIfExists(ca);
        }
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), command.get(0) + " did not finish within 60 s");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "mosquitto_pub failed: " + out);
        } finally {
            p.destroyForcibly();
        }
    }

    private static JsonObject assertProblem(HttpResponse<String> r, int status, String detailPart) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""), r.body());
        JsonObject p = new JsonObject(r.body());
        assertEquals(status, p.getInteger("status"));
        assertTrue(p.getString("detail").contains(detailPart), p.getString("detail"));
        return p;
    }

    /** The real region side, with one fault a test can switch on: a region that refuses the credentials of chosen devices. */
    private RegionSide failing(RegionSide real) {
        return new RegionSide() {
            @Override
            public Set<RegionId> down() {
                return real.down();
            }

            @Override
            public DeviceEndpoints endpoints(RegionId region) {
                return real.endpoints(region);
            }

            @Override
            public CompletionStage<Void> upsertTenant(RegionId region, String tenantId, JsonObject honoTenant) {
                return real.upsertTenant(region, tenantId, honoTenant);
            }

            @Override
            public CompletionStage<Boolean> createDevice(RegionId region, String tenantId, String deviceId, JsonObject device) {
                return real.createDevice(region, tenantId, deviceId, device);
            }

            @Override
            public CompletionStage<Void> setCredentials(RegionId region, String tenantId, String deviceId, JsonArray credentials) {
                if (breakCredentials.contains(deviceId)) {
                    return CompletableFuture.failedFuture(new Regions.RegionCallException(region, OptionalInt.of(500),
                            "injected: the registry refused the credentials", null));
                }
                return real.setCredentials(region, tenantId, deviceId, credentials);
            }

            @Override
            public CompletionStage<Void> deleteDevice(RegionId region, String tenantId, String deviceId) {
                return real.deleteDevice(region, tenantId, deviceId);
            }

            @Override
            public JsonArray regions() {
                return real.regions();
            }

            @Override
            public List<RegionId> ids() {
                return real.ids();
            }

            @Override
            public void startCatchUp(io.meridian.catalog.region.TenantSync.TenantSource tenants) {
                real.startCatchUp(tenants);
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }
}
