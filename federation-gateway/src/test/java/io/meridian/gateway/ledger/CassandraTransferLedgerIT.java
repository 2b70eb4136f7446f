package io.meridian.gateway.ledger;

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
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The transfer ledger against the eu-central region's real Cassandra: concurrent appends stay one gap-free chain, and
 * rows edited or deleted behind the ledger's back are named by {@link TransferLedger#verify()}. Each test has its own
 * keyspace, so each starts from an empty ledger.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = "eu-central")
class CassandraTransferLedgerIT {

    private static final String LEDGER = "eu-central";
    private CqlSession session;
    private String datacenter;

    @BeforeAll
    void connect(Federation federation) {
        CassandraService cassandra = federation.cassandra("eu-central");
        datacenter = cassandra.localDatacenter();
        session = CqlSession.builder().addContactPoint(cassandra.cqlAddress()).withLocalDatacenter(datacenter)
                // the machine is shared with other builds: a query may take longer than the driver's default 2 s
                .withConfigLoader(DriverConfigLoader.programmaticBuilder().withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                        .build())
                .build();
    }

    @AfterAll
    void close() {
        if (session != null) {
            session.close();
        }
    }

    private CassandraTransferLedger ledger(String keyspace, int verifyPage) {
        return CassandraTransferLedger.open(session, keyspace, CassandraTransferLedger.localReplication(datacenter), LEDGER,
                CassandraTransferLedger.DEFAULT_MAX_ATTEMPTS, verifyPage);
    }

    /** Received and exported records in turn, of different tenants and regions. */
    static TransferRecord record(int i) {
        boolean exported = i % 3 == 0;
        return new TransferRecord(exported ? TransferRecord.Kind.EXPORTED : TransferRecord.Kind.RECEIVED, "tenant-" + (i % 4),
                i % 2 == 0 ? RegionId.of("us-east") : RegionId.of("uk-south"), i % 2 == 0 ? Jurisdiction.of("US") : Jurisdiction.of("GB"),
                Jurisdiction.of("EU"), UUID.nameUUIDFromBytes(("decision-" + i).getBytes()), 1 + i, String.format("%064x", 1000L + i), i % 7,
                100L * i, Instant.parse("2026-11-24T10:00:00.123456789Z").plusSeconds(i),
                exported ? Optional.of(UUID.nameUUIDFromBytes(("export-" + i).getBytes())) : Optional.empty(),
                exported ? Optional.of("s3://bucket/prefix/tenant/" + i + ".json") : Optional.empty());
    }

    private static void appendSequentially(TransferLedger ledger, int n) {
        for (int i = 0; i < n; i++) {
            ledger.append(record(i));
        }
    }

