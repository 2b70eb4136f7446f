package io.meridian.policy.model;

import java.time.Duration;
import java.util.Objects;

/**
 * The platform-wide floor for aggregate exports. A tenant may only tighten these values.
 *
 * @param minDistinctDevices k: every exported cell must cover at least this many distinct devices (at least 2)
 * @param minWindow          the finest window an exported aggregate may have (at least one minute)
 * @param maxGeohashPrecision the finest geohash precision (characters, 1-12) a location group may have
 */
public record PolicyDefaults(int minDistinctDevices, Duration minWindow, int maxGeohashPrecision) {

    /** The defaults of ARCHITECTURE.md: k = 10, 15 minutes, geohash precision 5 (about 5 km). */
    public static final PolicyDefaults STANDARD = new PolicyDefaults(10, Duration.ofMinutes(15), 5);

    public PolicyDefaults {
        Objects.requireNonNull(minWindow, "minWindow must not be null");
        if (minDistinctDevices < 2) {
            throw new IllegalArgumentException("k (minDistinctDevices) must be at least 2, was " + minDistinctDevices);
        }
        if (minWindow.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("minWindow must be at least PT1M, was " + minWindow);
        }
        if (maxGeohashPrecision < 1 || maxGeohashPrecision > 12) {
            throw new IllegalArgumentException(
                    "maxGeohashPrecision must be between 1 and 12, was " + maxGeohashPrecision);
        }
    }
}
