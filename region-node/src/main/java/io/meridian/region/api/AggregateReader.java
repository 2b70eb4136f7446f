package io.meridian.region.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the data API needs of the region's stored aggregates. Blocking. */
public interface AggregateReader {

    /**
     * One aggregate cell: a window (or, merged, the whole queried range) of one group.
     *
     * @param windowStart     the start of the window
     * @param window          its length
     * @param groupKind       {@code all}, {@code label:<key>} or {@code geohash}
     * @param groupValue      the label value or geohash cell; empty for {@code all}
     * @param quantiles       p50, p90, p99 from the quantile sketch
     * @param state           the serialized mergeable state (count, sum, min, max, distinct devices, sketch)
     */
    record Cell(Instant windowStart, Duration window, String groupKind, String groupValue, long count, double sum, double min,
            double max, long distinctDevices, Map<String, Double> quantiles, byte[] state) {
    }

    /**
     * @param resolution 1 min, 15 min or 1 h
     * @param groupKind  only cells of this group kind, when given
     * @param merge      one cell per group over {@code [from, to)} instead of one per window
     * @throws IllegalArgumentException when the resolution is not one of the three
     */
    List<Cell> read(String tenantId, String metric, Duration resolution, Instant from, Instant to, Optional<String> groupKind,
            boolean merge);
}
