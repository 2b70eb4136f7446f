package io.meridian.gateway.ledger;

import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's transfer ledger: an append-only, hash-chained record of every aggregate it took in from a region in
 * another jurisdiction and of every export, kept in the gateway's own region. The audit cross-checks it against the
 * source regions' decision logs.
 *
 * <p>A ledger may hold several chains (one per gateway instance, see {@link CassandraTransferLedger}). Reading and
 * verifying cover all of them in the ledger's stable order: chain by chain, each in sequence order. A position is the
 * 1-based place of an entry in that order.
 *
 * <p>Every method blocks (the store is Cassandra): call them from worker threads, never from an event loop.
 */
public interface TransferLedger {

    /**
     * Appends a record as the next link of the chain.
     *
     * @return the stored entry, with its chain, sequence number and hashes
     * @throws IllegalStateException when the record could not be stored; the caller must not treat the transfer as
     *                               recorded (the aggregate query answers 503 rather than serve unrecorded data)
     */
    LedgerEntry append(TransferRecord record);

    /**
     * Appends records as consecutive links of one chain, in the given order, and returns only when all are stored. The
     * Cassandra ledger stores them in one write, so a query with several cross-border parts waits for one commit, not one
     * per part. This default appends them one after another (enough for stores where an append costs nothing).
     *
     * @throws IllegalStateException when any record could not be stored; the caller must treat none of them as recorded
     */
    default List<LedgerEntry> appendAll(List<TransferRecord> records) {
        List<LedgerEntry> entries = new ArrayList<>(records.size());
        for (TransferRecord r : records) {
            entries.add(append(r));
        }
        return entries;
    }

    /** Up to {@code limit} entries from position {@code from} on (1-based, over all chains in the ledger's order). */
    List<LedgerEntry> read(long from, int limit);

    /** Verifies every chain: every entry's hash and its link to the previous one, with no gaps. */
    LedgerVerification verify();
}
