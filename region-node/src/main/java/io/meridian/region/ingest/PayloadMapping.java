package io.meridian.region.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonObject;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which JSON paths of a tenant's payloads are metrics, which the location, and which the event time; and the
 * parser that applies it. See {@link TenantDataSettings} for the JSON form.
 *
 * @param metrics  metric name to JSON Pointer; empty means "every top-level number"
 * @param lat      pointer to the latitude, if mapped
 * @param lon      pointer to the longitude, if mapped
 * @param time     pointer to the device's event time (epoch milliseconds or ISO-8601), if mapped
 */
public record PayloadMapping(Map<String, String> metrics, Optional<String> lat, Optional<String> lon, Optional<String> time) {

    /** Every top-level number is a metric; {@code /lat} and {@code /lon} are the location; no event time. */
    public static final PayloadMapping DEFAULT = new PayloadMapping(Map.of(), Optional.of("/lat"), Optional.of("/lon"), Optional.empty());

    private static final Pattern METRIC_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** Payloads come from adapters that cap them (2 KiB by default), so this only guards against pathologies. */
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    /**
     * @throws IllegalArgumentException when a metric name is not 1-64 letters, digits or {@code _.-}, or only one
     *                                  of lat and lon is mapped
     */
    public PayloadMapping {
        metrics = Map.copyOf(metrics);
        metrics.keySet().forEach(name -> {
            if (!METRIC_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("metric names must be 1-64 letters, digits or _.- each, was '" + name + "'");
            }
        });
        Objects.requireNonNull(lat, "lat must not be null");
        Objects.requireNonNull(lon, "lon must not be null");
        Objects.requireNonNull(time, "time must not be null");
        if (lat.isPresent() != lon.isPresent()) {
            throw new IllegalArgumentException("payload.location must map both lat and lon, was lat=" + lat.orElse("-")
                    + " lon=" + lon.orElse("-"));
        }
    }

    static PayloadMapping fromJson(JsonObject payload) {
        Map<String, String> metrics = new LinkedHashMap<>();
        JsonObject m = TenantDataSettings.object(payload, "metrics");
        if (m != null) {
            for (String name : m.fieldNames()) {
                metrics.put(name, TenantDataSettings.pointer(m, name).orElseThrow(
                        () -> new IllegalArgumentException("payload.metrics." + name + " must be a JSON Pointer, was null")));
            }
        }
        JsonObject location = TenantDataSettings.object(payload, "location");
        Optional<String> lat = location == null ? DEFAULT.lat : TenantDataSettings.pointer(location, "lat");
        Optional<String> lon = location == null ? DEFAULT.lon : TenantDataSettings.pointer(location, "lon");
        return new PayloadMapping(metrics, lat, lon, TenantDataSettings.pointer(payload, "time"));
    }

    /**
     * What was read from one payload. A payload that cannot be read at all, or that yields no metric and no
     * location, carries a {@link #problem()}; it is still stored raw, flagged with it.
     *
     * @param metrics   the metrics found (finite numbers only)
     * @param lat       latitude, when the location was found and valid
     * @param lon       longitude, with {@code lat}
     * @param eventTime the device's time, when mapped and readable
     * @param problem   why (part of) the payload could not be used, for example {@code malformed: ...}
     */
    public record Parsed(Map<String, Double> metrics, Optional<Double> lat, Optional<Double> lon, Optional<Instant> eventTime,
            Optional<String> problem) {

        static Parsed failed(String problem) {
            return new Parsed(Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(problem));
        }
    }

    /** The problem kinds a {@link Parsed#problem()} starts with; also the {@code reason} tag of the counter. */
    public static final String MALFORMED = "malformed";
    public static final String UNMAPPED = "unmapped";

    /**
     * Reads a payload. Never throws for any input: a problem is reported in the result.
     */
    public Parsed parse(byte[] payload) {
        JsonNode root;
        try {
            root = JSON.readTree(payload);
        } catch (JsonProcessingException e) {
            return Parsed.failed(MALFORMED + ": not JSON (" + shorten(e.getOriginalMessage()) + ")");
        } catch (java.io.IOException | RuntimeException e) {
            return Parsed.failed(MALFORMED + ": not JSON (" + shorten(String.valueOf(e.getMessage())) + ")");
        }
        if (root == null || root.isMissingNode()) {
            return Parsed.failed(MALFORMED + ": empty payload");
        }
        if (!root.isObject()) {
            return Parsed.failed(UNMAPPED + ": payload is JSON but not an object");
        }
        Map<String, Double> found = new LinkedHashMap<>();
        String problem = null;
        if (metrics.isEmpty()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getValue().isNumber() && Double.isFinite(field.getValue().doubleValue())
                        && METRIC_NAME.matcher(field.getKey()).matches() && !isLocationOrTime(field.getKey())) {
                    found.put(field.getKey(), field.getValue().doubleValue());
                }
            }
        } else {
            for (Map.Entry<String, String> metric : metrics.entrySet()) {
                JsonNode value = root.at(metric.getValue());
                if (value.isMissingNode() || value.isNull()) {
                    continue;
                }
                if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
                    problem = problem != null ? problem : UNMAPPED + ": " + metric.getValue() + " is not a finite number";
                    continue;
                }
                found.put(metric.getKey(), value.doubleValue());
            }
        }
        Optional<Double> la = Optional.empty();
        Optional<Double> lo = Optional.empty();
        if (lat.isPresent()) {
            JsonNode a = root.at(lat.get());
            JsonNode o = root.at(lon.get());
            if (a.isNumber() && o.isNumber()) {
                double x = a.doubleValue();
                double y = o.doubleValue();
                if (x >= -90 && x <= 90 && y >= -180 && y <= 180) {
                    la = Optional.of(x);
                    lo = Optional.of(y);
                } else {
                    problem = problem != null ? problem : UNMAPPED + ": location out of range (" + x + ", " + y + ")";
                }
            }
        }
        Optional<Instant> eventTime = Optional.empty();
        if (time.isPresent()) {
            JsonNode t = root.at(time.get());
            try {
                if (t.isIntegralNumber()) {
                    eventTime = Optional.of(Instant.ofEpochMilli(t.longValue()));
                } else if (t.isTextual()) {
                    eventTime = Optional.of(Instant.parse(t.textValue()));
                } else if (!t.isMissingNode()) {
                    problem = problem != null ? problem : UNMAPPED + ": " + time.get() + " is not a time";
                }
            } catch (DateTimeException e) {
                problem = problem != null ? problem : UNMAPPED + ": " + time.get() + " is not epoch milliseconds or ISO-8601";
            }
        }
        if (found.isEmpty() && la.isEmpty() && problem == null) {
            problem = UNMAPPED + ": no mapped metric or location in the payload";
        }
        return new Parsed(found, la, lo, eventTime, Optional.ofNullable(problem));
    }

    private boolean isLocationOrTime(String field) {
        String pointer = "/" + field;
        return lat.map(pointer::equals).orElse(false) || lon.map(pointer::equals).orElse(false)
                || time.map(pointer::equals).orElse(false);
    }

    private static String shorten(String message) {
        String oneLine = message == null ? "" : message.replaceAll("\\s+", " ");
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 120) + "...";
    }
}
