package io.meridian.region.aggregate;

import io.meridian.aggregate.WindowState;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * One cell of an aggregate query: one group over one window (or, from {@link AggregateQuery#merged}, over
 * the whole queried range).
 *
 * @param group           the group
 * @param resolution      the resolution of the windows the cell was read from
 * @param windowStart     the window's start (the range's start for a merged cell)
 * @param window          the window's length (to - from for a merged cell)
 * @param count           values
 * @param sum             their sum
 * @param min             the smallest
 * @param max             the largest
 * @param mean            sum / count
 * @param distinctDevices distinct devices, exact when {@code distinctExact}, else an HLL estimate
 * @param distinctExact   whether {@code distinctDevices} is exact
 * @param p50             the median from the quantile sketch (within 1 %)
 * @param p90             the 90th percentile
 * @param p99             the 99th percentile
 * @param state           the serialized {@link WindowState}, for a caller that merges cells further (the
 *                        federation gateway merges regions); do not modify
 */
public record AggregateCell(GroupKey group, Resolution resolution, Instant windowStart, Duration window, long count,
        double sum, double min, double max, double mean, long distinctDevices, boolean distinctExact, double p50,
        double p90, double p99, byte[] state) {

    /** The cell of one state. */
    static AggregateCell of(GroupKey group, Resolution resolution, Instant windowStart, Duration window, WindowState state) {
        return of(group, resolution, windowStart, window, state, state.serialize());
    }

    /** The cell of one state whose serialized form the caller already has (as read from Cassandra). */
    static AggregateCell of(GroupKey group, Resolution resolution, Instant windowStart, Duration window, WindowState state,
            byte[] serialized) {
        return new AggregateCell(group, resolution, windowStart, window, state.count(), state.sum(), state.min(), state.max(),
                state.mean(), state.distinctDevices(), state.isDistinctExact(), state.quantile(0.5), state.quantile(0.9),
                state.quantile(0.99), serialized);
    }

    /** The state of this cell, decoded (a new object each call). */
    public WindowState decodeState() {
        return WindowState.deserialize(state);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AggregateCell c && group.equals(c.group) && resolution == c.resolution
                && windowStart.equals(c.windowStart) && window.equals(c.window) && Arrays.equals(state, c.state);
    }

    @Override
    public int hashCode() {
        return Objects.hash(group, resolution, windowStart, window, Arrays.hashCode(state));
    }

    @Override
    public String toString() {
        return "AggregateCell[" + group + ", " + resolution.code() + " @" + windowStart + " +" + window + ", count=" + count
                + ", sum=" + sum + ", min=" + min + ", max=" + max + ", distinct=" + distinctDevices
                + (distinctExact ? "" : "~") + ", p50=" + p50 + ", p90=" + p90 + ", p99=" + p99 + "]";
    }
}
