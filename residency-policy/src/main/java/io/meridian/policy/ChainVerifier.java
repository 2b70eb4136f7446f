package io.meridian.policy;

import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checks a sequence of {@link DecisionRecord}s, from any store, against the hash chain. It reads the
 * records once, in the order given, and holds only the previous record's hash, so it works over a
 * paged read of a log of any size.
 *
 * <p>Checks per record, in order: the sequence number follows the one before; the stored hash matches
 * the fields; the previous hash is the hash of the record before. With an expected head it also checks
 * that the records reach it and that the record at its sequence number has its hash. The first failure
 * is returned; nothing is thrown for a broken chain.
 */
public final class ChainVerifier {

    private ChainVerifier() {
    }

    /** Verifies a whole log, from its first record. */
    public static ChainVerification verify(Iterable<DecisionRecord> records) {
        return verify(ChainHead.GENESIS, records, Optional.empty());
    }

    /** Verifies a whole log, from its first record, and that it reaches {@code expectedHead} intact. */
    public static ChainVerification verify(Iterable<DecisionRecord> records, ChainHead expectedHead) {
        return verify(ChainHead.GENESIS, records, Optional.of(expectedHead));
    }

    /** As {@link #verify(ChainHead, Iterable, Optional)}, over a stream that is consumed. */
    public static ChainVerification verify(ChainHead start, Stream<DecisionRecord> records,
            Optional<ChainHead> expectedHead) {
        Objects.requireNonNull(records, "records must not be null");
        return verify(start, records::iterator, expectedHead);
    }

    /**
     * Verifies records that continue the chain after {@code start}, a head trusted from an earlier
     * verification (or {@link ChainHead#GENESIS}).
     *
     * @param start        the link the first record must follow; not null
     * @param records      the records in the order read; not null, no null elements
     * @param expectedHead a head the records must reach with this hash, or empty; not null
     * @throws NullPointerException when an argument or a record is null
     */
    public static ChainVerification verify(ChainHead start, Iterable<DecisionRecord> records,
            Optional<ChainHead> expectedHead) {
        Objects.requireNonNull(start, "start must not be null");
        Objects.requireNonNull(records, "records must not be null");
        Objects.requireNonNull(expectedHead, "expectedHead must not be null");
        ChainHead last = start;
        long checked = 0;
        Iterator<DecisionRecord> it = records.iterator();
        while (it.hasNext()) {
            DecisionRecord record = Objects.requireNonNull(it.next(), "records must not contain null");
            checked++;
            long expected = last.sequence() + 1;
            if (record.sequence() < expected) {
                return broken(checked, last, record.sequence(), ChainVerification.Kind.REORDERED,
                        "record " + record.sequence() + " appears after record " + last.sequence());
            }
            if (record.sequence() > expected) {
                long found = record.sequence();
                boolean later = false;
                while (it.hasNext() && !later) {
                    later = it.next().sequence() == expected;
                }
                return later
                        ? broken(checked, last, expected, ChainVerification.Kind.REORDERED,
                                "record " + expected + " appears after record " + found)
                        : broken(checked, last, expected, ChainVerification.Kind.SEQUENCE_GAP,
                                "record " + expected + " is missing: record " + found + " follows record "
                                        + last.sequence());
            }
            String computed = record.computeHash();
            if (!computed.equals(record.hash())) {
                return broken(checked, last, record.sequence(), ChainVerification.Kind.HASH_MISMATCH,
                        "record " + record.sequence() + " stores hash " + record.hash()
                                + " but its fields hash to " + computed + ": it was edited");
            }
            if (!record.previousHash().equals(last.hash())) {
                return broken(checked, last, record.sequence(), ChainVerification.Kind.PREVIOUS_HASH_MISMATCH,
                        "record " + record.sequence() + " links to previous hash " + record.previousHash()
                                + " but record " + last.sequence() + " has hash " + last.hash()
                                + ": record " + last.sequence() + " was altered and re-hashed, or replaced");
            }
            last = record.asHead();
            if (expectedHead.isPresent() && last.sequence() == expectedHead.get().sequence()
                    && !last.hash().equals(expectedHead.get().hash())) {
                return broken(checked, last, last.sequence(), ChainVerification.Kind.HEAD_MISMATCH,
                        "record " + last.sequence() + " has hash " + last.hash() + " but the expected head is "
                                + expectedHead.get().hash());
            }
        }
        if (expectedHead.isPresent() && last.sequence() < expectedHead.get().sequence()) {
            return broken(checked, last, last.sequence() + 1, ChainVerification.Kind.TRUNCATED,
                    "records end at " + last.sequence() + " but the expected head is record "
                            + expectedHead.get().sequence());
        }
        return new ChainVerification(checked, last, Optional.empty());
    }

    private static ChainVerification broken(long checked, ChainHead lastGood, long sequence,
            ChainVerification.Kind kind, String detail) {
        return new ChainVerification(checked, lastGood,
                Optional.of(new ChainVerification.Break(sequence, kind, detail)));
    }
}
