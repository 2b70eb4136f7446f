package io.meridian.region.ingest;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.region.ingest.DownstreamRecord.Kind;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The region's raw telemetry and events in Cassandra (keyspace {@code meridian_data} by default).
 *
 * <pre>
 * telemetry, events   PRIMARY KEY ((tenant_id, device_id, day), ts, kafka_partition, kafka_offset)
 * raw_hours           PRIMARY KEY ((hour), tenant_id, kind, device_id, day): which partitions got rows in an arrival hour
 * ingest_rejects      PRIMARY KEY ((day), arrived, topic, kafka_partition, kafka_offset): records that could not be stored
 * </pre>
 *
 * A row's key holds the Kafka partition and offset it came from, so a record delivered twice (the ingest
 * crashed before committing its offset) overwrites its own row instead of adding one. Rows expire after the
 * tenant's retention (TTL). Thread-safe.
 */
public final class RawStore {

    public static final String DEFAULT_KEYSPACE = "meridian_data";
    /** One page of a range query at most; the API pages beyond it. */
    public static final int MAX_PAGE = 1000;

    private static final Pattern CQL_IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,47}");
    private static final String COLUMNS = "tenant_id, device_id, day, ts, kafka_partition, kafka_offset, arrived, content_type,"
            + " payload, metrics, lat, lon, parse_error";

    private final CqlSession session;
    private final String keyspace;
    private final Map<Kind, PreparedStatement> insert = new EnumMap<>(Kind.class);
    private final Map<Kind, PreparedStatement> range = new EnumMap<>(Kind.class);
    private final Map<Kind, PreparedStatement> latest = new EnumMap<>(Kind.class);
    private final PreparedStatement insertHour;
    private final PreparedStatement insertReject;
    /**
     * Hour-index rows known to be written, so that a device's row is written once per hour instead of once per
     * batch (which doubled the statements per record). Bounded: pruned to the last few hours.
     */
    private final java.util.Set<List<Object>> indexed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final int MAX_INDEXED = 500_000;

    private RawStore(CqlSession session, String keyspace) {
        this.session = session;
        this.keyspace = keyspace;
        for (Kind kind : Kind.values()) {
            String table = keyspace + "." + kind.table();
            insert.put(kind, session.prepare("INSERT INTO " + table + " (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) USING TTL ?"));
            range.put(kind, session.prepare("SELECT " + COLUMNS + " FROM " + table
                    + " WHERE tenant_id = ? AND device_id = ? AND day = ? AND ts >= ? AND ts < ?"));
            latest.put(kind, session.prepare("SELECT " + COLUMNS + " FROM " + table
                    + " WHERE tenant_id = ? AND device_id = ? AND day = ? LIMIT 1"));
        }
        insertHour = session.prepare("INSERT INTO " + keyspace + ".raw_hours (hour, tenant_id, kind, device_id, day) VALUES (?,?,?,?,?) USING TTL ?");
        insertReject = session.prepare("INSERT INTO " + keyspace + ".ingest_rejects (day, arrived, topic, kafka_partition, kafka_offset,"
                + " tenant_id, device_id, reason, payload_size) VALUES (?,?,?,?,?,?,?,?,?) USING TTL ?");
    }

    /**
     * Creates the keyspace and tables when missing (blocking) and prepares the statements.
     *
     * @param keyspace    a lower-case CQL identifier
     * @param replication the keyspace's replication map, for example {@code {class: SimpleStrategy, replication_factor: 1}}
     * @throws IllegalArgumentException when the keyspace name is not a plain lower-case identifier
     */
    public static RawStore open(CqlSession session, String keyspace, Map<String, Object> replication) {
        Objects.requireNonNull(session, "session must not be null");
        Objects.requireNonNull(replication, "replication must not be null");
        if (keyspace == null || !CQL_IDENTIFIER.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("data keyspace must be a lower-case CQL identifier, was " + keyspace);
        }
        createSchema(session, keyspace, replication);
        return new RawStore(session, keyspace);
    }

    /** The schema, also used by tests that write rows directly. */
    public static void createSchema(CqlSession session, String keyspace, Map<String, Object> replication) {
        StringBuilder map = new StringBuilder("{");
        replication.forEach((k, v) -> map.append(map.length() > 1 ? ", " : "").append('\'').append(k).append("': '").append(v).append('\''));
        map.append('}');
        session.execute(SimpleStatement.newInstance("CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + map)
                .setTimeout(java.time.Duration.ofSeconds(30)));
        for (Kind kind : Kind.values()) {
            session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + keyspace + "." + kind.table() + " ("
                    + "tenant_id text, device_id text, day date, ts timestamp, kafka_partition int, kafka_offset bigint,"
                    + " arrived timestamp, content_type text, payload blob, metrics map<text,double>,"
                    + " lat double, lon double, parse_error text,"
                    + " PRIMARY KEY ((tenant_id, device_id, day), ts, kafka_partition, kafka_offset)"
                    + ") WITH CLUSTERING ORDER BY (ts DESC, kafka_partition ASC, kafka_offset ASC)")
                    .setTimeout(java.time.Duration.ofSeconds(30)));
        }
        session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + keyspace + ".raw_hours ("
                + "hour timestamp, tenant_id text, kind text, device_id text, day date,"
                + " PRIMARY KEY ((hour), tenant_id, kind, device_id, day))").setTimeout(java.time.Duration.ofSeconds(30)));
        session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + keyspace + ".ingest_rejects ("
                + "day date, arrived timestamp, topic text, kafka_partition int, kafka_offset bigint, tenant_id text, device_id text,"
                + " reason text, payload_size int,"
                + " PRIMARY KEY ((day), arrived, topic, kafka_partition, kafka_offset))").setTimeout(java.time.Duration.ofSeconds(30)));
    }

    public String keyspace() {
        return keyspace;
    }

    /**
     * One stored row.
     *
     * @param kind       which table
     * @param eventTime  the device's time if its payload maps one, else the adapter's creation time
     * @param parseError set when the payload could not be (fully) mapped; the row is stored all the same
     */
    public record RawRow(Kind kind, String tenantId, String deviceId, Instant eventTime, int partition, long offset, Instant arrived,
            Optional<String> contentType, byte[] payload, Map<String, Double> metrics, Optional<Double> lat, Optional<Double> lon,
            Optional<String> parseError) {

        public RawRow {
            Objects.requireNonNull(kind, "kind must not be null");
            Objects.requireNonNull(tenantId, "tenantId must not be null");
            Objects.requireNonNull(deviceId, "deviceId must not be null");
            Objects.requireNonNull(eventTime, "eventTime must not be null");
            Objects.requireNonNull(arrived, "arrived must not be null");
            metrics = Map.copyOf(metrics);
        }

        public LocalDate day() {
            return LocalDate.ofInstant(eventTime, ZoneOffset.UTC);
        }

        /** The row as JSON for the API: the payload as text when it is UTF-8, else base64. */
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("time", eventTime.toString());
            json.put("arrived", arrived.toString());
            contentType.ifPresent(c -> json.put("contentType", c));
            json.put("metrics", metrics);
            lat.ifPresent(v -> json.put("lat", v));
            lon.ifPresent(v -> json.put("lon", v));
            parseError.ifPresent(p -> json.put("parseError", p));
            java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder();
            try {
                json.put("payload", decoder.decode(ByteBuffer.wrap(payload)).toString());
            } catch (java.nio.charset.CharacterCodingException e) {
                json.put("payloadBase64", Base64.getEncoder().encodeToString(payload));
            }
            json.put("source", Map.of("partition", partition, "offset", offset));
            return json;
        }
    }

    /**
     * Writes rows (one unlogged batch per Cassandra partition, in parallel) and the arrival-hour index.
     *
     * @param ttlSeconds the TTL of each row's tenant
     * @return completes when every row is durable; fails with the first driver error otherwise (some rows may
     *         have been written: writing them again is harmless)
     */
    public CompletionStage<Void> write(List<RawRow> rows, java.util.function.ToIntFunction<String> ttlSeconds) {
        Map<List<Object>, BatchStatementBuilder> batches = new LinkedHashMap<>();
        Map<List<Object>, Integer> hours = new LinkedHashMap<>();
        for (RawRow row : rows) {
            int ttl = ttlSeconds.applyAsInt(row.tenantId());
            LocalDate day = row.day();
            batches.computeIfAbsent(List.of(row.kind(), row.tenantId(), row.deviceId(), day),
                    k -> BatchStatement.builder(BatchType.UNLOGGED)).addStatement(bind(row, day, ttl));
            hours.merge(List.of(row.arrived().truncatedTo(ChronoUnit.HOURS), row.tenantId(), row.kind().table(), row.deviceId(), day),
                    ttl, Math::max);
        }
        List<CompletableFuture<AsyncResultSet>> writes = new ArrayList<>(batches.size() + hours.size());
        for (BatchStatementBuilder batch : batches.values()) {
            BatchStatement statement = batch.build();
            writes.add(session.executeAsync(statement.size() == 1 ? statement.iterator().next() : statement).toCompletableFuture());
        }
        List<List<Object>> newKeys = new ArrayList<>();
        hours.forEach((key, ttl) -> {
            if (!indexed.contains(key)) {
                newKeys.add(key);
                writes.add(session.executeAsync(insertHour.bind(key.get(0), key.get(1), key.get(2), key.get(3), key.get(4), ttl))
                        .toCompletableFuture());
            }
        });
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenRun(() -> remember(newKeys));
    }

    private void remember(List<List<Object>> keys) {
        if (indexed.size() + keys.size() > MAX_INDEXED) {
            Instant keep = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS);
            indexed.removeIf(k -> ((Instant) k.get(0)).isBefore(keep));
            if (indexed.size() + keys.size() > MAX_INDEXED) {
                indexed.clear();
            }
        }
        indexed.addAll(keys);
    }

    /** Writes one row and its hour-index entry on their own (after its batch was refused as invalid, to find the culprit). */
    public CompletionStage<Void> writeOne(RawRow row, int ttlSeconds) {
        return session.executeAsync(bind(row, row.day(), ttlSeconds))
                .thenCompose(rs -> session.executeAsync(insertHour.bind(row.arrived().truncatedTo(ChronoUnit.HOURS), row.tenantId(),
                        row.kind().table(), row.deviceId(), row.day(), ttlSeconds)))
                .thenApply(rs -> null);
    }

    /** Records a record that could not be stored, without its payload. Kept 30 days. */
    public CompletionStage<Void> reject(Instant arrived, String topic, int partition, long offset, Optional<String> tenantId,
            Optional<String> deviceId, String reason, int payloadSize) {
        return session.executeAsync(insertReject.bind(LocalDate.ofInstant(arrived, ZoneOffset.UTC), arrived, topic, partition, offset,
                tenantId.orElse(null), deviceId.orElse(null), reason, payloadSize, 30 * 24 * 3600)).thenApply(rs -> null);
    }

    private BoundStatement bind(RawRow row, LocalDate day, int ttl) {
        return insert.get(row.kind()).bind(row.tenantId(), row.deviceId(), day, row.eventTime(), row.partition(), row.offset(),
                row.arrived(), row.contentType().orElse(null), ByteBuffer.wrap(row.payload()), row.metrics(),
                row.lat().orElse(null), row.lon().orElse(null), row.parseError().orElse(null), ttl);
    }

    /**
     * A device's rows with {@code from <= time < to}, newest first, at most {@code limit}, continuing strictly
     * before {@code before} when given (the cursor of the previous page: the last row's time, partition and offset).
     * Reads the day partitions from {@code to} back to {@code from}; blocking.
     */
    public List<RawRow> range(Kind kind, String tenantId, String deviceId, Instant from, Instant to, Optional<Cursor> before, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE + ", was " + limit);
        }
        List<RawRow> out = new ArrayList<>();
        Instant upper = before.map(c -> c.time().plusMillis(1)).orElse(to);
        if (upper.isAfter(to)) {
            upper = to;
        }
        LocalDate first = LocalDate.ofInstant(from, ZoneOffset.UTC);
        for (LocalDate day = LocalDate.ofInstant(upper.minusMillis(1), ZoneOffset.UTC); !day.isBefore(first) && out.size() < limit;
                day = day.minusDays(1)) {
            for (Row r : session.execute(range.get(kind).bind(tenantId, deviceId, day, from, upper).setPageSize(limit + 1))) {
                RawRow row = row(kind, r);
                if (before.isPresent() && !before.get().precedes(row)) {
                    continue;
                }
                out.add(row);
                if (out.size() >= limit) {
                    break;
                }
            }
        }
        return out;
    }

    /** The newest row of a device within the last {@code days} days (by event time), if any; blocking. */
    public Optional<RawRow> latest(Kind kind, String tenantId, String deviceId, Instant now, int days) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        for (int i = 0; i < days; i++) {
            Row r = session.execute(latest.get(kind).bind(tenantId, deviceId, today.minusDays(i))).one();
            if (r != null) {
                return Optional.of(row(kind, r));
            }
        }
        return Optional.empty();
    }

    /** A position in a newest-first range; {@link #precedes} says whether a row comes after it in that order. */
    public record Cursor(Instant time, int partition, long offset) {
        boolean precedes(RawRow row) {
            int c = row.eventTime().compareTo(time);
            if (c != 0) {
                return c < 0;
            }
            c = Integer.compare(row.partition(), partition);
            return c != 0 ? c > 0 : row.offset() > offset;
        }

        public static Cursor of(RawRow row) {
            return new Cursor(row.eventTime(), row.partition(), row.offset());
        }

        /** {@code <epoch-millis>.<partition>.<offset>}. */
        public String encode() {
            return time.toEpochMilli() + "." + partition + "." + offset;
        }

        /** @throws IllegalArgumentException when the text is not a cursor this class encoded */
        public static Cursor decode(String text) {
            String[] parts = text.split("\\.", -1);
            try {
                if (parts.length == 3) {
                    return new Cursor(Instant.ofEpochMilli(Long.parseLong(parts[0])), Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
                }
            } catch (NumberFormatException e) {
                // fall through to the refusal
            }
            throw new IllegalArgumentException("cursor must be a value returned as nextCursor, was '" + text + "'");
        }
    }

    private static RawRow row(Kind kind, Row r) {
        ByteBuffer payload = r.getByteBuffer("payload");
        byte[] bytes = new byte[payload == null ? 0 : payload.remaining()];
        if (payload != null) {
            payload.duplicate().get(bytes);
        }
        return new RawRow(kind, r.getString("tenant_id"), r.getString("device_id"), r.getInstant("ts"), r.getInt("kafka_partition"),
                r.getLong("kafka_offset"), r.getInstant("arrived"), Optional.ofNullable(r.getString("content_type")), bytes,
                r.getMap("metrics", String.class, Double.class), r.isNull("lat") ? Optional.empty() : Optional.of(r.getDouble("lat")),
                r.isNull("lon") ? Optional.empty() : Optional.of(r.getDouble("lon")), Optional.ofNullable(r.getString("parse_error")));
    }
}
