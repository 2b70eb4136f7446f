package io.meridian.region.aggregate;

import io.meridian.aggregate.WindowState;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Where the aggregator loads and persists window rows: {@link AggregateStore}, or a map in unit tests. */
interface WindowRows {

    /** Every stored group row of the window; an empty map when none is stored. */
    CompletionStage<Map<GroupKey, AggregateStore.LoadedRow>> load(WindowId window);

    /** Replaces one group row of the window; may throw IllegalArgumentException for a bad TTL. */
    CompletionStage<Void> write(WindowId window, GroupKey group, WindowState state, Map<String, Long> appliedOffsets,
            Duration ttl, Instant updatedAt);
}
