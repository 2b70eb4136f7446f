package io.meridian.region.archive;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.region.ingest.DownstreamRecord.Kind;
import io.meridian.region.ingest.RawStore;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The ingest's raw tables, created and written by the ingest's own {@link RawStore}: so the archive's tests
 * read exactly the schema, the TTL and the {@code raw_hours} entries that the ingest produces.
 */
final class RawTables {

    /** 30 days, a tenant retention. */
    private static final int TTL_SECONDS = 30 * 24 * 3600;
    private static final int WRITE_CHUNK = 500;

    private final RawStore store;

    private RawTables(RawStore store) {
        this.store = store;
    }

    /** Creates the keyspace (SimpleStrategy, RF 1) and the raw tables when missing, through the ingest's raw store. */
    static RawTables create(CqlSession session, String keyspace) {
        return new RawTables(RawStore.open(session, keyspace, Map.of("class", "SimpleStrategy", "replication_factor", 1)));
    }

    /** A schema change, with time for a loaded machine to agree on it. */
    static void schema(CqlSession session, String cql) {
        session.execute(SimpleStatement.newInstance(cql).setTimeout(Duration.ofSeconds(30)));
    }

    /** Writes the row as the ingest does; {@code row.day()} must be the UTC date of its {@code ts}. */
    void insert(RawRow row) throws InterruptedException {
        insertAll(List.of(row));
    }

    /** Writes rows as the ingest does, in chunks, waiting for each chunk. */
    void insertAll(List<RawRow> rows) throws InterruptedException {
        for (int from = 0; from < rows.size(); from += WRITE_CHUNK) {
            List<RawStore.RawRow> chunk = rows.subList(from, Math.min(rows.size(), from + WRITE_CHUNK)).stream()
                    .map(RawTables::toIngestRow).toList();
            try {
                store.write(chunk, tenant -> TTL_SECONDS).toCompletableFuture().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("the raw store could not write " + chunk.size() + " rows", e);
            }
        }
    }

    private static RawStore.RawRow toIngestRow(RawRow row) {
        if (!row.day().equals(row.ts().atZone(ZoneOffset.UTC).toLocalDate())) {
            throw new IllegalArgumentException("day must be the UTC date of ts, was " + row);
        }
        Kind kind = switch (row.kind()) {
            case "telemetry" -> Kind.TELEMETRY;
            case "events" -> Kind.EVENT;
            default -> throw new IllegalArgumentException("kind must be telemetry or events, was " + row.kind());
        };
        return new RawStore.RawRow(kind, row.tenantId(), row.deviceId(), row.ts(), row.kafkaPartition(), row.kafkaOffset(),
                row.arrived(), Optional.ofNullable(row.contentType()), row.payload(), row.metrics(), Optional.ofNullable(row.lat()),
                Optional.ofNullable(row.lon()), Optional.ofNullable(row.parseError()));
    }
}
