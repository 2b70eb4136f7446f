package io.meridian.gateway.audit;

import io.meridian.audit.AuditEngine;
import io.meridian.audit.AuditReport;
import io.meridian.audit.AuditScope;
import io.meridian.audit.AuditTargets;
import io.meridian.audit.BearerToken;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.client.ClientToken;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs audits for {@code POST /v1/audit/runs}, one at a time per gateway, on a thread of its own. The engine calls the
 * regions and the other gateways with this gateway's own client token ({@link ClientToken}, renewed as it nears expiry),
 * never the caller's, so a run outlives the token that started it. Progress is kept in memory and written to the store
 * at most once a second; the result when the run ends.
 *
 * <p>A run still marked RUNNING in the store when the runner starts was cut short by a restart: it is marked ABORTED.
 */
public final class AuditRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditRunner.class);
    /** Progress is written to the store at most this often. */
    static final Duration SAVE_EVERY = Duration.ofSeconds(1);

    /** Another run of this gateway is under way. */
    public static final class Busy extends Exception {
        private final UUID running;

        Busy(UUID running) {
            super("audit run " + running + " is still running on this gateway");
            this.running = running;
        }

        public UUID running() {
            return running;
        }
    }

    private final GatewayConfig config;
    private final RegionConfigs configs;
    private final AuditRuns runs;
    private final BearerToken token;
    private final Clock clock;
    private final ExecutorService executor;
    private final AtomicReference<AuditRun> current = new AtomicReference<>();

    public AuditRunner(GatewayConfig config, RegionConfigs configs, AuditRuns runs, ClientToken clientToken, Clock clock) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.configs = Objects.requireNonNull(configs, "configs must not be null");
        this.runs = Objects.requireNonNull(runs, "runs must not be null");
        Objects.requireNonNull(clientToken, "clientToken must not be null");
        this.token = new BearerToken() {
            @Override
            public String get() throws java.io.IOException, InterruptedException {
                return clientToken.get();
            }

            @Override
            public void rejected(String t) {
                clientToken.reject(t);
            }
        };
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "audit-runner-" + config.region().value());
            t.setDaemon(true);
            return t;
        });
        abortLeftovers();
    }

    private void abortLeftovers() {
        try {
            for (AuditRun r : runs.list(50)) {
                if (r.status().equals(AuditRun.RUNNING)) {
                    runs.save(r.failed(AuditRun.ABORTED, clock.instant(), "the gateway stopped during the run"));
                    LOG.warn("audit run {} was cut short by a restart; marked ABORTED", r.id());
                }
            }
        } catch (RuntimeException e) {
            // the store may be down at start; the runs stay RUNNING in it until the next start finds them
            LOG.warn("could not look for audit runs cut short by a restart: {}", e.toString());
        }
    }

    /** The regions a run covers by default: every region of the federation this gateway knows. */
    public List<String> federation() {
        return config.regions().stream().map(r -> r.id().value()).toList();
    }

    /**
     * Accepts a run and starts it.
     *
     * @throws Busy when a run is under way
     */
    public synchronized AuditRun start(AuditScope scope, String requestedBy) throws Busy {
        AuditRun running = current.get();
        if (running != null) {
            throw new Busy(running.id());
        }
        UUID id = com.datastax.oss.driver.api.core.uuid.Uuids.timeBased();
        AuditRun run = AuditRun.started(id, requestedBy, clock.instant(), scope.regions(), scope.from(), scope.to());
        runs.save(run);
        current.set(run);
        executor.submit(() -> execute(run, scope));
        return run;
    }

    /** The run under way, with its latest progress, if any. */
    public Optional<AuditRun> current() {
        return Optional.ofNullable(current.get());
    }

    /** A run: the one under way from memory (its progress is newest there), else from the store. */
    public Optional<AuditRun> find(UUID id) {
        AuditRun r = current.get();
        if (r != null && r.id().equals(id)) {
            return Optional.of(r);
        }
        return runs.find(id);
    }

    public List<AuditRun> list(int limit) {
        List<AuditRun> stored = runs.list(limit);
        AuditRun r = current.get();
        if (r == null) {
            return stored;
        }
        return stored.stream().map(s -> s.id().equals(r.id()) ? r : s).toList();
    }

    private void execute(AuditRun run, AuditScope scope) {
        Instant[] lastSave = {clock.instant()};
        try {
            AuditEngine engine = new AuditEngine(targets(), token, AuditEngine.httpClient(), clock);
            AuditReport report = engine.run(run.id(), scope, (step, done, total) -> {
                AuditRun now = current.updateAndGet(c -> c == null ? null : c.progressed(step, done, total));
                synchronized (lastSave) {
                    if (now != null && Duration.between(lastSave[0], clock.instant()).compareTo(SAVE_EVERY) >= 0) {
                        lastSave[0] = clock.instant();
                        saveQuietly(now);
                    }
                }
            });
            AuditRun done = current.get().finished(clock.instant(), report.verdict(), report.toJson());
            runs.save(done);
            LOG.info("audit run {} done: {}", run.id(), report.verdict());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            saveQuietly(current.get().failed(AuditRun.ABORTED, clock.instant(), "the gateway stopped during the run"));
        } catch (RuntimeException | Error e) {
            LOG.error("audit run {} failed", run.id(), e);
            saveQuietly(current.get().failed(AuditRun.FAILED, clock.instant(), "the audit failed: " + e.getClass().getSimpleName()));
        } finally {
            current.set(null);
        }
    }

    private void saveQuietly(AuditRun r) {
        try {
            runs.save(r);
        } catch (RuntimeException e) {
            LOG.warn("could not store the progress of audit run {}: {}", r.id(), e.toString());
        }
    }

    private AuditTargets targets() {
        Map<String, URI> apis = new LinkedHashMap<>();
        Map<String, URI> gateways = new LinkedHashMap<>();
        for (GatewayConfig.RegionLinks r : config.regions()) {
            apis.put(r.id().value(), r.dataApi());
            gateways.put(r.id().value(), r.gateway());
        }
        GatewayConfig.Audit a = config.audit();
        return new AuditTargets(configs, apis, gateways, a.infrastructure(),
                "no synthesized infrastructure is configured for this gateway (" + GatewayConfig.AUDIT_INFRA_DIR + ")", a.pageTimeout(),
                a.storageTimeout());
    }

    /** Stops a run under way (it is stored as ABORTED). */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
