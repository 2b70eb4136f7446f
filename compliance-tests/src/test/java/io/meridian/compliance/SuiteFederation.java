package io.meridian.compliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.keycloak.RealmTokens;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.local.service.ServiceStartException;
import io.meridian.local.sim.DevicePlan;
import io.meridian.local.sim.SimCounters;
import io.meridian.local.sim.SimDevice;
import io.meridian.local.sim.SimTenant;
import io.meridian.local.sim.Simulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The suite's one federation, started and seeded once per test run and shared by every IT class: the region nodes of
 * eu-central, af-south and us-east on their own Cassandra and Kafka, Keycloak, the S3 stand-in, the catalog and one
 * gateway process per region, exactly as {@code ./meridian up} runs them. It is seeded through local-federation's
 * simulator only, over the catalog and MQTT, as devices would:
 * <ul>
 *   <li>a fleet under the three allocation policies (lampco PROXIMITY, carehome PINNED_JURISDICTION, simfleet STATIC) in
 *       six countries, publishing telemetry;</li>
 *   <li>one lampco device in Germany whose telemetry carries a distinctive value and marker, the bait of the raw
 *       exfiltration tests;</li>
 *   <li>15 lampco devices in Germany crafted for the anonymity tests, publishing a metric of this run: 12 of model
 *       {@code classic}, 3 of model {@code rare} (a group below k = 10), all with {@code site=berlin} (a label the tenant
 *       groups by but does not allow out) and a {@code batch} label whose value is the first device's id, a UUID (an
 *       identifier in a group label).</li>
 *   <li>20 lampco devices in Germany with plain, non-UUID ids {@code lamp-<run>-01} to {@code lamp-<run>-20}, publishing a
 *       metric of their own: the first ten carry {@code batch=lamp-<run>-01}, the first one's id (which does not look like
 *       an identifier, so only the region's registry can tell), the other ten {@code batch=lot-<run>}, a value that is
 *       no device's id. Both groups meet k = 10.</li>
 * </ul>
 * lampco's settings are the suite's (below). The realm's users belong to lampco and carehome, so those two tenants are
 * the suite's own: no other module's ITs run in this module's federation.
 */
final class SuiteFederation {

    static final List<String> REGIONS = List.of("eu-central", "af-south", "us-east");
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final Duration WAIT = Duration.ofMinutes(3);

    /**
     * lampco: PROXIMITY, exports to US and ZA (SCCs), groups by model, site and batch, lets only model and batch out, and
     * only in windows of at least an hour.
     */
    static final SimTenant LAMPCO = new SimTenant("lampco", """
            {"home-jurisdiction": "EU", "allocation": {"policy": "PROXIMITY"},
             "export": {"allowed-destinations": ["US", "ZA"], "sccs-in-place": ["US", "ZA"], "allowed-labels": ["model", "batch"], "min-window": "PT1H"},
             "data": {"group-labels": ["model", "site", "batch"]}}""");
    static final List<SimTenant> TENANTS = List.of(LAMPCO, SimTenant.PINNED, SimTenant.STATIC);
    static final List<String> COUNTRIES = List.of("DE", "FR", "ZA", "US", "GB", "NG");
    static final int FLEET = 24;
    static final int CLASSIC = 12;
    static final int RARE = 3;
    /** devices per group of the plainly named set: k exactly */
    static final int NAMED_GROUP = 10;

    private static SuiteFederation instance;

    final Federation federation;
    final KeycloakService keycloak;
    final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    final Instant seededFrom = Instant.now();
    /** the bait: a lampco device in eu-central and what it published */
    SimDevice bait;
    final String baitMarker = "bait-" + UUID.randomUUID();
    final double baitValue = 4711.8125;
    List<SimDevice> fleet;
    List<SimDevice> anonymity;
    /** the metric the anonymity devices publish, new in each run */
    final String anonMetric = "anon" + run;
    SimCounters.Counts seeded;
    /** the value of every anonymity device's batch label: the first one's id */
    String batchLabel;
    /** the plainly named devices: ids like lamp-17, the first ten with batch = the first one's id, the rest another batch */
    List<SimDevice> named;
    /** the metric the plainly named devices publish, new in each run */
    final String namedMetric = "named" + run;
    /** the batch label value that is a device id (the first named device's) and the one that is not */
    final String namedBatch = "lamp-" + run + "-01";
    final String plainBatch = "lot-" + run;
    Instant anonPublishedFrom;
    Instant anonPublishedTo;
    Duration startTook;
    Duration seedTook;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private SuiteFederation(Federation federation, KeycloakService keycloak) {
        this.federation = federation;
        this.keycloak = keycloak;
    }

