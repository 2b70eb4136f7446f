package io.meridian.region.ingest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a tenant's data is stored and grouped in this region, read from its registry entry: Hono's Tenant JSON
 * under {@code ext.meridian} (the catalog pushes it there; a customer-admin may set it through the registry's
 * management API). Every setting has a default, so a tenant without {@code ext.meridian} is ingested too.
 *
 * <pre>
 * "ext": { "meridian": {
 *     "retention-days": 30,
 *     "payload": { "metrics": { "temperature": "/env/temp" }, "location": { "lat": "/lat", "lon": "/lon" }, "time": "/ts" },
 *     "geohash-precision": 5,
 *     "group-labels": [ "model" ]
 * } }
 * </pre>
 *
 * Paths are JSON Pointers (RFC 6901). Without {@code payload.metrics} every top-level number is a metric;
 * without {@code payload.location}, {@code /lat} and {@code /lon} are used when both are numbers.
 *
 * @param retention        how long raw rows and aggregates are kept (the Cassandra TTL)
 * @param mapping          which payload fields are metrics, location and event time
 * @param geohashPrecision the precision of the geohash cell that location groups use, 1-12
 * @param groupLabels      the device label keys (device {@code ext.meridian.labels}) aggregates are grouped by
 */
public record TenantDataSettings(Duration retention, PayloadMapping mapping, int geohashPrecision, List<String> groupLabels) {

    /** Only for a node given no platform default; the platform's is {@code tenantDefaults.retention} in region-configs. */
    public static final int DEFAULT_RETENTION_DAYS = 90;
    /** Ten years; Cassandra's TTL limit is twenty. */
    public static final int MAX_RETENTION_DAYS = 3650;
    /** About 5 km by 5 km: fine enough for a city, coarse enough to be no one's home. */
    public static final int DEFAULT_GEOHASH_PRECISION = 5;

    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public static final TenantDataSettings DEFAULTS = new TenantDataSettings(Duration.ofDays(DEFAULT_RETENTION_DAYS),
            PayloadMapping.DEFAULT, DEFAULT_GEOHASH_PRECISION, List.of());

    /**
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when the retention is outside 1-3650 days, the precision outside 1-12
     *                                  or a label key is not 1-64 characters of letters, digits, {@code _.-}
     */
    public TenantDataSettings {
        Objects.requireNonNull(retention, "retention must not be null");
        Objects.requireNonNull(mapping, "mapping must not be null");
        if (retention.compareTo(Duration.ofDays(1)) < 0 || retention.compareTo(Duration.ofDays(MAX_RETENTION_DAYS)) > 0) {
            throw new IllegalArgumentException("retention-days must be between 1 and " + MAX_RETENTION_DAYS + ", was " + retention.toDays());
        }
        if (geohashPrecision < 1 || geohashPrecision > 12) {
            throw new IllegalArgumentException("geohash-precision must be between 1 and 12, was " + geohashPrecision);
        }
        groupLabels = List.copyOf(groupLabels);
        for (String key : groupLabels) {
            if (!LABEL_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("group-labels must be 1-64 letters, digits or _.- each, was '" + key + "'");
            }
        }
    }

    /** The retention in seconds, as a Cassandra TTL. */
    public int ttlSeconds() {
        return Math.toIntExact(retention.toSeconds());
    }

    /**
     * Reads the settings from a tenant's management document.
     *
     * @param tenantDocument Hono's Tenant JSON; not null
     * @throws IllegalArgumentException naming the setting when {@code ext.meridian} holds a wrong type or value
     */
    public static TenantDataSettings fromTenant(JsonObject tenantDocument) {
        return fromTenant(tenantDocument, DEFAULTS.retention());
    }

    /**
     * As {@link #fromTenant(JsonObject)}, with the platform's default retention for a tenant that sets none.
     *
     * @param defaultRetention region-configs' {@code tenantDefaults.retention}
     */
    public static TenantDataSettings fromTenant(JsonObject tenantDocument, Duration defaultRetention) {
        Objects.requireNonNull(tenantDocument, "tenantDocument must not be null");
        Objects.requireNonNull(defaultRetention, "defaultRetention must not be null");
        JsonObject meridian = object(object(tenantDocument, "ext"), "meridian");
        if (meridian == null) {
            return defaults(defaultRetention);
        }
        int days = integer(meridian, "retention-days", (int) defaultRetention.toDays());
        int precision = integer(meridian, "geohash-precision", DEFAULT_GEOHASH_PRECISION);
        List<String> labels = strings(meridian, "group-labels");
        JsonObject payload = object(meridian, "payload");
        PayloadMapping mapping = payload == null ? PayloadMapping.DEFAULT : PayloadMapping.fromJson(payload);
        return new TenantDataSettings(Duration.ofDays(days), mapping, precision, labels);
    }

    /** The defaults with the given retention. */
    public static TenantDataSettings defaults(Duration retention) {
        return new TenantDataSettings(retention, PayloadMapping.DEFAULT, DEFAULT_GEOHASH_PRECISION, List.of());
    }

    /**
     * A device's labels ({@code ext.meridian.labels} in Hono's Device JSON), string values only.
     *
     * @throws IllegalArgumentException when the labels are not an object of strings
     */
    public static Map<String, String> deviceLabels(JsonObject deviceDocument) {
        JsonObject labels = object(object(object(deviceDocument, "ext"), "meridian"), "labels");
        if (labels == null) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : labels.fieldNames()) {
            Object value = labels.getValue(key);
            if (!(value instanceof String s)) {
                throw new IllegalArgumentException("device label " + key + " must be a string, was " + value);
            }
            out.put(key, s);
        }
        return out;
    }

    /**
     * The object at {@code field} of {@code parent} (Hono hands {@code ext} on as a map or a JsonObject), or null
     * when either is absent.
     *
     * @throws IllegalArgumentException when the field holds something other than an object
     */
    public static JsonObject object(JsonObject parent, String field) {
        if (parent == null) {
            return null;
        }
        Object value = parent.getValue(field);
        if (value == null) {
            return null;
        }
        if (value instanceof JsonObject o) {
            return o;
        }
        if (value instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) m;
            return new JsonObject(map);
        }
        throw new IllegalArgumentException(field + " must be a JSON object, was " + value);
    }

    private static int integer(JsonObject parent, String field, int defaultValue) {
        Object value = parent.getValue(field);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Integer || value instanceof Long) {
            return Math.toIntExact(((Number) value).longValue());
        }
        throw new IllegalArgumentException(field + " must be an integer, was " + value);
    }

    private static List<String> strings(JsonObject parent, String field) {
        Object value = parent.getValue(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonArray array)) {
            throw new IllegalArgumentException(field + " must be an array of strings, was " + value);
        }
        return array.stream().map(v -> {
            if (!(v instanceof String s)) {
                throw new IllegalArgumentException(field + " must hold only strings, was " + v);
            }
            return s;
        }).toList();
    }

    /** The pointer at {@code field} of {@code parent}, if set. */
    static Optional<String> pointer(JsonObject parent, String field) {
        Object value = parent == null ? null : parent.getValue(field);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String s) || !(s.isEmpty() || s.startsWith("/"))) {
            throw new IllegalArgumentException(field + " must be a JSON Pointer such as \"/env/temp\", was " + value);
        }
        return Optional.of(s);
    }
}
