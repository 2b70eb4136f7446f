package io.meridian.gateway.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
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
 * The transfer ledger against the eu-central region's real Cassandra: concurrent appends of one instance stay one
 * gap-free chain, two instances on one keyspace get a chain each and both verify, a ledger of the single-chain format
 * before keeps verifying, and rows edited or deleted behind the ledger's back are named by {@link TransferLedger#verify()}.
 * Each test has its own keyspace, so each starts from an empty ledger.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = "eu-central")
class CassandraTransferLedgerIT {

    private static final String LEDGER = "eu-central";
    /** The chain the first instance on an empty keyspace claims. */
    private static final String CHAIN1 = LEDGER + ".1";
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

    private static LedgerVerification intact(String chain, long n) {
        return new LedgerVerification(true, n, n, Optional.empty(), List.of(new LedgerVerification.Chain(chain, true, n, n, Optional.empty())));
    }

    /** {@code n} appends of records 0 to n-1 from 8 threads at once; the entries each append returned, in submission order. */
    private static List<LedgerEntry> appendConcurrently(TransferLedger ledger, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<LedgerEntry>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit(() -> ledger.append(record(k))));
            }
            List<LedgerEntry> entries = new ArrayList<>();
            for (Future<LedgerEntry> f : futures) {
                entries.add(f.get(120, TimeUnit.SECONDS));
            }
            return entries;
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
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
        long started = System.nanoTime();
        List<LedgerEntry> appended = appendConcurrently(ledger, n);
        assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), appended.stream().map(LedgerEntry::sequence).sorted().toList());
        System.out.printf("%d appends from 8 threads took %d ms%n", n, (System.nanoTime() - started) / 1_000_000);
        // what was read back is what each append returned (the time truncated to what Cassandra stores)
        List<LedgerEntry> all = new ArrayList<>();
        for (long from = 1; from <= n; from += 100) {
            all.addAll(ledger.read(from, 100));
        }
        assertEquals(n, all.size());
        for (LedgerEntry e : appended) {
            assertEquals(CHAIN1, e.chain());
            assertEquals(e, all.get((int) e.sequence() - 1));
        }
        assertEquals(intact(CHAIN1, n), ledger.verify());
    }

    @Test
    void twoInstancesOnOneKeyspace_appendingAtOnce_eachGetItsOwnChain_andBothVerify() throws Exception {
        // two gateway instances of one region: same keyspace, same ledger name, appending concurrently from 4 threads each
        CassandraTransferLedger a = ledger("gw_ledger_two", 11);
        CassandraTransferLedger b = ledger("gw_ledger_two", 11);
        int perInstance = 60;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<LedgerEntry>> ofA = new ArrayList<>();
        List<Future<LedgerEntry>> ofB = new ArrayList<>();
        try {
            for (int i = 0; i < perInstance; i++) {
                int k = i;
                ofA.add(pool.submit(() -> a.append(record(k))));
                ofB.add(pool.submit(() -> b.append(record(1000 + k))));
            }
            List<LedgerEntry> entriesA = new ArrayList<>();
            List<LedgerEntry> entriesB = new ArrayList<>();
            for (int i = 0; i < perInstance; i++) {
                entriesA.add(ofA.get(i).get(120, TimeUnit.SECONDS));
                entriesB.add(ofB.get(i).get(120, TimeUnit.SECONDS));
            }
            String chainA = entriesA.get(0).chain();
            String chainB = entriesB.get(0).chain();
            assertNotEquals(chainA, chainB, "two instances must never share a chain");
            assertEquals(Set.of(CHAIN1, LEDGER + ".2"), Set.of(chainA, chainB));
            for (List<LedgerEntry> mine : List.of(entriesA, entriesB)) {
                String chain = mine.get(0).chain();
                assertTrue(mine.stream().allMatch(e -> e.chain().equals(chain)), "an instance writes only its own chain");
                assertEquals(LongStream.rangeClosed(1, perInstance).boxed().toList(), mine.stream().map(LedgerEntry::sequence).sorted().toList());
            }
            // both chains verify, each on its own, and the ledger reads them in its stable order: chain 1, then chain 2
            LedgerVerification v = a.verify();
            assertEquals(new LedgerVerification(true, 2L * perInstance, perInstance, Optional.empty(),
                    List.of(new LedgerVerification.Chain(CHAIN1, true, perInstance, perInstance, Optional.empty()),
                            new LedgerVerification.Chain(LEDGER + ".2", true, perInstance, perInstance, Optional.empty()))), v);
            assertEquals(v, b.verify());
            List<LedgerEntry> all = a.read(1, 1000);
            assertEquals(2 * perInstance, all.size());
            List<LedgerEntry> expected = new ArrayList<>(chainA.equals(CHAIN1) ? entriesA : entriesB);
            expected.sort(Comparator.comparingLong(LedgerEntry::sequence));
            List<LedgerEntry> second = new ArrayList<>(chainA.equals(CHAIN1) ? entriesB : entriesA);
            second.sort(Comparator.comparingLong(LedgerEntry::sequence));
            expected.addAll(second);
            assertEquals(expected, all);
            // positions run on across the chains
            assertEquals(List.of(expected.get(perInstance - 1), expected.get(perInstance)), b.read(perInstance, 2));
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void appendAll_storesOneCallersRecordsConsecutively_inOneChain() {
        CassandraTransferLedger ledger = ledger("gw_ledger_all", 500);
        ledger.append(record(0));
        List<LedgerEntry> three = ledger.appendAll(List.of(record(1), record(2), record(3)));
        assertEquals(List.of(2L, 3L, 4L), three.stream().map(LedgerEntry::sequence).toList());
        assertEquals(three.get(0).hash(), three.get(1).previousHash());
        assertEquals(three, ledger.read(2, 3));
        assertEquals(intact(CHAIN1, 4), ledger.verify());
        assertThrows(IllegalArgumentException.class, () -> ledger.appendAll(List.of()));
        List<TransferRecord> tooMany = new ArrayList<>();
        for (int i = 0; i <= CassandraTransferLedger.MAX_BATCH; i++) {
            tooMany.add(record(i));
        }
        assertThrows(IllegalArgumentException.class, () -> ledger.appendAll(tooMany));
    }

    @Test
    void aSingleChainLedgerOfBefore_keepsVerifying_comesFirst_andIsNeverWrittenAgain() {
        // the ledger as the single-chain gateway left it: partition = the region id, format version 1
        CassandraTransferLedger.open(session, "gw_ledger_migrated", CassandraTransferLedger.localReplication(datacenter), LEDGER);
        String previous = LedgerEncoding.GENESIS;
        List<LedgerEntry> old = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            TransferRecord r = withMillis(record(i));
            String hash = LedgerEncoding.hash(LedgerEncoding.SINGLE_CHAIN_VERSION, LEDGER, i, r, previous);
            old.add(new LedgerEntry(LEDGER, i, r, previous, hash));
            session.execute("INSERT INTO gw_ledger_migrated.transfer_ledger (ledger, sequence, format_version, kind, tenant, source_region,"
                    + " source_jurisdiction, destination, source_decision_id, source_decision_sequence, payload_hash, cells, bytes, at,"
                    + " export_id, sink, previous_hash, hash) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    LEDGER, (long) i, r.kind().name(), r.tenant(), r.sourceRegion().value(), r.sourceJurisdiction().code(), r.destination().code(),
                    r.sourceDecisionId(), r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes(), r.at(), r.exportId().orElse(null),
                    r.sink().orElse(null), previous, hash);
            previous = hash;
        }
        CassandraTransferLedger ledger = ledger("gw_ledger_migrated", 4);
        assertEquals(intact(LEDGER, 6), ledger.verify());
        appendSequentially(ledger, 3);
        assertEquals(new LedgerVerification(true, 9, 3, Optional.empty(), List.of(new LedgerVerification.Chain(LEDGER, true, 6, 6, Optional.empty()),
                new LedgerVerification.Chain(CHAIN1, true, 3, 3, Optional.empty()))), ledger.verify());
        List<LedgerEntry> all = ledger.read(1, 100);
        assertEquals(old, all.subList(0, 6));
        assertEquals(List.of(CHAIN1, CHAIN1, CHAIN1), all.subList(6, 9).stream().map(LedgerEntry::chain).toList());
        assertEquals(List.of(1L, 2L, 3L), all.subList(6, 9).stream().map(LedgerEntry::sequence).toList());
        // an edit in the old chain is still found, and named in that chain
        session.execute("UPDATE gw_ledger_migrated.transfer_ledger SET bytes = 1 WHERE ledger = ? AND sequence = 4", LEDGER);
        LedgerVerification v = ledger.verify();
        assertFalse(v.intact());
        assertEquals(new LedgerVerification.Break(LEDGER, 4, "HASH_MISMATCH", v.firstBreak().orElseThrow().detail()), v.firstBreak().orElseThrow());
        assertTrue(v.chains().get(1).intact());
    }

    private CassandraTransferLedger limited(String keyspace, long chainLimit) {
        return CassandraTransferLedger.open(session, keyspace, CassandraTransferLedger.localReplication(datacenter), LEDGER,
                CassandraTransferLedger.DEFAULT_MAX_ATTEMPTS, 3, chainLimit);
    }

    /** The head each chain's writer kept when it closed it, by chain name; chains without one are left out. */
    private Map<String, String> keptHeads(String keyspace) {
        Map<String, String> heads = new TreeMap<>();
        for (Row r : session.execute("SELECT chain, closed_sequence, closed_hash FROM " + keyspace + ".transfer_ledger_chains WHERE ledger = ?", LEDGER)) {
            if (r.getString("closed_hash") != null) {
                heads.put(LEDGER + "." + r.getInt("chain"), r.getLong("closed_sequence") + ":" + r.getString("closed_hash"));
            }
        }
        return heads;
    }

    @Test
    void aChainAtItsLimit_isClosedWithItsHeadKept_andTheLedgerReadsOnInTheNext() {
        CassandraTransferLedger ledger = limited("gw_ledger_limit", 5);
        List<LedgerEntry> appended = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            appended.add(ledger.append(record(i)));
        }
        // three records fit chain 3 (entries 3-5); the next record does not, so chain 3 closes full and chain 4 begins
        appended.addAll(ledger.appendAll(List.of(record(12), record(13), record(14))));
        appended.add(ledger.append(record(15)));
        List<String> chains = appended.stream().map(e -> e.chain() + "/" + e.sequence()).toList();
        List<String> expected = new ArrayList<>();
        for (int c = 1; c <= 3; c++) {
            for (int q = 1; q <= 5; q++) {
                expected.add(LEDGER + "." + c + "/" + q);
            }
        }
        expected.add(LEDGER + ".4/1");
        assertEquals(expected, chains);
        assertEquals(Map.of(LEDGER + ".1", "5:" + appended.get(4).hash(), LEDGER + ".2", "5:" + appended.get(9).hash(),
                LEDGER + ".3", "5:" + appended.get(14).hash()), keptHeads("gw_ledger_limit"));
        assertEquals(appended, ledger.read(1, 100));
        assertEquals(appended.subList(4, 7), ledger.read(5, 3));
        LedgerVerification v = ledger.verify();
        assertTrue(v.intact(), v::toString);
        assertEquals(16, v.entriesChecked());

        // a caller's records are never split: chain 4 holds one entry, so it has room for four, and five records of one
        // caller close it early and go whole into chain 5
        List<LedgerEntry> five = ledger.appendAll(List.of(record(16), record(17), record(18), record(19), record(20)));
        assertEquals(List.of(LEDGER + ".5"), five.stream().map(LedgerEntry::chain).distinct().toList());
        assertEquals("1:" + appended.get(15).hash(), keptHeads("gw_ledger_limit").get(LEDGER + ".4"));
        assertTrue(ledger.verify().intact());

        // behind the ledger's back: the last entry of closed chain 2 deleted, the last entry of chain 3 replaced by one that
        // links and hashes correctly, and an entry chained on after chain 1's close; each is found only through the kept heads
        session.execute("DELETE FROM gw_ledger_limit.transfer_ledger WHERE ledger = ? AND sequence = 5", LEDGER + ".2");
        LedgerEntry fourth = appended.get(13);
        forge("gw_ledger_limit", LEDGER + ".3", 5, record(77), fourth.hash());
        forge("gw_ledger_limit", LEDGER + ".1", 6, record(78), appended.get(4).hash());
        LedgerVerification broken = ledger.verify();
        assertFalse(broken.intact());
        assertEquals(new LedgerVerification.Break(LEDGER + ".1", 6, "ENTRY_AFTER_CLOSE", "entry 6 follows entry 5, at which the chain was closed"),
                broken.firstBreak().orElseThrow());
        assertEquals(5, broken.lastGood());
        assertEquals(List.of("ENTRY_AFTER_CLOSE", "TRUNCATED", "CLOSING_HASH_MISMATCH"), broken.chains().subList(0, 3).stream()
                .map(c -> c.firstBreak().orElseThrow().kind()).toList());
        assertEquals(5, broken.chains().get(1).firstBreak().orElseThrow().sequence());
        assertTrue(broken.chains().get(3).intact());
        assertTrue(broken.chains().get(4).intact());

        // a closed chain deleted whole (partition and all) is a truncation at its first entry
        session.execute("DELETE FROM gw_ledger_limit.transfer_ledger WHERE ledger = ?", LEDGER + ".4");
        assertEquals(new LedgerVerification.Break(LEDGER + ".4", 1, "TRUNCATED",
                "entry 1 is missing: the chain was closed at entry 1 but its entries end at 0"), ledger.verify().chains().get(3).firstBreak().orElseThrow());
    }

    /** Writes an entry that links to {@code previousHash} and hashes correctly, as someone with write access to Cassandra could. */
    private void forge(String keyspace, String chain, long sequence, TransferRecord record, String previousHash) {
        TransferRecord r = withMillis(record);
        String hash = LedgerEncoding.hash(LedgerEncoding.FORMAT_VERSION, chain, sequence, r, previousHash);
        session.execute("INSERT INTO " + keyspace + ".transfer_ledger (ledger, sequence, format_version, kind, tenant, source_region,"
                + " source_jurisdiction, destination, source_decision_id, source_decision_sequence, payload_hash, cells, bytes, at,"
                + " export_id, sink, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                chain, sequence, LedgerEncoding.FORMAT_VERSION, r.kind().name(), r.tenant(), r.sourceRegion().value(), r.sourceJurisdiction().code(),
                r.destination().code(), r.sourceDecisionId(), r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes(), r.at(),
                r.exportId().orElse(null), r.sink().orElse(null), previousHash, hash);
    }

    @Test
    void concurrentAppends_underALimit_fillChainsToTheLimitAtMost_andEveryClosedChainKeepsItsHead() throws Exception {
        CassandraTransferLedger ledger = limited("gw_ledger_limit_concurrent", 7);
        int n = 60;
        List<LedgerEntry> entries = appendConcurrently(ledger, n);
        Map<String, List<Long>> byChain = new TreeMap<>();
        entries.forEach(e -> byChain.computeIfAbsent(e.chain(), c -> new ArrayList<>()).add(e.sequence()));
        byChain.values().forEach(q -> q.sort(Long::compare));
        for (Map.Entry<String, List<Long>> c : byChain.entrySet()) {
            assertTrue(c.getValue().size() <= 7, c.toString());
            assertEquals(LongStream.rangeClosed(1, c.getValue().size()).boxed().toList(), c.getValue(), c.getKey());
        }
        // every chain but the last was closed, at its last entry, and the last too when it is full
        Map<String, String> kept = keptHeads("gw_ledger_limit_concurrent");
        List<String> names = ledger.chains();
        String lastChain = names.get(names.size() - 1);
        Set<String> closed = new java.util.HashSet<>(names.subList(0, names.size() - 1));
        if (byChain.get(lastChain).size() == 7) {
            closed.add(lastChain);
        }
        assertEquals(closed, kept.keySet(), kept.toString());
        for (String chain : kept.keySet()) {
            LedgerEntry last = entries.stream().filter(e -> e.chain().equals(chain)).max(Comparator.comparingLong(LedgerEntry::sequence))
                    .orElseThrow();
            assertEquals(last.sequence() + ":" + last.hash(), kept.get(chain));
        }
        LedgerVerification v = ledger.verify();
        assertTrue(v.intact(), v::toString);
        assertEquals(n, v.entriesChecked());
        assertEquals(n, ledger.read(1, 1000).size());
    }

    @Test
    void aFullChainIsClosedAtOnce_andClosingTheLedgerKeepsTheHeadOfItsChain_andRefusesMoreAppends() {
        CassandraTransferLedger ledger = limited("gw_ledger_close", 3);
        List<LedgerEntry> entries = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            entries.add(ledger.append(record(i)));
        }
        // chain 1 filled with its third entry and was closed then, before anything came after it
        assertEquals(Map.of(LEDGER + ".1", "3:" + entries.get(2).hash()), keptHeads("gw_ledger_close"));
        ledger.close();
        assertEquals(Map.of(LEDGER + ".1", "3:" + entries.get(2).hash(), LEDGER + ".2", "2:" + entries.get(4).hash()),
                keptHeads("gw_ledger_close"));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ledger.append(record(5)));
        assertEquals("transfer ledger " + LEDGER + " was closed; nothing more is appended", refused.getMessage());
        // a deleted tail of the chain the stop closed is now found
        session.execute("DELETE FROM gw_ledger_close.transfer_ledger WHERE ledger = ? AND sequence = 2", LEDGER + ".2");
        LedgerVerification v = limited("gw_ledger_close", 3).verify();
        assertEquals(new LedgerVerification.Break(LEDGER + ".2", 2, "TRUNCATED",
                "entry 2 is missing: the chain was closed at entry 2 but its entries end at 1"), v.firstBreak().orElseThrow());
    }

    @Test
    void aChainsTableOfBeforeTheLimit_getsTheClosingColumns_andOpeningTwiceIsHarmless() {
        session.execute("CREATE KEYSPACE IF NOT EXISTS gw_ledger_old_chains WITH replication = {'class': 'NetworkTopologyStrategy', '"
                + datacenter + "': 1}");
        CassandraTransferLedger.schema(session, "CREATE TABLE IF NOT EXISTS gw_ledger_old_chains.transfer_ledger_chains ("
                + " ledger text, chain int, claim uuid, claimed_by text, claimed_at timestamp,"
                + " PRIMARY KEY ((ledger), chain)) WITH CLUSTERING ORDER BY (chain ASC)");
        CassandraTransferLedger first = limited("gw_ledger_old_chains", 2);
        CassandraTransferLedger again = limited("gw_ledger_old_chains", 2);
        appendSequentially(first, 3);
        assertEquals(Set.of(LEDGER + ".1"), keptHeads("gw_ledger_old_chains").keySet());
        assertTrue(again.verify().intact());
        assertEquals(3, again.verify().entriesChecked());
    }

    private static TransferRecord withMillis(TransferRecord r) {
        return new TransferRecord(r.kind(), r.tenant(), r.sourceRegion(), r.sourceJurisdiction(), r.destination(), r.sourceDecisionId(),
                r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes(), LedgerEncoding.storable(r.at()), r.exportId(), r.sink());
    }

    @Test
    void anEditedColumn_isAHashMismatch_atThatEntry() {
        CassandraTransferLedger ledger = ledger("gw_ledger_edited", 4);
        appendSequentially(ledger, 12);
        session.execute("UPDATE gw_ledger_edited.transfer_ledger SET cells = 999 WHERE ledger = ? AND sequence = 7", CHAIN1);
        LedgerVerification v = ledger.verify();
        assertFalse(v.intact());
        assertEquals(6, v.lastGood());
        LedgerVerification.Break b = v.firstBreak().orElseThrow();
        assertEquals(7, b.sequence());
        assertEquals(CHAIN1, b.chain());
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
        String rehashed = LedgerEncoding.hash(LedgerEncoding.FORMAT_VERSION, CHAIN1, 5, forged, original.previousHash());
        session.execute("UPDATE gw_ledger_rehashed.transfer_ledger SET cells = ?, hash = ? WHERE ledger = ? AND sequence = 5",
                forged.cells(), rehashed, CHAIN1);
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
        session.execute("DELETE FROM gw_ledger_deleted.transfer_ledger WHERE ledger = ? AND sequence = 4", CHAIN1);
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
        session.execute("UPDATE gw_ledger_garbled.transfer_ledger SET kind = 'STOLEN' WHERE ledger = ? AND sequence = 2", CHAIN1);
        LedgerVerification.Break b = ledger.verify().firstBreak().orElseThrow();
        assertEquals(2, b.sequence());
        assertEquals("UNREADABLE", b.kind(), b.detail());
        assertThrows(IllegalStateException.class, () -> ledger.read(1, 10));
    }

    @Test
    void paging_readsInOrder_andVerifyWalksEveryPage() {
        CassandraTransferLedger ledger = ledger("gw_ledger_paging", 7);
        assertEquals(new LedgerVerification(true, 0, 0, Optional.empty(), List.of()), ledger.verify());
        assertTrue(ledger.read(1, 10).isEmpty());
        appendSequentially(ledger, 30);
        List<LedgerEntry> page = ledger.read(11, 8);
        assertEquals(LongStream.rangeClosed(11, 18).boxed().toList(), page.stream().map(LedgerEntry::sequence).toList());
        assertEquals(page.get(0).hash(), page.get(1).previousHash());
        assertEquals(record(10), withUntruncatedTime(page.get(0).record(), record(10)));
        assertEquals(List.of(29L, 30L), ledger.read(29, 100).stream().map(LedgerEntry::sequence).toList());
        assertTrue(ledger.read(31, 5).isEmpty());
        assertEquals(intact(CHAIN1, 30), ledger.verify());
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
