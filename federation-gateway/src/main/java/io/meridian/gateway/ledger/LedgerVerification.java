package io.meridian.gateway.ledger;

import java.util.List;
import java.util.Optional;

/**
 * The result of verifying every chain of the ledger, in the ledger's stable order.
 *
 * @param intact         whether every entry of every chain checked out
 * @param entriesChecked how many entries were read, over all chains
 * @param lastGood       the sequence number of the last entry that checked out in the chain of {@code firstBreak}, or,
 *                       when everything is intact, in the last chain (0 when none); with a single chain this is what it
 *                       always was
 * @param firstBreak     the first broken entry in the ledger's order: its chain, sequence number, what is wrong
 *                       ({@code HASH_MISMATCH}, {@code PREVIOUS_HASH_MISMATCH}, {@code SEQUENCE_GAP}, ...) and a detail
 * @param chains         each chain's own result, in the ledger's order
 */
public record LedgerVerification(boolean intact, long entriesChecked, long lastGood, Optional<Break> firstBreak, List<Chain> chains) {

    public LedgerVerification {
        chains = List.copyOf(chains);
    }

    /** Where and how a chain broke. */
    public record Break(String chain, long sequence, String kind, String detail) {
    }

    /** One chain walked: a chain is verified on its own (its own sequence from 1 and its own genesis link). */
    public record Chain(String chain, boolean intact, long entriesChecked, long lastGood, Optional<Break> firstBreak) {
    }

    /** The ledger's result from its chains' results, given in the ledger's order. */
    public static LedgerVerification of(List<Chain> chains) {
        long checked = chains.stream().mapToLong(Chain::entriesChecked).sum();
        Optional<Chain> broken = chains.stream().filter(c -> !c.intact()).findFirst();
        if (broken.isPresent()) {
            return new LedgerVerification(false, checked, broken.get().lastGood(), broken.get().firstBreak(), chains);
        }
        long lastGood = chains.isEmpty() ? 0 : chains.get(chains.size() - 1).lastGood();
        return new LedgerVerification(true, checked, lastGood, Optional.empty(), chains);
    }
}
