package io.meridian.region.aggregate;

import java.util.Objects;

/**
 * The group a window cell aggregates over, within one tenant and metric: the whole tenant
 * ({@link #ALL}), the devices carrying one label value ({@code label:<key>} = value), or one geohash cell
 * ({@code geohash} = cell at the tenant's precision).
 *
 * @param kind  {@code all}, {@code geohash} or {@code label:<key>}
 * @param value {@code *} for {@code all}, else the label value or the geohash cell; not empty
 */
public record GroupKey(String kind, String value) {

    /** The kind of the one group that covers the whole tenant. */
    public static final String KIND_ALL = "all";
    /** The kind of geohash cell groups. */
    public static final String KIND_GEOHASH = "geohash";
    /** The prefix of label group kinds: {@code label:model}. */
    public static final String LABEL_PREFIX = "label:";
    /** The whole tenant. */
    public static final GroupKey ALL = new GroupKey(KIND_ALL, "*");

    /**
     * @throws IllegalArgumentException when the kind is not one of the three forms, or the value is empty,
     *                                  longer than 256 characters or holds control characters
     */
    public GroupKey {
        Objects.requireNonNull(kind, "group kind must not be null");
        Objects.requireNonNull(value, "group value must not be null");
        validateKind(kind);
        if (value.isEmpty() || value.length() > 256 || value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("group value must be 1 to 256 characters without control characters, was '"
                    + value + "'");
        }
        if (kind.equals(KIND_ALL) && !value.equals("*")) {
            throw new IllegalArgumentException("the value of group kind 'all' must be '*', was '" + value + "'");
        }
    }

    /** The group of devices whose label {@code key} has {@code value}. */
    public static GroupKey label(String key, String value) {
        Objects.requireNonNull(key, "label key must not be null");
        return new GroupKey(LABEL_PREFIX + key, value);
    }

    /** The group of one geohash cell. */
    public static GroupKey geohash(String cell) {
        return new GroupKey(KIND_GEOHASH, cell);
    }

    /**
     * Checks a group kind as given to a query.
     *
     * @throws IllegalArgumentException when it is not {@code all}, {@code geohash} or {@code label:<key>}
     *                                  with a key of 1 to 128 characters without control characters
     */
    public static String validateKind(String kind) {
        Objects.requireNonNull(kind, "group kind must not be null");
        if (kind.equals(KIND_ALL) || kind.equals(KIND_GEOHASH)) {
            return kind;
        }
        if (kind.startsWith(LABEL_PREFIX)) {
            String key = kind.substring(LABEL_PREFIX.length());
            if (!key.isEmpty() && key.length() <= 128 && key.chars().noneMatch(Character::isISOControl)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("group kind must be 'all', 'geohash' or 'label:<key>' (key of 1 to 128"
                + " characters without control characters), was '" + kind + "'");
    }

    @Override
    public String toString() {
        return kind + "=" + value;
    }
}
