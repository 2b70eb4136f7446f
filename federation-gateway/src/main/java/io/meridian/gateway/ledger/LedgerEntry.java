package io.meridian.gateway.ledger;

import java.util.Objects;

/**
 * A stored ledger record: the record, its place in its chain and the hashes that chain it.
 *
 * @param chain        the chain the entry belongs to (a gateway instance writes its own chain; see
 *                     {@link CassandraTransferLedger})
 * @param sequence     1, 2, 3, ... without gaps within the chain
 * @param record       what was transferred
 * @param previousHash the hash of the entry before in the same chain (64 zeros for the first)
 * @param hash         SHA-256 over this entry's canonical encoding, {@code previousHash} included
 */
public record LedgerEntry(String chain, long sequence, TransferRecord record, String previousHash, String hash) {
    public LedgerEntry {
        Objects.requireNonNull(chain, "chain must not be null");
        Objects.requireNonNull(record, "record must not be null");
        Objects.requireNonNull(previousHash, "previousHash must not be null");
        Objects.requireNonNull(hash, "hash must not be null");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be at least 1, was " + sequence);
        }
    }
}
