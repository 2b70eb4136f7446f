package io.meridian.local.service;

import io.meridian.local.process.PidReaper;
import io.meridian.local.process.ProcessTermination;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A set of running backing services that share one {@link ServiceContext}: what the JUnit extension keeps
 * for a whole test run and what {@code ./meridian up} holds in the foreground.
 *
 * <p>{@link #start} creates the services that are not running yet through the {@link ServiceRegistry},
 * starts them on a small pool (the slowest first), and fails with every failed service's message when any
 * does not become ready; the ones that did stay running and are stopped by {@link #close()}.
 * Thread-safe.
 */
public final class Federation implements AutoCloseable {

    /** Start-up threads; 3 keeps a 2-core machine busy without starving readiness probes. */
    public static final int DEFAULT_PARALLELISM = 3;

    /** Progress of one service's start. Called from start-up threads. */
    public interface Listener {
        void starting(BackingService service);

        void ready(BackingService service, Duration took);

        void failed(BackingService service, Duration took, RuntimeException error);

        Listener NONE = new Listener() {
            @Override
            public void starting(BackingService service) {
            }

            @Override
            public void ready(BackingService service, Duration took) {
            }

            @Override
            public void failed(BackingService service, Duration took, RuntimeException error) {
            }
        };
    }

    private final ServiceContext context;
    private final ServiceRegistry registry;
    private final int parallelism;
    private final Map<String, BackingService> running = new LinkedHashMap<>();
    /** Each running service's start rank: {@link #close()} stops the later ranks first. */
    private final Map<String, Integer> ranks = new java.util.HashMap<>();

    private Federation(ServiceContext context, ServiceRegistry registry, int parallelism) {
        this.context = context;
        this.registry = registry;
        this.parallelism = parallelism;
    }

    /**
     * A federation with nothing running yet. Ends processes that an earlier run recorded in the same state
     * directory and left behind (a JVM killed with SIGKILL cannot run its shutdown hook).
     */
    public static Federation open(ServiceContext context, ServiceRegistry registry, int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("start parallelism must be at least 1, was " + parallelism);
        }
        PidReaper.reapAll(context.state(), Duration.ofSeconds(30));
        return new Federation(context, registry, parallelism);
    }

    public ServiceContext context() {
        return context;
    }

    /**
     * Starts the requested services that are not running yet and waits until all are ready.
     *
     * @throws ServiceStartException carrying every failure (each with its log tail) when any service did
     *                               not become ready; services that did start keep running
     * @throws IllegalStateException when a kind has no provider
     * @throws IllegalArgumentException when a region is unknown
     */
    public void start(List<ServiceRequest> requests, Listener listener) {
        List<Planned> toStart = new ArrayList<>();
        synchronized (this) {
            for (ServiceRequest r : requests) {
                if (running.containsKey(r.serviceName()) || toStart.stream().anyMatch(p -> p.name.equals(r.serviceName()))) {
                    continue;
                }
                ServiceProvider provider = registry.require(r.kind());
                if (provider.perRegion() != r.region().isPresent()) {
                    throw new IllegalArgumentException("service " + r.kind() + (provider.perRegion()
                            ? " needs a region" : " is federation-wide and takes no region") + ", was " + r);
                }
                BackingService s = provider.create(context, r.region().map(id -> context.configs().require(id)));
                toStart.add(new Planned(r.serviceName(), provider, s));
            }
        }
        toStart.sort(Comparator.comparingInt((Planned p) -> p.provider.startRank()));
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, Math.max(1, toStart.size())), r -> {
            Thread t = new Thread(r, "meridian-start");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Planned p : toStart) {
                futures.add(pool.submit(() -> startOne(p, listener)));
            }
            List<String> failures = new ArrayList<>();
            Throwable first = null;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    failures.add(e.getCause().getMessage());
                    first = first == null ? e.getCause() : first;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ServiceStartException("interrupted while starting " + toStart.size() + " services", e);
                }
            }
            if (!failures.isEmpty()) {
                throw new ServiceStartException(failures.size() + " of " + toStart.size() + " services did not start:\n"
                        + String.join("\n\n", failures), first);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void startOne(Planned p, Listener listener) {
        long t0 = System.nanoTime();
        listener.starting(p.service);
        try {
            p.service.start(p.provider.startTimeout());
        } catch (RuntimeException e) {
            listener.failed(p.service, Duration.ofNanos(System.nanoTime() - t0), e);
            throw e;
        }
        synchronized (this) {
            running.put(p.name, p.service);
            ranks.put(p.name, p.provider.startRank());
        }
        context.recordReady(p.name, p.service.endpoints());
        listener.ready(p.service, Duration.ofNanos(System.nanoTime() - t0));
    }

    /** The running service of that name ({@code cassandra-eu-central}, {@code keycloak}). */
    public synchronized Optional<BackingService> service(String name) {
        return Optional.ofNullable(running.get(name));
    }

    /** The running services, in the order they became ready. */
    public synchronized List<BackingService> services() {
        return List.copyOf(running.values());
    }

    /**
     * The running service of {@code kind} in {@code region}, as {@code type}.
     *
     * @throws IllegalStateException naming the running services when there is none
     */
    public <T extends BackingService> T require(Class<T> type, String kind, String region) {
        String name = ServiceRequest.of(kind, region).serviceName();
        return service(name).filter(type::isInstance).map(type::cast).orElseThrow(() -> new IllegalStateException(
                name + " must be running, running are " + services().stream().map(BackingService::name).toList()));
    }

    public CassandraService cassandra(String region) {
        return require(CassandraService.class, "cassandra", region);
    }

    public KafkaService kafka(String region) {
        return require(KafkaService.class, "kafka", region);
    }

    /**
     * Stops every running service: the services of one start rank at once, the highest rank first (the gateways, then the
     * catalog, the region nodes, the stores and brokers, Keycloak), so that a service stopping can still finish its work
     * with the ones it depends on (a region node its last Kafka commits and Cassandra writes, a gateway the head of its
     * ledger chain). All of them at once, as before, stopped Cassandra under a gateway that was still writing.
     *
     * @throws IllegalStateException naming the services that could not be stopped
     */
    @Override
    public void close() {
        java.util.TreeMap<Integer, List<BackingService>> byRank = new java.util.TreeMap<>(Comparator.reverseOrder());
        synchronized (this) {
            running.forEach((name, s) -> byRank.computeIfAbsent(ranks.getOrDefault(name, 0), r -> new ArrayList<>()).add(s));
            running.clear();
            ranks.clear();
        }
        List<String> errors = new ArrayList<>();
        for (List<BackingService> wave : byRank.values()) {
            ProcessTermination.inParallel(wave, s -> "meridian-stop-" + s.name(), s -> {
                try {
                    s.stop();
                } catch (RuntimeException e) {
                    synchronized (errors) {
                        errors.add(s.name() + ": " + e.getMessage());
                    }
                }
            });
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("services must stop, these did not: " + errors);
        }
    }

    private record Planned(String name, ServiceProvider provider, BackingService service) {
    }
}
