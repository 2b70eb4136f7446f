package io.meridian.audit;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one audit covers: the regions, and optionally a time range {@code [from, to)} for decisions, releases and ledger
 * entries. The integrity checks (chains, storage, keyspaces, infrastructure) always look at everything.
 *
 * @param regions the region ids, at least one, no repeats
 * @param from    the first instant included, or empty
 * @param to      the first instant excluded, or empty
 */
public record AuditScope(List<String> regions, Optional<Instant> from, Optional<Instant> to) {

    /**
     * @throws IllegalArgumentException when no region is named, a region repeats, or {@code from} is not before {@code to}
     */
    public AuditScope {
        Objects.requireNonNull(regions, "regions must not be null");
        Objects.requireNonNull(from, "from must not be null");
        Objects.requireNonNull(to, "to must not be null");
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("an audit scope needs at least one region, was none");
        }
        if (new LinkedHashSet<>(regions).size() != regions.size()) {
            throw new IllegalArgumentException("audit scope regions must not repeat, was " + regions);
        }
        regions = List.copyOf(regions);
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw new IllegalArgumentException("audit scope from must be before to, was " + from.get() + " to " + to.get());
        }
    }

    /** Whether {@code t} lies in {@code [from, to)}. */
    public boolean covers(Instant t) {
        return (from.isEmpty() || !t.isBefore(from.get())) && (to.isEmpty() || t.isBefore(to.get()));
    }
}
