package io.meridian.region.aggregate;

import io.meridian.aggregate.WindowState;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Reads window aggregates for the region's data API: the cells of a range, or the range merged into one
 * cell per group. Reads only what {@link Aggregator#flush()} made durable.
 *
 * <p>A range is half-open, [from, to), and both ends must be window boundaries of the resolution, so a cell
 * is never a part of a window. A range may hold at most {@value #MAX_WINDOWS} windows (a week of 1-minute
 * windows) and return at most {@value #MAX_CELLS} cells; past that the query is refused rather than
 * exhausting memory.
 *
 * <p>Thread-safe. The methods block on Cassandra: call them from worker threads, never from an event loop.
 */
public final class AggregateQuery {

    /** The most windows one query may span. */
    public static final int MAX_WINDOWS = 10_080;
    /** The most cells one query may read. */
    public static final int MAX_CELLS = 200_000;
    /** Window starts per {@code IN} list. */
    private static final int IN_CHUNK = 100;
    private static final Comparator<AggregateCell> ORDER = Comparator.comparing(AggregateCell::windowStart)
            .thenComparing(c -> c.group().kind()).thenComparing(c -> c.group().value());

    private final AggregateStore store;

    /** Queries over the given store. */
    public AggregateQuery(AggregateStore store) {
        this.store = Objects.requireNonNull(store, "store must not be null");
    }

    /**
     * The cells of every window in [from, to), ordered by window start, group kind and group value.
     *
     * @param groupKind only groups of this kind ({@code all}, {@code geohash}, {@code label:<key>}), or all kinds
     * @throws IllegalArgumentException when an argument is empty, the range is not aligned to the resolution,
     *                                  empty, or too long, the group kind is malformed, or the range holds more
     *                                  than {@link #MAX_CELLS} cells
     * @throws IllegalStateException    when a stored state cannot be read (naming the row), or Cassandra fails
     *                                  (with its exception as cause)
     */
    public List<AggregateCell> cells(String tenantId, String metric, Resolution resolution, Instant from, Instant to,
            Optional<String> groupKind) {
        List<AggregateStore.StoredCell> stored = read(tenantId, metric, resolution, from, to, groupKind);
        List<AggregateCell> cells = new ArrayList<>(stored.size());
        for (AggregateStore.StoredCell s : stored) {
            String row = tenantId + "/" + metric + "/" + resolution.code() + "@" + s.windowStart();
            byte[] bytes = AggregateStore.bytes(s.state(), row, s.group());
            // the stored bytes are the state's serialized form already: hand them on instead of re-encoding
            cells.add(AggregateCell.of(s.group(), resolution, s.windowStart(), resolution.length(),
                    AggregateStore.decode(bytes, row, s.group()), bytes));
        }
        cells.sort(ORDER);
        return cells;
    }

    /**
     * One cell per group that has data in [from, to): the merge of its windows, with window start
     * {@code from} and window length {@code to - from}. Ordered by group kind and value.
     *
     * @throws IllegalArgumentException as {@link #cells}
     * @throws IllegalStateException    as {@link #cells}
     */
    public List<AggregateCell> merged(String tenantId, String metric, Resolution resolution, Instant from, Instant to,
            Optional<String> groupKind) {
        List<AggregateStore.StoredCell> stored = read(tenantId, metric, resolution, from, to, groupKind);
        Map<GroupKey, WindowState> merged = new LinkedHashMap<>();
        for (AggregateStore.StoredCell s : stored) {
            WindowState state = AggregateStore.decode(s.state(), tenantId + "/" + metric + "/" + resolution.code() + "@"
                    + s.windowStart(), s.group());
            WindowState into = merged.get(s.group());
            if (into == null) {
                merged.put(s.group(), state);
            } else {
                into.merge(state);
            }
        }
        Duration window = Duration.between(from, to);
        List<AggregateCell> cells = new ArrayList<>(merged.size());
        merged.forEach((group, state) -> cells.add(AggregateCell.of(group, resolution, from, window, state)));
        cells.sort(ORDER);
        return cells;
    }

    private List<AggregateStore.StoredCell> read(String tenantId, String metric, Resolution resolution, Instant from,
            Instant to, Optional<String> groupKind) {
        requireText(tenantId, "tenantId");
        requireText(metric, "metric");
        Objects.requireNonNull(resolution, "resolution must not be null");
        Objects.requireNonNull(from, "from must not be null");
        Objects.requireNonNull(to, "to must not be null");
        Objects.requireNonNull(groupKind, "groupKind must not be null (use Optional.empty())");
        groupKind.ifPresent(GroupKey::validateKind);
        if (!resolution.isAligned(from) || !resolution.isAligned(to)) {
            throw new IllegalArgumentException("query range must start and end on " + resolution.code()
                    + " window boundaries, was [" + from + ", " + to + ")");
        }
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("query range must not be empty: from must be before to, was ["
                    + from + ", " + to + ")");
        }
        long windows = Duration.between(from, to).toMillis() / resolution.length().toMillis();
        if (windows > MAX_WINDOWS) {
            throw new IllegalArgumentException("query range must span at most " + MAX_WINDOWS + " windows of "
                    + resolution.code() + ", was " + windows);
        }
        List<CompletionStage<List<AggregateStore.StoredCell>>> reads = new ArrayList<>();
        LocalDate day = LocalDate.ofInstant(from, ZoneOffset.UTC);
        while (day.atStartOfDay(ZoneOffset.UTC).toInstant().isBefore(to)) {
            Instant dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant();
            Instant dayEnd = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            Instant start = from.isAfter(dayStart) ? from : dayStart;
            Instant end = to.isBefore(dayEnd) ? to : dayEnd;
            if (groupKind.isEmpty()) {
                reads.add(store.selectRange(tenantId, metric, resolution, day, start, end));
            } else {
                // group kind is the second clustering column: name the windows, so only that kind's rows are read
                List<Instant> starts = new ArrayList<>();
                for (Instant w = start; w.isBefore(end); w = w.plus(resolution.length())) {
                    starts.add(w);
                    if (starts.size() == IN_CHUNK) {
                        reads.add(store.selectKind(tenantId, metric, resolution, day, starts, groupKind.get()));
                        starts = new ArrayList<>();
                    }
                }
                if (!starts.isEmpty()) {
                    reads.add(store.selectKind(tenantId, metric, resolution, day, starts, groupKind.get()));
                }
            }
            day = day.plusDays(1);
        }
        List<AggregateStore.StoredCell> all = new ArrayList<>();
        for (CompletionStage<List<AggregateStore.StoredCell>> read : reads) {
            List<AggregateStore.StoredCell> part;
            try {
                part = read.toCompletableFuture().join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new IllegalStateException("aggregate query for " + tenantId + "/" + metric + " failed: " + cause, cause);
            }
            all.addAll(part);
            if (all.size() > MAX_CELLS) {
                reads.forEach(r -> r.toCompletableFuture().cancel(false));
                throw new IllegalArgumentException("aggregate query for " + tenantId + "/" + metric + " must read at most "
                        + MAX_CELLS + " cells, the range holds more: narrow the range or choose a group kind");
            }
        }
        return all;
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name + " must not be null");
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
    }
}
