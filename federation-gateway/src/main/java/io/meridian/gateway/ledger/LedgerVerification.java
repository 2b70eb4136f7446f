package io.meridian.gateway.ledger;

import java.util.Optional;

/**
 * The result of verifying the ledger chain.
 *
 * @param intact         whether every entry checked out
 * @param entriesChecked how many entries were read
 * @param lastGood       the sequence number of the last entry that checked out (0 when none)
 * @param firstBreak     the first broken entry: its sequence number, what is wrong ({@code HASH_MISMATCH},
 *                       {@code PREVIOUS_HASH_MISMATCH}, {@code SEQUENCE_GAP}, ...) and a detail naming it
 */
public record LedgerVerification(boolean intact, long entriesChecked, long lastGood, Optional<Break> firstBreak) {

    /** Where and how the chain broke. */
    public record Break(long sequence, String kind, String detail) {
    }
}
