package io.meridian.gateway.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.aggregates.FederatedAggregates;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.ledger.CassandraTransferLedger;
import io.meridian.gateway.ledger.LedgerEntry;
import io.meridian.gateway.ledger.TransferRecord;
import io.meridian.local.aws.KinesaliteService;
import io.meridian.local.aws.S3MockService;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.keycloak.RealmTokens;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Export and audit end to end: the gateway in this JVM on its real Cassandra ledger and schedule store, real Keycloak
 * tokens, s3mock and kinesalite as the sinks, the eu-central region node for the audit of a region's decision log, and a
 * fixed {@link FederatedAggregates} (the real fan-out is proven by its own IT).
 *
 * <p>Schedules: the real timer runs every 0.5 s ({@code checkEvery}); a schedule of PT1H must run once in the current
 * period however often it ticks. The next period is reached by driving two gateways' schedulers with a later clock at
 * the same time: exactly one of them runs it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = "eu-central", kafka = "eu-central", keycloak = true, s3 = true, kinesis = true)
class GatewayExportIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String KEYSPACE = "gw_export_it";
    private static final String TENANT = MeridianRealm.LAMP_ADMIN.tenant();
    private static final String BUCKET = "meridian-export-it";
    private static final String STREAM = "meridian-export-it";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final FixedFederatedAggregates aggregates = new FixedFederatedAggregates();
    private CqlSession session;
    private CassandraTransferLedger ledger;
    private Gateway gateway;
    private Gateway second;
    private S3Client s3;
    private KinesisClient kinesis;
    private KeycloakService keycloak;
    private String base;

    @BeforeAll
    void start(Federation federation, KeycloakService keycloak, S3MockService s3Mock, KinesaliteService kinesalite) throws Exception {
        this.keycloak = keycloak;
        federation.start(List.of(ServiceRequest.of("region-node", "eu-central")), Federation.Listener.NONE);
        CassandraService cassandra = federation.cassandra("eu-central");
        session = CqlSession.builder().addContactPoint(cassandra.cqlAddress()).withLocalDatacenter(cassandra.localDatacenter())
                // the machine is shared with other builds: a query may take longer than the driver's default 2 s
                .withConfigLoader(DriverConfigLoader.programmaticBuilder().withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                        .build())
                .build();
        s3 = s3Mock.client();
        s3.createBucket(b -> b.bucket(BUCKET));
        kinesis = kinesalite.client();
        kinesis.createStream(b -> b.streamName(STREAM).shardCount(1));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (kinesis.describeStream(b -> b.streamName(STREAM)).streamDescription().streamStatus() != StreamStatus.ACTIVE) {
            assertTrue(System.nanoTime() < deadline, "stream " + STREAM + " did not become ACTIVE");
            Thread.sleep(200);
        }
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Map<String, String> props = new HashMap<>(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.PORT, "0",
                GatewayConfig.ISSUER, keycloak.issuer().toString(), GatewayConfig.KEYSPACE, KEYSPACE,
                GatewayConfig.CASSANDRA_CONTACT_POINTS, cassandra.cqlAddress().getHostString() + ":" + cassandra.cqlAddress().getPort(),
                GatewayConfig.CASSANDRA_DATACENTER, cassandra.localDatacenter(),
                GatewayConfig.EXPORT_S3_ENDPOINT, s3Mock.endpoint().toString(),
                GatewayConfig.EXPORT_KINESIS_ENDPOINT, kinesalite.endpoint().toString(),
                GatewayConfig.EXPORT_AWS_REGION, "us-east-1"));
        props.put(GatewayConfig.EXPORT_MIN_EVERY, "PT1S");
        props.put(GatewayConfig.EXPORT_CHECK_EVERY, "PT0.5S");
        props.put(GatewayConfig.REGION_PREFIX + "eu-central.dataApi", federation.service("region-node-eu-central").orElseThrow().endpoints().get("data-api"));
        props.put(GatewayConfig.REGION_PREFIX + "us-east.dataApi", "http://127.0.0.1:" + deadPort + "/v1");
        Map<String, String> env = Map.of(GatewayConfig.CLIENT_SECRET_ENV, MeridianRealm.gatewaySecret("eu-central"),
                GatewayConfig.EXPORT_ACCESS_KEY_ENV, io.meridian.local.aws.AwsStandIn.ACCESS_KEY_ID,
                GatewayConfig.EXPORT_SECRET_KEY_ENV, io.meridian.local.aws.AwsStandIn.SECRET_ACCESS_KEY);
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get, env::get);
        ledger = CassandraTransferLedger.open(session, KEYSPACE, CassandraTransferLedger.localReplication(cassandra.localDatacenter()), "eu-central");
        TokenValidator tokens = new TokenValidator(config.jwksUri(), config.issuer().toString(), GatewayConfig.AUDIENCE, Clock.systemUTC());
        ExportBackends backends = new ExportBackends(aggregates, CassandraExportSchedules.open(session, KEYSPACE));
        gateway = Gateway.start(config, tokens, Clock.systemUTC(), ledger, Optional.of(backends));
        // a second instance on the same ledger and schedules, as a replicated gateway would be
        second = Gateway.start(config, tokens, Clock.systemUTC(), ledger, Optional.of(backends));
        base = "http://127.0.0.1:" + gateway.port() + "/v1";
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {gateway, second, s3, kinesis, session}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("closing " + c + ": " + e);
                }
            }
        }
    }

    private static String exportBody(String bucket, String stream) {
        Map<String, Object> sinks = new HashMap<>();
        if (bucket != null) {
            sinks.put("s3", Map.of("bucket", bucket, "prefix", "analytics/meridian"));
        }
        if (stream != null) {
            sinks.put("kinesis", Map.of("stream", stream));
        }
        try {
            return JSON.writeValueAsString(Map.of("query", Map.of("metric", "temperature", "resolution", "PT1H", "from", "2026-11-24T00:00:00Z",
                    "to", "2026-11-24T06:00:00Z", "group", "label:model", "merge", true), "sinks", sinks));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void onDemandExport_landsInS3AndKinesis_equalToTheResult_andTheLedgerMatchesTheSourceDecisions() throws Exception {
        String admin = userToken(MeridianRealm.LAMP_ADMIN);
        long before = ledgerSize();
        HttpResponse<String> r = send("POST", "/tenants/" + TENANT + "/exports", admin, exportBody(BUCKET, STREAM));
        assertEquals(201, r.statusCode(), r.body());
        JsonNode answer = JSON.readTree(r.body());
        UUID exportId = UUID.fromString(answer.get("exportId").asText());
        String key = "analytics/meridian/" + TENANT + "/" + exportId + ".json";
        assertEquals(key, answer.get("s3").get("key").asText());

        // the S3 object is the export document, whose result is exactly the federated answer
        ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key));
        JsonNode document = JSON.readTree(object.asByteArray());
        FederatedAggregates.Query asked = aggregates.queries.get(aggregates.queries.size() - 1);
        // compared as parsed JSON on both sides: a long put into a node reads back as an int node, which Jackson's equals tells apart
        assertEquals(JSON.readTree(FixedFederatedAggregates.body(TENANT, asked).toString()), document.get("result"));
        assertEquals(exportId.toString(), document.get("exportId").asText());
        assertEquals("2026-11-24T00:00:00Z", asked.from().orElseThrow());
        assertEquals(TENANT, aggregates.tenants.get(aggregates.tenants.size() - 1));
        assertEquals(Optional.of(Jurisdiction.of("US")), aggregates.onwards.get(aggregates.onwards.size() - 1),
                "the regions are asked to decide for the sink's jurisdiction, where the cells end up");

        // the Kinesis record, read back with GetRecords, is byte for byte the same document
        String sequenceNumber = answer.get("kinesis").get("sequenceNumber").asText();
        Record record = kinesisRecords().stream().filter(x -> x.sequenceNumber().equals(sequenceNumber)).findFirst().orElseThrow();
        assertEquals(TENANT, record.partitionKey());
        assertEquals(new String(object.asByteArray(), StandardCharsets.UTF_8), record.data().asUtf8String());

        // one EXPORTED entry per part that released cells, with its decision id and payload hash; the denied part has none
        List<LedgerEntry> entries = exportEntries(exportId);
        assertEquals(2, entries.size(), entries.toString());
        assertEquals(List.of(before + 1, before + 2), entries.stream().map(LedgerEntry::sequence).toList());
        List<Long> answered = new ArrayList<>();
        answer.get("ledgerSequences").forEach(n -> answered.add(n.asLong()));
        assertEquals(entries.stream().map(LedgerEntry::sequence).toList(), answered);
        for (FederatedAggregates.RegionPart part : FixedFederatedAggregates.parts().subList(0, 2)) {
            TransferRecord rec = entries.stream().map(LedgerEntry::record).filter(x -> x.sourceRegion().equals(part.region())).findFirst().orElseThrow();
            assertEquals(TransferRecord.Kind.EXPORTED, rec.kind());
            assertEquals(part.decisionId(), rec.sourceDecisionId());
            assertEquals(part.decisionSequence(), rec.sourceDecisionSequence());
            assertEquals(part.payloadHash(), rec.payloadHash());
            assertEquals(part.jurisdiction(), rec.sourceJurisdiction());
            assertEquals("US", rec.destination().code(), "the sink's AWS region us-east-1 is us-east's cloud region");
            assertEquals("s3://" + BUCKET + "/" + key + ",kinesis:" + STREAM + "/" + answer.get("kinesis").get("shardId").asText() + "/" + sequenceNumber,
                    rec.sink().orElseThrow());
        }
        assertTrue(ledger.verify().intact(), ledger.verify().toString());
    }

    @Test
    void aSinkDown_is502NamingIt_andNothingIsRecordedAsExported() throws Exception {
        String admin = userToken(MeridianRealm.LAMP_ADMIN);
        long before = ledgerSize();
        HttpResponse<String> r = send("POST", "/tenants/" + TENANT + "/exports", admin, exportBody("meridian-no-such-bucket", STREAM));
        JsonNode problem = problem(r, 502);
        assertTrue(problem.get("detail").asText().contains("failed on its s3 sink"), problem.toString());
        assertTrue(problem.get("detail").asText().contains("meridian-no-such-bucket"), problem.toString());

        // S3 succeeds, then Kinesis fails: the object is taken back, and still nothing is recorded
        int objectsBefore = objects("analytics/meridian/" + TENANT + "/").size();
        r = send("POST", "/tenants/" + TENANT + "/exports", admin, exportBody(BUCKET, "meridian-no-such-stream"));
        problem = problem(r, 502);
        assertTrue(problem.get("detail").asText().contains("failed on its kinesis sink"), problem.toString());
        assertTrue(problem.get("detail").asText().contains("meridian-no-such-stream"), problem.toString());
        assertEquals(objectsBefore, objects("analytics/meridian/" + TENANT + "/").size());
        assertEquals(before, ledgerSize());

        // bad input is a 400 naming the field, before anything runs
        r = send("POST", "/tenants/" + TENANT + "/exports", admin, exportBody("Bad_Bucket", null));
        assertTrue(problem(r, 400).get("detail").asText().startsWith("sinks.s3.bucket must be"), r.body());
        r = send("POST", "/tenants/" + TENANT + "/exports", admin, "{\"query\": {\"metric\": \"t\"}, \"sinks\": {}}");
        assertEquals("sinks must name at least one of s3 and kinesis", problem(r, 400).get("detail").asText());
    }

    @Test
    void aSchedule_runsOncePerPeriod_acrossTwoGateways() throws Exception {
        String admin = userToken(MeridianRealm.LAMP_ADMIN);
        String path = "/tenants/" + TENANT + "/export-schedules/hourly";
        String body = "{\"every\": \"PT1H\", \"query\": {\"metric\": \"temperature\", \"resolution\": \"PT15M\", \"group\": \"all\"},"
                + " \"sinks\": {\"s3\": {\"bucket\": \"" + BUCKET + "\", \"prefix\": \"scheduled\"}, \"kinesis\": {\"stream\": \"" + STREAM + "\"}}}";
        assertTrue(problem(send("PUT", path, admin, body.replace("PT1H", "PT0.5S")), 400).get("detail").asText().startsWith("every must be at least PT1S"));
        // the real timers run the period of the hour they tick in, and this test expects that to be the hour of `now`: close
        // to the top of an hour (a minute and a half, well over this part's run), wait for the next hour to begin
        Instant nextHour = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).plus(Duration.ofHours(1));
        Duration untilNextHour = Duration.between(Instant.now(), nextHour);
        if (untilNextHour.compareTo(Duration.ofSeconds(90)) < 0) {
            Thread.sleep(untilNextHour.toMillis() + 1000);
        }
        Instant now = Instant.now();
        HttpResponse<String> put = send("PUT", path, admin, body);
        assertEquals(201, put.statusCode(), put.body());
        assertEquals(200, send("PUT", path, admin, body).statusCode(), "a second PUT replaces");
        JsonNode list = JSON.readTree(send("GET", "/tenants/" + TENANT + "/export-schedules", admin, null).body());
        assertEquals(1, list.get("schedules").size(), list.toString());
        assertEquals("PT1H", list.get("schedules").get(0).get("every").asText());

        // the real timer (every 0.5 s, in both gateways) runs it for the current hour, once
        Instant period = ExportScheduler.periodStart(now, Duration.ofHours(1));
        UUID current = UUID.nameUUIDFromBytes((TENANT + "/hourly/" + period.toEpochMilli()).getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (exportEntries(current).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(2, exportEntries(current).size(), "the current period's run");
        Thread.sleep(2500); // ten more ticks of two timers
        assertEquals(2, exportEntries(current).size(), "still one run in the current period");
        assertEquals(1, kinesisRecords().stream().filter(x -> x.data().asUtf8String().contains(current.toString())).count());
        JsonNode doc = JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("scheduled/" + TENANT + "/" + current + ".json")).asByteArray());
        assertEquals(period.minus(Duration.ofHours(1)).toString(), doc.get("query").get("from").asText(), "the window is the last hour");
        assertEquals(period.toString(), doc.get("query").get("to").asText());

        // the next hour, on both gateways' schedulers at the same instant: exactly one runs it
        Instant later = now.plus(Duration.ofHours(1));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Callable<List<ExportScheduler.Run>>> both = List.of(() -> gateway.exports().scheduler().orElseThrow().runDue(later),
                    () -> second.exports().scheduler().orElseThrow().runDue(later));
            List<ExportScheduler.Run> runs = new ArrayList<>();
            for (Future<List<ExportScheduler.Run>> f : pool.invokeAll(both, 60, TimeUnit.SECONDS)) {
                runs.addAll(f.get().stream().filter(x -> x.schedule().tenant().equals(TENANT) && x.schedule().id().equals("hourly")).toList());
            }
            assertEquals(1, runs.size(), runs.toString());
            assertTrue(runs.get(0).exported(), runs.get(0).detail());
            assertEquals(ExportScheduler.periodStart(later, Duration.ofHours(1)), runs.get(0).periodStart());
            assertEquals(2, exportEntries(runs.get(0).exportId()).size());
        } finally {
            pool.shutdownNow();
        }
        assertTrue(ledger.verify().intact());

        assertEquals(204, send("DELETE", path, admin, null).statusCode());
        assertEquals(0, JSON.readTree(send("GET", "/tenants/" + TENANT + "/export-schedules", admin, null).body()).get("schedules").size());
        problem(send("DELETE", path, admin, null), 404);
    }

    @Test
    void audit_readsTheRealLedgerAndARegionsDecisionLog_asAuditorOnly() throws Exception {
        String auditor = userToken(MeridianRealm.AUDITOR);
        // at least one entry, whatever order the tests ran in
        send("POST", "/tenants/" + TENANT + "/exports", userToken(MeridianRealm.LAMP_ADMIN), exportBody(BUCKET, null));
        HttpResponse<String> r = send("GET", "/audit/ledger?from=1&limit=2", auditor, null);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode page = JSON.readTree(r.body());
        assertEquals(2, page.get("entries").size());
        assertEquals(3, page.get("next").asLong());
        List<LedgerEntry> stored = ledger.read(1, 2);
        for (int i = 0; i < 2; i++) {
            JsonNode e = page.get("entries").get(i);
            assertEquals(stored.get(i).hash(), e.get("hash").asText());
            assertEquals(stored.get(i).record().sourceDecisionId().toString(), e.get("sourceDecisionId").asText());
            assertEquals("EXPORTED", e.get("kind").asText());
        }
        JsonNode verify = JSON.readTree(send("GET", "/audit/ledger/verify", auditor, null).body());
        assertTrue(verify.get("intact").asBoolean(), verify.toString());
        assertEquals(ledgerSize(), verify.get("entriesChecked").asLong());
        assertTrue(problem(send("GET", "/audit/ledger?limit=5000", auditor, null), 400).get("detail").asText().contains("limit"));

        // a region's own decision log, through the gateway's client token
        r = send("GET", "/audit/regions/eu-central/decisions?from=1&limit=10", auditor, null);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode decisions = JSON.readTree(r.body());
        assertEquals("eu-central", decisions.get("region").asText());
        assertTrue(decisions.get("items").isArray(), decisions.toString());
        r = send("GET", "/audit/regions/eu-central/decisions/verify", auditor, null);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).get("intact").asBoolean(), r.body());
        assertTrue(problem(send("GET", "/audit/regions/mars-north/decisions", auditor, null), 404).get("detail").asText().contains("mars-north"));
        assertTrue(problem(send("GET", "/audit/regions/us-east/decisions/verify", auditor, null), 503).get("detail").asText().startsWith("region us-east"));

        // a customer admin holds no compliance role
        String admin = userToken(MeridianRealm.LAMP_ADMIN);
        for (String p : List.of("/audit/ledger", "/audit/ledger/verify", "/audit/regions/eu-central/decisions", "/audit/regions/eu-central/decisions/verify")) {
            assertTrue(problem(send("GET", p, admin, null), 403).get("detail").asText().contains("compliance-officer"), p);
        }
    }

    private long ledgerSize() {
        return ledger.verify().entriesChecked();
    }

    private List<LedgerEntry> exportEntries(UUID exportId) {
        List<LedgerEntry> all = new ArrayList<>();
        for (long from = 1;; from += 1000) {
            List<LedgerEntry> page = ledger.read(from, 1000);
            all.addAll(page);
            if (page.size() < 1000) {
                break;
            }
        }
        return all.stream().filter(e -> e.record().exportId().equals(Optional.of(exportId))).toList();
    }

    private List<S3Object> objects(String prefix) {
        return s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).contents();
    }

    private List<Record> kinesisRecords() {
        List<Record> records = new ArrayList<>();
        for (Shard shard : kinesis.listShards(b -> b.streamName(STREAM)).shards()) {
            String iterator = kinesis.getShardIterator(b -> b.streamName(STREAM).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            for (int i = 0; i < 20 && iterator != null; i++) {
                String it = iterator;
                var page = kinesis.getRecords(b -> b.shardIterator(it).limit(1000));
                records.addAll(page.records());
                if (page.records().isEmpty() || page.millisBehindLatest() == 0) {
                    break;
                }
                iterator = page.nextShardIterator();
            }
        }
        return records;
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode problem(HttpResponse<String> r, int status) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertFalse(body.get("detail").asText().isBlank());
        return body;
    }

    private String userToken(MeridianRealm.DemoUser user) throws Exception {
        return RealmTokens.of(http, keycloak).user(user);
    }
}
