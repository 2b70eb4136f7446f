package io.meridian.region.aggregate;

import io.meridian.aggregate.WindowState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Window rows in a map, stored serialized as Cassandra would hold them, for the aggregator's unit tests
 * (AggregateStoreIT runs the same protocol against real Cassandra). Writes can be made to fail.
 */
final class InMemoryWindowRows implements WindowRows {

    record Stored(byte[] state, Map<String, Long> appliedOffsets, Duration ttl) {
    }

    final Map<WindowId, Map<GroupKey, Stored>> rows = new HashMap<>();
    int loads;
    int writes;
    /** Writes that succeed before the rest fail; negative for never failing. */
    int writesBeforeFailure = -1;
    boolean failLoads;

    @Override
    public CompletionStage<Map<GroupKey, AggregateStore.LoadedRow>> load(WindowId window) {
        loads++;
        if (failLoads) {
            return CompletableFuture.failedFuture(new IllegalStateException("store unavailable"));
        }
        Map<GroupKey, AggregateStore.LoadedRow> loaded = new HashMap<>();
        rows.getOrDefault(window, Map.of()).forEach((group, stored) -> loaded.put(group,
                new AggregateStore.LoadedRow(group, WindowState.deserialize(stored.state()), new HashMap<>(stored.appliedOffsets()))));
        return CompletableFuture.completedFuture(loaded);
    }

    @Override
    public CompletionStage<Void> write(WindowId window, GroupKey group, WindowState state, Map<String, Long> appliedOffsets,
            Duration ttl, Instant updatedAt) {
        if (writesBeforeFailure == 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("write timed out"));
        }
        if (writesBeforeFailure > 0) {
            writesBeforeFailure--;
        }
        writes++;
        rows.computeIfAbsent(window, w -> new HashMap<>()).put(group, new Stored(state.serialize(), Map.copyOf(appliedOffsets), ttl));
        return CompletableFuture.completedFuture(null);
    }

    WindowState state(String tenant, String metric, Resolution resolution, Instant start, GroupKey group) {
        Stored stored = rows.getOrDefault(new WindowId(tenant, metric, resolution, start), Map.of()).get(group);
        return stored == null ? null : WindowState.deserialize(stored.state());
    }

    int rowCount() {
        return rows.values().stream().mapToInt(Map::size).sum();
    }
}
