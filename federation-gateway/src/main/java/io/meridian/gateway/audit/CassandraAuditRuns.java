package io.meridian.gateway.audit;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.meridian.gateway.ledger.CassandraTransferLedger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Audit runs in the gateway's own region's Cassandra: table {@code audit_runs} of the gateway's keyspace (the one holding
 * the transfer ledger, created by it), one partition per gateway region, clustered by the run's time-based id, newest
 * first. The report is a text column: a report is kilobytes to a few megabytes of JSON.
 */
public final class CassandraAuditRuns implements AuditRuns {

    private static final String COLUMNS = "run_id, status, requested_by, started_at, finished_at, regions, range_from, range_to, step, done, total, "
            + "verdict, error";

    private final CqlSession session;
    private final String gateway;
    private final PreparedStatement insert;
    private final PreparedStatement select;
    private final PreparedStatement list;

    private CassandraAuditRuns(CqlSession session, String keyspace, String gateway) {
        this.session = session;
        this.gateway = gateway;
        this.insert = session.prepare("INSERT INTO " + keyspace + ".audit_runs (gateway, " + COLUMNS + ", report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        this.select = session.prepare("SELECT " + COLUMNS + ", report FROM " + keyspace + ".audit_runs WHERE gateway = ? AND run_id = ?");
        this.list = session.prepare("SELECT " + COLUMNS + " FROM " + keyspace + ".audit_runs WHERE gateway = ? LIMIT ?");
    }

    /**
     * Creates the table when missing (the keyspace must exist: the ledger creates it) and opens the store.
     *
     * @param gateway this gateway's region id: the partition
     */
    public static CassandraAuditRuns open(CqlSession session, String keyspace, String gateway) {
        Objects.requireNonNull(session, "session must not be null");
        Objects.requireNonNull(keyspace, "keyspace must not be null");
        Objects.requireNonNull(gateway, "gateway must not be null");
        // with the ledger's schema timeout: under load the driver's 2 s default failed the gateway's start (seen at load 80)
        CassandraTransferLedger.schema(session, "CREATE TABLE IF NOT EXISTS " + keyspace + ".audit_runs (gateway text, run_id timeuuid, status text, requested_by text, "
                + "started_at timestamp, finished_at timestamp, regions list<text>, range_from timestamp, range_to timestamp, step text, done int, "
                + "total int, verdict text, error text, report text, PRIMARY KEY ((gateway), run_id)) WITH CLUSTERING ORDER BY (run_id DESC)");
        return new CassandraAuditRuns(session, keyspace, gateway);
    }

    @Override
    public void save(AuditRun r) {
        session.execute(insert.bind(gateway, r.id(), r.status(), r.requestedBy(), r.startedAt(), r.finishedAt().orElse(null), r.regions(),
                r.from().orElse(null), r.to().orElse(null), r.step(), r.done(), r.total(), r.verdict().orElse(null), r.error().orElse(null),
                r.report().orElse(null)));
    }

    @Override
    public Optional<AuditRun> find(UUID id) {
        Row row = session.execute(select.bind(gateway, id)).one();
        return row == null ? Optional.empty() : Optional.of(run(row, Optional.ofNullable(row.getString("report"))));
    }

    @Override
    public List<AuditRun> list(int limit) {
        List<AuditRun> out = new ArrayList<>();
        for (Row row : session.execute(list.bind(gateway, limit))) {
            out.add(run(row, Optional.empty()));
        }
        return out;
    }

    private static AuditRun run(Row row, Optional<String> report) {
        return new AuditRun(row.getUuid("run_id"), row.getString("status"), row.getString("requested_by"), row.getInstant("started_at"),
                Optional.ofNullable(row.getInstant("finished_at")), row.getList("regions", String.class), Optional.ofNullable(row.getInstant("range_from")),
                Optional.ofNullable(row.getInstant("range_to")), row.getString("step"), row.getInt("done"), row.getInt("total"),
                Optional.ofNullable(row.getString("verdict")), Optional.ofNullable(row.getString("error")), report);
    }
}
