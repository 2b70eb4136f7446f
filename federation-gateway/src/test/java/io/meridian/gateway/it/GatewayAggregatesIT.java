package io.meridian.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.export.CassandraExportSchedules;
import io.meridian.gateway.ledger.CassandraTransferLedger;
import io.meridian.gateway.ledger.LedgerEntry;
import io.meridian.gateway.ledger.TransferRecord;
import io.meridian.local.aws.AwsStandIn;
import io.meridian.local.aws.KinesaliteService;
import io.meridian.local.aws.S3MockService;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.keycloak.RealmTokens;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The aggregate fan-out over a real federation: Keycloak, the catalog and the region nodes of eu-central, af-south and
 * us-east, queried through the us-east gateway (in this JVM) with lamp-analyst's token.
 *
 * <p>Tenant: lampco, because the realm's analyst belongs to it. Other IT classes of the module share lampco, so this one
 * uses a metric whose name is new in every run (the tenant's default mapping takes every top-level number of a payload)
 * and device ids of its own: the cells it checks hold only what it published. It sets lampco's export policy (US and ZA
 * allowed, with SCCs) and group label {@code model}.
 */
@MeridianServices(cassandra = {"eu-central", "af-south", "us-east"}, kafka = {"eu-central", "af-south", "us-east"}, keycloak = true, s3 = true,
        kinesis = true)
class GatewayAggregatesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> REGIONS = List.of("eu-central", "af-south", "us-east");
    private static final Map<String, String> LOCATION = Map.of("eu-central", "{\"country\":\"DE\"}", "af-south", "{\"country\":\"ZA\"}",
            "us-east", "{\"lat\":40.71,\"lon\":-74.01}");
    private static final int CLASSIC_PER_REGION = 12;
    private static final int RARE_PER_REGION = 3;
    private static final Duration REGION_TIMEOUT = Duration.ofSeconds(3);
    private static final String LEDGER_KEYSPACE = "gw_aggregates_it";
    private static final String EXPORT_BUCKET = "meridian-aggregates-it";
    private static final String EXPORT_STREAM = "meridian-aggregates-it";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** A device the catalog registered, with the values it published. */
    private record Device(String id, String region, String model, List<Double> values) {
    }

    @Test
    void mergedCells_equalAnExactComputation_theSmallGroupIsSuppressed_foreignPartsAreRecorded_andADeadRegionMakesItPartial(
            Federation federation, KeycloakService keycloak, S3MockService s3Mock, KinesaliteService kinesalite) throws Exception {
        federation.start(REGIONS.stream().map(r -> ServiceRequest.of("region-node", r)).toList(), Federation.Listener.NONE);
        for (String r : REGIONS) {
            // a node another IT class of this run stopped stays registered with the federation: start it again
            BackingService node = federation.service("region-node-" + r).orElseThrow();
            if (!node.isReady()) {
                node.start(Duration.ofMinutes(3));
            }
        }
        // the catalog learns the nodes' endpoints when it starts; an IT class before this one may have started it while
        // fewer nodes ran (it then sees the others DOWN for good), so it is restarted to reach all three
        Optional<BackingService> running = federation.service("catalog");
        if (running.isPresent()) {
            running.get().stop();
            running.get().start(Duration.ofMinutes(3));
        } else {
            federation.start(List.of(ServiceRequest.of("catalog")), Federation.Listener.NONE);
        }
        String catalog = federation.service("catalog").orElseThrow().endpoints().get("api");
        Map<String, String> props = new HashMap<>(Map.of(GatewayConfig.REGION, "us-east", GatewayConfig.PORT, "0", GatewayConfig.CATALOG_URL, catalog,
                GatewayConfig.ISSUER, keycloak.issuer().toString(), GatewayConfig.REGIONS, String.join(",", REGIONS),
                GatewayConfig.REGION_TIMEOUT, REGION_TIMEOUT.toString(), GatewayConfig.REGIONS_TTL, "PT1S"));
        for (String r : REGIONS) {
            props.put(GatewayConfig.REGION_PREFIX + r + ".dataApi", federation.service("region-node-" + r).orElseThrow().endpoints().get("data-api"));
        }
        // the gateway as GatewayApp runs it: its ledger and export schedules in its own region's (us-east's) Cassandra,
        // exports running its own federated query, to the S3 and Kinesis stand-ins
        CassandraService usCassandra = federation.cassandra("us-east");
        props.put(GatewayConfig.KEYSPACE, LEDGER_KEYSPACE);
        props.put(GatewayConfig.CASSANDRA_CONTACT_POINTS, usCassandra.cqlAddress().getHostString() + ":" + usCassandra.cqlAddress().getPort());
        props.put(GatewayConfig.CASSANDRA_DATACENTER, usCassandra.localDatacenter());
        props.put(GatewayConfig.EXPORT_S3_ENDPOINT, s3Mock.endpoint().toString());
        props.put(GatewayConfig.EXPORT_KINESIS_ENDPOINT, kinesalite.endpoint().toString());
        props.put(GatewayConfig.EXPORT_AWS_REGION, "us-east-1");
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get,
                Map.of(GatewayConfig.CLIENT_SECRET_ENV, MeridianRealm.gatewaySecret("us-east"),
                        GatewayConfig.EXPORT_ACCESS_KEY_ENV, AwsStandIn.ACCESS_KEY_ID, GatewayConfig.EXPORT_SECRET_KEY_ENV, AwsStandIn.SECRET_ACCESS_KEY)::get);
        TokenValidator tokens = new TokenValidator(config.jwksUri(), config.issuer().toString(), GatewayConfig.AUDIENCE, Clock.systemUTC());
        S3Client s3 = s3Mock.client();
        s3.createBucket(b -> b.bucket(EXPORT_BUCKET));
        KinesisClient kinesis = kinesalite.client();
        kinesis.createStream(b -> b.streamName(EXPORT_STREAM).shardCount(1));
        try (CqlSession session = CqlSession.builder().addContactPoint(usCassandra.cqlAddress()).withLocalDatacenter(usCassandra.localDatacenter())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder().withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10)).build())
                .build()) {
            CassandraTransferLedger ledger = CassandraTransferLedger.open(session, LEDGER_KEYSPACE,
                    CassandraTransferLedger.localReplication(usCassandra.localDatacenter()), "us-east");
            try (Gateway gateway = Gateway.start(config, tokens, Clock.systemUTC(), ledger, CassandraExportSchedules.open(session, LEDGER_KEYSPACE))) {
                String base = "http://127.0.0.1:" + gateway.port();
                String analyst = userToken(keycloak, MeridianRealm.LAMP_ANALYST);
                String admin = userToken(keycloak, MeridianRealm.LAMP_ADMIN);
                awaitUp(base, analyst);

                HttpResponse<String> put = send("PUT", catalog + "/tenants/lampco", admin, """
                        {"home-jurisdiction":"EU","export":{"allowed-destinations":["US","ZA"],"sccs-in-place":["US","ZA"],"allowed-labels":["model"]},
                         "data":{"group-labels":["model"]}}""");
                assertTrue(put.statusCode() == 200 || put.statusCode() == 201, put.body());

                String run = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
                String metric = "aggit" + run;
                Instant started = Instant.now();
                List<Device> devices = registerAndPublish(catalog, keycloak, run, metric);

                String query = "/v1/tenants/lampco/aggregates?metric=" + metric + "&resolution=PT1H&group=label:model&merge=true&from="
                        + started.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1)) + "&to=" + started.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(2));
                List<Device> classic = devices.stream().filter(d -> d.model().equals("classic")).toList();
                List<Double> values = classic.stream().flatMap(d -> d.values().stream()).sorted().toList();

                // ingest is asynchronous: wait until every published classic value is in the merged cell
                JsonNode body = null;
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (System.nanoTime() < deadline) {
                    analyst = userToken(keycloak, MeridianRealm.LAMP_ANALYST);
                    HttpResponse<String> r = get(base + query, analyst);
                    assertEquals(200, r.statusCode(), r.body());
                    body = JSON.readTree(r.body());
                    if (ingested(body, values.size())) {
                        break;
                    }
                    Thread.sleep(1000);
                }
                // the answer recorded against a fresh mark; a region slower than the 3 s limit on a loaded machine makes an
                // answer partial, which is asked again (what is checked is the complete answer, not the machine's speed)
                long mark = ledgerSize(ledger);
                HttpResponse<String> answer = get(base + query, analyst);
                for (int attempt = 1; attempt < 5 && answer.statusCode() == 200 && JSON.readTree(answer.body()).get("partial").asBoolean(); attempt++) {
                    System.out.println("GatewayAggregatesIT: a partial answer, asked again: " + answer.body());
                    mark = ledgerSize(ledger);
                    answer = get(base + query, analyst);
                }
                assertEquals(200, answer.statusCode(), answer.body());
                body = JSON.readTree(answer.body());
                assertFalse(body.get("partial").asBoolean(), body.toString());
                assertEquals(0, body.get("unavailableRegions").size(), body.toString());

                JsonNode c = cell(body, "classic");
                assertTrue(c != null, "no classic cell in " + body);
                assertEquals(Set.copyOf(REGIONS), texts(c.get("regions")));
                assertEquals(values.size(), c.get("count").asLong());
                assertEquals(values.stream().mapToDouble(Double::doubleValue).sum(), c.get("sum").asDouble(), 0.0);
                assertEquals(values.get(0), c.get("min").asDouble(), 0.0);
                assertEquals(values.get(values.size() - 1), c.get("max").asDouble(), 0.0);
                assertEquals(classic.size(), c.get("distinctDevices").asLong());
                assertTrue(c.get("distinctExact").asBoolean());
                for (String q : List.of("p50", "p99")) {
                    double exact = values.get((int) Math.floor((q.equals("p50") ? 0.5 : 0.99) * (values.size() - 1)));
                    double got = c.get("quantiles").get(q).asDouble();
                    assertTrue(Math.abs(got - exact) <= 0.01 * Math.abs(exact), q + " " + got + " vs exact " + exact);
                }
                // the small group passes k nowhere: no cell, and each region's decision counts its suppression under A4
                assertTrue(cell(body, "rare") == null, body.toString());
                for (String r : REGIONS) {
                    JsonNode part = region(body, r);
                    assertEquals("OK", part.get("status").asText(), part.toString());
                    JsonNode d = part.get("decision");
                    assertEquals("PARTIAL", d.get("outcome").asText(), part.toString());
                    assertEquals(1, d.get("suppressedCounts").path("A4").asInt(), part.toString());
                    assertEquals(1, part.get("cells").asInt(), part.toString());
                }

                // one RECEIVED record per foreign region for this answer, naming the region's decision and payload hash
                List<LedgerEntry> recorded = ledger.read(mark + 1, 100);
                assertEquals(Set.of("eu-central", "af-south"), recorded.stream().map(e -> e.record().sourceRegion().value()).collect(Collectors.toSet()));
                assertEquals(2, recorded.size());
                for (LedgerEntry e : recorded) {
                    TransferRecord rec = e.record();
                    JsonNode d = region(body, rec.sourceRegion().value()).get("decision");
                    assertEquals(TransferRecord.Kind.RECEIVED, rec.kind());
                    assertEquals(d.get("id").asText(), rec.sourceDecisionId().toString());
                    assertEquals(d.get("sequence").asLong(), rec.sourceDecisionSequence());
                    assertEquals(d.get("payloadHash").asText(), rec.payloadHash());
                    assertEquals("US", rec.destination().code());
                }

                exportsTheMergedCells_andTheLedgerMatchesTheSourceDecisions(base, keycloak, query, values, ledger, s3, kinesis);

                // af-south goes away: the next answer is partial, lists it, and does not wait long for it
                federation.service("region-node-af-south").orElseThrow().stop();
                analyst = userToken(keycloak, MeridianRealm.LAMP_ANALYST);
                long t0 = System.nanoTime();
                HttpResponse<String> partial = get(base + query, analyst);
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertEquals(200, partial.statusCode(), partial.body());
                JsonNode p = JSON.readTree(partial.body());
                assertTrue(p.get("partial").asBoolean(), partial.body());
                assertEquals(List.of("af-south"), List.copyOf(texts(p.get("unavailableRegions"))));
                assertEquals(Set.of("eu-central", "us-east"), texts(cell(p, "classic").get("regions")));
                assertTrue(took.compareTo(REGION_TIMEOUT.plusSeconds(2)) < 0, "the partial answer took " + took);
                System.out.println("GatewayAggregatesIT: full answer for " + values.size() + " values of " + devices.size()
                        + " devices; partial answer with af-south stopped took " + took.toMillis() + " ms");
            }
        }
    }

    /**
     * An on-demand export through the same gateway, running the real fan-out: the S3 object and the Kinesis record hold
     * the merged classic cell; the ledger gets one EXPORTED entry per region part, each naming a decision that the
     * source region's own decision log holds with the same payload hash (read back through the audit endpoint).
     */
    /** How many entries the ledger holds, read in pages of its maximum size. */
    private static long ledgerSize(CassandraTransferLedger ledger) {
        long n = 0;
        List<LedgerEntry> page;
        do {
            page = ledger.read(n + 1, 1000);
            n += page.size();
        } while (page.size() == 1000);
        return n;
    }

    private void exportsTheMergedCells_andTheLedgerMatchesTheSourceDecisions(String base, KeycloakService keycloak, String query,
            List<Double> values, CassandraTransferLedger ledger, S3Client s3, KinesisClient kinesis) throws Exception {
        Map<String, String> q = new HashMap<>();
        for (String kv : query.substring(query.indexOf('?') + 1).split("&")) {
            String[] p = kv.split("=", 2);
            q.put(p[0], p[1]);
        }
        Map<String, Object> request = Map.of("query", Map.of("metric", q.get("metric"), "resolution", q.get("resolution"), "from", q.get("from"),
                "to", q.get("to"), "group", q.get("group"), "merge", true), "sinks", Map.of("s3", Map.of("bucket", EXPORT_BUCKET, "prefix", "it"),
                "kinesis", Map.of("stream", EXPORT_STREAM)));
        long before = ledgerSize(ledger);
        HttpResponse<String> r = send("POST", base + "/v1/tenants/lampco/exports", userToken(keycloak, MeridianRealm.LAMP_ADMIN),
                JSON.writeValueAsString(request));
        assertEquals(201, r.statusCode(), r.body());
        JsonNode answer = JSON.readTree(r.body());
        String key = answer.get("s3").get("key").asText();
        byte[] object = s3.getObjectAsBytes(b -> b.bucket(EXPORT_BUCKET).key(key)).asByteArray();
        JsonNode document = JSON.readTree(object);
        JsonNode c = cell(document.get("result"), "classic");
        assertTrue(c != null, "no classic cell in the export " + document);
        assertEquals(values.size(), c.get("count").asLong());
        assertEquals(values.stream().mapToDouble(Double::doubleValue).sum(), c.get("sum").asDouble(), 0.0);
        assertTrue(cell(document.get("result"), "rare") == null, "the suppressed group must not be exported: " + document);

        String shard = kinesis.listShards(b -> b.streamName(EXPORT_STREAM)).shards().get(0).shardId();
        String iterator = kinesis.getShardIterator(b -> b.streamName(EXPORT_STREAM).shardId(shard)
                .shardIteratorType(ShardIteratorType.AT_SEQUENCE_NUMBER).startingSequenceNumber(answer.get("kinesis").get("sequenceNumber").asText()))
                .shardIterator();
        Record record = kinesis.getRecords(b -> b.shardIterator(iterator).limit(1)).records().get(0);
        assertEquals(new String(object, StandardCharsets.UTF_8), record.data().asUtf8String());

        List<LedgerEntry> exported = ledger.read(before + 1, 100).stream().filter(e -> e.record().kind() == TransferRecord.Kind.EXPORTED).toList();
        assertEquals(Set.copyOf(REGIONS), exported.stream().map(e -> e.record().sourceRegion().value()).collect(Collectors.toSet()), exported.toString());
        String auditor = userToken(keycloak, MeridianRealm.AUDITOR);
        for (LedgerEntry e : exported) {
            TransferRecord rec = e.record();
            JsonNode part = region(document.get("result"), rec.sourceRegion().value());
            assertEquals(part.get("decision").get("id").asText(), rec.sourceDecisionId().toString());
            assertEquals(part.get("decision").get("payloadHash").asText(), rec.payloadHash());
            // the source region's own log, through the gateway's audit endpoint, holds that decision with that hash
            HttpResponse<String> log = get(base + "/v1/audit/regions/" + rec.sourceRegion().value() + "/decisions?from="
                    + rec.sourceDecisionSequence() + "&limit=1", auditor);
            assertEquals(200, log.statusCode(), log.body());
            JsonNode logged = JSON.readTree(log.body()).get("items").get(0);
            assertEquals(rec.sourceDecisionId().toString(), logged.get("decisionId").asText(), logged.toString());
            assertEquals(rec.payloadHash(), logged.get("payloadHash").asText(), logged.toString());
        }
        assertTrue(ledger.verify().intact(), ledger.verify().toString());
    }

    private List<Device> registerAndPublish(String catalog, KeycloakService keycloak, String run, String metric) throws Exception {
        List<Device> devices = new ArrayList<>();
        for (int ri = 0; ri < REGIONS.size(); ri++) {
            String region = REGIONS.get(ri);
            for (int i = 0; i < CLASSIC_PER_REGION + RARE_PER_REGION; i++) {
                String model = i < CLASSIC_PER_REGION ? "classic" : "rare";
                // multiples of 0.25: every sum of them is exact in binary, so sums compare exactly
                List<Double> v = List.of(ri * 10.0 + i * 0.5, ri * 10.0 + i * 0.25 - 7.75);
                devices.add(new Device("agg-" + run + "-" + region + "-" + i, region, model, v));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<String>> done = new ArrayList<>();
            for (Device d : devices) {
                // a fresh token each: under load the registrations may outlast one token's lifetime
                done.add(pool.submit(() -> registerAndPublish(catalog, userToken(keycloak, MeridianRealm.LAMP_ADMIN), d, metric)));
            }
            for (Future<String> f : done) {
                String problem = f.get(5, TimeUnit.MINUTES);
                assertEquals("", problem);
            }
        } finally {
            pool.shutdownNow();
        }
        return devices;
    }

    /** Registers the device through the catalog and publishes its values with mosquitto_pub; the empty string when all went well. */
    private String registerAndPublish(String catalog, String admin, Device d, String metric) throws Exception {
        HttpResponse<String> r = send("POST", catalog + "/tenants/lampco/devices", admin, "{\"device-id\":\"" + d.id() + "\",\"location\":"
                + LOCATION.get(d.region()) + ",\"labels\":{\"model\":\"" + d.model() + "\"}}");
        if (r.statusCode() != 201) {
            return d.id() + ": registration answered " + r.statusCode() + " " + r.body();
        }
        JsonNode reg = JSON.readTree(r.body());
        if (!reg.get("region").asText().equals(d.region())) {
            return d.id() + " was assigned to " + reg.get("region").asText() + ", not " + d.region();
        }
        JsonNode mqtt = reg.get("endpoints").get("mqtt");
        JsonNode cred = reg.get("credentials");
        for (double value : d.values()) {
            Process p = new ProcessBuilder("mosquitto_pub", "-h", mqtt.get("host").asText(), "-p", mqtt.get("port").asText(), "-u",
                    cred.get("auth-id").asText() + "@lampco", "-P", cred.get("password").asText(), "-q", "1", "-t", "telemetry", "-m",
                    "{\"" + metric + "\":" + value + "}").redirectErrorStream(true).start();
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    return d.id() + ": mosquitto_pub did not finish within 60 s";
                }
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.exitValue() != 0) {
                    return d.id() + ": mosquitto_pub failed: " + out;
                }
            } finally {
                p.destroyForcibly();
            }
        }
        return "";
    }

    private void awaitUp(String base, String token) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Set<String> up = Set.of();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(base + "/v1/regions", token);
            if (r.statusCode() == 200) {
                up = new HashSet<>();
                for (JsonNode region : JSON.readTree(r.body()).get("regions")) {
                    if (region.get("status").asText().equals("UP")) {
                        up.add(region.get("id").asText());
                    }
                }
                if (up.containsAll(REGIONS)) {
                    return;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the catalog did not see " + REGIONS + " UP within 120 s, only " + up);
    }

    /**
     * Whether the ingest has everything the test sent: every classic value in the merged cell from all three regions, and
     * each region's rare group there too (its decision suppresses it under A4), in a complete answer. The rare devices
     * publish last, so the classic cell alone being complete does not say their values are in.
     */
    private static boolean ingested(JsonNode body, int classicValues) {
        JsonNode c = cell(body, "classic");
        if (body.get("partial").asBoolean() || c == null || c.get("count").asLong() != classicValues || c.get("regions").size() != 3) {
            return false;
        }
        for (String r : REGIONS) {
            JsonNode d = region(body, r).path("decision");
            if (d.path("suppressedCounts").path("A4").asInt() != 1) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode cell(JsonNode body, String model) {
        for (JsonNode c : body.get("cells")) {
            if (c.get("group").path("value").asText().equals(model)) {
                return c;
            }
        }
        return null;
    }

    private static JsonNode region(JsonNode body, String id) {
        for (JsonNode r : body.get("regions")) {
            if (r.get("region").asText().equals(id)) {
                return r;
            }
        }
        throw new AssertionError("no region " + id + " in " + body);
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> out = new java.util.TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private HttpResponse<String> get(String uri, String token) throws Exception {
        return send("GET", uri, token, null);
    }

    private HttpResponse<String> send(String method, String uri, String token, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(TIMEOUT).header("Authorization", "Bearer " + token);
        if (json == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String userToken(KeycloakService keycloak, MeridianRealm.DemoUser user) throws Exception {
        return RealmTokens.of(http, keycloak).user(user);
    }
}
