package io.meridian.region.api;

import io.meridian.region.adapter.TenantConnections;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What {@code GET /v1/stats} reports for the node: devices registered in the region (from the registry), devices
 * connected to this node's adapters and the messages they accepted over the last 10 s (both from
 * {@link TenantConnections}), per tenant or for the whole node.
 *
 * <p>The registry counts are Cassandra {@code COUNT(*)} queries, a partition scan each, and the total is one per
 * tenant; the console asks every 2 s per open stream. So a count is cached for {@link #DEFAULT_MAX_AGE}: a
 * request within that age gets the cached value, a later one gets it too while one refresh runs behind it, and
 * only the very first request of a scope waits for the registry. Connection counts and rates are in memory.
 */
public final class NodeStats {

    /** How old a registry count may be before a request starts a refresh. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(5);
    private static final String ALL = "\u0000all";

    private final Function<String, Future<Long>> deviceCount;
    private final Supplier<Future<List<String>>> tenantIds;
    private final TenantConnections connections;
    private final Clock clock;
    private final Duration maxAge;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    /**
     * @param deviceCount how many devices a tenant has in the region's registry
     * @param tenantIds   every tenant of the region's registry
     * @param connections the node's adapters' connections and accepted messages
     */
    public NodeStats(Function<String, Future<Long>> deviceCount, Supplier<Future<List<String>>> tenantIds, TenantConnections connections,
            Clock clock, Duration maxAge) {
        this.deviceCount = Objects.requireNonNull(deviceCount, "deviceCount must not be null");
        this.tenantIds = Objects.requireNonNull(tenantIds, "tenantIds must not be null");
        this.connections = Objects.requireNonNull(connections, "connections must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
        this.maxAge = Objects.requireNonNull(maxAge, "maxAge must not be null");
    }

    /** Devices registered in the region: the tenant's, or every tenant's when {@code tenant} is empty. */
    public Future<Long> registered(Optional<String> tenant) {
        String key = tenant.orElse(ALL);
        long now = clock.millis();
        Cached entry = cache.computeIfAbsent(key, k -> new Cached());
        synchronized (entry) {
            if (entry.value != null && now - entry.at < maxAge.toMillis()) {
                return Future.succeededFuture(entry.value);
            }
            Future<Long> refresh = entry.refreshing;
            if (refresh == null) {
                Promise<Long> done = Promise.promise();
                refresh = done.future();
                entry.refreshing = refresh;
                // the count may complete at once (a cached driver answer, a test): the local keeps its future either way
                count(tenant).onComplete(r -> {
                    synchronized (entry) {
                        if (r.succeeded()) {
                            entry.value = r.result();
                            entry.at = clock.millis();
                        }
                        entry.refreshing = null;
                    }
                    done.handle(r);
                });
            }
            // a stale value is better than a wait: the refresh above replaces it within the query's time
            return entry.value != null ? Future.succeededFuture(entry.value) : refresh;
        }
    }

    /** MQTT connections open on this node now (HTTP devices hold no connection between requests). */
    public int connected(Optional<String> tenant) {
        return tenant.map(connections::count).orElseGet(connections::total);
    }

    /** Messages per second accepted by this node's adapters over the last 10 s. */
    public double ingestPerSecond(Optional<String> tenant) {
        return tenant.map(connections.ingest()::perSecond).orElseGet(connections.ingest()::perSecond);
    }

    private Future<Long> count(Optional<String> tenant) {
        if (tenant.isPresent()) {
            return deviceCount.apply(tenant.get());
        }
        return tenantIds.get().compose(ids -> Future.all(ids.stream().map(deviceCount).toList())
                .map(all -> java.util.stream.IntStream.range(0, ids.size()).mapToLong(i -> all.<Long>resultAt(i)).sum()));
    }

    private static final class Cached {
        Long value;
        long at;
        Future<Long> refreshing;
    }
}
