package io.meridian.audit;

import java.io.IOException;

/**
 * The access token the audit calls everyone with. A run can take longer than a token lives, so the engine asks for the
 * token before every call, and tells the source when a token was refused so that it can fetch a new one.
 */
public interface BearerToken {

    /**
     * A token to send now.
     *
     * @throws IOException when none can be had (the token endpoint does not answer or refuses)
     */
    String get() throws IOException, InterruptedException;

    /** {@code token} was refused with 401; the next {@link #get()} should not return it again. */
    default void rejected(String token) {
    }

    /** A fixed token, for a token file or {@code MERIDIAN_TOKEN}: it cannot be renewed. */
    static BearerToken fixed(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("a bearer token must not be blank");
        }
        String t = token.trim();
        return () -> t;
    }
}
