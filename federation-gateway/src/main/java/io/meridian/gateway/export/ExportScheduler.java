package io.meridian.gateway.export;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the export schedules that are due. Periods are aligned to the epoch: at time {@code now}, a schedule of period
 * {@code every} is in the period starting at {@code floor(now / every) * every}, and its run for that period exports the
 * period before it, {@code [start - every, start)}: the last {@code every}, complete. The run is claimed first (an LWT in
 * the store), so it happens once per period even with several gateway instances checking at the same time; a run that
 * fails is logged and not retried in that period.
 *
 * <p>The export id of a run is derived from the tenant, the schedule and the period, so that it names the same run
 * wherever it is looked at.
 */
public final class ExportScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(ExportScheduler.class);

    /** A run this check started. */
    public record Run(ExportSchedules.Schedule schedule, Instant periodStart, UUID exportId, boolean exported, String detail) {
    }

    private final ExportSchedules schedules;
    private final Exporter exporter;
    private final String claimant;

    /** @param claimant who claims runs (the gateway instance), stored with the claim */
    public ExportScheduler(ExportSchedules schedules, Exporter exporter, String claimant) {
        this.schedules = Objects.requireNonNull(schedules, "schedules must not be null");
        this.exporter = Objects.requireNonNull(exporter, "exporter must not be null");
        this.claimant = Objects.requireNonNull(claimant, "claimant must not be null");
    }

    /** The start of the period {@code now} is in. */
    public static Instant periodStart(Instant now, java.time.Duration every) {
        long ms = every.toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), ms) * ms);
    }

    /** Runs every schedule whose run for the current period nobody has claimed yet. Blocking; returns the runs it made. */
    public List<Run> runDue(Instant now) {
        List<Run> runs = new ArrayList<>();
        for (ExportSchedules.Schedule s : schedules.all()) {
            Instant start = periodStart(now, s.every());
            if (!schedules.claim(s, start, claimant)) {
                continue;
            }
            UUID exportId = UUID.nameUUIDFromBytes((s.tenant() + "/" + s.id() + "/" + start.toEpochMilli()).getBytes(StandardCharsets.UTF_8));
            try {
                Exporter.Outcome o = exporter.run(s.tenant(), s.request().over(start.minus(s.every()), start), exportId);
                runs.add(new Run(s, start, exportId, true, "ledger entries " + o.ledgerSequences()));
            } catch (ExportSinks.SinkException | RuntimeException e) {
                LOG.warn("scheduled export {} of tenant {} for the period before {} failed: {}", s.id(), s.tenant(), start, e.getMessage());
                runs.add(new Run(s, start, exportId, false, e.getMessage()));
            }
        }
        return runs;
    }
}
