package io.meridian.region.aggregate;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One ingested message as the aggregator sees it. The ingest consumer builds one per Kafka record whose
 * payload it could map to metrics.
 *
 * @param tenantId    the tenant; not empty
 * @param deviceId    the device; not empty. Only a 64-bit hash of it is kept in window states
 * @param eventTime   when the device measured; decides the windows
 * @param arrivalTime the Kafka record's timestamp; decides lateness, so a redelivery decides the same way
 * @param metrics     metric name to value; not null (may be empty). Non-finite values are skipped and counted
 * @param geohash     the location's cell, already at the tenant's precision, when the payload had one
 * @param groupLabels the device labels the tenant groups by, for example {@code model=lamp-a}
 * @param source      the Kafka {@code topic/partition}; not empty
 * @param offset      the record's offset in that partition, at least 0
 */
public record AggregateInput(String tenantId, String deviceId, Instant eventTime, Instant arrivalTime,
        Map<String, Double> metrics, Optional<String> geohash, Map<String, String> groupLabels,
        String source, long offset) {

    /**
     * Copies the maps, so a caller's later changes do not reach the aggregator.
     *
     * @throws NullPointerException     when an argument, a metric or label key or value is null
     * @throws IllegalArgumentException when an id, metric name or the source is empty, or the offset negative
     */
    public AggregateInput {
        requireText(tenantId, "tenantId");
        requireText(deviceId, "deviceId");
        Objects.requireNonNull(eventTime, "eventTime must not be null");
        Objects.requireNonNull(arrivalTime, "arrivalTime must not be null");
        Objects.requireNonNull(metrics, "metrics must not be null");
        Objects.requireNonNull(geohash, "geohash must not be null (use Optional.empty())");
        Objects.requireNonNull(groupLabels, "groupLabels must not be null");
        requireText(source, "source");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be at least 0, was " + offset);
        }
        metrics.keySet().forEach(name -> requireText(name, "metric name"));
        metrics = Map.copyOf(metrics);
        groupLabels = Map.copyOf(groupLabels);
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name + " must not be null");
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
    }
}
