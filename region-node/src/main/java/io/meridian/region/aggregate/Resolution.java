package io.meridian.region.aggregate;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The tumbling windows every record is aggregated into. Windows are aligned to the epoch: the 15-minute
 * window of 10:07 starts at 10:00, the hour window at 10:00, so every region cuts the same windows and
 * their states merge cell by cell.
 */
public enum Resolution {
    /** One minute. */
    MINUTE("1m", Duration.ofMinutes(1)),
    /** Fifteen minutes. */
    QUARTER_HOUR("15m", Duration.ofMinutes(15)),
    /** One hour. */
    HOUR("1h", Duration.ofHours(1));

    private final String code;
    private final Duration length;
    private final long millis;

    Resolution(String code, Duration length) {
        this.code = code;
        this.length = length;
        this.millis = length.toMillis();
    }

    /** The short name used in Cassandra rows and in the API, for example {@code 15m}. */
    public String code() {
        return code;
    }

    /** The length of one window. */
    public Duration length() {
        return length;
    }

    /** The start of the window that holds {@code time} (windows are half-open: [start, start + length)). */
    public Instant windowStart(Instant time) {
        Objects.requireNonNull(time, "time must not be null");
        return Instant.ofEpochMilli(Math.floorDiv(time.toEpochMilli(), millis) * millis);
    }

    /** Whether {@code time} is the start of a window of this resolution. */
    public boolean isAligned(Instant time) {
        Objects.requireNonNull(time, "time must not be null");
        return time.getNano() % 1_000_000 == 0 && Math.floorMod(time.toEpochMilli(), millis) == 0;
    }

    /**
     * The resolution with this code.
     *
     * @throws IllegalArgumentException when the code is none of {@code 1m}, {@code 15m}, {@code 1h}
     */
    public static Resolution ofCode(String code) {
        for (Resolution r : values()) {
            if (r.code.equals(code)) {
                return r;
            }
        }
        throw new IllegalArgumentException("resolution must be one of "
                + Arrays.stream(values()).map(Resolution::code).collect(Collectors.joining(", ")) + ", was '" + code + "'");
    }
}
