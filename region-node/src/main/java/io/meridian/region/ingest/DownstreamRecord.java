package io.meridian.region.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One telemetry or event message as a protocol adapter wrote it to the region's Kafka, in Hono's format:
 * topic {@code hono.telemetry.<tenant>} or {@code hono.event.<tenant>}, the device id in the {@code device_id}
 * header (else the key), {@code content-type} and {@code creation-time} headers.
 *
 * @param kind          {@link Kind#TELEMETRY} or {@link Kind#EVENT}
 * @param tenantId      from the topic
 * @param deviceId      from the {@code device_id} header, else the record key
 * @param contentType   the {@code content-type} header, if any
 * @param creationTime  the adapter's {@code creation-time} header, else the record's timestamp
 * @param arrived       the record's timestamp: when the adapter sent it to Kafka
 * @param payload       the payload bytes, never null
 * @param topic         the Kafka topic
 * @param partition     the Kafka partition
 * @param offset        the Kafka offset: with the partition, what makes a redelivered record land on its row
 */
public record DownstreamRecord(Kind kind, String tenantId, String deviceId, Optional<String> contentType, Instant creationTime,
        Instant arrived, byte[] payload, String topic, int partition, long offset) {

    /** Hono's content type of an empty notification (for example "ready for commands"); it has no payload to map. */
    public static final String EMPTY_NOTIFICATION = "application/vnd.eclipse-hono-empty-notification";

    /** The two kinds of downstream data, with their Kafka topic prefixes and raw tables. */
    public enum Kind {
        TELEMETRY("hono.telemetry.", "telemetry"),
        EVENT("hono.event.", "events");

        private final String topicPrefix;
        private final String table;

        Kind(String topicPrefix, String table) {
            this.topicPrefix = topicPrefix;
            this.table = table;
        }

        public String topicPrefix() {
            return topicPrefix;
        }

        /** The raw table in the region's data keyspace. */
        public String table() {
            return table;
        }
    }

    /** The regular expression of every topic the ingest reads. */
    public static final String TOPIC_PATTERN = "hono\\.(telemetry|event)\\..+";

    /**
     * Decodes a record.
     *
     * @return the record, or empty when it cannot be stored under a device: not one of the two topics, or no
     *         device id in header or key (the caller rejects it, counted, and moves on)
     */
    public static Optional<DownstreamRecord> decode(ConsumerRecord<String, byte[]> record) {
        Kind kind;
        String topic = record.topic();
        if (topic.startsWith(Kind.TELEMETRY.topicPrefix)) {
            kind = Kind.TELEMETRY;
        } else if (topic.startsWith(Kind.EVENT.topicPrefix)) {
            kind = Kind.EVENT;
        } else {
            return Optional.empty();
        }
        String tenant = topic.substring(kind.topicPrefix.length());
        String device = header(record, "device_id").orElse(record.key());
        if (tenant.isEmpty() || device == null || device.isEmpty()) {
            return Optional.empty();
        }
        Instant arrived = Instant.ofEpochMilli(Math.max(0, record.timestamp()));
        Instant created = header(record, "creation-time").flatMap(DownstreamRecord::epochMillis).orElse(arrived);
        byte[] payload = record.value() == null ? new byte[0] : record.value();
        return Optional.of(new DownstreamRecord(kind, tenant, device, header(record, "content-type"), created, arrived, payload,
                topic, record.partition(), record.offset()));
    }

    /** Whether this is Hono's empty notification rather than data. */
    public boolean isEmptyNotification() {
        return contentType.map(EMPTY_NOTIFICATION::equals).orElse(false);
    }

    /** {@code topic/partition}: where this record's offset counts. */
    public String source() {
        return topic + "/" + partition;
    }

    private static Optional<String> header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        String value = new String(header.value(), StandardCharsets.UTF_8);
        // Hono writes header values as plain strings; tolerate a JSON-quoted string too
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        return Optional.of(value);
    }

    private static Optional<Instant> epochMillis(String value) {
        try {
            long millis = Long.parseLong(value.trim());
            return millis > 0 ? Optional.of(Instant.ofEpochMilli(millis)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
