package io.meridian.gateway.export;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.gateway.ledger.CassandraTransferLedger;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ExportSchedules} in the gateway's keyspace: {@code export_schedules} (partition per tenant, one row per schedule,
 * the request as its JSON) and {@code export_schedule_runs} (one row per schedule and period, inserted {@code IF NOT EXISTS}:
 * the lightweight transaction is the claim). {@link #all()} scans the schedules table, which suits the few schedules a
 * federation has; a large number would need a due-time index (not built).
 */
public final class CassandraExportSchedules implements ExportSchedules {

    private static final Logger LOG = LoggerFactory.getLogger(CassandraExportSchedules.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement exists;
    private final PreparedStatement selectTenant;
    private final PreparedStatement selectAll;
    private final PreparedStatement delete;
    private final PreparedStatement claim;
    private final PreparedStatement claimedBy;

    private CassandraExportSchedules(CqlSession session, String keyspace) {
        this.session = session;
        String t = keyspace + ".export_schedules";
        String runs = keyspace + ".export_schedule_runs";
        insert = session.prepare("INSERT INTO " + t + " (tenant, id, request, every_ms, updated) VALUES (?, ?, ?, ?, ?)");
        exists = session.prepare("SELECT id FROM " + t + " WHERE tenant = ? AND id = ?");
        selectTenant = session.prepare("SELECT tenant, id, request, every_ms, updated FROM " + t + " WHERE tenant = ?");
        selectAll = session.prepare("SELECT tenant, id, request, every_ms, updated FROM " + t);
        delete = session.prepare("DELETE FROM " + t + " WHERE tenant = ? AND id = ? IF EXISTS");
        claim = session.prepare("INSERT INTO " + runs + " (tenant, id, period_start, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS");
        claimedBy = session.prepare("SELECT claimed_by FROM " + runs + " WHERE tenant = ? AND id = ? AND period_start = ?");
    }

    /**
     * Creates the tables when missing in {@code keyspace}, which must exist (the ledger creates it). Blocking.
     *
     * @throws IllegalArgumentException when the keyspace is not a plain CQL identifier
     */
    public static CassandraExportSchedules open(CqlSession session, String keyspace) {
        Objects.requireNonNull(session, "session must not be null");
        if (!keyspace.matches("[a-z][a-z0-9_]{0,47}")) {
            throw new IllegalArgumentException("keyspace must be a lower-case CQL identifier, was '" + keyspace + "'");
        }
        CassandraTransferLedger.schema(session, "CREATE TABLE IF NOT EXISTS " + keyspace + ".export_schedules (tenant text, id text, request text, every_ms bigint,"
                + " updated timestamp, PRIMARY KEY ((tenant), id))");
        CassandraTransferLedger.schema(session, "CREATE TABLE IF NOT EXISTS " + keyspace + ".export_schedule_runs (tenant text, id text, period_start timestamp,"
                + " claimed_by text, claimed_at timestamp, PRIMARY KEY ((tenant, id), period_start))");
        return new CassandraExportSchedules(session, keyspace);
    }

    @Override
    public boolean put(Schedule s) {
        boolean existed = session.execute(exists.bind(s.tenant(), s.id())).one() != null;
        session.execute(insert.bind(s.tenant(), s.id(), s.request().toJson().toString(), s.every().toMillis(), s.updated()));
        return !existed;
    }

    @Override
    public List<Schedule> list(String tenant) {
        List<Schedule> out = new ArrayList<>();
        for (Row row : session.execute(selectTenant.bind(tenant))) {
            read(row, out);
        }
        return out;
    }

    @Override
    public boolean delete(String tenant, String id) {
        return session.execute(delete.bind(tenant, id).setSerialConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).wasApplied();
    }

    @Override
    public List<Schedule> all() {
        List<Schedule> out = new ArrayList<>();
        for (Row row : session.execute(selectAll.bind())) {
            read(row, out);
        }
        return out;
    }

    @Override
    public boolean claim(Schedule s, Instant periodStart, String claimant) {
        try {
            return session.execute(claim.bind(s.tenant(), s.id(), periodStart, claimant, Instant.now())
                    .setSerialConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).wasApplied();
        } catch (WriteTimeoutException | CASWriteUnknownException unknown) {
            // a serial read settles whether this claimant's round won
            Row row = session.execute(claimedBy.bind(s.tenant(), s.id(), periodStart).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).one();
            return row != null && claimant.equals(row.getString("claimed_by"));
        }
    }

    private static void read(Row row, List<Schedule> out) {
        String tenant = row.getString("tenant");
        String id = row.getString("id");
        try {
            ExportRequest request = ExportRequest.parse(JSON.readTree(row.getString("request")), Set.of());
            out.add(new Schedule(tenant, id, request, Duration.ofMillis(row.getLong("every_ms")), row.getInstant("updated")));
        } catch (IOException | RuntimeException e) {
            // a row that no longer parses is skipped, not run with a guess; the log names it
            LOG.error("export schedule {} of tenant {} cannot be read and is skipped: {}", id, tenant, e.getMessage());
        }
    }
}
