package io.meridian.policy;

import static io.meridian.policy.DecisionLogTest.logOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.policy.ChainVerification.Kind;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ChainVerifierTest {

    private final DecisionLog log = logOf(6);
    private final List<DecisionRecord> records = new ArrayList<>(log.read(1, 100));
    private final ChainHead head = log.head();

    /** A copy of the record with another outcome, keeping the stored hash. */
    private static DecisionRecord withOutcome(DecisionRecord r, Outcome outcome) {
        return new DecisionRecord(r.formatVersion(), r.sequence(), r.decisionId(), r.time(), r.requester(),
                r.tenantId(), r.sourceRegion(), r.destinationJurisdiction(), r.destinationRegion(), r.categories(),
                r.policyRevision(), r.tenantPolicyFingerprint(), outcome, r.ruleIds(), r.suppressedCounts(),
                r.releasedCells(), r.payloadHash(), r.previousHash(), r.hash());
    }

    private static void assertBreak(ChainVerification v, long sequence, Kind kind) {
        assertFalse(v.intact(), "the chain should be broken");
        ChainVerification.Break b = v.firstBreak().orElseThrow();
        assertEquals(kind, b.kind(), b::detail);
        assertEquals(sequence, b.sequence(), b::detail);
    }

    @Test
    void untouchedLog_isIntact_withAndWithoutExpectedHead() {
        assertTrue(ChainVerifier.verify(records).intact());
        ChainVerification v = ChainVerifier.verify(records, head);
        assertTrue(v.intact(), v::toString);
        assertEquals(6, v.recordsChecked());
        assertEquals(head, v.lastGoodHead());
    }

    @Test
    void editedField_isAHashMismatchAtThatRecord() {
        // record 3 is a DENY of raw telemetry; an attacker turns it into an ALLOW
        records.set(2, withOutcome(records.get(2), Outcome.ALLOW));

        ChainVerification v = ChainVerifier.verify(records, head);

        assertBreak(v, 3, Kind.HASH_MISMATCH);
        assertEquals(records.get(1).asHead(), v.lastGoodHead());
    }

    @Test
    void deletedRecord_isASequenceGapNamingTheMissingRecord() {
        records.remove(2);

        assertBreak(ChainVerifier.verify(records, head), 3, Kind.SEQUENCE_GAP);
    }

    @Test
    void deletedFirstRecord_isASequenceGapAtOne() {
        records.remove(0);

        assertBreak(ChainVerifier.verify(records), 1, Kind.SEQUENCE_GAP);
    }

    @Test
    void twoSwappedRecords_areReportedAsReorderedAtTheFirstDisplacedSequence() {
        DecisionRecord third = records.get(2);
        records.set(2, records.get(3));
        records.set(3, third);

        assertBreak(ChainVerifier.verify(records, head), 3, Kind.REORDERED);
    }

    @Test
    void repeatedRecord_isReportedAsReordered() {
        records.add(3, records.get(2));

        assertBreak(ChainVerifier.verify(records), 3, Kind.REORDERED);
    }

    @Test
    void truncatedTail_isDetectedAgainstTheExpectedHead() {
        records.subList(4, 6).clear();

        assertBreak(ChainVerifier.verify(records, head), 5, Kind.TRUNCATED);
    }

    @Test
    void truncatedTail_isInvisibleWithoutAnExpectedHead() {
        // documents the limit: only a head kept elsewhere proves the tail is complete
        records.subList(4, 6).clear();

        assertTrue(ChainVerifier.verify(records).intact());
    }

    @Test
    void editedAndReHashedRecord_breaksTheNextLink() {
        DecisionRecord edited = withOutcome(records.get(2), Outcome.ALLOW);
        records.set(2, edited.withHash(edited.computeHash()));

        ChainVerification v = ChainVerifier.verify(records, head);

        assertBreak(v, 4, Kind.PREVIOUS_HASH_MISMATCH);
        assertTrue(v.firstBreak().orElseThrow().detail().contains("record 3 was altered"), v::toString);
    }

    @Test
    void editedAndReHashedLastRecord_isAHeadMismatch() {
        DecisionRecord edited = withOutcome(records.get(5), Outcome.ALLOW); // record 6 is a DENY
        records.set(5, edited.withHash(edited.computeHash()));

        assertTrue(ChainVerifier.verify(records).intact(), "without a head the last record cannot be checked");
        assertBreak(ChainVerifier.verify(records, head), 6, Kind.HEAD_MISMATCH);
    }

    @Test
    void segment_verifiesFromATrustedAnchor_andRejectsAWrongOne() {
        ChainHead anchor = records.get(2).asHead();
        List<DecisionRecord> tail = records.subList(3, 6);

        assertTrue(ChainVerifier.verify(anchor, tail, Optional.of(head)).intact());
        assertBreak(ChainVerifier.verify(new ChainHead(3, "cd".repeat(32)), tail, Optional.of(head)),
                4, Kind.PREVIOUS_HASH_MISMATCH);
    }

    @Test
    void stream_isVerifiedLikeAnIterable() {
        records.remove(4);

        assertBreak(ChainVerifier.verify(ChainHead.GENESIS, records.stream(), Optional.of(head)), 5, Kind.SEQUENCE_GAP);
    }

    @Test
    void canonicalEncoding_isPinned_soOtherStoresReproduceTheHash() throws Exception {
        // The exact bytes are the cross-implementation contract: a change here breaks every stored chain.
        DecisionRecord r = new DecisionRecord(1, 7, UUID.fromString("01890a5d-ac96-774b-bcce-b302099a8057"),
                Instant.parse("2026-11-23T10:15:30.123Z"), "svc-exporter", "acme",
                io.meridian.policy.model.RegionId.of("eu-central"), io.meridian.policy.model.Jurisdiction.of("US"),
                Optional.empty(), List.of(io.meridian.policy.model.DataCategory.AGGREGATE), "1".repeat(64),
                "2".repeat(64), Outcome.PARTIAL, List.of("A1", "A2", "A3", "A4"), new TreeMap<>(Map.of("A4", 2)),
                98, Optional.of("3".repeat(64)), "4".repeat(64), "0".repeat(64));

        String expected = """
                meridian-decision-record/v1
                sequence=7
                decision-id=01890a5d-ac96-774b-bcce-b302099a8057
                time=2026-11-23T10:15:30.123Z
                requester=12:svc-exporter
                tenant=4:acme
                source-region=eu-central
                destination-jurisdiction=US
                destination-region=-
                categories=AGGREGATE
                policy-revision=%s
                tenant-policy=%s
                outcome=PARTIAL
                rules=A1,A2,A3,A4
                suppressed=A4:2
                released-cells=98
                payload-hash=%s
                previous-hash=%s
                """.formatted("1".repeat(64), "2".repeat(64), "3".repeat(64), "4".repeat(64));
        assertEquals(expected, new String(r.canonicalEncoding(), StandardCharsets.UTF_8));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(expected.getBytes(StandardCharsets.UTF_8))), r.computeHash());
    }
}
