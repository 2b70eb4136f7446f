package io.meridian.policy;

import java.util.Objects;

/**
 * The last link of a decision log: its sequence number and hash. {@link #GENESIS} stands before the
 * first record. An auditor who keeps a head can later prove the log was not truncated or rewritten up
 * to it.
 *
 * @param sequence 0 for {@link #GENESIS}, else the sequence number of the last record
 * @param hash     64 lower-case hex characters
 */
public record ChainHead(long sequence, String hash) {

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
        if (!isSha256Hex(hash)) {
            throw new IllegalArgumentException(what + " must be 64 lower-case hex characters, was '" + hash + "'");
        }
        return hash;
    }

    /** Whether the text is 64 lower-case hex characters; a loop, not a regex: it runs on every append. */
    static boolean isSha256Hex(String text) {
        if (text.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = text.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