    /** The federation, started and seeded by the first caller of the run. */
    static synchronized SuiteFederation get(Federation federation, KeycloakService keycloak) throws Exception {
        if (failure != null) {
            // one failed start or seeding fails every class with its cause, rather than seeding again per class
            throw new IllegalStateException("the suite's federation could not be started and seeded", failure);
        }
        if (instance == null) {
            SuiteFederation s = new SuiteFederation(federation, keycloak);
            try {
                s.startApps();
                s.seed();
            } catch (Exception | AssertionError e) {
                failure = e;
                throw e;
            }
            instance = s;
        }
        return instance;
    }

    private static Throwable failure;

    private void startApps() throws Exception {
        long t0 = System.nanoTime();
        try {
            federation.start(REGIONS.stream().map(r -> ServiceRequest.of("region-node", r)).toList(), Federation.Listener.NONE);
        } catch (ServiceStartException e) {
            // On this shared 2-core machine a node's schema set-up can outlast the driver's 10 s request timeout while
            // three Cassandras start (seen at load average 40). One more start of the nodes that did not come up; a
            // second failure fails the suite with its log tail.
            System.out.println("compliance suite: a region node did not start, starting it once more: " + e.getMessage().lines().findFirst().orElse(""));
            for (String r : REGIONS) {
                BackingService node = federation.service("region-node-" + r).orElseThrow(() -> e);
                if (!node.isReady()) {
                    node.start(Duration.ofMinutes(4));
                }
            }
        }
        federation.start(List.of(ServiceRequest.of("catalog")), Federation.Listener.NONE);
        federation.start(REGIONS.stream().map(r -> ServiceRequest.of("gateway", r)).toList(), Federation.Listener.NONE);
        startTook = Duration.ofNanos(System.nanoTime() - t0);
        // the catalog allocates only to regions whose health checks it has seen UP
        String token = clientToken("eu-central");
        await(() -> {
            JsonNode regions = JSON.readTree(ok(send("GET", catalogApi() + "/regions", token, null)).body());
            long up = 0;
            for (JsonNode r : regions) {
                up += REGIONS.contains(r.get("id").asText()) && "UP".equals(r.get("status").asText()) ? 1 : 0;
            }
            return up == REGIONS.size() ? regions : null;
        }, "all three regions UP in the catalog");
    }

