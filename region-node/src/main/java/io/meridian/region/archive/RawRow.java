package io.meridian.region.archive;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * One row of a raw table ({@code telemetry} or {@code events}) as the archive reads and writes it: every
 * column, plus the table it came from.
 *
 * @param kind           {@code telemetry} or {@code events}, the table's name
 * @param contentType    may be null
 * @param payload        the stored bytes; may be null
 * @param metrics        the extracted metrics; empty, never null
 * @param lat            may be null
 * @param lon            may be null
 * @param parseError     why the payload was not understood, or null when it was
 */
record RawRow(
        String kind,
        String tenantId,
        String deviceId,
        LocalDate day,
        Instant ts,
        int kafkaPartition,
        long kafkaOffset,
        Instant arrived,
        String contentType,
        byte[] payload,
        Map<String, Double> metrics,
        Double lat,
        Double lon,
        String parseError) {

    RawRow {
        Objects.requireNonNull(kind, "kind must not be null");
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(deviceId, "deviceId must not be null");
        Objects.requireNonNull(day, "day must not be null");
        Objects.requireNonNull(ts, "ts must not be null");
        Objects.requireNonNull(arrived, "arrived must not be null");
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }

    // records compare arrays by identity; rows are compared by value in tests and in logs
    @Override
    public boolean equals(Object o) {
        return o instanceof RawRow r && kind.equals(r.kind) && tenantId.equals(r.tenantId) && deviceId.equals(r.deviceId)
                && day.equals(r.day) && ts.equals(r.ts) && kafkaPartition == r.kafkaPartition && kafkaOffset == r.kafkaOffset
                && arrived.equals(r.arrived) && Objects.equals(contentType, r.contentType) && Arrays.equals(payload, r.payload)
                && metrics.equals(r.metrics) && Objects.equals(lat, r.lat) && Objects.equals(lon, r.lon)
                && Objects.equals(parseError, r.parseError);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, tenantId, deviceId, day, ts, kafkaPartition, kafkaOffset, arrived, contentType,
                Arrays.hashCode(payload), metrics, lat, lon, parseError);
    }

    @Override
    public String toString() {
        return "RawRow[" + kind + " " + tenantId + "/" + deviceId + " day=" + day + " ts=" + ts + " at " + kafkaPartition + ":"
                + kafkaOffset + " arrived=" + arrived + " contentType=" + contentType + " payload="
                + (payload == null ? "null" : payload.length + " bytes") + " metrics=" + metrics + " lat=" + lat + " lon=" + lon
                + " parseError=" + parseError + "]";
    }
}
