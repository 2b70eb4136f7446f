package io.meridian.region.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class DownstreamRecordTest {

    private static ConsumerRecord<String, byte[]> record(String topic, String key, String deviceHeader, String creationTime) {
        RecordHeaders headers = new RecordHeaders();
        if (deviceHeader != null) {
            headers.add("device_id", deviceHeader.getBytes(StandardCharsets.UTF_8));
        }
        if (creationTime != null) {
            headers.add("creation-time", creationTime.getBytes(StandardCharsets.UTF_8));
        }
        headers.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(topic, 2, 41, 1_700_000_000_500L, TimestampType.CREATE_TIME, -1, -1, key,
                "{}".getBytes(StandardCharsets.UTF_8), headers, Optional.empty());
    }

    @Test
    void honoRecord_isDecodedWithTenantDeviceAndTimes() {
        DownstreamRecord r = DownstreamRecord.decode(record("hono.telemetry.lampco", "k", "lamp-1", "1700000000000")).orElseThrow();
        assertEquals(DownstreamRecord.Kind.TELEMETRY, r.kind());
        assertEquals("lampco", r.tenantId());
        assertEquals("lamp-1", r.deviceId());
        assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), r.creationTime());
        assertEquals(Instant.ofEpochMilli(1_700_000_000_500L), r.arrived());
        assertEquals("hono.telemetry.lampco/2", r.source());
        assertEquals(41, r.offset());
        assertEquals(Optional.of("application/json"), r.contentType());
        assertEquals(DownstreamRecord.Kind.EVENT, DownstreamRecord.decode(record("hono.event.a.b", null, "d", null)).orElseThrow().kind());
        assertEquals("a.b", DownstreamRecord.decode(record("hono.event.a.b", null, "d", null)).orElseThrow().tenantId());
    }

    @Test
    void missingHeaders_fallBackToKeyAndRecordTime_andNoDeviceAtAll_isEmpty() {
        DownstreamRecord r = DownstreamRecord.decode(record("hono.telemetry.t", "from-key", null, "garbage")).orElseThrow();
        assertEquals("from-key", r.deviceId());
        assertEquals(r.arrived(), r.creationTime());
        assertTrue(DownstreamRecord.decode(record("hono.telemetry.t", null, null, null)).isEmpty());
        assertTrue(DownstreamRecord.decode(record("hono.command.t", "k", "d", null)).isEmpty());
        assertTrue(DownstreamRecord.decode(record("hono.telemetry.", "k", "d", null)).isEmpty());
    }

    @Test
    void cursor_roundTrips_andRefusesForeignText() {
        RawStore.Cursor c = new RawStore.Cursor(Instant.ofEpochMilli(1234), 3, 99);
        assertEquals(c, RawStore.Cursor.decode(c.encode()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RawStore.Cursor.decode("1.2")).getMessage()
                .contains("cursor must be a value returned as nextCursor"));
        assertThrows(IllegalArgumentException.class, () -> RawStore.Cursor.decode("a.b.c"));
    }
}
