package io.meridian.local.cli;

import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.process.ManagedProcess;
import io.meridian.local.process.PidFile;
import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.Backend;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceRegistry;
import io.meridian.local.service.ServiceRequest;
import io.meridian.local.service.ServiceStartException;
import io.meridian.regions.RegionConfigs;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Starts Keycloak, each region's Cassandra and Kafka and the AWS stand-ins, then each region's node (registry
 * and protocol adapters) on them, then the catalog, then each region's federation gateway; prints the endpoints and
 * holds them in the foreground until Ctrl-C or {@code ./meridian down}.
 */
@Command(name = "up", description = "Start the federation's backing services and hold them in the foreground.")
final class UpCommand implements Callable<Integer> {

    @ParentCommand
    MeridianCli cli;

    @Option(names = "--regions", split = ",",
            description = "regions to run (default: up.defaultRegions in region-configs/local-services.yaml)")
    List<String> regions;

    @ArgGroup(exclusive = true)
    DataMode dataMode = new DataMode();

    static final class DataMode {
        @Option(names = "--fresh", description = "wipe data directories first")
        boolean fresh;
        @Option(names = "--keep", description = "keep data directories (default)")
        boolean keep;
    }

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        RegionConfigs configs = RegionConfigs.loadDefault();
        List<String> ids = regions != null && !regions.isEmpty() ? regions
                : configs.localServices().defaultRegions().stream().map(r -> r.value()).toList();
        ids.forEach(configs::require); // unknown region: fail before starting anything
        StateDirectory state = cli.state();
        ServiceRegistry registry = ServiceRegistry.load();
        Backend backend = Backend.select();
        out.printf("meridian up: regions %s, backend %s, %s data, state %s%n", ids, backend.name().toLowerCase(),
                dataMode.fresh ? "fresh" : "kept", state.root());

        List<ServiceRequest> requests = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        addIfProvided(registry, "keycloak", requests, missing); // slowest first
        for (String id : ids) {
            requests.add(ServiceRequest.of("cassandra", id));
            requests.add(ServiceRequest.of("kafka", id));
        }
        addIfProvided(registry, "s3", requests, missing);
        addIfProvided(registry, "kinesis", requests, missing);
        // region nodes need their region's Cassandra and Kafka and Keycloak: a second stage, after those are ready
        List<ServiceRequest> nodes = new ArrayList<>();
        if (registry.find("region-node").isPresent()) {
            ids.forEach(id -> nodes.add(ServiceRequest.of("region-node", id)));
        } else {
            missing.add("region-node");
        }
        // the catalog is given the nodes' ports: a third stage, after them
        List<ServiceRequest> catalog = new ArrayList<>();
        addIfProvided(registry, "catalog", catalog, missing);
        // each region's gateway is given the catalog's URL and every node's data API: a fourth stage, after the catalog
        List<ServiceRequest> gateways = new ArrayList<>();
        if (registry.find("gateway").isPresent()) {
            ids.forEach(id -> gateways.add(ServiceRequest.of("gateway", id)));
        } else {
            missing.add("gateway");
        }
        missing.forEach(k -> out.printf("  %-22s not available yet (no provider on the classpath)%n", k));

        Federation federation = Federation.open(ServiceContext.configured(configs, state, backend, dataMode.fresh),
                registry, Federation.DEFAULT_PARALLELISM);
        PidFile.describe("meridian-up", ProcessHandle.current(), "meridian up", state.logFile("meridian-up"))
                .write(StateFiles.upPid(state));
        CountDownLatch stopped = new CountDownLatch(1);
        // this hook stops the services in order (gateways first, Keycloak last); the process reaper's own hook waits for it
        CountDownLatch orderly = new CountDownLatch(1);
        ManagedProcess.stoppedInOrderBy(orderly);
        Thread hook = new Thread(() -> {
            try {
                out.println("\nstopping all services...");
                long s0 = System.nanoTime();
                federation.close();
                deleteQuietly(state);
                out.printf("stopped in %.1f s%n", (System.nanoTime() - s0) / 1e9);
            } finally {
                orderly.countDown();
                stopped.countDown();
            }
        }, "meridian-up-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        Progress progress = new Progress(out, t0);
        progress.begin();
        try {
            federation.start(requests, progress);
            federation.start(nodes, progress);
            federation.start(catalog, progress);
            federation.start(gateways, progress);
        } catch (ServiceStartException | IllegalStateException e) {
            progress.end();
            System.err.println("\nmeridian up failed: " + e.getMessage());
            return 1; // the shutdown hook stops what did start
        }
        progress.end();
        StateFiles.writeEndpoints(state, federation.services());
        printSummary(federation, ids, configs, t0);

        // Hold until Ctrl-C (the hook stops everything) or ./meridian down ends our services from elsewhere.
        while (stopped.getCount() > 0) {
            List<String> dead = federation.services().stream().filter(s -> !alive(s)).map(BackingService::name).toList();
            if (!dead.isEmpty()) {
                out.println("services ended outside this terminal: " + dead + "; exiting");
                return 0; // hook stops the rest
            }
            Thread.sleep(2000);
        }
        return 0;
    }

    /** A cheap liveness check for the hold loop: the process for process services, the probe for containers. */
    private static boolean alive(BackingService s) {
        if (s instanceof io.meridian.local.service.ProcessBackedService p) {
            return p.process().map(io.meridian.local.process.ManagedProcess::isAlive).orElse(false);
        }
        return s.isReady();
    }

    private static void addIfProvided(ServiceRegistry registry, String kind, List<ServiceRequest> requests, List<String> missing) {
        if (registry.find(kind).isPresent()) {
            requests.add(ServiceRequest.of(kind));
        } else {
            missing.add(kind);
        }
    }

