package io.meridian.gateway.aggregates;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.aggregate.WindowState;
import io.meridian.gateway.app.GatewayConfig;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A region's 200 answer to an aggregate query, checked before anything of it is merged: the decision it carries, and the
 * released cells, whose bytes (the {@code cells} array exactly as received) must hash to the decision's
 * {@code payloadHash}, which is what the region logged. A cell's state must decode and agree with the cell's count.
 *
 * @param region   the region that answered
 * @param decision the region's egress decision, as sent
 * @param cells    the released cells with their decoded states
 * @param hash     SHA-256 (hex) of the {@code cells} bytes as received
 * @param bytes    the size of those bytes
 */
record RegionAnswer(GatewayConfig.RegionLinks region, Decision decision, List<Cell> cells, String hash, long bytes) {

    /** An answer that cannot be trusted: the region is treated as failed. The message names what is wrong. */
    static final class Unverifiable extends Exception {
        Unverifiable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The region's decision.
     *
     * @param json the decision object as sent, for the caller
     */
    record Decision(UUID id, long sequence, String outcome, Optional<String> payloadHash, ObjectNode json) {
        boolean released() {
            return outcome.equals("ALLOW") || outcome.equals("PARTIAL");
        }
    }

    /** One released cell, keyed as the gateway merges it. */
    record Cell(CellKey key, WindowState state) {
    }

    /** Where a cell belongs: its window and group. Cells of equal keys from several regions merge into one. */
    record CellKey(Instant windowStart, Duration window, String groupKind, String groupValue) implements Comparable<CellKey> {
        @Override
        public int compareTo(CellKey o) {
            int c = windowStart.compareTo(o.windowStart);
            if (c == 0) {
                c = window.compareTo(o.window);
            }
            if (c == 0) {
                c = groupKind.compareTo(o.groupKind);
            }
            return c != 0 ? c : groupValue.compareTo(o.groupValue);
        }

        String text() {
            return windowStart + "/" + window + "/" + groupKind + (groupValue.isEmpty() ? "" : "=" + groupValue);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    /**
     * Reads and checks a 200 answer.
     *
     * @throws Unverifiable naming the problem when the answer is not JSON of the region data API's shape, its cells do
     *                      not hash to the decision's {@code payloadHash}, or a cell's state is broken
     */
    static RegionAnswer read(GatewayConfig.RegionLinks region, byte[] body) throws Unverifiable {
        String name = "region " + region.id().value();
        int[] span = cellsSpan(name, body);
        byte[] cellBytes = Arrays.copyOfRange(body, span[0], span[1]);
        String hash = sha256(cellBytes);
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new Unverifiable(name + " answered with a body that is not JSON");
        }
        JsonNode d = root.path("decision");
        if (!d.isObject()) {
            throw new Unverifiable(name + " answered without its decision");
        }
        UUID id;
        try {
            id = UUID.fromString(d.path("id").asText(""));
        } catch (IllegalArgumentException e) {
            throw new Unverifiable(name + " answered with a decision id that is not a UUID");
        }
        long sequence = d.path("sequence").asLong(0);
        String outcome = d.path("outcome").asText("");
        if (sequence < 1 || !List.of("ALLOW", "PARTIAL", "DENY").contains(outcome)) {
            throw new Unverifiable(name + " answered with a decision without a sequence number or a known outcome");
        }
        Optional<String> payloadHash = d.hasNonNull("payloadHash") ? Optional.of(d.get("payloadHash").asText()) : Optional.empty();
        Decision decision = new Decision(id, sequence, outcome, payloadHash, (ObjectNode) d);
        JsonNode cells = root.path("cells");
        if (decision.released()) {
            if (payloadHash.isEmpty()) {
                throw new Unverifiable(name + " released cells under decision " + id + " without a payloadHash to check them against");
            }
            if (!payloadHash.get().equals(hash)) {
                throw new Unverifiable(name + "'s cells do not match its decision " + id + ": payloadHash " + payloadHash.get()
                        + ", the cells received hash to " + hash);
            }
        } else if (cells.size() > 0) {
            throw new Unverifiable(name + " sent " + cells.size() + " cells under a DENY decision " + id);
        }
        List<Cell> out = new ArrayList<>(cells.size());
        for (JsonNode c : cells) {
            out.add(cell(name, c));
        }
        return new RegionAnswer(region, decision, List.copyOf(out), hash, cellBytes.length);
    }

    private static Cell cell(String name, JsonNode c) throws Unverifiable {
        String key = c.path("key").asText("?");
        CellKey k;
        try {
            k = new CellKey(Instant.parse(c.path("windowStart").asText("")), Duration.parse(c.path("window").asText("")),
                    c.path("group").path("kind").asText(""), c.path("group").path("value").asText(""));
        } catch (DateTimeParseException e) {
            throw new Unverifiable(name + "'s cell " + key + " has no readable windowStart and window");
        }
        if (k.groupKind().isEmpty()) {
            throw new Unverifiable(name + "'s cell " + key + " has no group kind");
        }
        WindowState state;
        try {
            state = WindowState.deserialize(Base64.getDecoder().decode(c.path("state").asText("")));
        } catch (IllegalArgumentException e) {
            throw new Unverifiable(name + "'s cell " + key + " has a state that cannot be read: " + e.getMessage());
        }
        if (state.count() != c.path("count").asLong(-1)) {
            throw new Unverifiable(name + "'s cell " + key + " says count " + c.path("count").asText() + " but its state holds " + state.count());
        }
        return new Cell(k, state);
    }

    /** The byte range [start, end) of the top-level {@code cells} array, as received. */
    private static int[] cellsSpan(String name, byte[] body) throws Unverifiable {
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Unverifiable(name + " answered with a body that is not a JSON object");
            }
            int[] span = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("cells")) {
                    if (value != JsonToken.START_ARRAY || span != null) {
                        throw new Unverifiable(name + " answered with a cells member that is not one array");
                    }
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    p.skipChildren();
                    span = new int[] {start, (int) p.currentTokenLocation().getByteOffset() + 1};
                } else {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new Unverifiable(name + " answered with a body that is not one JSON object");
            }
            if (span == null) {
                throw new Unverifiable(name + " answered without cells");
            }
            return span;
        } catch (IOException e) {
            throw new Unverifiable(name + " answered with a body that is not JSON");
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 must be available in every Java runtime", e);
        }
    }
}
