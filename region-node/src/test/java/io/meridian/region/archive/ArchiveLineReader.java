package io.meridian.region.archive;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads archive lines back the way a consumer of the bucket would, from the documented format only (a
 * second implementation, so that the tests check the format rather than the writer against itself).
 */
final class ArchiveLineReader {

    private ArchiveLineReader() {
    }

    /** Every line of a gzip object. */
    static List<RawRow> readGzip(byte[] object) {
        List<RawRow> rows = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(object)),
                StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                rows.add(parse(line));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    static RawRow parse(String line) {
        JsonObject json = new JsonObject(line);
        byte[] payload = null;
        String encoding = json.getString("payload_encoding");
        if (encoding != null) {
            String text = json.getString("payload");
            payload = switch (encoding) {
                case ArchiveLines.UTF8 -> text.getBytes(StandardCharsets.UTF_8);
                case ArchiveLines.BASE64 -> Base64.getDecoder().decode(text);
                default -> throw new IllegalArgumentException("payload_encoding must be utf8 or base64, was " + encoding);
            };
        } else if (json.getValue("payload") != null) {
            throw new IllegalArgumentException("a payload must come with its payload_encoding: " + line);
        }
        Map<String, Double> metrics = new HashMap<>();
        json.getJsonObject("metrics").forEach(e -> metrics.put(e.getKey(), number(e.getValue())));
        return new RawRow(json.getString("kind"), json.getString("tenant_id"), json.getString("device_id"),
                LocalDate.parse(json.getString("day")), Instant.parse(json.getString("ts")), json.getInteger("kafka_partition"),
                json.getLong("kafka_offset"), Instant.parse(json.getString("arrived")), json.getString("content_type"), payload,
                metrics, number(json.getValue("lat")), number(json.getValue("lon")), json.getString("parse_error"));
    }

    private static Double number(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return Double.valueOf(s);
        }
        return ((Number) value).doubleValue();
    }
}
