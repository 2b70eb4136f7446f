package io.meridian.gateway.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A ledger in memory, for fast unit tests of the routes only; the gateway itself runs on the Cassandra ledger. It keeps
 * entries in order in one chain ({@value #CHAIN}) and chains them with a placeholder hash: it does not pretend to verify
 * anything it did not hash.
 */
public final class InMemoryTransferLedger implements TransferLedger {

    /** The name of its only chain. */
    public static final String CHAIN = "memory";
    private static final String ZERO = "0".repeat(64);
    private final List<LedgerEntry> entries = new ArrayList<>();

    @Override
    public synchronized LedgerEntry append(TransferRecord record) {
        String previous = entries.isEmpty() ? ZERO : entries.get(entries.size() - 1).hash();
        String hash = String.format("%064x", entries.size() + 1L);
        LedgerEntry e = new LedgerEntry(CHAIN, entries.size() + 1L, record, previous, hash);
        entries.add(e);
        return e;
    }

    @Override
    public synchronized List<LedgerEntry> appendAll(List<TransferRecord> records) {
        return TransferLedger.super.appendAll(records);
    }

    @Override
    public synchronized List<LedgerEntry> read(long from, int limit) {
        int start = (int) Math.max(0, Math.min(entries.size(), from - 1));
        return List.copyOf(entries.subList(start, Math.min(entries.size(), start + Math.max(0, limit))));
    }

    @Override
    public synchronized LedgerVerification verify() {
        return LedgerVerification.of(List.of(new LedgerVerification.Chain(CHAIN, true, entries.size(), entries.size(), Optional.empty())));
    }
}
