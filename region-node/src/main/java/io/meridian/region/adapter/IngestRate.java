package io.meridian.region.adapter;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Messages accepted by the node's adapters (handed to the region's Kafka and, for QoS 1 and events, acknowledged by
 * it) over a sliding window of {@link #WINDOW}, per tenant and for the whole node. The console's live "ingest msg/s"
 * comes from here ({@code GET /v1/stats}).
 *
 * <p>Each counter is a ring of one-second buckets stamped with their epoch second, so a bucket from an earlier
 * lap of the ring counts as zero: no timer is needed to age the counts, and a tenant that stops sending drops
 * to zero within the window. Memory is one small ring per tenant that sent through this node since it started.
 * Thread-safe; a message costs one short lock of its tenant's ring and one of the node's.
 */
public final class IngestRate {

    /** The window the rate is averaged over. */
    public static final Duration WINDOW = Duration.ofSeconds(10);
    private static final int SECONDS = (int) WINDOW.toSeconds();

    private final Clock clock;
    private final Ring total = new Ring();
    private final ConcurrentHashMap<String, Ring> tenants = new ConcurrentHashMap<>();

    public IngestRate() {
        this(Clock.systemUTC());
    }

    IngestRate(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /** Counts one accepted message of the tenant. */
    public void accepted(String tenantId) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        long second = clock.millis() / 1000;
        total.add(second);
        tenants.computeIfAbsent(tenantId, t -> new Ring()).add(second);
    }

    /** Messages per second of the node, averaged over the last {@link #WINDOW} (the current second included). */
    public double perSecond() {
        return total.sum(clock.millis() / 1000) / (double) SECONDS;
    }

    /** Messages per second of one tenant on this node, averaged over the last {@link #WINDOW}. */
    public double perSecond(String tenantId) {
        Ring ring = tenants.get(tenantId);
        return ring == null ? 0.0 : ring.sum(clock.millis() / 1000) / (double) SECONDS;
    }

    /** One-second buckets, each valid only for the second it is stamped with. */
    private static final class Ring {
        private final long[] stamps = new long[SECONDS];
        private final long[] counts = new long[SECONDS];

        synchronized void add(long second) {
            int i = (int) Math.floorMod(second, (long) SECONDS);
            if (stamps[i] != second) {
                stamps[i] = second;
                counts[i] = 0;
            }
            counts[i]++;
        }

        /** The messages of the seconds {@code now - 9 .. now}. */
        synchronized long sum(long now) {
            long sum = 0;
            for (int i = 0; i < SECONDS; i++) {
                if (stamps[i] > now - SECONDS && stamps[i] <= now) {
                    sum += counts[i];
                }
            }
            return sum;
        }
    }
}
