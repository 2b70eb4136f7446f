package io.meridian.region.archive;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes raw rows as JSON lines: one JSON object per row, each followed by {@code \n}, UTF-8.
 *
 * <p>The format (version 1), one key per column of the raw table, always present, {@code null} when the
 * column is empty:
 * <pre>{@code
 * {"kind":"telemetry","tenant_id":"acme","device_id":"lamp-1","day":"2026-11-23","ts":"2026-11-23T14:05:00.123Z",
 *  "kafka_partition":0,"kafka_offset":42,"arrived":"2026-11-23T14:05:00.200Z","content_type":"application/json",
 *  "payload_encoding":"utf8","payload":"{\"temp\":21.5}","metrics":{"temp":21.5},"lat":null,"lon":null,
 *  "parse_error":null}
 * }</pre>
 * <ul>
 *   <li>{@code day} is an ISO date; {@code ts} and {@code arrived} are ISO-8601 UTC instants (millisecond
 *       precision, as Cassandra stores them).</li>
 *   <li>{@code payload} is a JSON string holding the payload's text when the bytes are well-formed UTF-8
 *       ({@code payload_encoding} {@code utf8}); otherwise it is the standard base64 of the bytes
 *       ({@code payload_encoding} {@code base64}). Both decode to exactly the stored bytes: a strict
 *       decoder accepts only UTF-8 that re-encodes to the same bytes, and JSON escapes every control
 *       character. Text is kept as text because almost every payload is JSON and stays readable (and
 *       queryable) that way; a malformed payload that is still text stays text too, flagged by its
 *       {@code parse_error}. With no payload both keys are {@code null}.</li>
 *   <li>{@code metrics} is an object with keys in sorted order. A double that JSON cannot carry (NaN,
 *       infinities) is written as the string {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"}; the
 *       same holds for {@code lat} and {@code lon}.</li>
 * </ul>
 * Not thread-safe; one instance writes one object.
 */
final class ArchiveLines implements Closeable {

    /** {@code payload_encoding} of a payload kept as text. */
    static final String UTF8 = "utf8";
    /** {@code payload_encoding} of a payload kept as base64. */
    static final String BASE64 = "base64";

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final JsonGenerator out;

    /**
     * @param target receives the lines; closed by {@link #close()}
     */
    ArchiveLines(OutputStream target) throws IOException {
        this.out = JSON.createGenerator(target, JsonEncoding.UTF8);
    }

    /** Writes one row as one line. */
    void write(RawRow row) throws IOException {
        out.writeStartObject();
        out.writeStringField("kind", row.kind());
        out.writeStringField("tenant_id", row.tenantId());
        out.writeStringField("device_id", row.deviceId());
        out.writeStringField("day", row.day().toString());
        out.writeStringField("ts", row.ts().toString());
        out.writeNumberField("kafka_partition", row.kafkaPartition());
        out.writeNumberField("kafka_offset", row.kafkaOffset());
        out.writeStringField("arrived", row.arrived().toString());
        writeNullableString("content_type", row.contentType());
        writePayload(row.payload());
        out.writeObjectFieldStart("metrics");
        for (Map.Entry<String, Double> metric : new TreeMap<>(row.metrics()).entrySet()) {
            out.writeFieldName(metric.getKey());
            writeDouble(metric.getValue());
        }
        out.writeEndObject();
        out.writeFieldName("lat");
        writeDouble(row.lat());
        out.writeFieldName("lon");
        writeDouble(row.lon());
        writeNullableString("parse_error", row.parseError());
        out.writeEndObject();
        out.writeRaw('\n');
    }

    /** Flushes the JSON writer and closes the target. */
    @Override
    public void close() throws IOException {
        out.close();
    }

    /** The text of {@code bytes} when they are well-formed UTF-8, else null. */
    static String utf8OrNull(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private void writePayload(byte[] payload) throws IOException {
        if (payload == null) {
            out.writeNullField("payload_encoding");
            out.writeNullField("payload");
            return;
        }
        String text = utf8OrNull(payload);
        if (text != null) {
            out.writeStringField("payload_encoding", UTF8);
            out.writeStringField("payload", text);
        } else {
            out.writeStringField("payload_encoding", BASE64);
            out.writeStringField("payload", Base64.getEncoder().encodeToString(payload));
        }
    }

    private void writeNullableString(String name, String value) throws IOException {
        if (value == null) {
            out.writeNullField(name);
        } else {
            out.writeStringField(name, value);
        }
    }

    private void writeDouble(Double value) throws IOException {
        if (value == null) {
            out.writeNull();
        } else if (value.isNaN() || value.isInfinite()) {
            out.writeString(value.toString());
        } else {
            out.writeNumber(value);
        }
    }
}
