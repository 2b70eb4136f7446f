package io.meridian.region.archive;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The archive's Cassandra side: the ingest's {@code raw_hours} index and raw tables (read only) and the
 * archive's own {@code archive_manifest} table. All methods block; the archiver calls them from its own
 * thread.
 */
final class ArchiveStore {

    /** The raw tables the archive reads, by the {@code kind} that {@code raw_hours} names them with. */
    static final List<String> KINDS = List.of("telemetry", "events");

    private static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(30);
    private static final String ROW_COLUMNS = "tenant_id, device_id, day, ts, kafka_partition, kafka_offset, arrived,"
            + " content_type, payload, metrics, lat, lon, parse_error";

    private final CqlSession session;
    private final int pageSize;
    private final PreparedStatement selectHourIndex;
    private final Map<String, PreparedStatement> selectRowsByKind = new HashMap<>();
    private final PreparedStatement selectManifest;
    private final PreparedStatement insertManifest;

    private ArchiveStore(CqlSession session, String keyspace, int pageSize) {
        this.session = session;
        this.pageSize = pageSize;
        selectHourIndex = session.prepare("SELECT tenant_id, kind, device_id, day FROM " + keyspace + ".raw_hours WHERE hour = ?");
        for (String kind : KINDS) {
            // arrived is a regular column: the filter runs inside one named partition, never across the table
            selectRowsByKind.put(kind, session.prepare("SELECT " + ROW_COLUMNS + " FROM " + keyspace + "." + kind
                    + " WHERE tenant_id = ? AND device_id = ? AND day = ? AND arrived >= ? AND arrived < ? ALLOW FILTERING"));
        }
        selectManifest = session.prepare("SELECT tenant_id, kind, partitions FROM " + keyspace + ".archive_manifest WHERE hour = ?");
        insertManifest = session.prepare("INSERT INTO " + keyspace + ".archive_manifest (hour, tenant_id, kind, bucket,"
                + " object_key, partitions, rows, bytes, sha256, written) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }

    /**
     * Creates {@code archive_manifest} when missing and prepares the statements. The keyspace and the raw
     * tables must exist already: the ingest's raw store creates them.
     *
     * @throws IllegalStateException naming the keyspace when the raw tables are missing
     */
    static ArchiveStore open(CqlSession session, String keyspace, int pageSize) {
        try {
            // a schema change waits for agreement across the cluster; a loaded node takes longer than a query
            session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + keyspace + ".archive_manifest ("
                    + " hour timestamp, tenant_id text, kind text, bucket text, object_key text, partitions int,"
                    + " rows bigint, bytes bigint, sha256 text, written timestamp,"
                    + " PRIMARY KEY ((hour), tenant_id, kind))").setTimeout(SCHEMA_TIMEOUT));
            return new ArchiveStore(session, keyspace, pageSize);
        } catch (InvalidQueryException e) {
            throw new IllegalStateException("the archive needs keyspace " + keyspace + " with the raw tables raw_hours, "
                    + String.join(", ", KINDS) + " (the ingest's raw store creates them): " + e.getMessage(), e);
        }
    }

    /**
     * The raw partitions that received rows in an arrival hour, grouped by tenant and kind, in the index's
     * clustering order.
     */
    Map<Group, List<Partition>> hourIndex(Instant hour) {
        Map<Group, List<Partition>> groups = new LinkedHashMap<>();
        for (Row row : session.execute(selectHourIndex.bind(hour).setPageSize(pageSize)
                .setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM))) {
            Group group = new Group(row.getString("tenant_id"), row.getString("kind"));
            groups.computeIfAbsent(group, g -> new ArrayList<>())
                    .add(new Partition(row.getString("device_id"), row.getLocalDate("day")));
        }
        return groups;
    }

    /** For each (tenant, kind) of the hour already archived, the number of raw partitions its object covered. */
    Map<Group, Integer> manifest(Instant hour) {
        Map<Group, Integer> done = new HashMap<>();
        for (Row row : session.execute(selectManifest.bind(hour).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM))) {
            done.put(new Group(row.getString("tenant_id"), row.getString("kind")), row.getInt("partitions"));
        }
        return done;
    }

    /**
     * Streams the rows of one raw partition whose {@code arrived} lies in {@code [hour, hour + 1h)}, page by
     * page, in the table's clustering order (newest event time first).
     *
     * @throws IllegalArgumentException when {@code kind} is not one of {@link #KINDS}
     */
    void rows(Group group, Partition partition, Instant hour, Consumer<RawRow> sink) {
        PreparedStatement select = selectRowsByKind.get(group.kind());
        if (select == null) {
            throw new IllegalArgumentException("raw_hours kind must be one of " + KINDS + ", was '" + group.kind() + "'");
        }
        for (Row row : session.execute(select.bind(group.tenant(), partition.deviceId(), partition.day(), hour,
                hour.plusSeconds(3600)).setPageSize(pageSize).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM))) {
            sink.accept(toRawRow(group.kind(), row));
        }
    }

    /** Records that the group's object of the hour is in the bucket. */
    void recordManifest(Instant hour, Group group, String bucket, String key, int partitions, long rows, long bytes,
            String sha256, Instant written) {
        session.execute(insertManifest.bind(hour, group.tenant(), group.kind(), bucket, key, partitions, rows, bytes, sha256, written)
                .setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM));
    }

    private static RawRow toRawRow(String kind, Row row) {
        ByteBuffer payload = row.getByteBuffer("payload");
        byte[] bytes = null;
        if (payload != null) {
            bytes = new byte[payload.remaining()];
            payload.duplicate().get(bytes);
        }
        LocalDate day = row.getLocalDate("day");
        return new RawRow(kind, row.getString("tenant_id"), row.getString("device_id"), day, row.getInstant("ts"),
                row.getInt("kafka_partition"), row.getLong("kafka_offset"), row.getInstant("arrived"), row.getString("content_type"),
                bytes, row.getMap("metrics", String.class, Double.class), row.isNull("lat") ? null : row.getDouble("lat"),
                row.isNull("lon") ? null : row.getDouble("lon"), row.getString("parse_error"));
    }

    /** A tenant's table: one archive object per group and hour. */
    record Group(String tenant, String kind) {
    }

    /** One raw partition of a group. */
    record Partition(String deviceId, LocalDate day) {
    }
}
