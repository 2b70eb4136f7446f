package io.meridian.gateway.audit;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Runs in memory, for tests and for a gateway started without Cassandra. Lost when the process ends. */
public final class InMemoryAuditRuns implements AuditRuns {

    private final Map<UUID, AuditRun> runs = new ConcurrentHashMap<>();

    @Override
    public void save(AuditRun run) {
        runs.put(run.id(), run);
    }

    @Override
    public Optional<AuditRun> find(UUID id) {
        return Optional.ofNullable(runs.get(id));
    }

    @Override
    public List<AuditRun> list(int limit) {
        return runs.values().stream().sorted(Comparator.comparing(AuditRun::startedAt).reversed()).limit(limit)
                .map(r -> new AuditRun(r.id(), r.status(), r.requestedBy(), r.startedAt(), r.finishedAt(), r.regions(), r.from(), r.to(), r.step(),
                        r.done(), r.total(), r.verdict(), r.error(), Optional.empty()))
                .toList();
    }
}
