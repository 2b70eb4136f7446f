package io.meridian.region.aggregate;

import io.meridian.aggregate.WindowState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds ingested records into 1-minute, 15-minute and 1-hour windows per tenant, metric and group, and
 * persists the windows in Cassandra so that redelivery never counts a record twice.
 *
 * <p><b>Use:</b> once per polled Kafka batch, {@link #apply} the batch, {@link #flush()}, and only when
 * flush returned commit the batch's offsets; then {@link #evict} with the batch's latest arrival time.
 *
 * <p><b>Groups.</b> Each value of a metric goes into the tenant's {@link GroupKey#ALL} group, into one
 * {@code label:<key>} group per entry of {@link AggregateInput#groupLabels()}, and into its {@code geohash}
 * cell when the record had one; at each of the three resolutions.
 *
 * <p><b>Late data.</b> A record updates a window only while {@code arrivalTime - windowEnd <= grace}. The
 * arrival time is the Kafka record's timestamp, not this machine's clock, so a batch redelivered after a
 * crash or an outage of any length is judged as it was the first time. A late record is counted in
 * {@code meridian.ingest.aggregate.late{resolution}} once per resolution it missed; it may still update the
 * coarser windows that are not closed yet.
 *
 * <p><b>Exactly once.</b> Every window row keeps, per Kafka {@code topic/partition}, the highest offset it
 * has applied, and is persisted with it in the same Cassandra row write. A record whose offset is at most
 * that is skipped for that row. Records of one partition arrive in offset order, so after "apply, flush,
 * crash before the offset commit, redelivery" every row skips exactly what it already holds, whether the
 * flush wrote all rows or only some. Skips are counted in {@code meridian.ingest.aggregate.duplicates}.
 * Resetting a partition's offsets below what rows hold (a topic deleted and recreated) would make those
 * rows skip new records until their windows close.
 *
 * <p><b>Memory.</b> Windows are held after a flush so the next batch need not read them back; a window not
 * held is loaded from Cassandra first (after a restart, or after eviction). {@link #evict} drops clean windows
 * whose end + grace + {@link Config#evictionMargin()} is before the latest arrival, and then, while more than
 * {@link Config#maxHeldRows()} rows are held, clean windows oldest end first. A window's distinct-device set
 * is bounded ({@link Config#distinctBound()} hashes, then a 4 KB HLL sketch) and so is its quantile sketch.
 *
 * <p><b>Not thread-safe, by design:</b> one ingest thread owns an aggregator; apply, flush and evict block
 * on Cassandra, so that thread must not be an event loop. Other threads read through {@link AggregateQuery}.
 */
public final class Aggregator {

    private static final Logger LOG = LoggerFactory.getLogger(Aggregator.class);

    /**
     * Settings, validated when built.
     *
     * @param grace            how long after a window's end a record may still arrive and count
     * @param distinctBound    distinct devices counted exactly per window before the HLL sketch takes over
     * @param evictionMargin   how long past end + grace a clean window is kept (records of a lagging partition may
     *                         still be within grace by their own arrival time; a window evicted too early is
     *                         only read back, never wrong)
     * @param maxHeldRows      rows held in memory past which clean windows are evicted oldest first
     * @param maxFutureSkew    how far past its arrival a record's event time may lie; further is a broken device
     *                         clock, and the record is skipped (counted, reason {@code future})
     * @param writeConcurrency row writes in flight during a flush
     */
    public record Config(Duration grace, int distinctBound, Duration evictionMargin, int maxHeldRows,
            Duration maxFutureSkew, int writeConcurrency) {

        /** Grace 5 min, distinct bound 4096, margin 2 min, 50,000 rows, skew 1 h, 64 writes. */
        public static final Config DEFAULTS = new Config(Duration.ofMinutes(5), WindowState.DEFAULT_DISTINCT_BOUND,
                Duration.ofMinutes(2), 50_000, Duration.ofHours(1), 64);

        /** @throws IllegalArgumentException naming the setting and its value when one is out of range */
        public Config {
            requireWithin("grace", grace, Duration.ZERO, Duration.ofDays(7));
            requireWithin("evictionMargin", evictionMargin, Duration.ZERO, Duration.ofDays(7));
            requireWithin("maxFutureSkew", maxFutureSkew, Duration.ZERO, Duration.ofDays(7));
            if (distinctBound < 1 || distinctBound > WindowState.MAX_DISTINCT_BOUND) {
                throw new IllegalArgumentException("aggregate distinctBound must be 1 to " + WindowState.MAX_DISTINCT_BOUND
                        + ", was " + distinctBound);
            }
            if (maxHeldRows < 1) {
                throw new IllegalArgumentException("aggregate maxHeldRows must be at least 1, was " + maxHeldRows);
            }
            if (writeConcurrency < 1 || writeConcurrency > 1024) {
                throw new IllegalArgumentException("aggregate writeConcurrency must be 1 to 1024, was " + writeConcurrency);
            }
        }

        private static void requireWithin(String name, Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, "aggregate " + name + " must not be null");
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException("aggregate " + name + " must be " + min + " to " + max + ", was " + value);
            }
        }

        /** These settings with another grace. */
        public Config withGrace(Duration grace) {
            return new Config(grace, distinctBound, evictionMargin, maxHeldRows, maxFutureSkew, writeConcurrency);
        }

        /** These settings with another distinct bound. */
        public Config withDistinctBound(int distinctBound) {
            return new Config(grace, distinctBound, evictionMargin, maxHeldRows, maxFutureSkew, writeConcurrency);
        }

        /** These settings with another row cap. */
        public Config withMaxHeldRows(int maxHeldRows) {
            return new Config(grace, distinctBound, evictionMargin, maxHeldRows, maxFutureSkew, writeConcurrency);
        }
    }

    /** One group row of a held window. */
    private static final class HeldRow {
        final WindowState state;
        final Map<String, Long> appliedOffsets;
        boolean dirty;

        HeldRow(WindowState state, Map<String, Long> appliedOffsets) {
            this.state = state;
            this.appliedOffsets = appliedOffsets;
        }
    }

    /** A held window: every group row it has, stored or new. */
    private static final class HeldWindow {
        final Map<GroupKey, HeldRow> rows = new HashMap<>();
        int dirtyRows;
    }

    private final WindowRows store;
    private final Config config;
    private final Function<String, Duration> retention;
    private final Map<WindowId, HeldWindow> held = new HashMap<>();
    private final Map<Resolution, Counter> late = new EnumMap<>(Resolution.class);
    private final Counter duplicates;
    private final Counter nonFinite;
    private final Counter future;
    private int heldRows;

    /**
     * @param store     where windows are loaded from and flushed to
     * @param registry  where the late, duplicate and skipped counters go
     * @param config    the settings
     * @param retention each tenant's retention, used as the TTL of its rows: 1 s to 20 years; called at flush
     */
    public Aggregator(AggregateStore store, MeterRegistry registry, Config config, Function<String, Duration> retention) {
        this(adapt(Objects.requireNonNull(store, "store must not be null")), registry, config, retention);
    }

    Aggregator(WindowRows store, MeterRegistry registry, Config config, Function<String, Duration> retention) {
        this.store = Objects.requireNonNull(store, "store must not be null");
        Objects.requireNonNull(registry, "registry must not be null");
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.retention = Objects.requireNonNull(retention, "retention must not be null");
        for (Resolution r : Resolution.values()) {
            late.put(r, Counter.builder("meridian.ingest.aggregate.late").tag("resolution", r.code())
                    .description("records that arrived after their window's end plus grace, per resolution missed")
                    .register(registry));
        }
        duplicates = Counter.builder("meridian.ingest.aggregate.duplicates")
                .description("window-row updates skipped because the row already held the record's offset")
                .register(registry);
        nonFinite = Counter.builder("meridian.ingest.aggregate.skipped").tag("reason", "non-finite")
                .description("metric values not aggregated").register(registry);
        future = Counter.builder("meridian.ingest.aggregate.skipped").tag("reason", "future")
                .description("metric values not aggregated").register(registry);
    }

    private static WindowRows adapt(AggregateStore store) {
        return new WindowRows() {
            @Override
            public CompletionStage<Map<GroupKey, AggregateStore.LoadedRow>> load(WindowId window) {
                return store.load(window);
            }

            @Override
            public CompletionStage<Void> write(WindowId window, GroupKey group, WindowState state,
                    Map<String, Long> appliedOffsets, Duration ttl, Instant updatedAt) {
                return store.write(window, group, state, appliedOffsets, ttl, updatedAt);
            }
        };
    }

    /**
     * Folds a batch into the held windows, loading first every window it needs that is not held. Nothing
     * is written: {@link #flush()} does that. When loading fails nothing of the batch is applied, so the
     * caller may apply it again.
     *
     * @param batch records in the order polled (each partition's in offset order); not null
     * @throws IllegalStateException when a window cannot be loaded, with the cause
     */
    public void apply(List<AggregateInput> batch) {
        Objects.requireNonNull(batch, "batch must not be null");
        // pass 1: which windows each record reaches, and which of those must be loaded
        Map<WindowId, CompletionStage<Map<GroupKey, AggregateStore.LoadedRow>>> loads = new HashMap<>();
        List<Instant[]> startsPerRecord = new ArrayList<>(batch.size());
        Resolution[] resolutions = Resolution.values();
        for (AggregateInput input : batch) {
            Objects.requireNonNull(input, "batch must not hold null records");
            Instant[] starts = new Instant[resolutions.length];
            startsPerRecord.add(starts);
            if (input.eventTime().isAfter(input.arrivalTime().plus(config.maxFutureSkew()))) {
                future.increment(input.metrics().size());
                continue;
            }
            for (int i = 0; i < resolutions.length; i++) {
                Resolution r = resolutions[i];
                Instant start = r.windowStart(input.eventTime());
                Instant end = start.plus(r.length());
                if (Duration.between(end, input.arrivalTime()).compareTo(config.grace()) > 0) {
                    late.get(r).increment();
                    continue;
                }
                starts[i] = start;
                for (Map.Entry<String, Double> metric : input.metrics().entrySet()) {
                    WindowId id = new WindowId(input.tenantId(), metric.getKey(), r, start);
                    if (!held.containsKey(id) && !loads.containsKey(id)) {
                        loads.put(id, store.load(id));
                    }
                }
            }
        }
        Map<WindowId, HeldWindow> loaded = awaitLoads(loads);
        loaded.forEach((id, window) -> {
            held.put(id, window);
            heldRows += window.rows.size();
        });
        // pass 2: fold the values in
        for (int n = 0; n < batch.size(); n++) {
            AggregateInput input = batch.get(n);
            Instant[] starts = startsPerRecord.get(n);
            long deviceHash = WindowState.deviceHash(input.deviceId());
            List<GroupKey> groups = groupsOf(input);
            for (Map.Entry<String, Double> metric : input.metrics().entrySet()) {
                double value = metric.getValue();
                if (!Double.isFinite(value)) {
                    nonFinite.increment();
                    continue;
                }
                for (int i = 0; i < resolutions.length; i++) {
                    if (starts[i] != null) {
                        HeldWindow window = held.get(new WindowId(input.tenantId(), metric.getKey(), resolutions[i], starts[i]));
                        for (GroupKey group : groups) {
                            fold(window, group, input, deviceHash, value);
                        }
                    }
                }
            }
        }
    }

    private void fold(HeldWindow window, GroupKey group, AggregateInput input, long deviceHash, double value) {
        HeldRow row = window.rows.get(group);
        if (row == null) {
            row = new HeldRow(WindowState.empty(config.distinctBound()), new HashMap<>());
            window.rows.put(group, row);
            heldRows++;
        }
        Long applied = row.appliedOffsets.get(input.source());
        if (applied != null && input.offset() <= applied) {
            duplicates.increment();
            return;
        }
        row.state.addHashed(deviceHash, value);
        row.appliedOffsets.put(input.source(), input.offset());
        if (!row.dirty) {
            row.dirty = true;
            window.dirtyRows++;
        }
    }

    private static List<GroupKey> groupsOf(AggregateInput input) {
        List<GroupKey> groups = new ArrayList<>(2 + input.groupLabels().size());
        groups.add(GroupKey.ALL);
        input.groupLabels().forEach((key, value) -> groups.add(GroupKey.label(key, value)));
        input.geohash().ifPresent(cell -> groups.add(GroupKey.geohash(cell)));
        return groups;
    }

    private Map<WindowId, HeldWindow> awaitLoads(Map<WindowId, CompletionStage<Map<GroupKey, AggregateStore.LoadedRow>>> loads) {
        Map<WindowId, HeldWindow> loaded = new HashMap<>();
        RuntimeException failure = null;
        for (Map.Entry<WindowId, CompletionStage<Map<GroupKey, AggregateStore.LoadedRow>>> load : loads.entrySet()) {
            try {
                HeldWindow window = new HeldWindow();
                load.getValue().toCompletableFuture().join().forEach((group, row) ->
                        window.rows.put(group, new HeldRow(row.state(), new HashMap<>(row.appliedOffsets()))));
                loaded.put(load.getKey(), window);
            } catch (CompletionException | IllegalStateException e) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (failure == null) {
                    failure = new IllegalStateException("aggregate window " + load.getKey() + " could not be loaded, the"
                            + " batch was not applied: " + cause.getMessage(), cause);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return loaded;
    }

    /**
     * Persists every changed row and returns when all are durable. Rows whose write failed stay changed, so
     * the next flush writes them again.
     *
     * @throws IllegalStateException when a row could not be written (with the first cause), or a tenant's
     *                               retention is out of range; the caller must then not commit the batch's offsets
     */
    public void flush() {
        List<WindowId> ids = new ArrayList<>();
        List<GroupKey> groups = new ArrayList<>();
        List<HeldRow> rows = new ArrayList<>();
        Map<String, Duration> ttls = new HashMap<>();
        for (Map.Entry<WindowId, HeldWindow> window : held.entrySet()) {
            if (window.getValue().dirtyRows == 0) {
                continue;
            }
            for (Map.Entry<GroupKey, HeldRow> row : window.getValue().rows.entrySet()) {
                if (row.getValue().dirty) {
                    ids.add(window.getKey());
                    groups.add(row.getKey());
                    rows.add(row.getValue());
                }
            }
        }
        Instant now = Instant.now();
        int failed = 0;
        Throwable firstCause = null;
        String firstRow = null;
        int chunk = config.writeConcurrency();
        for (int from = 0; from < rows.size(); from += chunk) {
            int to = Math.min(rows.size(), from + chunk);
            List<CompletableFuture<Void>> writes = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                WindowId id = ids.get(i);
                HeldRow row = rows.get(i);
                try {
                    Duration ttl = ttls.computeIfAbsent(id.tenantId(), this::retentionOf);
                    writes.add(store.write(id, groups.get(i), row.state, row.appliedOffsets, ttl, now).toCompletableFuture());
                } catch (RuntimeException e) {
                    writes.add(CompletableFuture.failedFuture(e));
                }
            }
            for (int i = from; i < to; i++) {
                try {
                    writes.get(i - from).join();
                    HeldRow row = rows.get(i);
                    row.dirty = false;
                    held.get(ids.get(i)).dirtyRows--;
                } catch (CompletionException | IllegalArgumentException e) {
                    failed++;
                    if (firstCause == null) {
                        firstCause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        firstRow = ids.get(i) + " " + groups.get(i);
                    }
                }
            }
        }
        if (failed > 0) {
            throw new IllegalStateException("aggregate flush failed: " + failed + " of " + rows.size() + " window rows were"
                    + " not written (first: " + firstRow + ": " + firstCause.getMessage() + "); do not commit the batch",
                    firstCause);
        }
    }

    private Duration retentionOf(String tenantId) {
        return AggregateStore.checkTtl(tenantId, retention.apply(tenantId));
    }

    /**
     * Drops clean windows that no record within grace can reach any more, then, while more than
     * {@link Config#maxHeldRows()} rows are held, clean windows oldest end first.
     *
     * @param latestArrival the latest arrival time seen (for example the batch's newest Kafka timestamp)
     * @return how many windows were dropped
     */
    public int evict(Instant latestArrival) {
        Objects.requireNonNull(latestArrival, "latestArrival must not be null");
        Instant closedBefore = latestArrival.minus(config.grace()).minus(config.evictionMargin());
        int dropped = 0;
        Iterator<Map.Entry<WindowId, HeldWindow>> it = held.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<WindowId, HeldWindow> window = it.next();
            if (window.getValue().dirtyRows == 0 && window.getKey().end().isBefore(closedBefore)) {
                heldRows -= window.getValue().rows.size();
                it.remove();
                dropped++;
            }
        }
        if (heldRows > config.maxHeldRows()) {
            TreeMap<Instant, List<WindowId>> byEnd = new TreeMap<>();
            held.forEach((id, window) -> {
                if (window.dirtyRows == 0) {
                    byEnd.computeIfAbsent(id.end(), e -> new ArrayList<>()).add(id);
                }
            });
            outer:
            for (List<WindowId> ids : byEnd.values()) {
                for (WindowId id : ids) {
                    if (heldRows <= config.maxHeldRows()) {
                        break outer;
                    }
                    heldRows -= held.remove(id).rows.size();
                    dropped++;
                }
            }
            if (heldRows > config.maxHeldRows()) {
                LOG.warn("aggregator holds {} rows, more than its cap of {}: the rest are not flushed yet", heldRows,
                        config.maxHeldRows());
            }
        }
        return dropped;
    }

    /** Group rows held in memory. */
    public int heldRows() {
        return heldRows;
    }

    /** Windows held in memory. */
    public int heldWindows() {
        return held.size();
    }

    /** Rows changed since the last flush. */
    public int dirtyRows() {
        return held.values().stream().mapToInt(w -> w.dirtyRows).sum();
    }

    @Override
    public String toString() {
        return "Aggregator[windows=" + held.size() + ", rows=" + heldRows + ", config=" + config + "]";
    }

}
