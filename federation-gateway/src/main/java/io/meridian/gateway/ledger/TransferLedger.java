package io.meridian.gateway.ledger;

/**
 * The gateway's transfer ledger: an append-only, hash-chained record of every aggregate it took in from a region in
 * another jurisdiction and of every export, kept in the gateway's own region. The audit cross-checks it against the
 * source regions' decision logs.
 *
 * <p>Every method blocks (the store is Cassandra): call them from worker threads, never from an event loop.
 */
public interface TransferLedger {

    /**
     * Appends a record as the next link of the chain.
     *
     * @return the stored entry, with its sequence number and hashes
     * @throws IllegalStateException when the record could not be stored; the caller must not treat the transfer as
     *                               recorded (the aggregate query answers 503 rather than serve unrecorded data)
     */
    LedgerEntry append(TransferRecord record);

    /** Up to {@code limit} entries from sequence number {@code from} on, in order. */
    java.util.List<LedgerEntry> read(long from, int limit);

    /** Verifies the whole chain: every entry's hash and its link to the previous one, with no gaps. */
    LedgerVerification verify();
}
