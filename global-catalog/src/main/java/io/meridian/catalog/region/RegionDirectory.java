package io.meridian.catalog.region;

import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The regions of region-configs, where each answers ({@link RegionEndpoints}) and whether each is up.
 *
 * <p>A poller asks every region's health URI each {@code period} (HTTP/1.1, a whole-exchange timeout). A region
 * starts {@link Status#UNKNOWN}; it turns {@link Status#DOWN} after {@code failuresToDown} consecutive failed checks
 * (no answer in time, or any status but 200) and {@link Status#UP} after one successful check. Each time a region
 * turns UP (its first success after start, or its recovery from DOWN), the {@link UpListener}s are told: that is
 * where the catalog catches a region up on what it missed.
 *
 * <p>{@link #down()} holds only regions known to be down, so the allocator may still pick a region that has not been
 * checked yet. Thread-safe; {@link #start()} begins polling and {@link #close()} ends it.
 */
public final class RegionDirectory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RegionDirectory.class);

    /** Default time between two checks of a region. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(5);
    /** Default number of consecutive failed checks after which a region is DOWN. */
    public static final int DEFAULT_FAILURES_TO_DOWN = 2;
    /** Default limit for one whole health exchange, connect to last byte. */
    public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(2);

    /** A region's health as the poller last saw it. */
    public enum Status {
        /** Not checked yet, or fewer failures than needed for DOWN since start. */
        UNKNOWN,
        UP,
        DOWN
    }

    /**
     * One region's health.
     *
     * @param status              its status
     * @param since               when it took this status (the directory's creation for UNKNOWN)
     * @param lastCheck           when the last check completed; empty before the first
     * @param lastError           why the last failed check failed; empty when the last check succeeded or none ran yet
     * @param consecutiveFailures failed checks since the last success
     */
    public record Health(Status status, Instant since, Optional<Instant> lastCheck, Optional<String> lastError, int consecutiveFailures) {
        public Health {
            Objects.requireNonNull(status, "status must not be null");
            Objects.requireNonNull(since, "since must not be null");
            Objects.requireNonNull(lastCheck, "lastCheck must not be null");
            Objects.requireNonNull(lastError, "lastError must not be null");
        }
    }

    /** Told when a region turns UP. Called on a thread of the health checks: hand long work to another thread. */
    @FunctionalInterface
    public interface UpListener {
        /**
         * @param region   the region that turned UP
         * @param previous its status before ({@link Status#UNKNOWN} after start, {@link Status#DOWN} on recovery)
         */
        void up(RegionId region, Status previous);
    }

    private final Map<RegionId, RegionConfig> regions;
    private final Map<RegionId, RegionEndpoints> endpoints;
    private final Duration period;
    private final int failuresToDown;
    private final Duration checkTimeout;
    private final Clock clock;
    private final Map<RegionId, Health> health = new LinkedHashMap<>();
    private final Map<RegionId, CompletableFuture<Void>> checking = new LinkedHashMap<>();
    private final List<UpListener> listeners = new CopyOnWriteArrayList<>();
    private HttpClient http;
    private ScheduledExecutorService poller;

    private RegionDirectory(Builder b) {
        this.regions = Collections.unmodifiableMap(new LinkedHashMap<>(b.regions));
        Map<RegionId, RegionEndpoints> e = new LinkedHashMap<>();
        for (RegionConfig r : b.regions.values()) {
            RegionEndpoints override = b.overrides.get(r.id());
            e.put(r.id(), override != null ? override
                    : Objects.requireNonNull(b.defaults.apply(r), "the default endpoints of region " + r.id().value() + " must not be null"));
        }
        this.endpoints = Collections.unmodifiableMap(e);
        this.period = b.period;
        this.failuresToDown = b.failuresToDown;
        this.checkTimeout = b.checkTimeout;
        this.clock = b.clock;
        Instant now = clock.instant();
        for (RegionId id : regions.keySet()) {
            health.put(id, new Health(Status.UNKNOWN, now, Optional.empty(), Optional.empty(), 0));
        }
    }

    /** A builder over every region of {@code configs}. */
    public static Builder builder(RegionConfigs configs) {
        Objects.requireNonNull(configs, "configs must not be null");
        return builder(configs.regions());
    }

    /**
     * A builder over the given regions.
     *
     * @throws IllegalArgumentException when the list is empty or names a region twice
     */
    public static Builder builder(List<RegionConfig> regions) {
        return new Builder(regions);
    }

    /** Builds a directory: which regions, their endpoints and the poller's settings. */
    public static final class Builder {
        private final Map<RegionId, RegionConfig> regions = new LinkedHashMap<>();
        private final Map<RegionId, RegionEndpoints> overrides = new LinkedHashMap<>();
        private Function<RegionConfig, RegionEndpoints> defaults = RegionEndpoints::local;
        private Duration period = DEFAULT_PERIOD;
        private int failuresToDown = DEFAULT_FAILURES_TO_DOWN;
        private Duration checkTimeout = DEFAULT_CHECK_TIMEOUT;
        private Clock clock = Clock.systemUTC();

        private Builder(List<RegionConfig> list) {
            Objects.requireNonNull(list, "regions must not be null");
            if (list.isEmpty()) {
                throw new IllegalArgumentException("the region directory must hold at least one region");
            }
            for (RegionConfig r : list) {
                if (regions.put(r.id(), r) != null) {
                    throw new IllegalArgumentException("region " + r.id().value() + " must be listed once, was listed twice");
                }
            }
        }

        /** How every region's endpoints are derived unless overridden: {@link RegionEndpoints#local} (the default) or {@link RegionEndpoints#production}. */
        public Builder endpoints(Function<RegionConfig, RegionEndpoints> derive) {
            this.defaults = Objects.requireNonNull(derive, "derive must not be null");
            return this;
        }

        /**
         * One region's endpoints, instead of the derived ones (tests whose nodes run on ephemeral ports).
         *
         * @throws IllegalArgumentException when the region is not in the directory
         */
        public Builder endpoints(RegionId region, RegionEndpoints endpoints) {
            Objects.requireNonNull(region, "region must not be null");
            Objects.requireNonNull(endpoints, "endpoints must not be null");
            if (!regions.containsKey(region)) {
                throw unknown(region, regions.keySet());
            }
            overrides.put(region, endpoints);
            return this;
        }

        /** @throws IllegalArgumentException when the period is not positive */
        public Builder period(Duration period) {
            Objects.requireNonNull(period, "period must not be null");
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("health check period must be positive, was " + period);
            }
            this.period = period;
            return this;
        }

        /** @throws IllegalArgumentException when below 1 */
        public Builder failuresToDown(int failures) {
            if (failures < 1) {
                throw new IllegalArgumentException("failures before a region is down must be at least 1, was " + failures);
            }
            this.failuresToDown = failures;
            return this;
        }

        /** @throws IllegalArgumentException when the timeout is not positive */
        public Builder checkTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout must not be null");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("health check timeout must be positive, was " + timeout);
            }
            this.checkTimeout = timeout;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            return this;
        }

        /** @throws IllegalArgumentException when the check timeout is longer than the period, so checks would pile up */
        public RegionDirectory build() {
            if (checkTimeout.compareTo(period) > 0) {
                throw new IllegalArgumentException("health check timeout (" + checkTimeout + ") must not exceed the health check period ("
                        + period + ")");
            }
            return new RegionDirectory(this);
        }
    }

    /** The regions, in region-configs' order. */
    public List<RegionConfig> regions() {
        return List.copyOf(regions.values());
    }

    /** @throws IllegalArgumentException naming the known regions when {@code region} is not one of them */
    public RegionConfig region(RegionId region) {
        return regions.get(requireKnown(region));
    }

    /** @throws IllegalArgumentException naming the known regions when {@code region} is not one of them */
    public RegionEndpoints endpoints(RegionId region) {
        return endpoints.get(requireKnown(region));
    }

    /**
     * Whether the region's last checks found it UP.
     *
     * @throws IllegalArgumentException naming the known regions when {@code region} is not one of them
     */
    public boolean isUp(RegionId region) {
        requireKnown(region);
        synchronized (health) {
            return health.get(region).status() == Status.UP;
        }
    }

    /** The regions currently DOWN (for the allocator, which skips them). */
    public Set<RegionId> down() {
        Set<RegionId> down = new LinkedHashSet<>();
        synchronized (health) {
            health.forEach((id, h) -> {
                if (h.status() == Status.DOWN) {
                    down.add(id);
                }
            });
        }
        return Collections.unmodifiableSet(down);
    }

    /** Every region's health now, in region-configs' order. */
    public Map<RegionId, Health> snapshot() {
        synchronized (health) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(health));
        }
    }

    /** Adds a listener told each time a region turns UP. */
    public void onUp(UpListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
    }

    /**
     * Starts polling: the first round at once, then every period.
     *
     * @throws IllegalStateException when already started or closed
     */
    public synchronized void start() {
        if (poller != null) {
            throw new IllegalStateException("the region directory's poller must be started once, was started already");
        }
        // HTTP/1.1 on purpose: the JDK client's default h2c upgrade attempt once stalled health checks in CI
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(checkTimeout).build();
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "catalog-region-health");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleAtFixedRate(this::checkAll, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("polling the health of regions {} every {} ms (DOWN after {} failures, timeout {} ms)", regions.keySet(),
                period.toMillis(), failuresToDown, checkTimeout.toMillis());
    }

    /**
     * Checks every region once now, beside the periodic rounds (for a region whose check is already under way, waits for
     * that one).
     *
     * @return completes when this round's checks have been recorded; never fails
     * @throws IllegalStateException when the directory was not started
     */
    public CompletableFuture<Void> checkNow() {
        HttpClient client;
        synchronized (this) {
            if (poller == null || http == null) {
                throw new IllegalStateException("the region directory must be started (and not closed) before checking, was "
                        + (poller == null ? "not started" : "closed"));
            }
            client = http;
        }
        List<CompletableFuture<Void>> round = new ArrayList<>();
        for (RegionId id : regions.keySet()) {
            round.add(check(client, id));
        }
        return CompletableFuture.allOf(round.toArray(CompletableFuture[]::new));
    }

    private void checkAll() {
        HttpClient client;
        synchronized (this) {
            client = http;
        }
        if (client == null) {
            return;
        }
        for (RegionId id : regions.keySet()) {
            check(client, id);
        }
    }

    private CompletableFuture<Void> check(HttpClient client, RegionId id) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (checking) {
            CompletableFuture<Void> current = checking.get(id);
            if (current != null) {
                return current; // one check per region at a time: a slow region never piles up requests
            }
            checking.put(id, done);
        }
        CompletableFuture<Void> exchange;
        try {
            HttpRequest request = HttpRequest.newBuilder(endpoints.get(id).health()).timeout(checkTimeout).GET().build();
            exchange = client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .orTimeout(checkTimeout.toMillis(), TimeUnit.MILLISECONDS) // the whole exchange, not only the headers
                    .handle((response, error) -> {
                        if (error != null) {
                            record(id, Optional.of(describe(error)));
                        } else if (response.statusCode() != 200) {
                            record(id, Optional.of("health answered " + response.statusCode()));
                        } else {
                            record(id, Optional.empty());
                        }
                        return null;
                    });
        } catch (RuntimeException e) {
            record(id, Optional.of(describe(e)));
            exchange = CompletableFuture.completedFuture(null);
        }
        exchange.whenComplete((v, e) -> {
            synchronized (checking) {
                checking.remove(id);
            }
            done.complete(null);
        });
        return done;
    }

    private String describe(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof TimeoutException || e instanceof java.net.http.HttpTimeoutException) {
            return "no answer within " + checkTimeout.toMillis() + " ms";
        }
        if (e instanceof java.net.ConnectException) {
            // the JDK client reports a refused connection as a ConnectException wrapping ClosedChannelException
            return "ConnectException: nothing answered at the health URI (connection refused or closed)";
        }
        String message = e.getMessage();
        if (message == null && e.getCause() != null) {
            message = e.getCause().toString();
        }
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Records one check's outcome ({@code error} empty on success) and tells the listeners when the region turned UP. */
    private void record(RegionId id, Optional<String> error) {
        Instant now = clock.instant();
        Status previous;
        Health next;
        synchronized (health) {
            Health h = health.get(id);
            previous = h.status();
            if (error.isEmpty()) {
                next = new Health(Status.UP, previous == Status.UP ? h.since() : now, Optional.of(now), Optional.empty(), 0);
            } else {
                int failures = h.consecutiveFailures() + 1;
                Status status = failures >= failuresToDown ? Status.DOWN : previous;
                next = new Health(status, status == previous ? h.since() : now, Optional.of(now), error, failures);
            }
            health.put(id, next);
        }
        if (next.status() != previous) {
            if (next.status() == Status.DOWN) {
                LOG.warn("region {} is DOWN after {} failed health checks: {}", id.value(), next.consecutiveFailures(), error.orElse(""));
            } else {
                LOG.info("region {} is UP (was {})", id.value(), previous);
            }
        }
        if (next.status() == Status.UP && previous != Status.UP) {
            for (UpListener l : listeners) {
                try {
                    l.up(id, previous);
                } catch (RuntimeException e) {
                    LOG.warn("a listener failed on region {} turning UP", id.value(), e);
                }
            }
        }
    }

    private RegionId requireKnown(RegionId region) {
        Objects.requireNonNull(region, "region must not be null");
        if (!regions.containsKey(region)) {
            throw unknown(region, regions.keySet());
        }
        return region;
    }

    private static IllegalArgumentException unknown(RegionId region, Set<RegionId> known) {
        return new IllegalArgumentException("region " + region.value() + " is not in the region directory, which holds "
                + known.stream().map(RegionId::value).toList());
    }

    /** Stops polling; checks under way are abandoned. Idempotent. */
    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
        http = null;
    }

    @Override
    public String toString() {
        return "RegionDirectory" + snapshot().entrySet().stream().map(e -> e.getKey().value() + "=" + e.getValue().status()).toList();
    }
}
