package io.meridian.region.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.policy.AppendContext;
import io.meridian.policy.Decision;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.ResidencyPolicy;
import io.meridian.policy.TransferRequest;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.region.egress.CassandraDecisionLog;
import io.meridian.regions.RegionConfigs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The region's audit endpoints on real processes: eu-central's and af-south's nodes as {@code ./meridian up} runs them,
 * the catalog, their Cassandra clusters, Kafka and Keycloak. A tenant of its own ({@code aud<random>}) registers eleven
 * devices through the catalog, ten in eu-central (which publish) and one in af-south.
 *
 * <ul>
 * <li>storage: the ten publishing devices are no finding; rows planted straight into eu-central's raw table for the
 *     af-south device and for a device nobody registered, and a registry row for the af-south device, are findings
 *     naming source, tenant, deviceRef and assigned region, and no device id is in the answer;</li>
 * <li>releases: an aggregate answer to eu-central's gateway client is VERIFIED with no violation and its cell matched
 *     to the stored aggregate; a stored release edited with CQL is a HASH_MISMATCH; a decision appended with a cell of
 *     3 distinct devices and its correct hash (a gate bug) is VERIFIED with an A4 violation;</li>
 * <li>keyspaces: the region's are in-region on the single-DC cluster; another keyspace is listed, not judged.</li>
 * </ul>
 */
