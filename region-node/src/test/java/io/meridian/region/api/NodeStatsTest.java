package io.meridian.region.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.meridian.region.adapter.TenantConnections;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.hono.util.TenantObject;
import org.junit.jupiter.api.Test;

class NodeStatsTest {

    private final Map<String, Long> counts = new ConcurrentHashMap<>(Map.of("lampco", 3L, "carehome", 4L));
    private final AtomicInteger queries = new AtomicInteger();
    private final TenantConnections connections = new TenantConnections();
    private Instant now = Instant.parse("2026-11-24T17:00:00Z");
    private final Clock clock = ((InstantSource) () -> now).withZone(ZoneOffset.UTC);
    private final NodeStats stats = new NodeStats(t -> {
        queries.incrementAndGet();
        return Future.succeededFuture(counts.getOrDefault(t, 0L));
    }, () -> Future.succeededFuture(List.copyOf(counts.keySet())), connections, clock, Duration.ofSeconds(5));

    @Test
    void registryCounts_areCachedForTheirAge_thenRefreshed_perTenantAndForTheNode() {
        assertEquals(3L, stats.registered(Optional.of("lampco")).result());
        assertEquals(7L, stats.registered(Optional.empty()).result());
        int asked = queries.get();
        counts.put("lampco", 10L);
        now = now.plusSeconds(4);
        assertEquals(3L, stats.registered(Optional.of("lampco")).result(), "4 s old: cached");
        assertEquals(asked, queries.get(), "no registry query within the age");
        now = now.plusSeconds(2);
        assertEquals(10L, stats.registered(Optional.of("lampco")).result(), "6 s old: refreshed");
        assertEquals(14L, stats.registered(Optional.empty()).result());
    }

    @Test
    void whileARefreshRuns_theStaleValueIsAnswered_andOnlyOneQueryIsMade() {
        Promise<Long> slow = Promise.promise();
        AtomicInteger calls = new AtomicInteger();
        NodeStats slowStats = new NodeStats(t -> {
            calls.incrementAndGet();
            return calls.get() == 1 ? Future.succeededFuture(1L) : slow.future();
        }, () -> Future.succeededFuture(List.of()), connections, clock, Duration.ofSeconds(5));
        assertEquals(1L, slowStats.registered(Optional.of("lampco")).result());
        now = now.plusSeconds(10);
        assertEquals(1L, slowStats.registered(Optional.of("lampco")).result());
        assertEquals(1L, slowStats.registered(Optional.of("lampco")).result());
        assertEquals(2, calls.get(), "one refresh at a time");
        slow.complete(2L);
        assertEquals(2L, slowStats.registered(Optional.of("lampco")).result());
    }

    @Test
    void aFailedFirstCount_fails_andIsAskedAgainNextTime() {
        AtomicInteger calls = new AtomicInteger();
        NodeStats failing = new NodeStats(t -> calls.incrementAndGet() == 1 ? Future.failedFuture("registry down") : Future.succeededFuture(5L),
                () -> Future.succeededFuture(List.of()), connections, clock, Duration.ofSeconds(5));
        assertFalse(failing.registered(Optional.of("lampco")).succeeded());
        assertEquals(5L, failing.registered(Optional.of("lampco")).result());
    }

    @Test
    void connectionsAndRates_comeFromTheAdapters_perTenantAndInTotal() {
        connections.tryAcquire(TenantObject.from("lampco", true));
        connections.tryAcquire(TenantObject.from("lampco", true));
        connections.tryAcquire(TenantObject.from("carehome", true));
        connections.ingest().accepted("lampco");
        assertEquals(2, stats.connected(Optional.of("lampco")));
        assertEquals(3, stats.connected(Optional.empty()));
        assertEquals(0, stats.connected(Optional.of("nobody")));
        assertEquals(0.1, stats.ingestPerSecond(Optional.of("lampco")), 1e-9);
        assertEquals(0.0, stats.ingestPerSecond(Optional.of("carehome")), 1e-9);
    }
}
