package io.meridian.region.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.infinispan.Cache;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.configuration.global.ShutdownHookBehavior;
import org.infinispan.manager.DefaultCacheManager;

/**
 * Each device's latest state (the last value of every metric and its last location) in an embedded Infinispan
 * cache, {@code latest-state}. An entry expires after a while without data, so a retired device leaves no state
 * behind for ever, and the number of entries is bounded.
 *
 * <p>Updates are merges by event time: a value replaces the held one only when it is not older, so a record
 * delivered twice or out of order never moves the state backwards. The state is derived data; after a restart
 * the region data API falls back to the newest raw row until new data arrives. Thread-safe.
 */
public final class LatestState implements AutoCloseable {

    public static final String CACHE_NAME = "latest-state";
    public static final Duration DEFAULT_EXPIRY = Duration.ofDays(7);
    public static final long DEFAULT_MAX_DEVICES = 1_000_000;

    /** One metric's last value and when it was measured. */
    public record Value(double value, Instant time) implements java.io.Serializable {
    }

    /**
     * A device's state.
     *
     * @param metrics  each metric's last value
     * @param lat      the last location, with {@code lon} and {@code locatedAt}
     * @param lastSeen the event time of the newest record applied
     */
    public record DeviceState(Map<String, Value> metrics, Optional<Double> lat, Optional<Double> lon, Optional<Instant> locatedAt,
            Instant lastSeen) {

        public DeviceState {
            metrics = Map.copyOf(metrics);
        }

        DeviceState merge(Instant time, Map<String, Double> values, Optional<Double> newLat, Optional<Double> newLon) {
            Map<String, Value> merged = new HashMap<>(metrics);
            values.forEach((name, v) -> merged.merge(name, new Value(v, time), (old, now) -> now.time().isBefore(old.time()) ? old : now));
            boolean move = newLat.isPresent() && (locatedAt.isEmpty() || !time.isBefore(locatedAt.get()));
            return new DeviceState(merged, move ? newLat : lat, move ? newLon : lon, move ? Optional.of(time) : locatedAt,
                    time.isAfter(lastSeen) ? time : lastSeen);
        }

        static DeviceState first(Instant time, Map<String, Double> values, Optional<Double> lat, Optional<Double> lon) {
            return new DeviceState(Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), time).merge(time, values, lat, lon);
        }
    }

    record Key(String tenantId, String deviceId) {
    }

    private final DefaultCacheManager manager;
    private final Cache<Key, DeviceState> cache;
    private final Duration expiry;

    private LatestState(DefaultCacheManager manager, Duration expiry) {
        this.manager = manager;
        this.cache = manager.getCache(CACHE_NAME);
        this.expiry = expiry;
    }

    /**
     * Starts the embedded, node-local cache manager (blocking, under a second).
     *
     * @throws IllegalArgumentException when the expiry is not positive or the bound below one
     */
    public static LatestState start(String regionId, Duration expiry, long maxDevices) {
        Objects.requireNonNull(expiry, "expiry must not be null");
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("latest-state expiry must be positive, was " + expiry);
        }
        if (maxDevices < 1) {
            throw new IllegalArgumentException("latest-state size must be at least 1, was " + maxDevices);
        }
        GlobalConfigurationBuilder global = new GlobalConfigurationBuilder().nonClusteredDefault();
        // the node's shutdown hook closes this in order, after the ingest stopped writing
        global.shutdown().hookBehavior(ShutdownHookBehavior.DONT_REGISTER);
        global.cacheContainer().name("meridian-latest-state-" + regionId);
        global.jmx().enabled(false);
        DefaultCacheManager manager = new DefaultCacheManager(global.build(), true);
        ConfigurationBuilder cache = new ConfigurationBuilder();
        cache.expiration().lifespan(expiry.toMillis(), TimeUnit.MILLISECONDS);
        cache.memory().maxCount(maxDevices);
        manager.defineConfiguration(CACHE_NAME, cache.build());
        return new LatestState(manager, expiry);
    }

    /** Applies one stored record's metrics and location. */
    public void apply(String tenantId, String deviceId, Instant time, Map<String, Double> metrics, Optional<Double> lat,
            Optional<Double> lon) {
        if (metrics.isEmpty() && lat.isEmpty()) {
            return;
        }
        cache.compute(new Key(tenantId, deviceId), (k, old) -> old == null ? DeviceState.first(time, metrics, lat, lon)
                : old.merge(time, metrics, lat, lon), expiry.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Applies every row of a stored batch. */
    public void applyAll(List<RawStore.RawRow> rows) {
        for (RawStore.RawRow row : rows) {
            apply(row.tenantId(), row.deviceId(), row.eventTime(), row.metrics(), row.lat(), row.lon());
        }
    }

    public Optional<DeviceState> get(String tenantId, String deviceId) {
        return Optional.ofNullable(cache.get(new Key(tenantId, deviceId)));
    }

    /** How many devices have state here now. */
    public int size() {
        return cache.size();
    }

    @Override
    public void close() {
        manager.stop();
    }
    /**
     * Calls {@code each} with the tenant and device of every entry held, for the audit's storage check. The cache is
     * node-local, so this sees exactly what this node holds; entries may expire while it runs.
     */
    public void forEachDevice(java.util.function.BiConsumer<String, String> each) {
        try (var keys = cache.keySet().stream()) {
            keys.forEach(k -> each.accept(k.tenantId(), k.deviceId()));
        }
    }

}
