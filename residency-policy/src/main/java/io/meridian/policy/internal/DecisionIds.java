package io.meridian.policy.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes decision ids: UUID version 7 (RFC 9562), so ids sort by time, which suits a log keyed by time.
 *
 * <p>The 74 random bits come from {@link ThreadLocalRandom}: ids must be unique, not unguessable (a
 * decision id grants nothing), and {@link UUID#randomUUID()} goes through a shared {@code SecureRandom}
 * that would dominate the cost of a raw decision.
 */
final class DecisionIds {

    private DecisionIds() {
    }

    static UUID next(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }
}
