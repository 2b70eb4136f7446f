package io.meridian.region.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.policy.AppendContext;
import io.meridian.policy.ChainHead;
import io.meridian.policy.ChainVerification;
import io.meridian.policy.ChainVerifier;
import io.meridian.policy.Decision;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.Outcome;
import io.meridian.policy.ResidencyPolicy;
import io.meridian.policy.TransferRequest;
import io.meridian.policy.TransferRequest.Cell;
import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyDefaults;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.policy.model.TransferBasis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The decision log against the eu-central region's real Cassandra: concurrent appends stay one chain, and
 * rows edited or deleted behind the log's back are found by {@link ChainVerifier}. Each test has its own
 * keyspace, so each starts from an empty log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = "eu-central")
class CassandraDecisionLogIT {

    private static final Jurisdiction EU = Jurisdiction.of("EU");
    private static final Jurisdiction US = Jurisdiction.of("US");
    private static final RegionId EU_CENTRAL = RegionId.of("eu-central");
    private static final RegionId US_EAST = RegionId.of("us-east");
    private static final Map<String, Object> REPLICATION = Map.of("class", "SimpleStrategy", "replication_factor", 1);
    private static final String TENANT = "acme";
    private static final String PAYLOAD_HASH = "ab".repeat(32);
    private static final ResidencyPolicy ENGINE = ResidencyPolicy.of(PolicyRules.of(
            Map.of(EU_CENTRAL, EU, US_EAST, US),
            Map.of(EU, "GDPR", US, "none"),
            Map.of(EU, Map.of(US, TransferBasis.SCCS_REQUIRED), US, Map.of(EU, TransferBasis.NOT_RESTRICTED)),
            PolicyDefaults.STANDARD));
    private static final TenantResidencyPolicy OPEN = TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(),
            ExportPolicy.none().allowingWithSccs(US).withAllowedLabels("site"));
    private static final TenantResidencyPolicy CLOSED = TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(),
            ExportPolicy.none());

    private CqlSession session;

    @BeforeAll
    void connect(Federation federation) {
        CassandraService cassandra = federation.cassandra("eu-central");
        // the machine is shared with other builds: creating a keyspace may take longer than the driver's default 2 s
        session = CqlSession.builder().addContactPoint(cassandra.cqlAddress()).withLocalDatacenter(cassandra.localDatacenter())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                        .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(20)).build())
                .build();
    }

    @AfterAll
    void close() {
        if (session != null) {
            session.close();
        }
    }

    private CassandraDecisionLog log(String keyspace) {
        return CassandraDecisionLog.open(session, keyspace, REPLICATION, EU_CENTRAL);
    }

    /** Decisions of four kinds in turn: partial aggregate, telemetry to a jurisdiction, to a named region, a deny. */
    private static Decision decision(int i) {
        TransferRequest.Builder request = TransferRequest.builder().source(EU_CENTRAL).requester("svc-exporter-" + (i % 3))
                .tenant(TENANT);
        return switch (i % 4) {
            case 0 -> ENGINE.decide(request.destination(US).category(DataCategory.AGGREGATE).cells(List.of(
                    Cell.of("site=berlin", 40, Duration.ofHours(1), Map.of("site", "berlin")),
                    Cell.of("site=potsdam", 2, Duration.ofHours(1), Map.of("site", "potsdam")))).build(), OPEN);
            case 1 -> ENGINE.decide(request.destination(US).category(DataCategory.TELEMETRY).build(), OPEN);
            case 2 -> ENGINE.decide(request.destination(US, US_EAST).category(DataCategory.TELEMETRY).build(), OPEN);
            default -> ENGINE.decide(request.destination(US).category(DataCategory.TELEMETRY).build(), CLOSED);
        };
    }

    private static AppendContext contextFor(Decision d) {
        return d.outcome() == Outcome.DENY ? AppendContext.nothingReleased() : AppendContext.released(PAYLOAD_HASH);
    }

    private static List<DecisionRecord> appendAll(CassandraDecisionLog log, int n) {
        List<DecisionRecord> appended = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Decision d = decision(i);
            appended.add(log.append(d, contextFor(d)));
        }
        return appended;
    }

    /** {@code threads} threads, released at once, each appending {@code perThread} decisions; the records by sequence. */
    private static List<DecisionRecord> appendConcurrently(CassandraDecisionLog log, int threads, int perThread) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        ConcurrentLinkedQueue<DecisionRecord> appended = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        Decision d = decision(thread * perThread + i);
                        appended.add(log.append(d, contextFor(d)));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> w : workers) {
                w.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        return appended.stream().sorted(Comparator.comparingLong(DecisionRecord::sequence)).toList();
    }

    private static List<DecisionRecord> readAll(CassandraDecisionLog log) {
        List<DecisionRecord> all = new ArrayList<>();
        log.records(1, 7).forEach(all::add);
        return all;
    }

    @Test
    void concurrentAppends_fromEightThreads_formOneVerifiableChain() throws Exception {
        CassandraDecisionLog log = log("dlog_concurrent");
        int threads = 8;
        int perThread = 25;
        long began = System.nanoTime();
        List<DecisionRecord> bySequence = appendConcurrently(log, threads, perThread);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        System.out.printf("decision log: %d appends from %d threads in %d ms%n", threads * perThread, threads, millis);

        int n = threads * perThread;
        assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), bySequence.stream().map(DecisionRecord::sequence).toList());
        List<DecisionRecord> read = readAll(log);
        assertEquals(bySequence, read, "the records read back must be exactly the records appended");
        ChainHead head = log.head();
        assertEquals(new ChainHead(n, bySequence.get(n - 1).hash()), head);

        ChainVerification verification = ChainVerifier.verify(log.records(1, 50), head);
        assertTrue(verification.intact(), () -> verification.firstBreak().toString());
        assertEquals(n, verification.recordsChecked());
        assertEquals(head, verification.lastGoodHead());

        // the same decision again is refused and leaves the chain as it was
        Decision again = decision(0);
        log.append(again, contextFor(again));
        IllegalStateException duplicate = assertThrows(IllegalStateException.class, () -> log.append(again, contextFor(again)));
        assertTrue(duplicate.getMessage().contains(again.id().toString()), duplicate::getMessage);
        assertEquals(n + 1, log.head().sequence());
    }

    @Test
    void appendsAcrossBuckets_formOneChain_readAcrossPartitions_andARestartedInstanceFindsTheHead() throws Exception {
        // buckets of 7 (the real size is 50,000): 40 concurrent appends fill buckets 0-4 and start bucket 5
        CassandraDecisionLog log = CassandraDecisionLog.open(session, "dlog_buckets", REPLICATION, EU_CENTRAL,
                CassandraDecisionLog.DEFAULT_MAX_ATTEMPTS, 7);
        int threads = 4;
        int perThread = 10;
        List<DecisionRecord> bySequence = appendConcurrently(log, threads, perThread);
        int n = threads * perThread;
        assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), sequences(bySequence));
        assertEquals(bySequence, readAll(log), "read back across buckets, pages of 7 not aligned with them");
        ChainHead head = log.head();
        assertEquals(new ChainHead(n, bySequence.get(n - 1).hash()), head);
        ChainVerification verification = ChainVerifier.verify(log.records(1, 5), head);
        assertTrue(verification.intact(), () -> verification.firstBreak().toString());
        assertEquals(n, verification.recordsChecked());

        // each bucket is its own partition: the region id for bucket 0 (the layout before buckets), region#b after it
        List<Long> rows = new ArrayList<>();
        for (String key : List.of("eu-central", "eu-central#1", "eu-central#2", "eu-central#3", "eu-central#4", "eu-central#5",
                "eu-central#6")) {
            rows.add(session.execute("SELECT count(*) FROM dlog_buckets.decision_log WHERE region = ?", key).one().getLong(0));
        }
        assertEquals(List.of(7L, 7L, 7L, 7L, 7L, 5L, 0L), rows);

        assertEquals(bySequence.subList(4, 19), log.read(5, 15), "a read that spans three buckets");
        assertEquals(List.of(), log.read(n + 1, 5));
        assertEquals(List.of(), log.read(500, 5));

        // a new instance (a restart, or another node of the region) finds the head in the last bucket and chains after it
        CassandraDecisionLog restarted = CassandraDecisionLog.open(session, "dlog_buckets", REPLICATION, EU_CENTRAL,
                CassandraDecisionLog.DEFAULT_MAX_ATTEMPTS, 7);
        assertEquals(head, restarted.head());
        Decision next = decision(n);
        DecisionRecord r = restarted.append(next, contextFor(next));
        assertEquals(n + 1, r.sequence());
        assertEquals(head.hash(), r.previousHash());
        // and the first instance, whose head is now stale, loses its race once and chains after that record
        Decision after = decision(n + 1);
        DecisionRecord s = log.append(after, contextFor(after));
        assertEquals(n + 2, s.sequence());
        assertEquals(r.hash(), s.previousHash());
        ChainVerification all = ChainVerifier.verify(log.records(1, 9), log.head());
        assertTrue(all.intact(), () -> all.firstBreak().toString());
        assertEquals(n + 2, all.recordsChecked());
    }

    @Test
    void aLogWrittenBeforeBuckets_longerThanTwoBuckets_isReadWhole_andAppendsContinueInTheBucketOfTheNextSequence() throws Exception {
        // 12 records in the one partition of the layout before buckets (here: the real bucket size, so all in bucket 0)
        List<DecisionRecord> before = appendAll(log("dlog_upgrade"), 12);
        // the same log under buckets of 4: records 5-12 lie in the range of buckets 1 and 2, in bucket 0's partition
        CassandraDecisionLog upgraded = CassandraDecisionLog.open(session, "dlog_upgrade", REPLICATION, EU_CENTRAL,
                CassandraDecisionLog.DEFAULT_MAX_ATTEMPTS, 4);
        assertEquals(before.get(11).asHead(), upgraded.head());
        Decision next = decision(12);
        DecisionRecord r = upgraded.append(next, contextFor(next));
        assertEquals(13, r.sequence());
        assertEquals(before.get(11).hash(), r.previousHash());
        assertEquals(1L, session.execute("SELECT count(*) FROM dlog_upgrade.decision_log WHERE region = 'eu-central#3'").one().getLong(0),
                "sequence 13 is in bucket 3, with buckets 1 and 2 empty");

        List<DecisionRecord> all = new ArrayList<>(before);
        all.add(r);
        assertEquals(all, readAll(upgraded));
        assertEquals(all, upgraded.read(1, 100), "one read: the old partition, then on past the empty buckets");
        assertEquals(all.subList(7, 13), upgraded.read(8, 100), "from inside bucket 1's range: the old rows, then the new one");
        assertEquals(all.subList(10, 12), upgraded.read(11, 2));
        // a new instance finds the head past the empty buckets
        CassandraDecisionLog another = CassandraDecisionLog.open(session, "dlog_upgrade", REPLICATION, EU_CENTRAL,
                CassandraDecisionLog.DEFAULT_MAX_ATTEMPTS, 4);
        assertEquals(r.asHead(), another.head());
        ChainVerification verification = ChainVerifier.verify(upgraded.records(1, 4), upgraded.head());
        assertTrue(verification.intact(), () -> verification.firstBreak().toString());
        assertEquals(13, verification.recordsChecked());
    }

    @Test
    void appendsThatLoseEveryRace_failClearly_andCanBeRetried() throws Exception {
        // two instances on one keyspace, as two processes of a region would be: within an instance appends are grouped
        // and never race, across instances they do
        CassandraDecisionLog first = CassandraDecisionLog.open(session, "dlog_one_attempt", REPLICATION, EU_CENTRAL, 1);
        CassandraDecisionLog second = CassandraDecisionLog.open(session, "dlog_one_attempt", REPLICATION, EU_CENTRAL, 1);
        int threads = 8;
        int perThread = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        ConcurrentLinkedQueue<Decision> failed = new ConcurrentLinkedQueue<>();
        AtomicInteger succeeded = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                CassandraDecisionLog log = t % 2 == 0 ? first : second;
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        Decision d = decision(thread * perThread + i);
                        try {
                            log.append(d, contextFor(d));
                            succeeded.incrementAndGet();
                        } catch (IllegalStateException e) {
                            assertTrue(e.getMessage().contains("lost the race for the next sequence number 1 times"), e::getMessage);
                            failed.add(d);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> w : workers) {
                w.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("decision log, one attempt: %d appended, %d lost their race%n", succeeded.get(), failed.size());
        assertEquals(threads * perThread, succeeded.get() + failed.size());
        assertEquals(succeeded.get(), first.head().sequence(), "a failed append must leave no record");

        // a failed append released its decision id: the caller can append that decision again
        CassandraDecisionLog patient = log("dlog_one_attempt");
        for (Decision d : failed) {
            patient.append(d, contextFor(d));
        }
        ChainVerification verification = ChainVerifier.verify(patient.records(1, 50), patient.head());
        assertTrue(verification.intact(), () -> verification.firstBreak().toString());
        assertEquals(threads * perThread, verification.recordsChecked());
    }

    @Test
    void aFieldEditedInCassandra_isNamedByTheVerifier() {
        CassandraDecisionLog log = log("dlog_tamper");
        appendAll(log, 10);
        ChainHead head = log.head();
        assertTrue(ChainVerifier.verify(log.records(1, 4), head).intact());

        session.execute("UPDATE dlog_tamper.decision_log SET released_cells = 999 WHERE region = 'eu-central' AND sequence = 4");

        ChainVerification verification = ChainVerifier.verify(log.records(1, 4), head);
        assertFalse(verification.intact());
        ChainVerification.Break broken = verification.firstBreak().orElseThrow();
        assertEquals(4, broken.sequence());
        assertEquals(ChainVerification.Kind.HASH_MISMATCH, broken.kind());
        assertTrue(broken.detail().contains("record 4 "), broken::detail);
        assertEquals(3, verification.lastGoodHead().sequence());
    }

    @Test
    void aRecordEditedAndRehashed_breaksTheNextLink() {
        CassandraDecisionLog log = log("dlog_rehash");
        appendAll(log, 10);
        ChainHead head = log.head();
        DecisionRecord original = log.read(6, 1).get(0);
        DecisionRecord forged = new DecisionRecord(original.formatVersion(), original.sequence(), original.decisionId(),
                original.time(), "someone-else", original.tenantId(), original.sourceRegion(),
                original.destinationJurisdiction(), original.destinationRegion(), original.categories(),
                original.policyRevision(), original.tenantPolicyFingerprint(), original.outcome(), original.ruleIds(),
                original.suppressedCounts(), original.releasedCells(), original.payloadHash(), original.previousHash(),
                original.hash());
        forged = forged.withHash(forged.computeHash());

        session.execute("UPDATE dlog_rehash.decision_log SET requester = 'someone-else', hash = '" + forged.hash()
                + "' WHERE region = 'eu-central' AND sequence = 6");

        ChainVerification verification = ChainVerifier.verify(log.records(1, 3), head);
        ChainVerification.Break broken = verification.firstBreak().orElseThrow();
        assertEquals(7, broken.sequence());
        assertEquals(ChainVerification.Kind.PREVIOUS_HASH_MISMATCH, broken.kind());
        assertTrue(broken.detail().contains("record 6 was altered"), broken::detail);
    }

    @Test
    void aDeletedRecord_isAGap_andADeletedTailIsTruncation() {
        CassandraDecisionLog log = log("dlog_delete");
        appendAll(log, 10);
        ChainHead head = log.head();

        session.execute("DELETE FROM dlog_delete.decision_log WHERE region = 'eu-central' AND sequence = 5");

        ChainVerification gap = ChainVerifier.verify(log.records(1, 3), head);
        ChainVerification.Break broken = gap.firstBreak().orElseThrow();
        assertEquals(5, broken.sequence());
        assertEquals(ChainVerification.Kind.SEQUENCE_GAP, broken.kind());
        assertTrue(broken.detail().contains("record 5 is missing"), broken::detail);

        // the last record deleted: only the head an auditor kept shows it
        CassandraDecisionLog tail = log("dlog_delete_tail");
        appendAll(tail, 10);
        ChainHead kept = tail.head();
        session.execute("DELETE FROM dlog_delete_tail.decision_log WHERE region = 'eu-central' AND sequence = 10");

        assertTrue(ChainVerifier.verify(tail.records(1, 3)).intact(), "without a kept head a cut tail looks whole");
        ChainVerification truncated = ChainVerifier.verify(tail.records(1, 3), kept);
        assertEquals(ChainVerification.Kind.TRUNCATED, truncated.firstBreak().orElseThrow().kind());
        assertEquals(10, truncated.firstBreak().orElseThrow().sequence());
    }

    @Test
    void read_pagesInSequenceOrder_andRefusesBadArguments() {
        CassandraDecisionLog log = log("dlog_paging");
        assertEquals(ChainHead.GENESIS, log.head());
        assertEquals(List.of(), log.read(1, 10));
        assertFalse(log.records(1, 3).iterator().hasNext());

        List<DecisionRecord> appended = appendAll(log, 7);

        assertEquals(List.of(1L, 2L, 3L), sequences(log.read(1, 3)));
        assertEquals(List.of(4L, 5L, 6L), sequences(log.read(4, 3)));
        assertEquals(List.of(7L), sequences(log.read(7, 3)));
        assertEquals(List.of(), log.read(8, 3));
        assertEquals(appended, log.read(1, 100));
        List<DecisionRecord> paged = new ArrayList<>();
        log.records(1, 2).forEach(paged::add);
        assertEquals(appended, paged);
        // a record with a named destination region and one without both come back exactly
        assertEquals(Optional.of(US_EAST), log.read(3, 1).get(0).destinationRegion());
        assertEquals(Optional.empty(), log.read(2, 1).get(0).destinationRegion());

        assertThrows(IllegalArgumentException.class, () -> log.read(0, 1));
        assertThrows(IllegalArgumentException.class, () -> log.read(1, 0));
        assertThrows(IllegalArgumentException.class, () -> log.records(1, 0));
    }

    @Test
    void badAppends_areRefused_withoutClaimingTheDecision() {
        CassandraDecisionLog log = log("dlog_refusals");
        Decision other = ENGINE.decide(TransferRequest.builder().source(US_EAST).destination(EU).requester("svc")
                .tenant(TENANT).category(DataCategory.TELEMETRY).build(), OPEN);
        IllegalArgumentException wrongRegion = assertThrows(IllegalArgumentException.class,
                () -> log.append(other, AppendContext.nothingReleased()));
        assertTrue(wrongRegion.getMessage().contains("us-east"), wrongRegion::getMessage);

        Decision deny = decision(3);
        assertEquals(Outcome.DENY, deny.outcome());
        assertThrows(IllegalArgumentException.class, () -> log.append(deny, AppendContext.released(PAYLOAD_HASH)));
        assertEquals(1, log.append(deny, AppendContext.nothingReleased()).sequence());

        assertThrows(IllegalArgumentException.class, () -> CassandraDecisionLog.open(session, "x; DROP KEYSPACE y", REPLICATION, EU_CENTRAL));
        assertThrows(IllegalArgumentException.class, () -> CassandraDecisionLog.open(session, "dlog_refusals", REPLICATION, EU_CENTRAL, 0));
    }

    private static List<Long> sequences(List<DecisionRecord> records) {
        return records.stream().map(DecisionRecord::sequence).toList();
    }
}
