package io.meridian.gateway.export;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Tenants' export schedules, and the claims that make each scheduled run happen once per period however many gateway
 * instances look for due schedules. Every method blocks on the store.
 */
public interface ExportSchedules {

    /**
     * One schedule.
     *
     * @param tenant  the tenant
     * @param id      the schedule's id within the tenant
     * @param request what to export and where; its query's {@code from}/{@code to} are replaced by each run's window
     * @param every   the period: each run exports the last {@code every}
     * @param updated when it was last written
     */
    record Schedule(String tenant, String id, ExportRequest request, Duration every, Instant updated) {
        public Schedule {
            Objects.requireNonNull(tenant, "tenant must not be null");
            Objects.requireNonNull(id, "id must not be null");
            Objects.requireNonNull(request, "request must not be null");
            Objects.requireNonNull(every, "every must not be null");
            Objects.requireNonNull(updated, "updated must not be null");
        }
    }

    /** Creates or replaces the schedule; true when it did not exist before. */
    boolean put(Schedule schedule);

    /** The tenant's schedules, by id. */
    List<Schedule> list(String tenant);

    /** Deletes the schedule; false when there was none. */
    boolean delete(String tenant, String id);

    /** Every tenant's schedules, for the scheduler. */
    List<Schedule> all();

    /**
     * Claims the run of {@code schedule} for the period starting at {@code periodStart}: true for exactly one caller per
     * schedule and period, across gateway instances.
     */
    boolean claim(Schedule schedule, Instant periodStart, String claimant);
}
