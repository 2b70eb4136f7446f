package io.meridian.region.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RegistryCacheTest {

    private final AtomicInteger reads = new AtomicInteger();

    private Future<String> read(String answer) {
        reads.incrementAndGet();
        return Future.succeededFuture(answer);
    }

    @Test
    void secondLookup_isAnsweredWithoutReading() {
        RegistryCache cache = RegistryCache.defaults();
        assertEquals("lamp", cache.get("assertion", "lampco", List.of("lamp-1"), () -> read("lamp")).result());
        assertEquals("lamp", cache.get("assertion", "lampco", List.of("lamp-1"), () -> read("other")).result());
        assertEquals(1, reads.get());
        // another key is another read
        cache.get("assertion", "lampco", List.of("lamp-2"), () -> read("lamp-2"));
        assertEquals(2, reads.get());
    }

    @Test
    void failedLookup_isNotKept() {
        RegistryCache cache = RegistryCache.defaults();
        Future<String> failed = cache.get("assertion", "lampco", List.of("new"), () -> {
            reads.incrementAndGet();
            return Future.failedFuture("404 device not found");
        });
        assertTrue(failed.failed());
        // the device registered a moment later is found on the next lookup
        assertEquals("new", cache.get("assertion", "lampco", List.of("new"), () -> read("new")).result());
        assertEquals(2, reads.get());
    }

    @Test
    void aLoaderMayLookUpThisCacheItself() {
        RegistryCache cache = RegistryCache.defaults();
        // the same key from inside its own loader: the pending answer, not the map's "Recursive update"
        AtomicInteger nested = new AtomicInteger();
        Future<String> outer = cache.get("credentials", "lampco", List.of("lamp-1"), () -> {
            Future<String> inner = cache.get("credentials", "lampco", List.of("lamp-1"), () -> read("unused"));
            assertTrue(!inner.isComplete(), "the inner lookup waits for the outer read");
            nested.incrementAndGet();
            return read("lamp-1");
        });
        assertEquals("lamp-1", outer.result());
        assertEquals(1, nested.get());
        assertEquals(1, reads.get());
        // other keys from inside a loader, as a credentials lookup reads its tenant: 500 of them, so that some share a bin
        for (int i = 0; i < 500; i++) {
            String tenant = "tenant-" + i;
            Future<String> credentials = cache.get("credentials", tenant, List.of("device"), () ->
                    cache.get("tenant", tenant, List.of(), () -> read(tenant)).map(t -> t + "/device"));
            assertEquals(tenant + "/device", credentials.result());
        }
        assertEquals(1 + 500, reads.get());
    }

    @Test
    void aLoaderThatThrows_leavesNothingBehind() {
        RegistryCache cache = RegistryCache.defaults();
        assertThrows(IllegalStateException.class, () -> cache.get("tenant", "lampco", List.of(), () -> {
            throw new IllegalStateException("no session");
        }));
        assertEquals(0, cache.size());
        assertEquals("lampco", cache.get("tenant", "lampco", List.of(), () -> read("lampco")).result());
    }

    @Test
    void concurrentLookups_shareOneRead_andALaterFailureIsForgotten() {
        RegistryCache cache = RegistryCache.defaults();
        Promise<String> pending = Promise.promise();
        Future<String> first = cache.get("tenant", "lampco", List.of(), () -> {
            reads.incrementAndGet();
            return pending.future();
        });
        Future<String> second = cache.get("tenant", "lampco", List.of(), () -> read("unused"));
        assertSame(first, second);
        assertEquals(1, reads.get());
        pending.fail("cassandra unavailable");
        assertEquals(0, cache.size());
    }

    @Test
    void invalidateTenant_dropsOnlyThatTenantsAnswers() {
        RegistryCache cache = RegistryCache.defaults();
        cache.get("tenant", "lampco", List.of(), () -> read("lampco"));
        cache.get("credentials", "lampco", List.of("hashed-password", "lamp-1"), () -> read("creds"));
        cache.get("tenant", "carehome", List.of(), () -> read("carehome"));
        cache.invalidateTenant("lampco");
        assertEquals(1, cache.size());
        cache.get("tenant", "lampco", List.of(), () -> read("lampco"));
        assertEquals(4, reads.get());
    }

    @Test
    void disabledCache_readsEveryTime() {
        RegistryCache cache = RegistryCache.disabled();
        cache.get("tenant", "lampco", List.of(), () -> read("a"));
        cache.get("tenant", "lampco", List.of(), () -> read("a"));
        assertEquals(2, reads.get());
    }

    @Test
    void expiredAnswer_isReadAgain() throws InterruptedException {
        RegistryCache cache = new RegistryCache(Duration.ofMillis(50), 100);
        cache.get("tenant", "lampco", List.of(), () -> read("a"));
        Thread.sleep(120);
        cache.get("tenant", "lampco", List.of(), () -> read("a"));
        assertEquals(2, reads.get());
    }

    @Test
    void badSettings_areRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RegistryCache(Duration.ofSeconds(-1), 10));
        assertThrows(IllegalArgumentException.class, () -> new RegistryCache(Duration.ofSeconds(1), -1));
    }
}
