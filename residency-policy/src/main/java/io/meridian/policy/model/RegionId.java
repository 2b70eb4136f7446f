package io.meridian.policy.model;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The identifier of a Meridian region, for example {@code eu-central}.
 *
 * <p>Region ids are lower-case words joined by hyphens, 2 to 32 characters long.
 */
public record RegionId(String value) implements Comparable<RegionId> {

    private static final Pattern FORMAT = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

    public RegionId {
        Objects.requireNonNull(value, "region id must not be null");
        if (value.length() < 2 || value.length() > 32 || !FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "region id must be 2-32 lower-case letters, digits and single hyphens, was '" + value + "'");
        }
    }

    /** Parses a region id; throws {@link IllegalArgumentException} when the text is not one. */
    public static RegionId of(String value) {
        return new RegionId(value);
    }

    @Override
    public int compareTo(RegionId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
