package io.meridian.region.archive;

import java.time.Instant;

/**
 * What one archive run did.
 *
 * @param at             the clock's time the run worked for
 * @param hoursExamined  arrival hours looked at (finished, within the backlog)
 * @param objectsWritten objects uploaded and recorded in the manifest
 * @param rowsWritten    rows in those objects
 * @param bytesWritten   compressed bytes of those objects
 * @param failures       groups (tenant, kind, hour) that failed, plus one when the bucket could not be
 *                       checked; each is retried by a later run
 * @param aborted        whether the run stopped early after repeated failures, leaving later hours for the
 *                       next run
 */
public record ArchiveRun(Instant at, int hoursExamined, int objectsWritten, long rowsWritten, long bytesWritten, int failures,
        boolean aborted) {

    /** Whether everything due was archived. */
    public boolean complete() {
        return failures == 0 && !aborted;
    }
}
