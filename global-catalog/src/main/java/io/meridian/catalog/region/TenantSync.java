package io.meridian.catalog.region;

import io.meridian.policy.model.RegionId;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the regions' registries up to date with the catalog's tenants: every tenant a {@link TenantSource} says a
 * region still lacks (a change it has not received) is pushed there with {@link RegionRegistryClient#upsertTenant}.
 *
 * <p>A region is synced when the {@link RegionDirectory} sees it turn UP (so a region that was down catches up as
 * soon as it returns) and on a periodic sweep of the regions that are UP (so a push that failed is retried). Pushes
 * to one region run one after the other, in the source's order; a push the region could not be reached for stops
 * that region's sync, and the tenants not yet pushed stay pending for the next one. A tenant the region refuses (a
 * 4xx) is reported and the sync goes on with the next. Each sync's outcome is kept as a {@link Report}.
 *
 * <p>Thread-safe. At most one sync per region runs at a time; a sync asked for meanwhile runs once after it.
 */
public final class TenantSync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TenantSync.class);

    /** Default time between two sweeps. */
    public static final Duration DEFAULT_SWEEP = Duration.ofSeconds(30);

    /** Where the tenants to push come from; the catalog's store in production. */
    public interface TenantSource {

        /**
         * The tenants whose latest revision {@code region} has not received yet, in the order they are to be pushed.
         *
         * @return a stage failing when the store cannot be read
         */
        CompletionStage<List<PendingPush>> pending(RegionId region);

        /**
         * Records that {@code region} now holds {@code revision} of the tenant. A source keeps the tenant pending
         * when a newer revision was written meanwhile.
         */
        CompletionStage<Void> pushed(String tenantId, RegionId region, long revision);
    }

    /**
     * One tenant to push.
     *
     * @param tenantId   the tenant id
     * @param revision   the catalog's revision of the tenant that {@code honoTenant} renders
     * @param honoTenant the tenant as Hono's management JSON
     */
    public record PendingPush(String tenantId, long revision, JsonObject honoTenant) {
        public PendingPush {
            Objects.requireNonNull(tenantId, "tenantId must not be null");
            Objects.requireNonNull(honoTenant, "honoTenant must not be null");
            if (tenantId.isBlank()) {
                throw new IllegalArgumentException("tenant id must not be blank, was '" + tenantId + "'");
            }
        }
    }

    /**
     * One sync of one region.
     *
     * @param region     the region
     * @param started    when the sync started
     * @param finished   when it finished
     * @param pushed     tenants pushed, with their revisions
     * @param failed     tenants that failed, with why
     * @param notAttempted tenants left pending because the sync stopped (the region could not be reached)
     * @param error      why the whole sync failed or stopped early; empty when every pending tenant was attempted
     */
    public record Report(RegionId region, Instant started, Instant finished, Map<String, Long> pushed, Map<String, String> failed,
            List<String> notAttempted, Optional<String> error) {
        public Report {
            Objects.requireNonNull(region, "region must not be null");
            pushed = Collections.unmodifiableMap(new LinkedHashMap<>(pushed));
            failed = Collections.unmodifiableMap(new LinkedHashMap<>(failed));
            notAttempted = List.copyOf(notAttempted);
            Objects.requireNonNull(error, "error must not be null");
        }

        /** Whether every pending tenant reached the region. */
        public boolean complete() {
            return failed.isEmpty() && notAttempted.isEmpty() && error.isEmpty();
        }
    }

    private final RegionDirectory directory;
    private final RegionRegistryClient registry;
    private final TenantSource source;
    private final Duration sweep;
    private final Clock clock;
    private final Map<RegionId, CompletableFuture<Report>> running = new HashMap<>();
    private final Map<RegionId, Boolean> again = new HashMap<>();
    private final Map<RegionId, Report> last = new LinkedHashMap<>();
    private ScheduledExecutorService sweeper;

    public TenantSync(RegionDirectory directory, RegionRegistryClient registry, TenantSource source) {
        this(directory, registry, source, DEFAULT_SWEEP, Clock.systemUTC());
    }

    /** @throws IllegalArgumentException when the sweep period is not positive */
    public TenantSync(RegionDirectory directory, RegionRegistryClient registry, TenantSource source, Duration sweep, Clock clock) {
        this.directory = Objects.requireNonNull(directory, "directory must not be null");
        this.registry = Objects.requireNonNull(registry, "registry must not be null");
        this.source = Objects.requireNonNull(source, "source must not be null");
        this.sweep = Objects.requireNonNull(sweep, "sweep must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
        if (sweep.isNegative() || sweep.isZero()) {
            throw new IllegalArgumentException("tenant sync sweep period must be positive, was " + sweep);
        }
    }

    /**
     * Listens for regions turning UP and starts the periodic sweep (its first round after one period).
     *
     * @throws IllegalStateException when already started
     */
    public synchronized void start() {
        if (sweeper != null) {
            throw new IllegalStateException("tenant sync must be started once, was started already");
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "catalog-tenant-sync");
            t.setDaemon(true);
            return t;
        });
        directory.onUp((region, previous) -> {
            LOG.info("region {} is UP (was {}): pushing its pending tenants", region.value(), previous);
            sync(region);
        });
        sweeper.scheduleWithFixedDelay(this::sweepUp, sweep.toMillis(), sweep.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sweepUp() {
        for (var r : directory.regions()) {
            if (directory.isUp(r.id())) {
                sync(r.id());
            }
        }
    }

    /**
     * Pushes every tenant pending for {@code region} now. When a sync of the region is under way, returns it and runs one
     * more after it (the pending list may have grown since it started).
     *
     * @return the sync's report; the future does not fail (failures are in the report)
     * @throws IllegalArgumentException when the region is not in the directory
     */
    public CompletableFuture<Report> sync(RegionId region) {
        directory.region(region);
        CompletableFuture<Report> run = new CompletableFuture<>();
        synchronized (running) {
            CompletableFuture<Report> current = running.get(region);
            if (current != null) {
                again.put(region, true);
                return current;
            }
            running.put(region, run);
        }
        runOnce(region, run);
        return run;
    }

    private void runOnce(RegionId region, CompletableFuture<Report> result) {
        Instant started = clock.instant();
        Map<String, Long> pushed = new LinkedHashMap<>();
        Map<String, String> failed = new LinkedHashMap<>();
        List<String> notAttempted = new ArrayList<>();
        CompletableFuture<Optional<String>> outcome;
        try {
            outcome = source.pending(region).toCompletableFuture()
                    .thenCompose(pending -> pushAll(region, pending, 0, pushed, failed, notAttempted))
                    .exceptionally(e -> Optional.of("the pending tenants could not be read: " + unwrap(e).getMessage()));
        } catch (RuntimeException e) {
            outcome = CompletableFuture.completedFuture(Optional.of("the pending tenants could not be read: " + e.getMessage()));
        }
        outcome.whenComplete((error, never) -> {
            Report report = new Report(region, started, clock.instant(), pushed, failed, notAttempted,
                    error == null ? Optional.of("internal error: " + never) : error);
            if (!report.complete()) {
                LOG.warn("tenant sync of region {}: {} pushed, {} failed {}, {} left pending{}", region.value(), pushed.size(), failed.size(),
                        failed, notAttempted.size(), report.error().map(e -> " (" + e + ")").orElse(""));
            } else if (!pushed.isEmpty()) {
                LOG.info("tenant sync of region {}: pushed {}", region.value(), pushed);
            }
            boolean rerun;
            synchronized (running) {
                last.put(region, report);
                rerun = Boolean.TRUE.equals(again.remove(region));
                running.remove(region);
            }
            result.complete(report);
            if (rerun) {
                sync(region);
            }
        });
    }

    /** Pushes {@code pending[i..]} in order; completes with why it stopped early, or empty when all were attempted. */
    private CompletableFuture<Optional<String>> pushAll(RegionId region, List<PendingPush> pending, int i, Map<String, Long> pushed,
            Map<String, String> failed, List<String> notAttempted) {
        if (i >= pending.size()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        PendingPush p = pending.get(i);
        CompletableFuture<Optional<String>> step;
        try {
            step = registry.upsertTenant(region, p.tenantId(), p.honoTenant())
                    .thenCompose(done -> source.pushed(p.tenantId(), region, p.revision()).toCompletableFuture()
                            .handle((v, e) -> {
                                if (e != null) {
                                    failed.put(p.tenantId(), "pushed, but not recorded: " + unwrap(e).getMessage());
                                } else {
                                    pushed.put(p.tenantId(), p.revision());
                                }
                                return Optional.<String>empty();
                            }))
                    .exceptionally(e -> {
                        Throwable cause = unwrap(e);
                        failed.put(p.tenantId(), cause.getMessage());
                        boolean regionTrouble = !(cause instanceof RegistryCallException rce)
                                || rce.isUnreachable() || rce.status().getAsInt() >= 500;
                        return regionTrouble ? Optional.of(cause.getMessage()) : Optional.empty();
                    });
        } catch (RuntimeException e) {
            failed.put(p.tenantId(), e.getMessage());
            step = CompletableFuture.completedFuture(Optional.empty());
        }
        return step.thenCompose(stop -> {
            if (stop.isPresent()) {
                for (int j = i + 1; j < pending.size(); j++) {
                    notAttempted.add(pending.get(j).tenantId());
                }
                return CompletableFuture.completedFuture(stop);
            }
            return pushAll(region, pending, i + 1, pushed, failed, notAttempted);
        });
    }

    /** The last finished sync of {@code region}, if any. */
    public Optional<Report> lastReport(RegionId region) {
        directory.region(region);
        synchronized (running) {
            return Optional.ofNullable(last.get(region));
        }
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** Stops the sweep; syncs under way finish on their own. The directory keeps its listener (it is closed with it). */
    @Override
    public synchronized void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }
}
