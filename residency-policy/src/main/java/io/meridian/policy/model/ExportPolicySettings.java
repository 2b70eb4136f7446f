package io.meridian.policy.model;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The one settings form of a tenant's {@link ExportPolicy}, used wherever it is written or read: the catalog's
 * tenant API takes it, the catalog pushes it to every region's registry as {@code ext.meridian.export} of the
 * tenant, and each region node's egress gate reads it back.
 *
 * <pre>
 * { "allowed-destinations": ["ZA"], "sccs-in-place": [], "k": 20, "min-window": "PT1H",
 *   "max-geohash-precision": 4, "allowed-labels": ["model"] }
 * </pre>
 *
 * Every field is optional; an absent one keeps the platform default. Arrays may be any {@link Iterable} (a JSON
 * library's array type as well as a {@link List}), so no JSON library is needed here.
 */
public final class ExportPolicySettings {

    public static final String ALLOWED_DESTINATIONS = "allowed-destinations";
    public static final String SCCS_IN_PLACE = "sccs-in-place";
    public static final String K = "k";
    public static final String MIN_WINDOW = "min-window";
    public static final String MAX_GEOHASH_PRECISION = "max-geohash-precision";
    public static final String ALLOWED_LABELS = "allowed-labels";

    private static final Set<String> FIELDS = Set.of(ALLOWED_DESTINATIONS, SCCS_IN_PLACE, K, MIN_WINDOW, MAX_GEOHASH_PRECISION,
            ALLOWED_LABELS);

    private ExportPolicySettings() {
    }

    /**
     * Reads the settings.
     *
     * @throws IllegalArgumentException naming the setting when one is malformed, unknown, or breaks a rule of
     *                                  {@link ExportPolicy} (it does not check the platform defaults: see
     *                                  {@link ExportPolicy#requireTightens})
     */
    public static ExportPolicy read(Map<String, ?> export) {
        Objects.requireNonNull(export, "export settings must not be null");
        for (String key : export.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new IllegalArgumentException("export setting " + key + " is unknown; known are " + new java.util.TreeSet<>(FIELDS));
            }
        }
        try {
            return new ExportPolicy(jurisdictions(export, ALLOWED_DESTINATIONS), jurisdictions(export, SCCS_IN_PLACE),
                    integer(export, K), duration(export, MIN_WINDOW), integer(export, MAX_GEOHASH_PRECISION),
                    strings(export, ALLOWED_LABELS));
        } catch (NullPointerException e) {
            throw new IllegalArgumentException("export settings must not hold null values: " + e.getMessage());
        }
    }

    /** The settings form of a policy: what {@link #read} reads back to an equal policy. Absent limits are left out. */
    public static Map<String, Object> write(ExportPolicy policy) {
        Objects.requireNonNull(policy, "policy must not be null");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(ALLOWED_DESTINATIONS, codes(policy.allowedDestinations()));
        out.put(SCCS_IN_PLACE, codes(policy.sccsInPlace()));
        policy.minDistinctDevices().ifPresent(k -> out.put(K, k));
        policy.minWindow().ifPresent(w -> out.put(MIN_WINDOW, w.toString()));
        policy.maxGeohashPrecision().ifPresent(p -> out.put(MAX_GEOHASH_PRECISION, p));
        out.put(ALLOWED_LABELS, new ArrayList<>(policy.allowedLabels()));
        return out;
    }

    private static List<String> codes(Set<Jurisdiction> jurisdictions) {
        return jurisdictions.stream().map(Jurisdiction::code).toList();
    }

    private static Set<Jurisdiction> jurisdictions(Map<String, ?> export, String field) {
        Set<Jurisdiction> out = new LinkedHashSet<>();
        for (String code : strings(export, field)) {
            try {
                out.add(Jurisdiction.of(code));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("export setting " + field + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static Set<String> strings(Map<String, ?> export, String field) {
        Object value = export.get(field);
        if (value == null) {
            return Set.of();
        }
        if (!(value instanceof Iterable<?> array) || value instanceof Map<?, ?>) {
            throw new IllegalArgumentException("export setting " + field + " must be an array of strings, was " + value);
        }
        Set<String> out = new LinkedHashSet<>();
        for (Object v : array) {
            if (!(v instanceof String s)) {
                throw new IllegalArgumentException("export setting " + field + " must hold only strings, was " + v);
            }
            out.add(s);
        }
        return out;
    }

    private static OptionalInt integer(Map<String, ?> export, String field) {
        Object value = export.get(field);
        if (value == null) {
            return OptionalInt.empty();
        }
        if ((value instanceof Integer || value instanceof Long || value instanceof Short)
                && ((Number) value).longValue() >= Integer.MIN_VALUE && ((Number) value).longValue() <= Integer.MAX_VALUE) {
            return OptionalInt.of((int) ((Number) value).longValue());
        }
        throw new IllegalArgumentException("export setting " + field + " must be an integer, was " + value);
    }

    private static Optional<Duration> duration(Map<String, ?> export, String field) {
        Object value = export.get(field);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String text)) {
            throw new IllegalArgumentException("export setting " + field + " must be an ISO-8601 duration such as PT15M, was " + value);
        }
        try {
            return Optional.of(Duration.parse(text));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("export setting " + field + " must be an ISO-8601 duration such as PT15M, was " + value);
        }
    }
}