@MeridianServices(cassandra = {"eu-central", "af-south"}, kafka = {"eu-central", "af-south"}, keycloak = true)
class RegionAuditIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> REGIONS = List.of("eu-central", "af-south");
    private static final int HOME_DEVICES = 10;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void storageFindingsForForeignAndUnknownDevices_releasesVerifiedOrCaught_keyspacesInRegion(Federation federation, KeycloakService keycloak)
            throws Exception {
        federation.start(REGIONS.stream().map(r -> ServiceRequest.of("region-node", r)).toList(), Federation.Listener.NONE);
        for (String r : REGIONS) {
            // a node another IT class of this run stopped stays registered with the federation: start it again
            BackingService node = federation.service("region-node-" + r).orElseThrow();
            if (!node.isReady()) {
                node.start(Duration.ofMinutes(3));
            }
        }
        Optional<BackingService> running = federation.service("catalog");
        if (running.isPresent()) {
            running.get().stop();
            running.get().start(Duration.ofMinutes(3));
        } else {
            federation.start(List.of(ServiceRequest.of("catalog")), Federation.Listener.NONE);
        }
        String catalog = federation.service("catalog").orElseThrow().endpoints().get("api");
        String dataApi = federation.service("region-node-eu-central").orElseThrow().endpoints().get("data-api");
        String gateway = clientToken(keycloak, "eu-central");
        String auditor = userToken(keycloak, MeridianRealm.AUDITOR);
        awaitUp(catalog, gateway);

        String tenant = "aud" + HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8)).substring(0, 10);
        HttpResponse<String> put = send("PUT", catalog + "/tenants/" + tenant, gateway, "{\"home-jurisdiction\":\"EU\"}");
        assertEquals(201, put.statusCode(), put.body());
        List<String> home = new ArrayList<>();
        for (int i = 0; i < HOME_DEVICES; i++) {
            String id = "home-" + tenant + "-" + i;
            JsonObject reg = register(catalog, gateway, tenant, id, "DE");
            assertEquals("eu-central", reg.getString("region"), reg.encode());
            publish(reg, tenant, "{\"temp\":" + (20 + i) + "}");
            home.add(id);
        }
        String abroad = "abroad-" + tenant;
        assertEquals("af-south", register(catalog, gateway, tenant, abroad, "ZA").getString("region"));
        String ghost = "ghost-" + tenant;

        // ---- releases: wait until the ten devices' hour is stored, each answer is a logged and recorded release
        Instant from = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        Instant to = from.plus(Duration.ofHours(3));
        String query = dataApi + "/tenants/" + tenant + "/aggregates?metric=temp&resolution=PT1H&merge=true&group=all&from=" + from + "&to=" + to;
        JsonObject answer = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(query, gateway);
            assertEquals(200, r.statusCode(), r.body());
            JsonObject body = new JsonObject(r.body());
            if (body.getJsonArray("cells").size() == 1 && body.getJsonArray("cells").getJsonObject(0).getLong("distinctDevices") == HOME_DEVICES) {
                answer = body;
                break;
            }
            Thread.sleep(500);
        }
        assertNotNull(answer, "the ten devices' aggregate was not released within 2 min");
        String verified = answer.getJsonObject("decision").getString("id");
        String tenantPolicy = answer.getJsonObject("decision").getString("tenantPolicy");
        JsonObject second = new JsonObject(get(query, gateway).body());
        String edited = second.getJsonObject("decision").getString("id");
        assertEquals("ALLOW", second.getJsonObject("decision").getString("outcome"), second.encode());

        // the per-query cost the release record adds: the answer's latency over a bounded loop (count and time)
        long loopStart = System.nanoTime();
        int queries = 0;
        List<Long> micros = new ArrayList<>();
        while (queries < 200 && System.nanoTime() - loopStart < Duration.ofSeconds(60).toNanos()) {
            long t0 = System.nanoTime();
            assertEquals(200, get(query, gateway).statusCode());
            micros.add((System.nanoTime() - t0) / 1000);
            queries++;
        }
        micros.sort(null);
        System.out.printf("RegionAuditIT aggregate answers with release records: %d queries, p50 %.1f ms, p90 %.1f ms%n", queries,
                micros.get(micros.size() / 2) / 1000.0, micros.get(micros.size() * 9 / 10) / 1000.0);

        CassandraService cassandra = federation.cassandra("eu-central");
        PolicyRules rules = RegionConfigs.loadDefault().policyRules();
        String planted;
        String other = "other_" + tenant;
        try (CqlSession session = CqlSession.builder().addContactPoint(cassandra.cqlAddress()).withLocalDatacenter(cassandra.localDatacenter())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder().withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(20))
                        .build()).build()) {
            // the stored copy of the second release edited after the fact
            byte[] cells = second.getJsonArray("cells").encode().getBytes(StandardCharsets.UTF_8);
            byte[] tampered = new String(cells, StandardCharsets.UTF_8).replaceFirst("\"count\":(\\d+)", "\"count\":9999").getBytes(StandardCharsets.UTF_8);
            session.execute(session.prepare("UPDATE meridian_egress.released_aggregates SET cells = ? WHERE decision_id = ?")
                    .bind(ByteBuffer.wrap(tampered), UUID.fromString(edited)));

            // a gate bug: a decision made on a cell that claimed 12 devices, logged with the hash of a cell of 3, and recorded
            JsonObject small = second.getJsonArray("cells").getJsonObject(0).copy().put("distinctDevices", 3);
            byte[] smallBytes = new JsonArray().add(small).encode().getBytes(StandardCharsets.UTF_8);
            TenantResidencyPolicy policy = TenantResidencyPolicy.defaults(tenant);
            RegionId eu = RegionId.of("eu-central");
            Decision d = ResidencyPolicy.of(rules).decide(TransferRequest.builder().source(eu).destination(Jurisdiction.of("EU"), eu)
                    .requester("client:gateway-eu-central").tenant(tenant).category(DataCategory.AGGREGATE)
                    .cells(List.of(TransferRequest.Cell.of(small.getString("key"), 12, Duration.ofHours(3), Map.of()))).build(), policy);
            assertTrue(d.permits(), d.toString());
            CassandraDecisionLog log = CassandraDecisionLog.open(session, "meridian_egress", Map.of("class", "SimpleStrategy", "replication_factor", 1), eu);
            DecisionRecord rec = log.append(d, AppendContext.released(Refs.sha256(smallBytes)));
            ReleaseStore.open(session, "meridian_egress").record(new ReleaseStore.Release(rec.decisionId(), rec.time(), tenant, "temp",
                    Duration.ofHours(1), from, to, Optional.of("all"), true, smallBytes, Refs.sha256(smallBytes), rec.policyRevision(),
                    rec.tenantPolicyFingerprint()), rules, policy);
            planted = rec.decisionId().toString();

            // what a release record costs on its own: the same write the node makes per release, in a bounded loop
            ReleaseStore store = ReleaseStore.open(session, "meridian_egress");
            List<Long> writes = new ArrayList<>();
            long writeStart = System.nanoTime();
            while (writes.size() < 200 && System.nanoTime() - writeStart < Duration.ofSeconds(30).toNanos()) {
                long t0 = System.nanoTime();
                store.record(new ReleaseStore.Release(UUID.randomUUID(), Instant.now(), tenant, "temp", Duration.ofHours(1), from, to,
                        Optional.of("all"), true, cells, Refs.sha256(cells), rec.policyRevision(), rec.tenantPolicyFingerprint()), rules, policy);
                writes.add((System.nanoTime() - t0) / 1000);
            }
            writes.sort(null);
            System.out.printf("RegionAuditIT release record writes: %d, p50 %.2f ms, p90 %.2f ms%n", writes.size(),
                    writes.get(writes.size() / 2) / 1000.0, writes.get(writes.size() * 9 / 10) / 1000.0);

            // ---- storage: raw rows planted for the af-south device and for an unknown one, a registry row for the af-south device
            var insert = session.prepare("INSERT INTO meridian_data.telemetry (tenant_id, device_id, day, ts, kafka_partition, kafka_offset, arrived,"
                    + " content_type, payload, metrics) VALUES (?, ?, ?, ?, 0, ?, ?, 'application/json', ?, ?)");
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
            for (String device : List.of(abroad, ghost)) {
                session.execute(insert.bind(tenant, device, day, now, ThreadLocalRandom.current().nextLong(1_000_000), now,
                        ByteBuffer.wrap("{\"temp\":1}".getBytes(StandardCharsets.UTF_8)), Map.of("temp", 1.0)));
            }
            // a keyspace of the cluster that is not the region's (locally the catalog's may live here too)
            session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance("CREATE KEYSPACE IF NOT EXISTS " + other
                    + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").setTimeout(Duration.ofSeconds(30)));
            session.execute(session.prepare("INSERT INTO meridian_registry.devices (tenant_id, device_id, version, device, created, updated)"
                    + " VALUES (?, ?, 'v1', '{\"enabled\":true}', ?, ?)").bind(tenant, abroad, now, now));
        }

        // ---- storage check
        HttpResponse<String> storage = get(dataApi + "/audit/storage", auditor);
        assertEquals(200, storage.statusCode(), storage.body());
        for (String id : concat(home, List.of(abroad, ghost))) {
            assertFalse(storage.body().contains(id), "a raw device id in the storage answer: " + id);
        }
        JsonObject s = new JsonObject(storage.body());
        assertEquals("eu-central", s.getString("region"));
        Map<String, JsonObject> sources = s.getJsonArray("sources").stream().map(JsonObject.class::cast)
                .collect(Collectors.toMap(o -> o.getString("source"), o -> o));
        assertEquals(Set.of("cassandra:telemetry", "cassandra:events", "infinispan:latest-state", "s3:archive", "registry:devices"), sources.keySet());
        assertTrue(sources.get("cassandra:telemetry").getLong("checked") >= HOME_DEVICES + 2, sources.toString());
        assertTrue(sources.get("infinispan:latest-state").getLong("checked") >= HOME_DEVICES, sources.toString());
        assertTrue(sources.get("registry:devices").getLong("checked") >= HOME_DEVICES + 1, sources.toString());
        List<JsonObject> mine = s.getJsonArray("findings").stream().map(JsonObject.class::cast).filter(f -> f.getString("tenant").equals(tenant))
                .toList();
        Map<String, JsonObject> byKey = new HashMap<>();
        mine.forEach(f -> byKey.put(f.getString("source") + "|" + f.getString("deviceRef"), f));
        assertEquals(Set.of("cassandra:telemetry|" + Refs.deviceRef(tenant, abroad), "cassandra:telemetry|" + Refs.deviceRef(tenant, ghost),
                "registry:devices|" + Refs.deviceRef(tenant, abroad)), byKey.keySet(), "findings of " + tenant + ": " + mine);
        JsonObject foreign = byKey.get("cassandra:telemetry|" + Refs.deviceRef(tenant, abroad));
        assertEquals("af-south", foreign.getString("assignedRegion"));
        assertEquals(1, foreign.getLong("count"));
        assertTrue(foreign.getString("evidence").contains(LocalDate.now(ZoneOffset.UTC).toString()) || foreign.getString("evidence")
                .contains(LocalDate.now(ZoneOffset.UTC).minusDays(1).toString()), foreign.encode());
        JsonObject unknown = byKey.get("cassandra:telemetry|" + Refs.deviceRef(tenant, ghost));
        assertTrue(unknown.containsKey("assignedRegion") && unknown.getValue("assignedRegion") == null, unknown.encode());
        assertEquals("af-south", byKey.get("registry:devices|" + Refs.deviceRef(tenant, abroad)).getString("assignedRegion"));

        Map<String, JsonObject> keyspaces = s.getJsonArray("keyspaces").stream().map(JsonObject.class::cast)
                .collect(Collectors.toMap(o -> o.getString("keyspace"), o -> o));
        for (String ks : List.of("meridian_data", "meridian_registry", "meridian_egress")) {
            JsonObject k = keyspaces.get(ks);
            assertNotNull(k, ks + " in " + keyspaces.keySet());
            assertTrue(k.getBoolean("inRegion"), k.encode());
            assertEquals(List.of(cassandra.localDatacenter()), k.getJsonArray("dataCenters").getList(), k.encode());
        }
        assertEquals("raw", keyspaces.get("meridian_data").getString("role"));
        assertTrue(s.getJsonArray("otherKeyspaces").contains(other), "another keyspace of the cluster is listed: " + s.getJsonArray("otherKeyspaces"));
        for (String ks : keyspaces.keySet()) {
            assertFalse(s.getJsonArray("otherKeyspaces").contains(ks), ks + " is the region's, not another");
        }
        assertFalse(keyspaces.containsKey(other), "another keyspace is listed, not judged");

        assertEquals(403, get(dataApi + "/audit/storage", userToken(keycloak, MeridianRealm.LAMP_ADMIN)).statusCode());
        assertEquals(401, get(dataApi + "/audit/storage", null).statusCode());

        // ---- release check, paged by sequence until the head
        Map<String, JsonObject> releases = new HashMap<>();
        long next = 1;
        int pages = 0;
        JsonArray revisions = null;
        while (pages++ < 1000) {
            HttpResponse<String> r = get(dataApi + "/audit/releases?fromSequence=" + next + "&limit=1000", auditor);
            assertEquals(200, r.statusCode(), r.body());
            JsonObject page = new JsonObject(r.body());
            page.getJsonArray("releases").forEach(o -> releases.put(((JsonObject) o).getString("decisionId"), (JsonObject) o));
            revisions = page.getJsonArray("policyRevisions").isEmpty() ? revisions : page.getJsonArray("policyRevisions");
            if (!page.containsKey("next")) {
                break;
            }
            next = page.getLong("next");
        }
        JsonObject ok = releases.get(verified);
        assertNotNull(ok, "the first release is in the check");
        assertEquals("VERIFIED", ok.getString("status"), ok.encode());
        assertEquals(List.of(), ok.getJsonArray("violations").getList(), ok.encode());
        assertEquals(new JsonObject().put("matched", 1).put("grown", 0).put("missing", 0).put("expired", 0), ok.getJsonObject("aggregates"));
        assertEquals(tenantPolicy, ok.getString("tenantPolicyFingerprint"));
        assertEquals("HASH_MISMATCH", releases.get(edited).getString("status"), releases.get(edited).encode());
        JsonObject bug = releases.get(planted);
        assertEquals("VERIFIED", bug.getString("status"), bug.encode());
        assertEquals(1, bug.getJsonArray("violations").size(), bug.encode());
        JsonObject v = bug.getJsonArray("violations").getJsonObject(0);
        assertEquals("A4", v.getString("rule"));
        assertEquals(Refs.cellRef(second.getJsonArray("cells").getJsonObject(0).getString("key")), v.getString("cellRef"));
        assertEquals("3 distinct devices, below k = " + rules.defaults().minDistinctDevices(), v.getString("detail"));
        assertNotNull(revisions);
        assertTrue(revisions.stream().map(JsonObject.class::cast).anyMatch(o -> o.getString("revision").equals(rules.revision())), revisions.encode());

        assertEquals(400, get(dataApi + "/audit/releases?limit=1001", auditor).statusCode());
        assertEquals(400, get(dataApi + "/audit/releases?fromSequence=0", auditor).statusCode());
        assertEquals(400, get(dataApi + "/audit/releases?from=yesterday", auditor).statusCode());
        assertEquals(403, get(dataApi + "/audit/releases", userToken(keycloak, MeridianRealm.LAMP_ANALYST)).statusCode());
        JsonObject doc = new JsonObject(get(dataApi + "/openapi.json", null).body());
        assertTrue(doc.getJsonObject("paths").containsKey("/v1/audit/storage") && doc.getJsonObject("paths").containsKey("/v1/audit/releases"));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private JsonObject register(String catalog, String token, String tenant, String id, String country) throws Exception {
        HttpResponse<String> r = send("POST", catalog + "/tenants/" + tenant + "/devices", token,
                new JsonObject().put("device-id", id).put("location", new JsonObject().put("country", country)).encode());
        assertEquals(201, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    private static void publish(JsonObject reg, String tenant, String payload) throws Exception {
        JsonObject mqtt = reg.getJsonObject("endpoints").getJsonObject("mqtt");
        JsonObject cred = reg.getJsonObject("credentials");
        Process p = new ProcessBuilder("mosquitto_pub", "-h", mqtt.getString("host"), "-p", String.valueOf(mqtt.getInteger("port")), "-u",
                cred.getString("auth-id") + "@" + tenant, "-P", cred.getString("password"), "-q", "1", "-t", "telemetry", "-m", payload)
                .redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mosquitto_pub did not finish within 60 s");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
        } finally {
            p.destroyForcibly();
        }
    }

    private void awaitUp(String catalog, String token) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(catalog + "/regions", token);
            last = r.body();
            if (r.statusCode() == 200) {
                Set<String> up = new JsonArray(r.body()).stream().map(JsonObject.class::cast).filter(o -> "UP".equals(o.getString("status")))
                        .map(o -> o.getString("id")).collect(Collectors.toSet());
                if (up.containsAll(REGIONS)) {
                    return;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the catalog did not see " + REGIONS + " UP within 120 s: " + last);
    }

    private HttpResponse<String> get(String uri, String token) throws Exception {
        return send("GET", uri, token, null);
    }

    private HttpResponse<String> send(String method, String uri, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("content-type", "application/json");
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).get(TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    }

    private String userToken(KeycloakService keycloak, MeridianRealm.DemoUser user) throws Exception {
        return token(keycloak, Map.of("grant_type", "password", "client_id", MeridianRealm.CLI_CLIENT, "username", user.username(),
                "password", user.password()));
    }

    private String clientToken(KeycloakService keycloak, String region) throws Exception {
        return token(keycloak, Map.of("grant_type", "client_credentials", "client_id", MeridianRealm.gatewayClientId(region),
                "client_secret", MeridianRealm.gatewaySecret(region)));
    }

    private String token(KeycloakService keycloak, Map<String, String> form) throws Exception {
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpResponse<String> r = http.sendAsync(HttpRequest.newBuilder(keycloak.tokenEndpoint()).timeout(TIMEOUT)
                .header("content-type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()).get(TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        if (r.statusCode() != 200) {
            throw new IOException("token request failed with " + r.statusCode() + ": " + r.body());
        }
        return new JsonObject(r.body()).getString("access_token");
    }
}
