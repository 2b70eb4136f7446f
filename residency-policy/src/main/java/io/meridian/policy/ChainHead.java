package io.meridian.policy;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The last link of a decision log: its sequence number and hash. {@link #GENESIS} stands before the
 * first record. An auditor who keeps a head can later prove the log was not truncated or rewritten up
 * to it.
 *
 * @param sequence 0 for {@link #GENESIS}, else the sequence number of the last record
 * @param hash     64 lower-case hex characters
 */
public record ChainHead(long sequence, String hash) {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /** Before the first record: sequence 0 and a hash of 64 zeros. The first record links to it. */
    public static final ChainHead GENESIS = new ChainHead(0, "0".repeat(64));

    /**
     * @throws IllegalArgumentException when the sequence is negative or the hash malformed
     */
    public ChainHead {
        if (sequence < 0) {
            throw new IllegalArgumentException("chain head sequence must be at least 0, was " + sequence);
        }
        requireSha256Hex(hash, "chain head hash");
    }

    static String requireSha256Hex(String hash, String what) {
        Objects.requireNonNull(hash, what + " must not be null");
        if (!SHA256_HEX.matcher(hash).matches()) {
            throw new IllegalArgumentException(what + " must be 64 lower-case hex characters, was '" + hash + "'");
        }
        return hash;
    }
}
