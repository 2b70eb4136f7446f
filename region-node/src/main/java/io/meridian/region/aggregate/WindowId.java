package io.meridian.region.aggregate;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * One window of one tenant's metric at one resolution: all its groups share a Cassandra partition and are
 * loaded together.
 */
record WindowId(String tenantId, String metric, Resolution resolution, Instant start) {

    WindowId {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(metric, "metric must not be null");
        Objects.requireNonNull(resolution, "resolution must not be null");
        Objects.requireNonNull(start, "start must not be null");
        if (!resolution.isAligned(start)) {
            throw new IllegalArgumentException("window start must be aligned to " + resolution.code() + ", was " + start);
        }
    }

    Instant end() {
        return start.plus(resolution.length());
    }

    /** The UTC day of the window's start: the last part of its partition key. */
    LocalDate day() {
        return LocalDate.ofInstant(start, ZoneOffset.UTC);
    }

    @Override
    public String toString() {
        return tenantId + "/" + metric + "/" + resolution.code() + "@" + start;
    }
}
