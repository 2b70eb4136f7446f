package io.meridian.policy;

import static io.meridian.policy.Requests.ENGINE;
import static io.meridian.policy.Requests.TENANT;
import static io.meridian.policy.Requests.aggregate;
import static io.meridian.policy.Requests.toJurisdiction;
import static io.meridian.policy.model.TestRules.EU_CENTRAL;
import static io.meridian.policy.model.TestRules.US;
import static io.meridian.policy.model.TestRules.US_EAST;
import static io.meridian.policy.model.TestRules.ZA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.policy.TransferRequest.Cell;
import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.TenantResidencyPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DecisionLogTest {

    static final TenantResidencyPolicy OPEN = TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(),
            ExportPolicy.none().allowingWithSccs(US).withAllowedLabels("site"));
    static final String PAYLOAD_HASH = "ab".repeat(32);

    static Decision partial() {
        return ENGINE.decide(aggregate(EU_CENTRAL, US,
                Cell.of("site=berlin", 40, Duration.ofHours(1), Map.of("site", "berlin")),
                Cell.of("site=potsdam", 2, Duration.ofHours(1), Map.of("site", "potsdam"))), OPEN);
    }

    /** A log of {@code n} decisions of alternating kinds. */
    static DecisionLog logOf(int n) {
        DecisionLog log = DecisionLog.inMemory(EU_CENTRAL);
        for (int i = 0; i < n; i++) {
            Decision d = i % 2 == 0 ? partial() : ENGINE.decide(toJurisdiction(DataCategory.TELEMETRY, EU_CENTRAL, US), OPEN);
            log.append(d, d.permits() ? AppendContext.released(PAYLOAD_HASH) : AppendContext.nothingReleased());
        }
        return log;
    }

    @Test
    void emptyLog_hasTheGenesisHead() {
        DecisionLog log = DecisionLog.inMemory(EU_CENTRAL);

        assertEquals(ChainHead.GENESIS, log.head());
        assertEquals(List.of(), log.read(1, 10));
    }

    @Test
    void appends_formAChainFromGenesis_numberedFromOne() {
        DecisionLog log = logOf(3);
        List<DecisionRecord> records = log.read(1, 10);

        assertEquals(List.of(1L, 2L, 3L), records.stream().map(DecisionRecord::sequence).toList());
        assertEquals(ChainHead.GENESIS.hash(), records.get(0).previousHash());
        assertEquals(records.get(0).hash(), records.get(1).previousHash());
        assertEquals(records.get(1).hash(), records.get(2).previousHash());
        assertEquals(records.get(2).asHead(), log.head());
        assertTrue(records.stream().allMatch(DecisionRecord::isSelfConsistent));
    }

    @Test
    void record_summarisesTheDecision() {
        Decision d = partial();
        DecisionRecord r = DecisionLog.inMemory(EU_CENTRAL).append(d, AppendContext.released(PAYLOAD_HASH));

        assertEquals(DecisionRecord.FORMAT_VERSION, r.formatVersion());
        assertEquals(d.id(), r.decisionId());
        assertEquals(d.time(), r.time());
        assertEquals("svc-exporter", r.requester());
        assertEquals(TENANT, r.tenantId());
        assertEquals(EU_CENTRAL, r.sourceRegion());
        assertEquals(US, r.destinationJurisdiction());
        assertEquals(List.of(DataCategory.AGGREGATE), r.categories());
        assertEquals(d.policyRevision(), r.policyRevision());
        assertEquals(OPEN.fingerprint(), r.tenantPolicyFingerprint());
        assertEquals(Outcome.PARTIAL, r.outcome());
        assertEquals(List.of("A1", "A2", "A3", "A4"), r.ruleIds());
        assertEquals(Map.of("A4", 1), r.suppressedCounts());
        assertEquals(1, r.releasedCells());
        assertEquals(Optional.of(PAYLOAD_HASH), r.payloadHash());
    }

    @Test
    void record_neverHoldsCellKeysOrLabelValues() {
        DecisionRecord r = DecisionLog.inMemory(EU_CENTRAL).append(partial(), AppendContext.released(PAYLOAD_HASH));
        String encoded = new String(r.canonicalEncoding(), StandardCharsets.UTF_8);

        assertFalse(encoded.contains("berlin") || encoded.contains("potsdam") || encoded.contains("site"), encoded);
        assertFalse(r.toString().contains("berlin") || r.toString().contains("potsdam"), r::toString);
    }

    @Test
    void read_pagesThroughTheLog() {
        DecisionLog log = logOf(5);

        assertEquals(List.of(2L, 3L), log.read(2, 2).stream().map(DecisionRecord::sequence).toList());
        assertEquals(List.of(5L), log.read(5, 10).stream().map(DecisionRecord::sequence).toList());
        assertEquals(List.of(), log.read(6, 10));
        assertThrows(IllegalArgumentException.class, () -> log.read(0, 1));
        assertThrows(IllegalArgumentException.class, () -> log.read(1, 0));
    }

    @Test
    void concurrentAppends_keepTheChainLinear() throws Exception {
        DecisionLog log = DecisionLog.inMemory(EU_CENTRAL);
        int threads = 8;
        int perThread = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    log.append(partial(), AppendContext.released(PAYLOAD_HASH));
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        List<DecisionRecord> all = log.read(1, Integer.MAX_VALUE);
        assertEquals(threads * perThread, all.size());
        assertEquals(threads * perThread, log.head().sequence());
        ChainVerification v = ChainVerifier.verify(all, log.head());
        assertTrue(v.intact(), v::toString);
        Set<Object> ids = new HashSet<>();
        all.forEach(r -> ids.add(r.decisionId()));
        assertEquals(threads * perThread, ids.size());
    }

    @Test
    void appendingADecisionTwice_isRejected() {
        DecisionLog log = DecisionLog.inMemory(EU_CENTRAL);
        Decision d = partial();
        log.append(d, AppendContext.released(PAYLOAD_HASH));

        assertThrows(IllegalStateException.class, () -> log.append(d, AppendContext.released(PAYLOAD_HASH)));
        assertEquals(1, log.head().sequence());
    }

    @Test
    void decisionOfAnotherRegion_isRejected() {
        DecisionLog usLog = DecisionLog.inMemory(US_EAST);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> usLog.append(partial(), AppendContext.released(PAYLOAD_HASH)));
        assertTrue(e.getMessage().contains("was eu-central"), e.getMessage());
    }

    @Test
    void denyWithAPayloadHash_isRejected() {
        Decision deny = ENGINE.decide(toJurisdiction(DataCategory.TELEMETRY, EU_CENTRAL, ZA), OPEN);

        assertThrows(IllegalArgumentException.class,
                () -> DecisionLog.inMemory(EU_CENTRAL).append(deny, AppendContext.released(PAYLOAD_HASH)));
    }

    @Test
    void malformedPayloadHash_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> AppendContext.released("ABC"));
    }
}
