package io.meridian.region.archive;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The ingest's raw tables, created here for the archive's tests with the same text as the ingest's raw
 * store, and written the way the ingest writes them: the row with its TTL, and its arrival hour in
 * {@code raw_hours}.
 */
final class RawTables {

    private static final String RAW_TABLE = " (\n"
            + "  tenant_id text, device_id text, day date, ts timestamp, kafka_partition int, kafka_offset bigint,\n"
            + "  arrived timestamp, content_type text, payload blob, metrics map<text,double>,\n"
            + "  lat double, lon double, parse_error text,\n"
            + "  PRIMARY KEY ((tenant_id, device_id, day), ts, kafka_partition, kafka_offset)\n"
            + ") WITH CLUSTERING ORDER BY (ts DESC, kafka_partition ASC, kafka_offset ASC)";
    private static final String RAW_HOURS = " (\n"
            + "  hour timestamp, tenant_id text, kind text, device_id text, day date,\n"
            + "  PRIMARY KEY ((hour), tenant_id, kind, device_id, day))";
    /** 30 days, a tenant retention. */
    private static final int TTL_SECONDS = 30 * 24 * 3600;

    private final CqlSession session;
    private final PreparedStatement insertTelemetry;
    private final PreparedStatement insertEvent;
    private final PreparedStatement insertHour;

    private RawTables(CqlSession session, String keyspace) {
        this.session = session;
        String columns = " (tenant_id, device_id, day, ts, kafka_partition, kafka_offset, arrived, content_type, payload, metrics,"
                + " lat, lon, parse_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL " + TTL_SECONDS;
        insertTelemetry = session.prepare("INSERT INTO " + keyspace + ".telemetry" + columns);
        insertEvent = session.prepare("INSERT INTO " + keyspace + ".events" + columns);
        insertHour = session.prepare("INSERT INTO " + keyspace + ".raw_hours (hour, tenant_id, kind, device_id, day)"
                + " VALUES (?, ?, ?, ?, ?) USING TTL " + TTL_SECONDS);
    }

    /** Creates the keyspace (SimpleStrategy, RF 1) and the raw tables when missing. */
    static RawTables create(CqlSession session, String keyspace) {
        schema(session, "CREATE KEYSPACE IF NOT EXISTS " + keyspace
                + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        schema(session, "CREATE TABLE IF NOT EXISTS " + keyspace + ".telemetry" + RAW_TABLE);
        schema(session, "CREATE TABLE IF NOT EXISTS " + keyspace + ".events" + RAW_TABLE);
        schema(session, "CREATE TABLE IF NOT EXISTS " + keyspace + ".raw_hours" + RAW_HOURS);
        return new RawTables(session, keyspace);
    }

    /** A schema change, with time for a loaded machine to agree on it. */
    static void schema(CqlSession session, String cql) {
        session.execute(SimpleStatement.newInstance(cql).setTimeout(Duration.ofSeconds(30)));
    }

    /**
     * Writes many rows with at most {@code inFlight} statements outstanding, waiting for all; the hour index
     * gets one entry per distinct partition and hour, as the ingest writes it.
     */
    void insertAll(List<RawRow> rows, int inFlight) throws InterruptedException {
        Semaphore permits = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Set<List<Object>> indexed = new HashSet<>();
        for (RawRow row : rows) {
            List<BoundStatement> statements = new ArrayList<>();
            statements.add(bindRow(row));
            Instant hour = row.arrived().truncatedTo(ChronoUnit.HOURS);
            if (indexed.add(List.of(hour, row.tenantId(), row.kind(), row.deviceId(), row.day()))) {
                statements.add(insertHour.bind(hour, row.tenantId(), row.kind(), row.deviceId(), row.day()));
            }
            for (BoundStatement statement : statements) {
                permits.acquire();
                session.executeAsync(statement).whenComplete((r, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                    permits.release();
                });
            }
        }
        permits.acquire(inFlight);
        if (failure.get() != null) {
            throw new IllegalStateException("inserting raw rows failed", failure.get());
        }
    }

    /** Writes the row and indexes its arrival hour; {@code row.day()} must be the UTC date of its {@code ts}. */
    void insert(RawRow row) {
        session.execute(bindRow(row));
        session.execute(insertHour.bind(row.arrived().truncatedTo(ChronoUnit.HOURS), row.tenantId(), row.kind(), row.deviceId(),
                row.day()));
    }

    private BoundStatement bindRow(RawRow row) {
        if (!row.day().equals(row.ts().atZone(ZoneOffset.UTC).toLocalDate())) {
            throw new IllegalArgumentException("day must be the UTC date of ts, was " + row);
        }
        PreparedStatement insert = switch (row.kind()) {
            case "telemetry" -> insertTelemetry;
            case "events" -> insertEvent;
            default -> throw new IllegalArgumentException("kind must be telemetry or events, was " + row.kind());
        };
        return insert.bind(row.tenantId(), row.deviceId(), row.day(), row.ts(), row.kafkaPartition(), row.kafkaOffset(),
                row.arrived(), row.contentType(), row.payload() == null ? null : ByteBuffer.wrap(row.payload()), row.metrics(),
                row.lat(), row.lon(), row.parseError());
    }
}
