package io.meridian.policy;

import java.util.Objects;
import java.util.Optional;

/**
 * What the caller adds to a decision when it logs it: the hash of what it released. The log never sees
 * the released payload itself.
 *
 * @param payloadHash SHA-256 (64 lower-case hex characters) over the bytes released, or empty when
 *                    nothing was released
 */
public record AppendContext(Optional<String> payloadHash) {

    private static final AppendContext NOTHING = new AppendContext(Optional.empty());

    /**
     * @throws NullPointerException     when the argument is null
     * @throws IllegalArgumentException when the hash is not 64 lower-case hex characters
     */
    public AppendContext {
        Objects.requireNonNull(payloadHash, "payloadHash must not be null");
        payloadHash.ifPresent(h -> {
            if (!ChainHead.isSha256Hex(h)) {
                throw new IllegalArgumentException("payload hash must be 64 lower-case hex characters, was '" + h + "'");
            }
        });
    }

    /** For a decision under which the given payload hash was released. */
    public static AppendContext released(String payloadSha256Hex) {
        return new AppendContext(Optional.of(Objects.requireNonNull(payloadSha256Hex, "payload hash must not be null")));
    }

    /** For a decision under which nothing was released, such as a {@link Outcome#DENY}. */
    public static AppendContext nothingReleased() {
        return NOTHING;
    }
}
