package io.meridian.region.aggregate;

import io.meridian.aggregate.WindowState;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Window aggregates in the region's Cassandra, table {@code <keyspace>.aggregates}:
 * <pre>
 *   PRIMARY KEY ((tenant_id, metric, resolution, day), window_start, group_kind, group_value)
 *   value_count bigint, value_sum double, value_min double, value_max double, distinct_devices bigint,
 *   state blob (WindowState's serialized form, the authority), applied_offsets frozen&lt;map&lt;text, bigint&gt;&gt;,
 *   updated_at timestamp
 * </pre>
 * One partition holds one UTC day of one tenant's metric at one resolution, all groups together, so an
 * hour's query reads one or two partitions. The plain columns repeat what the blob says, for people reading
 * the table with cqlsh; the blob is what is merged. {@code applied_offsets} is frozen so that rewriting a
 * row (every flush) writes no collection tombstones. Every write carries the tenant's retention as TTL,
 * counted from the write. Reads and writes are at {@code LOCAL_QUORUM}, so a node restarted elsewhere in the
 * region reads what was flushed.
 *
 * <p>Thread-safe: statements are prepared once; the methods return stages completed on the driver's threads.
 */
public final class AggregateStore {

    /** The longest TTL Cassandra accepts (20 years). */
    public static final Duration MAX_TTL = Duration.ofSeconds(630_720_000L);

    private static final Pattern CQL_IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,47}");
    private static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(30);
    private static final DefaultConsistencyLevel CONSISTENCY = DefaultConsistencyLevel.LOCAL_QUORUM;

    private final CqlSession session;
    private final String keyspace;
    private final PreparedStatement insert;
    private final PreparedStatement selectWindow;
    private final PreparedStatement selectRange;
    private final PreparedStatement selectKindAt;

    /** A stored row as the aggregator loads it. */
    record LoadedRow(GroupKey group, WindowState state, Map<String, Long> appliedOffsets) {
    }

    /** A stored row as a query reads it: the blob stays serialized until the caller decodes it. */
    record StoredCell(Instant windowStart, GroupKey group, ByteBuffer state) {
    }

    private AggregateStore(CqlSession session, String keyspace) {
        this.session = session;
        this.keyspace = keyspace;
        String table = keyspace + ".aggregates";
        String pk = "tenant_id = ? AND metric = ? AND resolution = ? AND day = ?";
        insert = session.prepare("INSERT INTO " + table + " (tenant_id, metric, resolution, day, window_start, group_kind,"
                + " group_value, value_count, value_sum, value_min, value_max, distinct_devices, state, applied_offsets,"
                + " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?");
        selectWindow = session.prepare("SELECT group_kind, group_value, state, applied_offsets FROM " + table
                + " WHERE " + pk + " AND window_start = ?");
        selectRange = session.prepare("SELECT window_start, group_kind, group_value, state FROM " + table
                + " WHERE " + pk + " AND window_start >= ? AND window_start < ?");
        selectKindAt = session.prepare("SELECT window_start, group_kind, group_value, state FROM " + table
                + " WHERE " + pk + " AND window_start IN ? AND group_kind = ?");
    }

    /**
     * Creates the keyspace and table when missing (idempotent) and prepares the statements. Blocking.
     *
     * @param session     a session to the region's Cassandra; not null, stays the caller's to close
     * @param keyspace    a lower-case CQL identifier, for example {@code meridian_data}
     * @param replication the keyspace's replication map, for example {@code class: SimpleStrategy,
     *                    replication_factor: 1}; not empty
     * @throws IllegalArgumentException when the keyspace is not a plain identifier or the replication map is empty
     */
    public static AggregateStore open(CqlSession session, String keyspace, Map<String, Object> replication) {
        Objects.requireNonNull(session, "session must not be null");
        Objects.requireNonNull(keyspace, "keyspace must not be null");
        Objects.requireNonNull(replication, "replication must not be null");
        // the name goes into CQL text: only a plain identifier, so that it cannot carry CQL
        if (!CQL_IDENTIFIER.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("aggregate keyspace must be a lower-case letter followed by up to 47"
                    + " lower-case letters, digits or '_', was '" + keyspace + "'");
        }
        if (replication.isEmpty()) {
            throw new IllegalArgumentException("aggregate keyspace replication must not be empty");
        }
        String replicationCql = replication.entrySet().stream()
                .map(e -> "'" + e.getKey() + "': " + (e.getValue() instanceof Number ? e.getValue().toString() : "'" + e.getValue() + "'"))
                .collect(Collectors.joining(", ", "{", "}"));
        // schema changes wait for agreement between nodes: give them longer than a session's request timeout
        session.execute(SimpleStatement.newInstance("CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = "
                + replicationCql).setTimeout(SCHEMA_TIMEOUT));
        session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + keyspace + ".aggregates ("
                + " tenant_id text, metric text, resolution text, day date, window_start timestamp,"
                + " group_kind text, group_value text, value_count bigint, value_sum double, value_min double,"
                + " value_max double, distinct_devices bigint, state blob, applied_offsets frozen<map<text, bigint>>,"
                + " updated_at timestamp,"
                + " PRIMARY KEY ((tenant_id, metric, resolution, day), window_start, group_kind, group_value))"
                + " WITH CLUSTERING ORDER BY (window_start ASC, group_kind ASC, group_value ASC)").setTimeout(SCHEMA_TIMEOUT));
        return new AggregateStore(session, keyspace);
    }

    /** The keyspace this store writes to. */
    public String keyspace() {
        return keyspace;
    }

    /**
     * Every group row of one window. The stage fails with an {@link IllegalStateException} naming the row
     * when a stored blob cannot be read, or with the driver's exception.
     */
    CompletionStage<Map<GroupKey, LoadedRow>> load(WindowId window) {
        return allRows(session.executeAsync(selectWindow.bind(window.tenantId(), window.metric(), window.resolution().code(),
                window.day(), window.start()).setConsistencyLevel(CONSISTENCY))).thenApply(rows -> {
                    Map<GroupKey, LoadedRow> loaded = new HashMap<>();
                    for (Row row : rows) {
                        GroupKey group = new GroupKey(row.getString("group_kind"), row.getString("group_value"));
                        WindowState state = decode(row.getByteBuffer("state"), window, group);
                        loaded.put(group, new LoadedRow(group, state,
                                new HashMap<>(row.getMap("applied_offsets", String.class, Long.class))));
                    }
                    return loaded;
                });
    }

    /**
     * Writes one group row of one window, replacing what it held.
     *
     * @param ttl the tenant's retention, 1 s to {@link #MAX_TTL}
     * @throws IllegalArgumentException when the TTL is out of range
     */
    CompletionStage<Void> write(WindowId window, GroupKey group, WindowState state, Map<String, Long> appliedOffsets,
            Duration ttl, Instant updatedAt) {
        checkTtl(window.tenantId(), ttl);
        return session.executeAsync(insert.bind(window.tenantId(), window.metric(), window.resolution().code(),
                window.day(), window.start(), group.kind(), group.value(), state.count(), state.sum(), state.min(),
                state.max(), state.distinctDevices(), ByteBuffer.wrap(state.serialize()), Map.copyOf(appliedOffsets),
                updatedAt, (int) ttl.toSeconds()).setConsistencyLevel(CONSISTENCY)).thenApply(rs -> null);
    }

    /**
     * Checks a tenant's retention as a row TTL.
     *
     * @throws IllegalArgumentException naming the tenant when it is null or not 1 s to {@link #MAX_TTL}
     */
    static Duration checkTtl(String tenantId, Duration ttl) {
        if (ttl == null || ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("retention of tenant " + tenantId + " must be 1 s to "
                    + MAX_TTL.toDays() + " days, was " + ttl);
        }
        return ttl;
    }

    /** Every row of one partition with a window start in [from, to). */
    CompletionStage<List<StoredCell>> selectRange(String tenantId, String metric, Resolution resolution, LocalDate day,
            Instant from, Instant to) {
        return allRows(session.executeAsync(selectRange.bind(tenantId, metric, resolution.code(), day, from, to)
                .setConsistencyLevel(CONSISTENCY).setPageSize(5000))).thenApply(AggregateStore::cells);
    }

    /** The rows of one group kind at the given window starts, all in one partition. */
    CompletionStage<List<StoredCell>> selectKind(String tenantId, String metric, Resolution resolution, LocalDate day,
            List<Instant> starts, String groupKind) {
        return allRows(session.executeAsync(selectKindAt.bind(tenantId, metric, resolution.code(), day, starts, groupKind)
                .setConsistencyLevel(CONSISTENCY).setPageSize(5000))).thenApply(AggregateStore::cells);
    }

    /**
     * Decodes a stored blob.
     *
     * @throws IllegalStateException naming the row when the blob is missing or cannot be read
     */
    static WindowState decode(ByteBuffer blob, Object window, GroupKey group) {
        return decode(bytes(blob, window, group), window, group);
    }

    /** As {@link #decode(ByteBuffer, Object, GroupKey)}, from the blob's bytes. */
    static WindowState decode(byte[] bytes, Object window, GroupKey group) {
        try {
            return WindowState.deserialize(bytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("aggregate row " + window + " " + group + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * The bytes of a stored blob.
     *
     * @throws IllegalStateException naming the row when the blob is missing
     */
    static byte[] bytes(ByteBuffer blob, Object window, GroupKey group) {
        if (blob == null) {
            throw new IllegalStateException("aggregate row " + window + " " + group + " has no state");
        }
        byte[] bytes = new byte[blob.remaining()];
        blob.duplicate().get(bytes);
        return bytes;
    }

    private static List<StoredCell> cells(List<Row> rows) {
        List<StoredCell> cells = new ArrayList<>(rows.size());
        for (Row row : rows) {
            cells.add(new StoredCell(row.getInstant("window_start"),
                    new GroupKey(row.getString("group_kind"), row.getString("group_value")), row.getByteBuffer("state")));
        }
        return cells;
    }

    private static CompletionStage<List<Row>> allRows(CompletionStage<AsyncResultSet> first) {
        List<Row> rows = new ArrayList<>();
        return first.thenCompose(page -> collect(page, rows));
    }

    private static CompletionStage<List<Row>> collect(AsyncResultSet page, List<Row> rows) {
        for (Row row : page.currentPage()) {
            rows.add(row);
        }
        if (page.hasMorePages()) {
            return page.fetchNextPage().thenCompose(next -> collect(next, rows));
        }
        return CompletableFuture.completedFuture(rows);
    }

    @Override
    public String toString() {
        return "AggregateStore[keyspace=" + keyspace + "]";
    }
}
