package io.meridian.region.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The adapters' cache of registry answers (tenants, registration assertions, credentials), so that a PUBLISH
 * does not read Cassandra twice. Without it every message cost a tenant read and a device read, which capped
 * the node at a few thousand messages per second.
 *
 * <ul>
 * <li>Only successful answers stay; a failed lookup (unknown device, Cassandra down) is forgotten at once, so
 *     a device registered a moment later, or a recovered Cassandra, is seen on the next lookup.</li>
 * <li>Concurrent lookups of one key share one read.</li>
 * <li>Any change that the registry's management API writes in this node drops every entry of its tenant at
 *     once ({@link #invalidateTenant}), so disabling a device or a tenant, or replacing credentials, applies
 *     to the next message. A change written by another node of the same region (several instances behind
 *     one Cassandra) is seen after at most {@link #ttl()}.</li>
 * </ul>
 * Thread-safe.
 */
public final class RegistryCache {

    /** How long an answer may be used; also the most a change made elsewhere takes to be seen. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);

    /** Enough for every device of a large region's connected fleet, bounded so memory stays bounded. */
    public static final long DEFAULT_MAX_ENTRIES = 200_000;

    /** What is cached: the kind of answer, its tenant, and the rest of its key. */
    record Key(String kind, String tenantId, List<String> rest) {
    }

    private final Cache<Key, Future<?>> cache;
    private final Duration ttl;

    public RegistryCache(Duration ttl, long maxEntries) {
        Objects.requireNonNull(ttl, "ttl must not be null");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("registry cache TTL must not be negative, was " + ttl);
        }
        if (maxEntries < 0) {
            throw new IllegalArgumentException("registry cache size must not be negative, was " + maxEntries);
        }
        this.ttl = ttl;
        this.cache = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(maxEntries).build();
    }

    public static RegistryCache defaults() {
        return new RegistryCache(DEFAULT_TTL, DEFAULT_MAX_ENTRIES);
    }

    /** A cache that keeps nothing: every lookup reads the registry. */
    public static RegistryCache disabled() {
        return new RegistryCache(Duration.ZERO, 0);
    }

    public Duration ttl() {
        return ttl;
    }

    /**
     * The cached answer for the key, or {@code loader}'s, kept only when it succeeds.
     *
     * @param kind what is looked up ({@code tenant}, {@code assertion}, {@code credentials})
     */
    @SuppressWarnings("unchecked")
    <T> Future<T> get(String kind, String tenantId, List<String> rest, Supplier<Future<T>> loader) {
        if (ttl.isZero()) {
            return loader.get();
        }
        Key key = new Key(kind, tenantId, rest);
        ConcurrentMap<Key, Future<?>> map = cache.asMap();
        Future<T> held = (Future<T>) map.get(key);
        if (held != null) {
            return held;
        }
        Promise<T> promise = Promise.promise();
        Future<T> mine = promise.future();
        held = (Future<T>) map.putIfAbsent(key, mine);
        if (held != null) {
            return held;
        }
        // the loader runs outside the map's lock, not in a computeIfAbsent: a loader may look something up in this cache
        // itself, and a nested computeIfAbsent that lands in the same bin of the map fails with "Recursive update"
        // (which refused devices at random, as the bin depends on the key's hash)
        mine.onFailure(t -> map.remove(key, mine));
        Future<T> loaded;
        try {
            loaded = loader.get();
        } catch (RuntimeException e) {
            promise.fail(e);
            throw e;
        }
        loaded.onComplete(promise);
        return mine;
    }

    /** Drops every answer about the tenant: called after each change the management API writes. */
    public void invalidateTenant(String tenantId) {
        cache.asMap().keySet().removeIf(k -> k.tenantId().equals(tenantId));
    }

    /** How many answers are held now (for tests and metrics). */
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }
}
