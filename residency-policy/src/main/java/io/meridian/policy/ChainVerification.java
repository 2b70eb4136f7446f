package io.meridian.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of {@link ChainVerifier}: intact, or the first broken link.
 *
 * @param recordsChecked how many records were read before the verdict
 * @param lastGoodHead   the last record that checked out (or the starting anchor when none did)
 * @param firstBreak     the first problem found, or empty when the chain is intact
 */
public record ChainVerification(long recordsChecked, ChainHead lastGoodHead, Optional<Break> firstBreak) {

    public ChainVerification {
        Objects.requireNonNull(lastGoodHead, "lastGoodHead must not be null");
        Objects.requireNonNull(firstBreak, "firstBreak must not be null");
    }

    /** Whether no problem was found. */
    public boolean intact() {
        return firstBreak.isEmpty();
    }

    /** What kind of break was found. */
    public enum Kind {
        /** A record's stored hash does not match its fields: the record was edited. */
        HASH_MISMATCH,
        /**
         * A record's previous hash is not the hash of the record before it: the record before was edited
         * and re-hashed, or replaced.
         */
        PREVIOUS_HASH_MISMATCH,
        /** A sequence number is missing and never turns up: a record was deleted. */
        SEQUENCE_GAP,
        /** Records are out of sequence order, or a sequence number repeats. */
        REORDERED,
        /** The records end before the expected head: the tail was removed. */
        TRUNCATED,
        /** The record at the expected head's sequence number has another hash. */
        HEAD_MISMATCH
    }

    /**
     * The first broken link.
     *
     * @param sequence the sequence number where the chain breaks: the edited, missing or misplaced
     *                 record, the record whose link to its predecessor fails, or the first record
     *                 missing from the tail
     * @param kind     what is wrong
     * @param detail   one sentence for a human auditor
     */
    public record Break(long sequence, Kind kind, String detail) {
        public Break {
            Objects.requireNonNull(kind, "kind must not be null");
            Objects.requireNonNull(detail, "detail must not be null");
        }
    }
}
