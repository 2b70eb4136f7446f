package io.meridian.region.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArchiveLinesTest {

    /** The keys every line carries, whatever is null. */
    private static final Set<String> ALL_KEYS = Set.of("kind", "tenant_id", "device_id", "day", "ts", "kafka_partition",
            "kafka_offset", "arrived", "content_type", "payload_encoding", "payload", "metrics", "lat", "lon", "parse_error");
    private static final Instant TS = Instant.parse("2026-11-23T14:05:00.123Z");

    private static RawRow row(byte[] payload, Map<String, Double> metrics, Double lat, String parseError) {
        return new RawRow("telemetry", "acme", "lamp-1", LocalDate.parse("2026-11-23"), TS, 3, 42L,
                TS.plusMillis(77), "application/json", payload, metrics, lat, lat == null ? null : 8.68, parseError);
    }

    private static List<String> encode(RawRow... rows) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArchiveLines lines = new ArchiveLines(out)) {
            for (RawRow r : rows) {
                lines.write(r);
            }
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n"), "every line, the last too, must end with a newline");
        return List.of(text.split("\n"));
    }

    @Test
    void jsonPayload_isKeptAsText_withEveryColumn() throws IOException {
        RawRow row = row("{\"temp\":21.5,\"note\":\"größer\"}".getBytes(StandardCharsets.UTF_8), Map.of("temp", 21.5), 50.11, null);
        String line = encode(row).get(0);
        JsonObject json = new JsonObject(line);
        assertEquals(ALL_KEYS, json.fieldNames());
        assertEquals("utf8", json.getString("payload_encoding"));
        assertEquals("{\"temp\":21.5,\"note\":\"größer\"}", json.getString("payload"));
        assertEquals("2026-11-23T14:05:00.123Z", json.getString("ts"));
        assertEquals("2026-11-23", json.getString("day"));
        assertEquals(42L, json.getLong("kafka_offset"));
        assertEquals(row, ArchiveLineReader.parse(line));
    }

    @Test
    void binaryPayload_isBase64_andDecodesToTheSameBytes() throws IOException {
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0xc3, 0x28, 0x7f};
        RawRow row = row(binary, Map.of(), null, "payload is not JSON");
        String line = encode(row).get(0);
        JsonObject json = new JsonObject(line);
        assertEquals("base64", json.getString("payload_encoding"));
        assertArrayEquals(binary, Base64.getDecoder().decode(json.getString("payload")));
        assertEquals("payload is not JSON", json.getString("parse_error"));
        assertEquals(row, ArchiveLineReader.parse(line));
    }

    @Test
    void textWithControlCharacters_staysTextAndRoundTrips() throws IOException {
        // a malformed-but-textual payload (flagged by the ingest) stays readable; JSON escapes the controls
        byte[] payload = "{\"temp\": 21.5,\n\t\u0000\"oops\u2028".getBytes(StandardCharsets.UTF_8);
        RawRow row = row(payload, Map.of(), null, "unexpected end of input");
        List<String> lines = encode(row, row);
        assertEquals(2, lines.size(), "escaped newlines must not split a line");
        assertEquals("utf8", new JsonObject(lines.get(0)).getString("payload_encoding"));
        assertEquals(row, ArchiveLineReader.parse(lines.get(1)));
    }

    @Test
    void encodedSurrogatesAndOverlongForms_areNotUtf8() {
        assertNull(ArchiveLines.utf8OrNull(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}), "CESU surrogate");
        assertNull(ArchiveLines.utf8OrNull(new byte[] {(byte) 0xc0, (byte) 0xaf}), "overlong '/'");
        assertEquals("", ArchiveLines.utf8OrNull(new byte[0]));
    }

    @Test
    void absentValues_areNull_andNonFiniteNumbersAreStrings() throws IOException {
        RawRow row = new RawRow("events", "acme", "lamp-1", LocalDate.parse("2026-11-22"), TS, 0, 0L, TS, null, null,
                Map.of("a", Double.NaN, "b", Double.NEGATIVE_INFINITY, "c", -0.0, "d", 1e-300), null, null, null);
        String line = encode(row).get(0);
        JsonObject json = new JsonObject(line);
        assertEquals(ALL_KEYS, json.fieldNames());
        for (String key : List.of("content_type", "payload_encoding", "payload", "lat", "lon", "parse_error")) {
            assertTrue(json.containsKey(key) && json.getValue(key) == null, key + " must be present and null");
        }
        assertEquals("NaN", json.getJsonObject("metrics").getValue("a"));
        assertEquals("-Infinity", json.getJsonObject("metrics").getValue("b"));
        assertEquals(row, ArchiveLineReader.parse(line));
    }

}
