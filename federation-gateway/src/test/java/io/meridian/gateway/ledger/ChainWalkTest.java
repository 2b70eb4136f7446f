package io.meridian.gateway.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The canonical encoding and the walk over entries, without a store; CassandraTransferLedgerIT does the same against Cassandra. */
class ChainWalkTest {

    private static final String CHAIN = "eu-central.1";
    private static final int V = LedgerEncoding.FORMAT_VERSION;

    private static List<LedgerEntry> chain(int n) {
        List<LedgerEntry> entries = new ArrayList<>();
        String previous = LedgerEncoding.GENESIS;
        for (int i = 1; i <= n; i++) {
            TransferRecord r = CassandraTransferLedgerIT.record(i);
            String hash = LedgerEncoding.hash(V, CHAIN, i, r, previous);
            entries.add(new LedgerEntry(CHAIN, i, r, previous, hash));
            previous = hash;
        }
        return entries;
    }

    private static LedgerVerification.Chain walk(List<LedgerEntry> entries) {
        ChainWalk w = new ChainWalk(CHAIN);
        entries.forEach(e -> w.entry(V, e));
        return w.result();
    }

    @Test
    void theHash_coversEveryField_andTheEncodingIsUnambiguous() {
        TransferRecord r = CassandraTransferLedgerIT.record(3);
        String h = LedgerEncoding.hash(V, CHAIN, 3, r, LedgerEncoding.GENESIS);
        assertEquals(64, h.length());
        assertEquals(h, LedgerEncoding.hash(V, CHAIN, 3, r, LedgerEncoding.GENESIS));
        assertNotEquals(h, LedgerEncoding.hash(V, CHAIN, 4, r, LedgerEncoding.GENESIS));
        // the chain's name is hashed: an entry copied into another chain does not verify there
        assertNotEquals(h, LedgerEncoding.hash(V, "eu-central.2", 3, r, LedgerEncoding.GENESIS));
        TransferRecord otherTenant = new TransferRecord(r.kind(), r.tenant() + "x", r.sourceRegion(), r.sourceJurisdiction(), r.destination(),
                r.sourceDecisionId(), r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes(), r.at(), r.exportId(), r.sink());
        assertNotEquals(h, LedgerEncoding.hash(V, CHAIN, 3, otherTenant, LedgerEncoding.GENESIS));
        TransferRecord noSink = new TransferRecord(r.kind(), r.tenant(), r.sourceRegion(), r.sourceJurisdiction(), r.destination(),
                r.sourceDecisionId(), r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes(), r.at(), r.exportId(), Optional.of(""));
        assertNotEquals(h, LedgerEncoding.hash(V, CHAIN, 3, noSink, LedgerEncoding.GENESIS));
    }

    @Test
    void version1_theSingleChainFormat_ignoresTheChainName_andStaysDifferentFromVersion2() {
        TransferRecord r = CassandraTransferLedgerIT.record(3);
        String v1 = LedgerEncoding.hash(LedgerEncoding.SINGLE_CHAIN_VERSION, "eu-central", 3, r, LedgerEncoding.GENESIS);
        assertEquals(v1, LedgerEncoding.hash(LedgerEncoding.SINGLE_CHAIN_VERSION, "anything", 3, r, LedgerEncoding.GENESIS));
        assertNotEquals(v1, LedgerEncoding.hash(V, "eu-central", 3, r, LedgerEncoding.GENESIS));
        assertThrows(IllegalArgumentException.class, () -> LedgerEncoding.hash(3, CHAIN, 3, r, LedgerEncoding.GENESIS));
    }

    @Test
    void theLedgersResult_namesTheFirstBrokenChain_andCountsEveryChain() {
        LedgerVerification.Chain good = new LedgerVerification.Chain("a", true, 4, 4, Optional.empty());
        LedgerVerification.Break b = new LedgerVerification.Break("b", 3, "HASH_MISMATCH", "entry 3 ...");
        LedgerVerification.Chain broken = new LedgerVerification.Chain("b", false, 3, 2, Optional.of(b));
        LedgerVerification.Chain last = new LedgerVerification.Chain("c", true, 7, 7, Optional.empty());
        assertEquals(new LedgerVerification(false, 14, 2, Optional.of(b), List.of(good, broken, last)),
                LedgerVerification.of(List.of(good, broken, last)));
        assertEquals(new LedgerVerification(true, 11, 7, Optional.empty(), List.of(good, last)), LedgerVerification.of(List.of(good, last)));
        assertEquals(new LedgerVerification(true, 0, 0, Optional.empty(), List.of()), LedgerVerification.of(List.of()));
    }

    @Test
    void anIntactChain_verifies() {
        assertEquals(new LedgerVerification.Chain(CHAIN, true, 5, 5, Optional.empty()), walk(chain(5)));
        assertEquals(new LedgerVerification.Chain(CHAIN, true, 0, 0, Optional.empty()), walk(List.of()));
    }