    private void seed() throws Exception {
        long t0 = System.nanoTime();
        Simulator sim = new Simulator(Simulator.Settings.of(URI.create(catalogApi()), keycloak.tokenEndpoint(),
                MeridianRealm.gatewayClientId("eu-central"), MeridianRealm.gatewaySecret("eu-central")));
        sim.ensureTenants(TENANTS);

        List<DevicePlan> plans = new ArrayList<>(DevicePlan.fleet(run, FLEET, TENANTS, COUNTRIES));
        DevicePlan baitPlan = new DevicePlan("lampco", "bait-" + run, "DE", Map.of("model", "classic"));
        plans.add(baitPlan);
        // the anonymity devices' ids are UUIDs, a common choice, and the first one's id is every one's batch label
        String firstAnon = UUID.randomUUID().toString();
        List<DevicePlan> anonPlans = new ArrayList<>();
        for (int i = 0; i < CLASSIC + RARE; i++) {
            String id = i == 0 ? firstAnon : UUID.randomUUID().toString();
            anonPlans.add(new DevicePlan("lampco", id, "DE", Map.of("model", i < CLASSIC ? "classic" : "rare", "site", "berlin", "batch", firstAnon)));
        }
        plans.addAll(anonPlans);
        // ids of the plain kind a fleet often uses, lamp-17-like: no UUID, no long digit or hex run
        List<DevicePlan> namedPlans = new ArrayList<>();
        for (int i = 1; i <= 2 * NAMED_GROUP; i++) {
            namedPlans.add(new DevicePlan("lampco", String.format("lamp-%s-%02d", run, i), "DE",
                    Map.of("batch", i <= NAMED_GROUP ? namedBatch : plainBatch)));
        }
        plans.addAll(namedPlans);
        List<SimDevice> registered = sim.register(plans);
        assertEquals(plans.size(), registered.size(), "registrations refused: " + sim.lastRegistrationErrors());

        fleet = registered.stream().filter(d -> d.deviceId().startsWith("sim-")).toList();
        bait = registered.stream().filter(d -> d.deviceId().equals(baitPlan.deviceId())).findFirst().orElseThrow();
        java.util.Set<String> anonIds = anonPlans.stream().map(DevicePlan::deviceId).collect(Collectors.toSet());
        anonymity = registered.stream().filter(d -> anonIds.contains(d.deviceId())).toList();
        batchLabel = firstAnon;
        java.util.Set<String> namedIds = namedPlans.stream().map(DevicePlan::deviceId).collect(Collectors.toSet());
        named = registered.stream().filter(d -> namedIds.contains(d.deviceId())).toList();
        assertEquals(2 * NAMED_GROUP, named.size(), named.toString());
        assertTrue(named.stream().allMatch(d -> d.region().equals("eu-central")), named.toString());
        assertEquals("eu-central", bait.region());
        assertTrue(anonymity.stream().allMatch(d -> d.region().equals("eu-central")), anonymity.toString());
        // carehome is pinned to the EU: every one of its devices lives in eu-central, wherever it is
        assertTrue(fleet.stream().filter(d -> d.tenant().equals("carehome")).allMatch(d -> d.region().equals("eu-central")), fleet.toString());

        // the fleet: three messages per device at 40/s
        Simulator.Run fleetRun = sim.publish(fleet, 40, Duration.ofMinutes(2), FLEET * 3L, Simulator.DEFAULT_PAYLOAD);
        // the bait: two messages with its value and marker
        Simulator.Run baitRun = sim.publish(List.of(bait), 5, Duration.ofMinutes(1), 2,
                (d, n) -> ("{\"temperature\": " + baitValue + ", \"marker\": \"" + baitMarker + "\"}").getBytes(StandardCharsets.UTF_8));
        // the anonymity devices: two values each of the run's metric
        anonPublishedFrom = Instant.now();
        Simulator.Run anonRun = sim.publish(anonymity, 40, Duration.ofMinutes(2), anonymity.size() * 2L,
                (d, n) -> ("{\"" + anonMetric + "\": " + (10 + n * 0.5) + "}").getBytes(StandardCharsets.UTF_8));
        // the plainly named devices: two values each of their own metric
        Simulator.Run namedRun = sim.publish(named, 40, Duration.ofMinutes(2), named.size() * 2L,
                (d, n) -> ("{\"" + namedMetric + "\": " + (20 + n * 0.25) + "}").getBytes(StandardCharsets.UTF_8));
        for (Simulator.Run r : List.of(fleetRun, baitRun, anonRun, namedRun)) {
            assertTrue(r.await(Duration.ofMinutes(3)), "a simulator run did not end in time");
        }
        anonPublishedTo = Instant.now();
        seeded = sim.counters().total();
        assertEquals(0, seeded.failed(), "the simulator saw failures: " + sim.counters().snapshot());
        assertEquals(FLEET * 3L + 2 + anonymity.size() * 2L + named.size() * 2L, seeded.acked(), sim.counters().snapshot().toString());

        // ingest is asynchronous: wait until the bait's rows and every anonymity value are stored and aggregated
        String home = gatewayApi("eu-central") + "/tenants/lampco/devices/" + bait.deviceId() + "/telemetry?limit=10";
        await(() -> {
            JsonNode body = JSON.readTree(ok(send("GET", home, userToken(MeridianRealm.LAMP_ANALYST), null)).body());
            return body.get("items").size() >= 2 ? body : null;
        }, "the bait's telemetry at home");
        await(() -> {
            HttpResponse<String> r = send("GET", dataApi("eu-central") + "/tenants/lampco/aggregates?" + anonQuery("PT1H", "label:model"),
                    clientToken("eu-central"), null);
            JsonNode body = JSON.readTree(ok(r).body());
            for (JsonNode c : body.get("cells")) {
                if ("classic".equals(c.at("/group/value").asText(c.path("group").asText())) && c.get("count").asLong() == CLASSIC * 2L) {
                    return body;
                }
            }
            return null;
        }, "every classic value of the run's metric aggregated in eu-central");
        // every value of the named set: all 40 in the ungrouped cell, and the 20 of the batch that is no device's id (its
        // cell is written in the same flush as the other batch's, which the gate will not show)
        await(() -> {
            JsonNode all = JSON.readTree(ok(send("GET", dataApi("eu-central") + "/tenants/lampco/aggregates?" + namedQuery("all"),
                    clientToken("eu-central"), null)).body());
            JsonNode batches = JSON.readTree(ok(send("GET", dataApi("eu-central") + "/tenants/lampco/aggregates?" + namedQuery("label:batch"),
                    clientToken("eu-central"), null)).body());
            boolean allIn = false;
            boolean plainIn = false;
            for (JsonNode c : all.get("cells")) {
                allIn |= c.get("count").asLong() == named.size() * 2L;
            }
            for (JsonNode c : batches.get("cells")) {
                plainIn |= plainBatch.equals(c.at("/group/value").asText()) && c.get("count").asLong() == NAMED_GROUP * 2L;
            }
            return allIn && plainIn ? batches : null;
        }, "every value of the named set's metric aggregated in eu-central");
        seedTook = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf("compliance suite: apps started in %.1f s; seeded %d devices (%s) and %d messages in %.1f s%n",
                startTook.toMillis() / 1000.0, registered.size(), sim.counters().snapshot(), seeded.acked(), seedTook.toMillis() / 1000.0);
    }

