package io.meridian.gateway.audit;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One audit run of this gateway, as stored: who asked, for what scope, how far it got, and when done its verdict and
 * report (the engine's {@code audit-report.json}).
 *
 * @param id          a time-based UUID, so that runs sort by start
 * @param status      {@link #RUNNING}, {@link #DONE}, {@link #FAILED} or {@link #ABORTED}
 * @param requestedBy the caller's token subject
 * @param startedAt   when the run was accepted
 * @param finishedAt  when it ended, if it did
 * @param regions     the audited regions
 * @param from        the time range's start, if any
 * @param to          the time range's end, if any
 * @param step        the last finished step
 * @param done        finished steps
 * @param total       all steps
 * @param verdict     PASS / FAIL / INCOMPLETE when DONE
 * @param error       why the run failed or was aborted
 * @param report      the report JSON when DONE
 */
public record AuditRun(UUID id, String status, String requestedBy, Instant startedAt, Optional<Instant> finishedAt, List<String> regions,
        Optional<Instant> from, Optional<Instant> to, String step, int done, int total, Optional<String> verdict, Optional<String> error,
        Optional<String> report) {

    public static final String RUNNING = "RUNNING";
    public static final String DONE = "DONE";
    public static final String FAILED = "FAILED";
    public static final String ABORTED = "ABORTED";

    public AuditRun {
        Objects.requireNonNull(id, "id must not be null");
        Objects.requireNonNull(status, "status must not be null");
        Objects.requireNonNull(requestedBy, "requestedBy must not be null");
        Objects.requireNonNull(startedAt, "startedAt must not be null");
        Objects.requireNonNull(finishedAt, "finishedAt must not be null");
        regions = List.copyOf(regions);
        Objects.requireNonNull(from, "from must not be null");
        Objects.requireNonNull(to, "to must not be null");
        Objects.requireNonNull(step, "step must not be null");
        Objects.requireNonNull(verdict, "verdict must not be null");
        Objects.requireNonNull(error, "error must not be null");
        Objects.requireNonNull(report, "report must not be null");
    }

    /** A run just accepted. */
    public static AuditRun started(UUID id, String requestedBy, Instant at, List<String> regions, Optional<Instant> from, Optional<Instant> to) {
        return new AuditRun(id, RUNNING, requestedBy, at, Optional.empty(), regions, from, to, "accepted", 0, 0, Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    public AuditRun progressed(String newStep, int newDone, int newTotal) {
        return new AuditRun(id, status, requestedBy, startedAt, finishedAt, regions, from, to, newStep, newDone, newTotal, verdict, error, report);
    }

    public AuditRun finished(Instant at, String newVerdict, String reportJson) {
        return new AuditRun(id, DONE, requestedBy, startedAt, Optional.of(at), regions, from, to, "report", total, total, Optional.of(newVerdict),
                Optional.empty(), Optional.of(reportJson));
    }

    public AuditRun failed(String newStatus, Instant at, String why) {
        return new AuditRun(id, newStatus, requestedBy, startedAt, Optional.of(at), regions, from, to, step, done, total, Optional.empty(),
                Optional.of(why), Optional.empty());
    }
}