    @Test
    void eachKindOfBreak_isNamedAtTheRightEntry() {
        List<LedgerEntry> gap = new ArrayList<>(chain(5));
        gap.remove(2);
        LedgerVerification.Chain v = walk(gap);
        assertEquals(new LedgerVerification.Break(CHAIN, 3, "SEQUENCE_GAP", "entry 3 is missing: the entry after 2 is 4"), v.firstBreak().orElseThrow());
        assertEquals(2, v.lastGood());

        List<LedgerEntry> edited = new ArrayList<>(chain(5));
        LedgerEntry e = edited.get(1);
        TransferRecord r = e.record();
        edited.set(1, new LedgerEntry(CHAIN, 2, new TransferRecord(r.kind(), r.tenant(), r.sourceRegion(), r.sourceJurisdiction(), r.destination(),
                r.sourceDecisionId(), r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes() + 1, r.at(), r.exportId(), r.sink()),
                e.previousHash(), e.hash()));
        assertEquals("HASH_MISMATCH", walk(edited).firstBreak().orElseThrow().kind());
        assertEquals(2, walk(edited).firstBreak().orElseThrow().sequence());

        List<LedgerEntry> rehashed = new ArrayList<>(edited);
        LedgerEntry forged = rehashed.get(1);
        rehashed.set(1, new LedgerEntry(CHAIN, 2, forged.record(), forged.previousHash(),
                LedgerEncoding.hash(V, CHAIN, 2, forged.record(), forged.previousHash())));
        assertEquals(new LedgerVerification.Break(CHAIN, 3, "PREVIOUS_HASH_MISMATCH", walk(rehashed).firstBreak().orElseThrow().detail()),
                walk(rehashed).firstBreak().orElseThrow());
        assertEquals(2, walk(rehashed).lastGood());
    }

    private static LedgerVerification.Chain walkClosed(List<LedgerEntry> entries, long closedSequence, String closedHash) {
        ChainWalk w = new ChainWalk(CHAIN);
        w.closedAt(closedSequence, closedHash);
        entries.forEach(e -> w.entry(V, e));
        return w.result();
    }

    @Test
    void aClosedChain_mustEndAtItsKeptHead() {
        List<LedgerEntry> five = chain(5);
        String head = five.get(4).hash();
        assertEquals(new LedgerVerification.Chain(CHAIN, true, 5, 5, Optional.empty()), walkClosed(five, 5, head));

        // the tail deleted: the walk itself is intact, only the kept head shows what is missing
        LedgerVerification.Chain truncated = walkClosed(five.subList(0, 3), 5, head);
        assertEquals(new LedgerVerification.Break(CHAIN, 4, "TRUNCATED",
                "entries 4-5 are missing: the chain was closed at entry 5 but its entries end at 3"), truncated.firstBreak().orElseThrow());
        assertEquals(3, truncated.lastGood());
        // the whole partition deleted
        assertEquals(new LedgerVerification.Break(CHAIN, 1, "TRUNCATED",
                "entries 1-5 are missing: the chain was closed at entry 5 but its entries end at 0"),
                walkClosed(List.of(), 5, head).firstBreak().orElseThrow());

        // an entry chained on after the close
        LedgerVerification.Chain after = walkClosed(chain(6), 5, head);
        assertEquals("ENTRY_AFTER_CLOSE", after.firstBreak().orElseThrow().kind());
        assertEquals(6, after.firstBreak().orElseThrow().sequence());
        assertEquals(5, after.lastGood());

        // the last entry replaced by one that links and hashes correctly: only the kept head tells
        List<LedgerEntry> replaced = new ArrayList<>(five.subList(0, 4));
        TransferRecord other = CassandraTransferLedgerIT.record(99);
        replaced.add(new LedgerEntry(CHAIN, 5, other, five.get(3).hash(), LedgerEncoding.hash(V, CHAIN, 5, other, five.get(3).hash())));
        assertTrue(walk(replaced).intact());
        LedgerVerification.Chain mismatch = walkClosed(replaced, 5, head);
        assertEquals("CLOSING_HASH_MISMATCH", mismatch.firstBreak().orElseThrow().kind());
        assertEquals(5, mismatch.firstBreak().orElseThrow().sequence());
        assertEquals(4, mismatch.lastGood());

        // the head replaced and an entry chained on after it: the replaced head is the first break, not the entry after it
        List<LedgerEntry> replacedThenMore = new ArrayList<>(replaced);
        String forgedHead = replaced.get(4).hash();
        TransferRecord more = CassandraTransferLedgerIT.record(100);
        replacedThenMore.add(new LedgerEntry(CHAIN, 6, more, forgedHead, LedgerEncoding.hash(V, CHAIN, 6, more, forgedHead)));
        LedgerVerification.Chain headFirst = walkClosed(replacedThenMore, 5, head);
        assertEquals("CLOSING_HASH_MISMATCH", headFirst.firstBreak().orElseThrow().kind());
        assertEquals(5, headFirst.firstBreak().orElseThrow().sequence());
        assertEquals(4, headFirst.lastGood());
        // a row past the close is an entry after the close whatever it holds: not a gap before it, nor a bad hash
        List<LedgerEntry> skipping = new ArrayList<>(five);
        skipping.add(chain(7).get(6));
        assertEquals(new LedgerVerification.Break(CHAIN, 7, "ENTRY_AFTER_CLOSE", "entry 7 follows entry 5, at which the chain was closed"),
                walkClosed(skipping, 5, head).firstBreak().orElseThrow());
        List<LedgerEntry> badHash = new ArrayList<>(five);
        LedgerEntry sixth = chain(6).get(5);
        badHash.add(new LedgerEntry(CHAIN, 6, sixth.record(), sixth.previousHash(), "0".repeat(64)));
        assertEquals("ENTRY_AFTER_CLOSE", walkClosed(badHash, 5, head).firstBreak().orElseThrow().kind());

        // a break inside the chain is reported as it was, not as a truncation
        List<LedgerEntry> gap = new ArrayList<>(five);
        gap.remove(1);
        assertEquals("SEQUENCE_GAP", walkClosed(gap, 5, head).firstBreak().orElseThrow().kind());
    }
}