    /** The query string of the anonymity metric over the hours around the seeding, merged into one cell per group. */
    String anonQuery(String resolution, String group) {
        Instant from = seededFrom.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        Instant to = seededFrom.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(2));
        return "metric=" + anonMetric + "&resolution=" + resolution + "&group=" + group + "&merge=true&from=" + from + "&to=" + to;
    }

    /** The query string of the named set's metric over the hours around the seeding, merged into one cell per group. */
    String namedQuery(String group) {
        return anonQuery("PT1H", group).replace("metric=" + anonMetric, "metric=" + namedMetric);
    }

    BackingService node(String region) {
        return federation.service("region-node-" + region).orElseThrow();
    }

    String dataApi(String region) {
        return node(region).endpoints().get("data-api");
    }

    String gatewayApi(String region) {
        return federation.service("gateway-" + region).orElseThrow().endpoints().get("api");
    }

    String catalogApi() {
        return federation.service("catalog").orElseThrow().endpoints().get("api");
    }

    /** The decision with this sequence number in a region's own log, read as the auditor. */
    JsonNode decision(String region, long sequence) throws Exception {
        HttpResponse<String> log = ok(send("GET", dataApi(region) + "/decisions?from=" + sequence + "&limit=1", userToken(MeridianRealm.AUDITOR), null));
        JsonNode items = JSON.readTree(log.body()).get("items");
        assertEquals(1, items.size(), "no decision " + sequence + " in " + region + "'s log: " + log.body());
        return items.get(0);
    }

    /** The sequence number of a region's newest decision (0 for an empty log). */
    long head(String region) throws Exception {
        JsonNode v = JSON.readTree(ok(send("GET", dataApi(region) + "/decisions/verify", userToken(MeridianRealm.AUDITOR), null)).body());
        return v.path("head").path("sequence").asLong(0);
    }

    interface Probe {
        JsonNode get() throws Exception;
    }

    static JsonNode await(Probe probe, String what) throws Exception {
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

    HttpResponse<String> send(String method, String uri, String token, String body) throws Exception {
        return send(method, uri, token, body, Map.of());
    }

    HttpResponse<String> send(String method, String uri, String token, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> ok(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        return r;
    }

    /** Asserts a problem+json answer of this status and returns its body. */
    static JsonNode problem(HttpResponse<String> r, int status) throws IOException {
        assertEquals(status, r.statusCode(), r.request().method() + " " + r.uri() + ": " + r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse("").split(";")[0].trim(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(status, body.get("status").asInt(), r.body());
        return body;
    }

    String userToken(MeridianRealm.DemoUser user) throws Exception {
        return RealmTokens.of(http, keycloak).user(user);
    }

    String clientToken(String region) throws Exception {
        return RealmTokens.of(http, keycloak).gateway(region);
    }

    /** Query parameters as a map, for building request bodies from a query string. */
    static Map<String, String> params(String query) {
        Map<String, String> q = new HashMap<>();
        for (String kv : query.split("&")) {
            String[] p = kv.split("=", 2);
            q.put(p[0], p[1]);
        }
        return q;
    }
}
