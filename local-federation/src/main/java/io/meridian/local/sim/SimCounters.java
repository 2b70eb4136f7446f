package io.meridian.local.sim;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The simulator's counters, per region: devices registered there, registrations that failed (counted under
 * {@code "none"}, since no region took them), messages published (sent), acknowledged (PUBACK) and failed.
 */
public final class SimCounters {

    /** One region's figures at one moment. */
    public record Counts(long devices, long registrationFailures, long published, long acked, long failed) {
        Counts plus(Counts o) {
            return new Counts(devices + o.devices, registrationFailures + o.registrationFailures, published + o.published, acked + o.acked,
                    failed + o.failed);
        }

        @Override
        public String toString() {
            return devices + " devices, " + published + " published, " + acked + " acked, " + failed + " failed"
                    + (registrationFailures > 0 ? ", " + registrationFailures + " registrations failed" : "");
        }
    }

    private static final class Adders {
        final LongAdder devices = new LongAdder();
        final LongAdder registrationFailures = new LongAdder();
        final LongAdder published = new LongAdder();
        final LongAdder acked = new LongAdder();
        final LongAdder failed = new LongAdder();
    }

    private final Map<String, Adders> byRegion = new ConcurrentHashMap<>();

    private Adders of(String region) {
        return byRegion.computeIfAbsent(region, r -> new Adders());
    }

    void registered(String region) {
        of(region).devices.increment();
    }

    void registrationFailed() {
        of("none").registrationFailures.increment();
    }

    void published(String region) {
        of(region).published.increment();
    }

    void acked(String region) {
        of(region).acked.increment();
    }

    void failed(String region) {
        of(region).failed.increment();
    }

    /** A consistent-enough copy, region by region, in region order. */
    public Map<String, Counts> snapshot() {
        Map<String, Counts> out = new TreeMap<>();
        byRegion.forEach((r, a) -> out.put(r, new Counts(a.devices.sum(), a.registrationFailures.sum(), a.published.sum(), a.acked.sum(),
                a.failed.sum())));
        return out;
    }

    /** Every region's counts summed. */
    public Counts total() {
        return snapshot().values().stream().reduce(new Counts(0, 0, 0, 0, 0), Counts::plus);
    }
}
