package io.meridian.catalog.store;

import io.meridian.catalog.store.CatalogStore.Assignment;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.infinispan.Cache;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.configuration.global.ShutdownHookBehavior;
import org.infinispan.manager.DefaultCacheManager;

/**
 * An embedded Infinispan cache of assignments in front of {@link CatalogStore}, for the bootstrap path: a device
 * bootstraps far more often than it is registered. Every write through the catalog invalidates its entry here
 * ({@link #invalidate}); absent devices are not cached, so a registration is seen at its device's next bootstrap.
 *
 * <p>The cache is local to one catalog process. With several catalog instances, an entry changed by another
 * instance is served stale until its lifespan ends (default 60 s); only re-homing changes an ACTIVE entry's
 * region, and the device's old region refuses it in the meantime, so the device retries. A cluster-wide
 * invalidation (Infinispan's invalidation mode over JGroups) is not built.
 */
public final class NearCache implements AutoCloseable {

    static final String CACHE_NAME = "catalog-assignments";

    private final DefaultCacheManager manager;
    private final Cache<String, Assignment> cache;
    private final CatalogStore store;

    private NearCache(DefaultCacheManager manager, CatalogStore store) {
        this.manager = manager;
        this.cache = manager.getCache(CACHE_NAME);
        this.store = store;
    }

    /**
     * Starts the cache (blocking, under a second).
     *
     * @param lifespan   how long an entry may be served without a read of the store
     * @param maxEntries the bound on cached assignments
     */
    public static NearCache start(CatalogStore store, Duration lifespan, long maxEntries) {
        Objects.requireNonNull(store, "store must not be null");
        Objects.requireNonNull(lifespan, "lifespan must not be null");
        if (lifespan.isNegative() || lifespan.isZero()) {
            throw new IllegalArgumentException("near-cache lifespan must be positive, was " + lifespan);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("near-cache size must be at least 1, was " + maxEntries);
        }
        GlobalConfigurationBuilder global = new GlobalConfigurationBuilder().nonClusteredDefault();
        global.shutdown().hookBehavior(ShutdownHookBehavior.DONT_REGISTER);
        global.cacheContainer().name("meridian-catalog");
        global.jmx().enabled(false);
        DefaultCacheManager manager = new DefaultCacheManager(global.build(), true);
        ConfigurationBuilder cache = new ConfigurationBuilder();
        cache.expiration().lifespan(lifespan.toMillis(), TimeUnit.MILLISECONDS);
        cache.memory().maxCount(maxEntries);
        manager.defineConfiguration(CACHE_NAME, cache.build());
        return new NearCache(manager, store);
    }

    /** The assignment, from the cache or else the store (and then cached, when it is ACTIVE). */
    public CompletionStage<Optional<Assignment>> get(String deviceKey) {
        Assignment hit = cache.get(deviceKey);
        if (hit != null) {
            return java.util.concurrent.CompletableFuture.completedFuture(Optional.of(hit));
        }
        return store.assignmentFast(deviceKey).thenApply(found -> {
            found.filter(a -> a.state() == CatalogStore.State.ACTIVE).ifPresent(a -> cache.putIfAbsent(deviceKey, a));
            return found;
        });
    }

    /** Drops an entry after a change. */
    public void invalidate(String deviceKey) {
        cache.remove(deviceKey);
    }

    /** How many entries are cached now. */
    public int size() {
        return cache.size();
    }

    @Override
    public void close() {
        manager.stop();
    }
}