    private void printSummary(Federation federation, List<String> ids, RegionConfigs configs, long t0) {
        out.printf("%nall %d services ready in %.1f s%n%n", federation.services().size(), (System.nanoTime() - t0) / 1e9);
        out.printf("%-22s %-8s %s%n", "SERVICE", "PID", "ENDPOINTS");
        for (BackingService s : federation.services()) {
            String pid = s instanceof io.meridian.local.service.ProcessBackedService p
                    ? p.process().map(m -> Long.toString(m.pid())).orElse("-") : "container";
            StringBuilder eps = new StringBuilder();
            for (Map.Entry<String, String> e : s.endpoints().entrySet()) {
                eps.append(eps.length() == 0 ? "" : "  ").append(e.getKey()).append('=').append(e.getValue());
            }
            out.printf("%-22s %-8s %s%n", s.name(), pid, eps);
        }
        out.println();
        out.println("federation gateways (one API per region; GET <api>/regions with a user token):");
        for (String id : ids) {
            out.printf("  %-12s %s%n", id, federation.service("gateway-" + id).map(g -> g.endpoints().get("api"))
                    .orElse("not running (no gateway provider on the classpath)"));
        }
        out.println();
        out.println("web console (one per gateway; sign in with a demo user below):");
        for (String id : ids) {
            out.printf("  %-12s %s%n", id, federation.service("gateway-" + id).map(g -> g.endpoints().get("api")).map(UpCommand::consoleUrl)
                    .orElse("not running"));
        }
        federation.service("keycloak").ifPresentOrElse(
                k -> printCredentials(k, ids),
                () -> out.println("\ndemo credentials: none yet (Keycloak is not available)"));
        out.println("\nlogs: ./meridian logs <service>    status: ./meridian status    stop: Ctrl-C or ./meridian down");
    }

    /** The console a gateway serves beside its API: {@code http://host:port/v1} gives {@code http://host:port/console/}. */
    static String consoleUrl(String api) {
        java.net.URI uri = java.net.URI.create(api);
        return uri.getScheme() + "://" + uri.getAuthority() + "/console/";
    }

    /** The realm's documented development credentials: demo users, then the service clients. */
    private void printCredentials(BackingService keycloak, List<String> ids) {
        out.printf("%ndemo credentials (realm '%s', development values only; token endpoint: %s):%n",
                MeridianRealm.REALM, keycloak.endpoints().getOrDefault("token", keycloak.endpoints().toString()));
        out.printf("  %-14s %-20s %-10s %s%n", "USER", "PASSWORD", "TENANT", "ROLE");
        for (MeridianRealm.DemoUser u : MeridianRealm.DEMO_USERS) {
            out.printf("  %-14s %-20s %-10s %s%n", u.username(), u.password(),
                    u.tenant().isEmpty() ? "-" : u.tenant(), u.role());
        }
        out.printf("  users sign in through client '%s' (password grant) or '%s' (code flow with PKCE)%n",
                MeridianRealm.CLI_CLIENT, MeridianRealm.CONSOLE_CLIENT);
        out.printf("  %-24s %s%n", "CLIENT", "SECRET");
        for (String id : ids) {
            out.printf("  %-24s %s%n", MeridianRealm.gatewayClientId(id), MeridianRealm.gatewaySecret(id));
        }
        out.printf("  %-24s %s%n", MeridianRealm.CATALOG_CLIENT, MeridianRealm.CATALOG_SECRET);
    }

    private static void deleteQuietly(StateDirectory state) {
        try {
            Files.deleteIfExists(StateFiles.upPid(state));
        } catch (java.io.IOException e) {
            System.err.println("could not delete " + StateFiles.upPid(state) + ": " + e.getMessage());
        }
    }

    /** Prints one line per event and, on a terminal, a live line with each starting service's elapsed time. */
    static final class Progress implements Federation.Listener {
        private final PrintStream out;
        private final long t0;
        private final Map<String, Long> startingSince = new ConcurrentHashMap<>();
        private final boolean tty = System.console() != null;
        private Thread ticker;

        Progress(PrintStream out, long t0) {
            this.out = out;
            this.t0 = t0;
        }

        void begin() {
            ticker = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.sleep(tty ? 1000 : 10_000);
                        tick();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "meridian-progress");
            ticker.setDaemon(true);
            ticker.start();
        }

        void end() {
            ticker.interrupt();
            if (tty) {
                out.print("\r\033[K");
            }
        }

        private synchronized void tick() {
            if (startingSince.isEmpty()) {
                return;
            }
            StringBuilder b = new StringBuilder(String.format("[%5.1fs] waiting:", elapsed(t0)));
            startingSince.forEach((n, since) -> b.append(String.format(" %s %.0fs", n, elapsed(since))));
            if (tty) {
                out.print("\r\033[K" + b);
            } else {
                out.println(b);
            }
            out.flush();
        }

        private static double elapsed(long since) {
            return (System.nanoTime() - since) / 1e9;
        }

        private synchronized void line(String text) {
            out.print(tty ? "\r\033[K" : "");
            out.printf("[%5.1fs] %s%n", elapsed(t0), text);
        }

        @Override
        public void starting(BackingService service) {
            startingSince.put(service.name(), System.nanoTime());
            line(String.format("%-22s starting", service.name()));
        }

        @Override
        public void ready(BackingService service, Duration took) {
            startingSince.remove(service.name());
            line(String.format("%-22s ready in %.1f s", service.name(), took.toMillis() / 1000.0));
        }

        @Override
        public void failed(BackingService service, Duration took, RuntimeException error) {
            startingSince.remove(service.name());
            line(String.format("%-22s FAILED after %.1f s (log: %s)", service.name(), took.toMillis() / 1000.0, service.logFile()));
        }
    }
}
