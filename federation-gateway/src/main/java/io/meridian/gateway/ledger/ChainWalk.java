package io.meridian.gateway.ledger;

import java.util.Optional;

/**
 * Checks ledger entries one at a time, in sequence order, and remembers the first break: what {@link TransferLedger#verify()}
 * of any store does with the entries it pages through.
 *
 * <p>For each entry, in this order: its sequence number is the next one ({@code SEQUENCE_GAP} names the first missing
 * number), its {@code previousHash} is the hash of the entry before ({@code PREVIOUS_HASH_MISMATCH}: the entry before
 * was replaced, for example edited and re-hashed), and its own hash is the hash of its canonical encoding
 * ({@code HASH_MISMATCH}: the entry itself was edited). A row that cannot even be read as an entry is {@code UNREADABLE}.
 * One walk covers one chain; the hash of a version 2 entry covers the chain's name, so an entry moved into another chain
 * does not verify there.
 *
 * <p>A chain its writer closed (it reached its length limit) has a kept head, {@link #closedAt}: an intact walk must end
 * exactly there. Ending earlier is {@code TRUNCATED} (the tail, or the whole chain, was deleted), going on past it is
 * {@code ENTRY_AFTER_CLOSE}, and a last entry that hashes differently is {@code CLOSING_HASH_MISMATCH} (it was replaced).
 */
final class ChainWalk {

    private final String chain;

    private long expected = 1;
    private String previousHash = LedgerEncoding.GENESIS;
    private long checked;
    private long lastGood;
    private LedgerVerification.Break firstBreak;
    private long closedSequence;
    private String closedHash;

    ChainWalk(String chain) {
        this.chain = chain;
    }

    /** Whether the walk is still intact (after a break, further entries are not checked). */
    boolean intact() {
        return firstBreak == null;
    }

    /** Checks the next entry read. */
    void entry(int formatVersion, LedgerEntry e) {
        if (firstBreak != null) {
            return;
        }
        checked++;
        if (pastClose(e.sequence())) {
            return;
        }
        if (e.sequence() != expected) {
            fail(expected, "SEQUENCE_GAP", "entry " + expected + " is missing: the entry after " + (expected - 1) + " is " + e.sequence());
            return;
        }
        if (!e.previousHash().equals(previousHash)) {
            fail(e.sequence(), "PREVIOUS_HASH_MISMATCH", "entry " + e.sequence() + " links to previous hash " + e.previousHash()
                    + " but entry " + (e.sequence() - 1) + " hashes to " + previousHash);
            return;
        }
        String actual;
        try {
            actual = LedgerEncoding.hash(formatVersion, chain, e.sequence(), e.record(), e.previousHash());
        } catch (IllegalArgumentException unknownVersion) {
            fail(e.sequence(), "UNREADABLE", "entry " + e.sequence() + ": " + unknownVersion.getMessage());
            return;
        }
        if (!actual.equals(e.hash())) {
            fail(e.sequence(), "HASH_MISMATCH", "entry " + e.sequence() + " stores hash " + e.hash() + " but its fields hash to " + actual);
            return;
        }
        lastGood = e.sequence();
        previousHash = e.hash();
        expected = e.sequence() + 1;
    }

    /** A row at {@code sequence} whose stored values are not an entry at all (edited beyond the format). */
    void unreadable(long sequence, String why) {
        if (firstBreak != null) {
            return;
        }
        checked++;
        if (pastClose(sequence)) {
            return;
        }
        if (sequence != expected) {
            fail(expected, "SEQUENCE_GAP", "entry " + expected + " is missing: the entry after " + (expected - 1) + " is " + sequence);
            return;
        }
        fail(sequence, "UNREADABLE", "entry " + sequence + " cannot be read as a ledger entry: " + why);
    }

    /**
     * Whether a row at {@code sequence} lies past a kept head, and so is a break: when everything up to the head was
     * read, the head itself is checked first (a replaced last entry is the first break), then the row is one that should
     * not exist. Rows missing before the head are left to the gap check.
     */
    private boolean pastClose(long sequence) {
        if (closedHash == null || sequence <= closedSequence || expected <= closedSequence) {
            return false;
        }
        if (!previousHash.equals(closedHash)) {
            closingMismatch();
        } else {
            fail(sequence, "ENTRY_AFTER_CLOSE", "entry " + sequence + " follows entry " + closedSequence + ", at which the chain was closed");
        }
        return true;
    }

    private void closingMismatch() {
        fail(closedSequence, "CLOSING_HASH_MISMATCH", "entry " + closedSequence + " hashes to " + previousHash
                + " but the chain was closed at hash " + closedHash + " (the entry was replaced)");
        lastGood = closedSequence - 1;
    }

    /** The chain was closed by its writer with this head: the entries must end at {@code sequence} with {@code hash}. */
    void closedAt(long sequence, String hash) {
        this.closedSequence = sequence;
        this.closedHash = hash;
    }

    private void fail(long sequence, String kind, String detail) {
        firstBreak = new LedgerVerification.Break(chain, sequence, kind, detail);
    }

    LedgerVerification.Chain result() {
        if (firstBreak == null && closedHash != null) {
            if (lastGood < closedSequence) {
                String missing = lastGood + 1 == closedSequence ? "entry " + closedSequence + " is"
                        : "entries " + (lastGood + 1) + "-" + closedSequence + " are";
                fail(lastGood + 1, "TRUNCATED", missing + " missing: the chain was closed at entry " + closedSequence + " but its entries end at "
                        + lastGood);
            } else if (!previousHash.equals(closedHash)) {
                closingMismatch();
            }
        }
        return new LedgerVerification.Chain(chain, firstBreak == null, checked, lastGood, Optional.ofNullable(firstBreak));
    }
}
