package io.meridian.region.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import io.meridian.local.aws.AwsStandIn;
import io.meridian.local.aws.S3MockService;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.process.FreePorts;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The archive against the eu-central region's real Cassandra and the s3mock stand-in: rows written by the
 * ingest's own {@code RawStore} (raw row with TTL plus its arrival hour in {@code raw_hours}) come back from
 * the bucket, per tenant, kind and arrival hour, with every value equal. Each test has its own keyspace and
 * bucket; the clock is the test's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = "eu-central", s3 = true)
class RawArchiveIT {

    private static final Set<String> OTHER_REGIONS = Set.of("us-east", "uk-south", "af-south");
    private static final Instant H1 = Instant.parse("2026-11-23T10:00:00Z");
    private static final Instant H2 = H1.plus(1, ChronoUnit.HOURS);
    private static final Instant H3 = H2.plus(1, ChronoUnit.HOURS);
    private static final AtomicInteger NEXT = new AtomicInteger();

    private CqlSession session;
    private S3MockService s3mock;
    private S3Client s3;
    private final long offsets = System.nanoTime() % 1_000_000;
    private long nextOffset;

    @BeforeAll
    void connect(Federation federation, S3MockService s3mock) {
        CassandraService cassandra = federation.cassandra("eu-central");
        // the node's own sessions allow 10 s (DeviceRegistry); the driver's 2 s default fails on a loaded machine
        session = CqlSession.builder().addContactPoint(cassandra.cqlAddress())
                .withLocalDatacenter(cassandra.localDatacenter())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10)).build())
                .build();
        this.s3mock = s3mock;
        s3 = s3mock.client();
    }

    @AfterAll
    void close() {
        if (s3 != null) {
            s3.close();
        }
        if (session != null) {
            session.close();
        }
    }

    /** A fresh keyspace and bucket name for one test. */
    private record Setup(String keyspace, String bucket, RawTables raw, Path spool) {
    }

    private Setup setup() throws IOException {
        int n = NEXT.incrementAndGet();
        String suffix = Long.toString(System.currentTimeMillis() % 100_000_000L, 36) + n;
        String keyspace = "archive_it_" + suffix;
        Path spool = Files.createDirectories(Path.of("target", "archive-spool-it", suffix));
        return new Setup(keyspace, "it-" + suffix + "-meridian-eu-central-raw", RawTables.create(session, keyspace), spool);
    }

    private ArchiveConfig config(Setup setup, URI endpoint) {
        return ArchiveConfig.builder("eu-central", OTHER_REGIONS, "eu-central-1")
                .bucket(setup.bucket())
                .endpointOverride(endpoint)
                .awsRegion(AwsStandIn.REGION.id())
                .staticCredentials(AwsStandIn.ACCESS_KEY_ID, AwsStandIn.SECRET_ACCESS_KEY)
                .keyspace(setup.keyspace())
                .pageSize(3) // small pages, so that paging is exercised with a handful of rows
                .spoolDirectory(setup.spool())
                .build();
    }

    private RawRow row(String kind, String tenant, String device, Instant ts, Instant arrived, String payload) {
        return row(kind, tenant, device, ts, arrived, payload == null ? null : payload.getBytes(StandardCharsets.UTF_8),
                Map.of("temp", 20.0 + nextOffset / 10.0), null);
    }

    private RawRow row(String kind, String tenant, String device, Instant ts, Instant arrived, byte[] payload,
            Map<String, Double> metrics, String parseError) {
        long offset = offsets + nextOffset++;
        LocalDate day = ts.atZone(ZoneOffset.UTC).toLocalDate();
        return new RawRow(kind, tenant, device, day, ts, (int) (offset % 3), offset, arrived, "application/json", payload, metrics,
                parseError == null ? 50.11 : null, parseError == null ? 8.68 : null, parseError);
    }

    /** Rows of two tenants over three arrival hours, with late arrivals, a previous-day row, a malformed and a binary one. */
    private List<RawRow> rowsOfThreeHours() {
        List<RawRow> rows = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Instant t = H1.plusSeconds(60L * i + 5);
            rows.add(row("telemetry", "acme", "lamp-1", t, t.plusMillis(120), "{\"temp\":" + i + "}"));
            rows.add(row("telemetry", "acme", "lamp-2", t, t.plusMillis(80), "{\"temp\":" + (i + 1) + "}"));
            rows.add(row("telemetry", "globex", "tracker-9", t, t.plusMillis(40), "{\"temp\":" + (i + 2) + "}"));
        }
        // event time in H1, arrival in H2: belongs to H2's object
        rows.add(row("telemetry", "acme", "lamp-1", H1.plusSeconds(3590), H2.plusSeconds(30), "{\"temp\":99}"));
        // event time on the previous day, arriving in H1: another partition (day) of the same device
        rows.add(row("telemetry", "acme", "lamp-1", H1.minus(11, ChronoUnit.HOURS), H1.plusSeconds(900), "{\"temp\":-4}"));
        // flagged malformed, stored raw
        rows.add(row("telemetry", "acme", "lamp-2", H1.plusSeconds(1200), H1.plusSeconds(1201),
                "{\"temp\": 21.5,".getBytes(StandardCharsets.UTF_8), Map.of(), "Unexpected end-of-input"));
        // not UTF-8: base64 in the archive
        rows.add(row("telemetry", "globex", "tracker-9", H1.plusSeconds(1500), H1.plusSeconds(1500),
                new byte[] {(byte) 0xff, 0, (byte) 0x80, 0x41, (byte) 0xfe}, Map.of("raw", 1.0), "payload is not JSON"));
        rows.add(row("events", "acme", "lamp-1", H1.plusSeconds(100), H1.plusSeconds(101), "{\"alarm\":\"door\"}"));
        // an empty payload (the ingest never stores none)
        rows.add(row("events", "acme", "lamp-1", H1.plusSeconds(200), H1.plusSeconds(201), ""));
        rows.add(row("telemetry", "globex", "tracker-9", H2.plusSeconds(10), H2.plusSeconds(11), "{\"temp\":7}"));
        // arrives in H3, which is not due at 12:10
        rows.add(row("telemetry", "acme", "lamp-2", H3.plusSeconds(1), H3.plusSeconds(2), "{\"temp\":8}"));
        return rows;
    }

    private static Map<String, Set<RawRow>> expectedObjects(List<RawRow> rows, Instant before) {
        return rows.stream().filter(r -> r.arrived().isBefore(before)).collect(Collectors.groupingBy(
                r -> ArchiveKeys.objectKey("eu-central", r.tenantId(), r.kind(), r.arrived().truncatedTo(ChronoUnit.HOURS)),
                Collectors.toSet()));
    }

    private Map<String, S3Object> listBucket(String bucket) {
        return s3.listObjectsV2Paginator(l -> l.bucket(bucket)).contents().stream()
                .collect(Collectors.toMap(S3Object::key, o -> o));
    }

    private byte[] download(String bucket, String key) {
        return s3.getObjectAsBytes(g -> g.bucket(bucket).key(key)).asByteArray();
    }

    private List<Row> manifest(Setup setup, Instant hour) {
        return session.execute("SELECT * FROM " + setup.keyspace() + ".archive_manifest WHERE hour = ?", hour).all();
    }

    private static double counter(MeterRegistry meters, String name) {
        return meters.get(name).tag("region", "eu-central").counter().count();
    }

    private static void assertSpoolEmpty(Setup setup) throws IOException {
        try (Stream<Path> files = Files.list(setup.spool())) {
            assertEquals(List.of(), files.toList(), "spooled files must be deleted after each object");
        }
    }

    @Test
    void eachArrivalHour_isArchivedPerTenantAndKind_withEveryValue_exactlyOnce() throws Exception {
        Setup setup = setup();
        List<RawRow> rows = rowsOfThreeHours();
        setup.raw().insertAll(rows);
        MeterRegistry meters = new SimpleMeterRegistry();
        try (RawArchiver archiver = RawArchiver.open(session, config(setup, s3mock.endpoint()), meters)) {
            // 12:10 is H2's end plus the default 10 min lag: H1 and H2 are due, H3 is not
            Instant now = H3.plusSeconds(600);
            ArchiveRun run = archiver.runAt(now);

            Map<String, Set<RawRow>> expected = expectedObjects(rows, H3);
            assertEquals(5, expected.size(), "H1: acme telemetry, acme events, globex telemetry; H2: acme and globex telemetry");
            assertTrue(run.complete(), run.toString());
            assertEquals(72, run.hoursExamined());
            assertEquals(5, run.objectsWritten());
            long expectedRows = expected.values().stream().mapToLong(Set::size).sum();
            assertEquals(expectedRows, run.rowsWritten());

            Map<String, S3Object> listed = listBucket(setup.bucket());
            assertEquals(expected.keySet(), listed.keySet());
            long totalBytes = 0;
            for (Map.Entry<String, Set<RawRow>> e : expected.entrySet()) {
                byte[] object = download(setup.bucket(), e.getKey());
                List<RawRow> archived = ArchiveLineReader.readGzip(object);
                assertEquals(e.getValue().size(), archived.size(), "no row twice in " + e.getKey());
                assertEquals(e.getValue(), new HashSet<>(archived), e.getKey());
                totalBytes += object.length;
            }
            assertEquals(totalBytes, run.bytesWritten());

            // the manifest names each object with its counts and the SHA-256 of exactly the uploaded bytes
            Map<String, Row> manifestByKey = new HashMap<>();
            Stream.of(H1, H2).flatMap(h -> manifest(setup, h).stream()).forEach(r -> manifestByKey.put(r.getString("object_key"), r));
            assertEquals(expected.keySet(), manifestByKey.keySet());
            for (Map.Entry<String, Row> e : manifestByKey.entrySet()) {
                byte[] object = download(setup.bucket(), e.getKey());
                Row m = e.getValue();
                assertEquals(expected.get(e.getKey()).size(), m.getLong("rows"));
                assertEquals(object.length, m.getLong("bytes"));
                assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(object)), m.getString("sha256"));
                assertEquals(setup.bucket(), m.getString("bucket"));
            }
            assertEquals(List.of(), manifest(setup, H3));
            assertEquals(5, counter(meters, "meridian.archive.objects"));
            assertEquals(expectedRows, counter(meters, "meridian.archive.rows"));
            assertEquals(totalBytes, counter(meters, "meridian.archive.bytes"));
            assertEquals(0, counter(meters, "meridian.archive.failures"));

            // a second run writes nothing: same objects, same manifest
            ArchiveRun again = archiver.runAt(now.plusSeconds(60));
            assertEquals(0, again.objectsWritten(), again.toString());
            assertTrue(again.complete());
            Map<String, S3Object> listedAgain = listBucket(setup.bucket());
            assertEquals(listed.keySet(), listedAgain.keySet());
            listed.forEach((k, o) -> assertEquals(o.lastModified(), listedAgain.get(k).lastModified(), k + " must not be rewritten"));

            // an hour later H3 is due and is the only new object
            ArchiveRun next = archiver.runAt(now.plus(1, ChronoUnit.HOURS));
            assertEquals(1, next.objectsWritten(), next.toString());
            Map<String, Set<RawRow>> withH3 = expectedObjects(rows, H3.plus(1, ChronoUnit.HOURS));
            assertEquals(withH3.keySet(), listBucket(setup.bucket()).keySet());
            String h3Key = ArchiveKeys.objectKey("eu-central", "acme", "telemetry", H3);
            assertEquals(withH3.get(h3Key), new HashSet<>(ArchiveLineReader.readGzip(download(setup.bucket(), h3Key))));

            // a row of H1 that reached a new partition late (a device not in H1's object yet) makes H1's
            // acme telemetry object be written again, whole, under the same key
            RawRow late = row("telemetry", "acme", "lamp-3", H1.plusSeconds(30), H1.plusSeconds(3599), "{\"temp\":1}");
            setup.raw().insert(late);
            ArchiveRun afterLate = archiver.runAt(now.plus(1, ChronoUnit.HOURS).plusSeconds(60));
            assertEquals(1, afterLate.objectsWritten(), afterLate.toString());
            String h1Key = ArchiveKeys.objectKey("eu-central", "acme", "telemetry", H1);
            Set<RawRow> h1Expected = new HashSet<>(expected.get(h1Key));
            h1Expected.add(late);
            assertEquals(h1Expected, new HashSet<>(ArchiveLineReader.readGzip(download(setup.bucket(), h1Key))));
            assertEquals(withH3.keySet(), listBucket(setup.bucket()).keySet(), "the same key, not a second object");
            assertSpoolEmpty(setup);
        }
    }

    @Test
    void aFailedUpload_leavesTheHourDue_andALaterRunCompletesIt() throws Exception {
        Setup setup = setup();
        List<RawRow> rows = rowsOfThreeHours();
        setup.raw().insertAll(rows);
        Instant now = H2.plusSeconds(600); // only H1 is due
        Map<String, Set<RawRow>> expectedH1 = expectedObjects(rows, H2);

        // S3 unreachable: a closed loopback port
        MeterRegistry failing = new SimpleMeterRegistry();
        URI closed = URI.create("http://127.0.0.1:" + FreePorts.allocate());
        try (RawArchiver archiver = RawArchiver.open(session, config(setup, closed), failing)) {
            ArchiveRun run = archiver.runAt(now);
            assertFalse(run.complete(), run.toString());
            assertEquals(0, run.objectsWritten());
            assertTrue(run.failures() >= 1 && counter(failing, "meridian.archive.failures") >= 1, run.toString());
        }
        assertEquals(List.of(), manifest(setup, H1), "a failed run must not mark the hour archived");
        assertThrows(NoSuchBucketException.class, () -> s3.headBucket(h -> h.bucket(setup.bucket())));
        assertSpoolEmpty(setup);

        MeterRegistry meters = new SimpleMeterRegistry();
        try (RawArchiver archiver = RawArchiver.open(session, config(setup, s3mock.endpoint()), meters)) {
            ArchiveRun run = archiver.runAt(now.plusSeconds(300));
            assertTrue(run.complete(), run.toString());
            assertEquals(expectedH1.size(), run.objectsWritten());
            assertEquals(expectedH1.keySet(), listBucket(setup.bucket()).keySet());
            assertEquals(expectedH1.size(), manifest(setup, H1).size());

            // the upload itself fails: the bucket is removed behind the archiver's back, after it checked it
            for (String key : listBucket(setup.bucket()).keySet()) {
                s3.deleteObject(d -> d.bucket(setup.bucket()).key(key));
            }
            s3.deleteBucket(d -> d.bucket(setup.bucket()));
            Instant h2Due = H3.plusSeconds(600);
            ArchiveRun failed = archiver.runAt(h2Due);
            assertFalse(failed.complete(), failed.toString());
            assertEquals(0, failed.objectsWritten());
            assertEquals(List.of(), manifest(setup, H2), "a failed upload must not mark the hour archived");
            assertTrue(counter(meters, "meridian.archive.failures") >= 1);

            // the next run checks the bucket again, creates it, and writes H2 (H1 stays recorded as done)
            ArchiveRun retried = archiver.runAt(h2Due.plusSeconds(300));
            assertTrue(retried.complete(), retried.toString());
            Map<String, Set<RawRow>> expectedH2 = expectedObjects(rows, H3);
            expectedH2.keySet().removeAll(expectedH1.keySet());
            assertEquals(expectedH2.size(), retried.objectsWritten());
            assertEquals(expectedH2.keySet(), listBucket(setup.bucket()).keySet());
            for (Map.Entry<String, Set<RawRow>> e : expectedH2.entrySet()) {
                assertEquals(e.getValue(), new HashSet<>(ArchiveLineReader.readGzip(download(setup.bucket(), e.getKey()))));
            }
            assertEquals(expectedH2.size(), manifest(setup, H2).size());
            assertSpoolEmpty(setup);
        }
    }

    @Test
    void start_archivesDueHoursOnItsOwnThread_andStopEndsIt() throws Exception {
        Setup setup = setup();
        List<RawRow> rows = rowsOfThreeHours();
        setup.raw().insertAll(rows);
        Clock clock = Clock.fixed(H2.plusSeconds(600), ZoneOffset.UTC);
        RawArchiver archiver = RawArchiver.open(session, config(setup, s3mock.endpoint()), new SimpleMeterRegistry(), clock);
        try {
            archiver.start();
            assertThrows(IllegalStateException.class, archiver::start);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int expected = expectedObjects(rows, H2).size();
            while (manifest(setup, H1).size() < expected && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertEquals(expected, manifest(setup, H1).size(), "the scheduled run must archive H1 within 60 s");
        } finally {
            archiver.stop();
        }
        // the executor reports termination just before its worker thread returns: give the thread a bounded moment
        List<Thread> archiverThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("meridian-archiver-eu-central")).toList();
        for (Thread t : archiverThreads) {
            t.join(10_000);
        }
        assertTrue(archiverThreads.stream().noneMatch(Thread::isAlive), "stop must end the archiver's thread");
    }

    /**
     * A measured hour: 30,000 rows of 100 devices, archived with the default page size; the object holds
     * them all and their metric sum. Prints rows/s and bytes per row for the record (no time bound: the
     * machine is shared).
     */
    @Test
    void aBusyHour_isArchivedWhole_andMeasured() throws Exception {
        Setup setup = setup();
        int devices = 100;
        int perDevice = 300;
        List<RawRow> rows = new ArrayList<>();
        double sum = 0;
        for (int d = 0; d < devices; d++) {
            for (int i = 0; i < perDevice; i++) {
                Instant t = H1.plusMillis(i * 11_000L + d);
                double temp = (d * 31 + i) % 400 / 10.0;
                sum += temp;
                rows.add(row("telemetry", "acme", String.format("lamp-%03d", d), t, t.plusMillis(90), t.toString().getBytes(
                        StandardCharsets.UTF_8), Map.of("temp", temp), null));
            }
        }
        long t0 = System.nanoTime();
        setup.raw().insertAll(rows);
        long inserted = System.nanoTime();
        ArchiveConfig config = ArchiveConfig.builder("eu-central", OTHER_REGIONS, "eu-central-1").bucket(setup.bucket())
                .endpointOverride(s3mock.endpoint()).awsRegion(AwsStandIn.REGION.id())
                .staticCredentials(AwsStandIn.ACCESS_KEY_ID, AwsStandIn.SECRET_ACCESS_KEY).keyspace(setup.keyspace())
                .spoolDirectory(setup.spool()).build();
        try (RawArchiver archiver = RawArchiver.open(session, config, new SimpleMeterRegistry())) {
            long t1 = System.nanoTime();
            ArchiveRun run = archiver.runAt(H2.plusSeconds(600));
            long t2 = System.nanoTime();
            assertTrue(run.complete(), run.toString());
            assertEquals(rows.size(), run.rowsWritten());
            List<RawRow> archived = ArchiveLineReader.readGzip(download(setup.bucket(),
                    ArchiveKeys.objectKey("eu-central", "acme", "telemetry", H1)));
            assertEquals(new HashSet<>(rows), new HashSet<>(archived));
            assertEquals(sum, archived.stream().mapToDouble(r -> r.metrics().get("temp")).sum(), 1e-6);
            double seconds = (t2 - t1) / 1e9;
            System.out.printf("archive measurement: %d rows of %d devices inserted in %.1f s, archived in %.1f s"
                    + " (%.0f rows/s), %d bytes gzip (%.1f bytes/row)%n", rows.size(), devices, (inserted - t0) / 1e9, seconds,
                    rows.size() / seconds, run.bytesWritten(), (double) run.bytesWritten() / rows.size());
        }
    }

    @Test
    void missingRawTables_areNamedAtOpen() {
        String keyspace = "archive_it_empty_" + NEXT.incrementAndGet();
        RawTables.schema(session, "CREATE KEYSPACE IF NOT EXISTS " + keyspace
                + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        ArchiveConfig config = ArchiveConfig.builder("eu-central", OTHER_REGIONS, "eu-central-1").keyspace(keyspace)
                .endpointOverride(s3mock.endpoint()).awsRegion(AwsStandIn.REGION.id()).build();
        String message = assertThrows(IllegalStateException.class,
                () -> RawArchiver.open(session, config, new SimpleMeterRegistry())).getMessage();
        assertTrue(message.contains("keyspace " + keyspace) && message.contains("raw_hours"), message);
    }
}