    @Test
    void concurrentAppends_from8Threads_numberOneToNWithoutGaps_andVerifyIntact() throws Exception {
        CassandraTransferLedger ledger = ledger("gw_ledger_concurrent", 37);
        int n = 160;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<LedgerEntry>> appended = new ArrayList<>();
        long started = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                int k = i;
                appended.add(pool.submit(() -> ledger.append(record(k))));
            }
            List<Long> sequences = new ArrayList<>();
            for (Future<LedgerEntry> f : appended) {
                sequences.add(f.get(120, TimeUnit.SECONDS).sequence());
            }
            sequences.sort(Long::compare);
            assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), sequences);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        System.out.printf("%d appends from 8 threads took %d ms%n", n, (System.nanoTime() - started) / 1_000_000);
        // what was read back is what each append returned (the time truncated to what Cassandra stores)
        List<LedgerEntry> all = new ArrayList<>();
        for (long from = 1; from <= n; from += 100) {
            all.addAll(ledger.read(from, 100));
        }
        assertEquals(n, all.size());
        for (Future<LedgerEntry> f : appended) {
            LedgerEntry e = f.get();
            assertEquals(e, all.get((int) e.sequence() - 1));
        }
        assertEquals(new LedgerVerification(true, n, n, Optional.empty()), ledger.verify());
    }

    @Test
    void anEditedColumn_isAHashMismatch_atThatEntry() {
        CassandraTransferLedger ledger = ledger("gw_ledger_edited", 4);
        appendSequentially(ledger, 12);
        session.execute("UPDATE gw_ledger_edited.transfer_ledger SET cells = 999 WHERE ledger = ? AND sequence = 7", LEDGER);
        LedgerVerification v = ledger.verify();
        assertFalse(v.intact());
        assertEquals(6, v.lastGood());
        LedgerVerification.Break b = v.firstBreak().orElseThrow();
        assertEquals(7, b.sequence());
        assertEquals("HASH_MISMATCH", b.kind(), b.detail());
    }

    @Test
    void anEditedAndRehashedEntry_isAPreviousHashMismatch_atTheNext() {
        CassandraTransferLedger ledger = ledger("gw_ledger_rehashed", 5);
        appendSequentially(ledger, 12);
        LedgerEntry original = ledger.read(5, 1).get(0);
        TransferRecord r = original.record();
        TransferRecord forged = new TransferRecord(r.kind(), r.tenant(), r.sourceRegion(), r.sourceJurisdiction(), r.destination(),
                r.sourceDecisionId(), r.sourceDecisionSequence(), r.payloadHash(), r.cells() + 1, r.bytes(), r.at(), r.exportId(), r.sink());
        String rehashed = LedgerEncoding.hash(LedgerEncoding.FORMAT_VERSION, 5, forged, original.previousHash());
        session.execute("UPDATE gw_ledger_rehashed.transfer_ledger SET cells = ?, hash = ? WHERE ledger = ? AND sequence = 5",
                forged.cells(), rehashed, LEDGER);
        LedgerVerification v = ledger.verify();
        assertEquals(5, v.lastGood(), v.toString());
        LedgerVerification.Break b = v.firstBreak().orElseThrow();
        assertEquals(6, b.sequence());
        assertEquals("PREVIOUS_HASH_MISMATCH", b.kind(), b.detail());
    }

    @Test
    void aDeletedRow_isASequenceGap_namingTheMissingEntry() {
        CassandraTransferLedger ledger = ledger("gw_ledger_deleted", 3);
        appendSequentially(ledger, 10);
        session.execute("DELETE FROM gw_ledger_deleted.transfer_ledger WHERE ledger = ? AND sequence = 4", LEDGER);
        LedgerVerification v = ledger.verify();
        assertEquals(3, v.lastGood());
        LedgerVerification.Break b = v.firstBreak().orElseThrow();
        assertEquals(4, b.sequence());
        assertEquals("SEQUENCE_GAP", b.kind(), b.detail());
    }

    @Test
    void aRowEditedBeyondItsFormat_isUnreadable_notACrash() {
        CassandraTransferLedger ledger = ledger("gw_ledger_garbled", 500);
        appendSequentially(ledger, 3);
        session.execute("UPDATE gw_ledger_garbled.transfer_ledger SET kind = 'STOLEN' WHERE ledger = ? AND sequence = 2", LEDGER);
        LedgerVerification.Break b = ledger.verify().firstBreak().orElseThrow();
        assertEquals(2, b.sequence());
        assertEquals("UNREADABLE", b.kind(), b.detail());
        assertThrows(IllegalStateException.class, () -> ledger.read(1, 10));
    }

    @Test
    void paging_readsInOrder_andVerifyWalksEveryPage() {
        CassandraTransferLedger ledger = ledger("gw_ledger_paging", 7);
        assertEquals(new LedgerVerification(true, 0, 0, Optional.empty()), ledger.verify());
        assertTrue(ledger.read(1, 10).isEmpty());
        appendSequentially(ledger, 30);
        List<LedgerEntry> page = ledger.read(11, 8);
        assertEquals(LongStream.rangeClosed(11, 18).boxed().toList(), page.stream().map(LedgerEntry::sequence).toList());
        assertEquals(page.get(0).hash(), page.get(1).previousHash());
        assertEquals(record(10), withUntruncatedTime(page.get(0).record(), record(10)));
        assertEquals(List.of(29L, 30L), ledger.read(29, 100).stream().map(LedgerEntry::sequence).toList());
        assertTrue(ledger.read(31, 5).isEmpty());
        assertEquals(new LedgerVerification(true, 30, 30, Optional.empty()), ledger.verify());
        assertThrows(IllegalArgumentException.class, () -> ledger.read(0, 5));
        assertThrows(IllegalArgumentException.class, () -> ledger.read(1, 0));
        assertThrows(IllegalArgumentException.class, () -> ledger.read(1, CassandraTransferLedger.MAX_READ + 1));
    }

    /** The stored record, with the original's nanoseconds: Cassandra keeps milliseconds, everything else must be equal. */
    private static TransferRecord withUntruncatedTime(TransferRecord stored, TransferRecord original) {
        assertEquals(original.at().toEpochMilli(), stored.at().toEpochMilli());
        return new TransferRecord(stored.kind(), stored.tenant(), stored.sourceRegion(), stored.sourceJurisdiction(), stored.destination(),
                stored.sourceDecisionId(), stored.sourceDecisionSequence(), stored.payloadHash(), stored.cells(), stored.bytes(), original.at(),
                stored.exportId(), stored.sink());
    }
}
