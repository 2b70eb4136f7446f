package io.meridian.gateway.audit;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Where this gateway keeps its audit runs, so that they survive a restart. */
public interface AuditRuns {

    /** Inserts or replaces the run. */
    void save(AuditRun run);

    /** The run with its report, or empty. */
    Optional<AuditRun> find(UUID id);

    /** Up to {@code limit} runs, newest first, without their reports. */
    List<AuditRun> list(int limit);
}
