package io.meridian.region.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.hono.client.ServerErrorException;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.configuration.global.ShutdownHookBehavior;
import org.infinispan.manager.DefaultCacheManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hono's device connection cache contract over a real embedded Infinispan cache. */
class InfinispanDeviceConnectionCacheTest {

    private DefaultCacheManager manager;
    private final InfinispanDeviceConnectionCache cache = new InfinispanDeviceConnectionCache();

    @BeforeEach
    void startInfinispan() {
        GlobalConfigurationBuilder global = new GlobalConfigurationBuilder().nonClusteredDefault();
        global.shutdown().hookBehavior(ShutdownHookBehavior.DONT_REGISTER);
        manager = new DefaultCacheManager(global.build(), true);
        manager.defineConfiguration("t", new ConfigurationBuilder().build());
    }

    @AfterEach
    void stopInfinispan() {
        manager.stop();
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void beforeItIsStarted_everyOperationFailsWith503() {
        for (Future<?> f : new Future<?>[] {cache.get("k"), cache.put("k", "v"), cache.remove("k", "v"), cache.getAll(Set.of("k")),
                cache.checkForCacheAvailability()}) {
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> await(f));
            assertEquals(503, assertInstanceOf(ServerErrorException.class, e.getCause()).getErrorCode());
        }
    }

    @Test
    void putGetRemoveAndGetAll_followHonosContract() throws Exception {
        cache.use(manager.<String, String>getCache("t"));
        await(cache.checkForCacheAvailability());
        await(cache.put("a", "1"));
        await(cache.putAll(Map.of("b", "2", "c", "3")));
        assertEquals("1", await(cache.get("a")));
        assertNull(await(cache.get("missing")));
        assertEquals(Map.of("a", "1", "c", "3"), await(cache.getAll(Set.of("a", "c", "missing"))));
        // remove only when the value still matches: Hono relies on this to not unregister a newer adapter instance
        assertFalse(await(cache.remove("a", "other")));
        assertTrue(await(cache.remove("a", "1")));
        assertNull(await(cache.get("a")));
    }

    @Test
    void entriesWithALifespan_expire() throws Exception {
        cache.use(manager.<String, String>getCache("t"));
        // a lifespan long enough that a stalled machine still reads the entry before it expires, and a poll for the expiry
        long put = System.nanoTime();
        await(cache.put("short", "v", 2, TimeUnit.SECONDS));
        await(cache.putAll(Map.of("short2", "v"), 2, TimeUnit.SECONDS));
        assertEquals("v", await(cache.get("short")));
        assertEquals("v", await(cache.get("short2")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((await(cache.get("short")) != null || await(cache.get("short2")) != null) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertNull(await(cache.get("short")));
        assertNull(await(cache.get("short2")));
        assertTrue(System.nanoTime() - put >= TimeUnit.SECONDS.toNanos(2), "expired before its lifespan");
    }
}
