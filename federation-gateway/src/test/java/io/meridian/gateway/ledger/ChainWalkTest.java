package io.meridian.gateway.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The canonical encoding and the walk over entries, without a store; CassandraTransferLedgerIT does the same against Cassandra. */
class ChainWalkTest {

    private static List<LedgerEntry> chain(int n) {
        List<LedgerEntry> entries = new ArrayList<>();
        String previous = LedgerEncoding.GENESIS;
        for (int i = 1; i <= n; i++) {
            TransferRecord r = CassandraTransferLedgerIT.record(i);
            String hash = LedgerEncoding.hash(1, i, r, previous);
            entries.add(new LedgerEntry(i, r, previous, hash));
            previous = hash;
        }
        return entries;
    }

    private static LedgerVerification walk(List<LedgerEntry> entries) {
        ChainWalk w = new ChainWalk();
        entries.forEach(e -> w.entry(1, e));
        return w.result();
    }

    @Test
    void theHash_coversEveryField_andTheEncodingIsUnambiguous() {
        TransferRecord r = CassandraTransferLedgerIT.record(3);
        String h = LedgerEncoding.hash(1, 3, r, LedgerEncoding.GENESIS);
        assertEquals(64, h.length());
        assertEquals(h, LedgerEncoding.hash(1, 3, r, LedgerEncoding.GENESIS));
        assertNotEquals(h, LedgerEncoding.hash(1, 4, r, LedgerEncoding.GENESIS));
        TransferRecord otherTenant = new TransferRecord(r.kind(), r.tenant() + "x", r.sourceRegion(), r.sourceJurisdiction(), r.destination(),
                r.sourceDecisionId(), r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes(), r.at(), r.exportId(), r.sink());
        assertNotEquals(h, LedgerEncoding.hash(1, 3, otherTenant, LedgerEncoding.GENESIS));
        TransferRecord noSink = new TransferRecord(r.kind(), r.tenant(), r.sourceRegion(), r.sourceJurisdiction(), r.destination(),
                r.sourceDecisionId(), r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes(), r.at(), r.exportId(), Optional.of(""));
        assertNotEquals(h, LedgerEncoding.hash(1, 3, noSink, LedgerEncoding.GENESIS));
    }

    @Test
    void anIntactChain_verifies() {
        assertEquals(new LedgerVerification(true, 5, 5, Optional.empty()), walk(chain(5)));
        assertEquals(new LedgerVerification(true, 0, 0, Optional.empty()), walk(List.of()));
    }

    @Test
    void eachKindOfBreak_isNamedAtTheRightEntry() {
        List<LedgerEntry> gap = new ArrayList<>(chain(5));
        gap.remove(2);
        LedgerVerification v = walk(gap);
        assertEquals(new LedgerVerification.Break(3, "SEQUENCE_GAP", "entry 3 is missing: the entry after 2 is 4"), v.firstBreak().orElseThrow());
        assertEquals(2, v.lastGood());

        List<LedgerEntry> edited = new ArrayList<>(chain(5));
        LedgerEntry e = edited.get(1);
        TransferRecord r = e.record();
        edited.set(1, new LedgerEntry(2, new TransferRecord(r.kind(), r.tenant(), r.sourceRegion(), r.sourceJurisdiction(), r.destination(),
                r.sourceDecisionId(), r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes() + 1, r.at(), r.exportId(), r.sink()),
                e.previousHash(), e.hash()));
        assertEquals("HASH_MISMATCH", walk(edited).firstBreak().orElseThrow().kind());
        assertEquals(2, walk(edited).firstBreak().orElseThrow().sequence());

        List<LedgerEntry> rehashed = new ArrayList<>(edited);
        LedgerEntry forged = rehashed.get(1);
        rehashed.set(1, new LedgerEntry(2, forged.record(), forged.previousHash(), LedgerEncoding.hash(1, 2, forged.record(), forged.previousHash())));
        assertEquals(new LedgerVerification.Break(3, "PREVIOUS_HASH_MISMATCH", walk(rehashed).firstBreak().orElseThrow().detail()),
                walk(rehashed).firstBreak().orElseThrow());
        assertEquals(2, walk(rehashed).lastGood());
    }
}
