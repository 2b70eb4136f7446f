package io.meridian.catalog.app;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.auth.TokenValidator;
import io.meridian.catalog.assignment.DeviceKeys;
import io.meridian.catalog.assignment.DeviceLocations;
import io.meridian.catalog.region.RegionDirectory;
import io.meridian.catalog.region.RegionEndpoints;
import io.meridian.catalog.region.RegionRegistryClient;
import io.meridian.catalog.region.ServiceToken;
import io.meridian.catalog.service.Secrets;
import io.meridian.catalog.store.CatalogStore;
import io.meridian.catalog.tenant.TenantSpec;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.Backend;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceRegistry;
import io.meridian.local.service.ServiceRequest;
import io.meridian.regions.RegionConfigs;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The catalog for the bootstrap benchmark (issue 6), without {@code ./meridian up}'s fixed ports: it starts
 * eu-central's Cassandra and the federation's Keycloak through local-federation on free loopback ports, then the real
 * catalog ({@link Catalog#start}) in this JVM, so this JVM's {@code -Xmx} is the catalog's heap. It seeds one tenant's
 * devices, writes {@code deviceId<TAB>secret} lines to a file, prints {@code BootstrapLoad}'s arguments, and stops
 * everything on SIGTERM or Ctrl-C. The commands are in load-tool/README.md.
 *
 * <p>No region node runs: the catalog's {@link CatalogRegions} polls the regions' local endpoints, finds them DOWN, and
 * that does not matter, because a bootstrap by secret only reads the device's assignment and answers the region's
 * endpoints from the directory; it never calls a region.
 *
 * <p><b>Seeding bypasses the regions' registries.</b> The devices are written straight into the catalog's store, as a
 * registration writes them (a claim by lightweight transaction with the hash of a known bootstrap secret, then the
 * activation), but nothing is created in any region. What is measured is the bootstrap, not the registration: pushing
 * 10,000 devices through real region registries would need region nodes with their Cassandra and Kafka on the same two
 * cores, take minutes, and leave rows that the bootstrap never reads. Registration through the registries is what
 * CatalogIT proves.
 *
 * <p>System properties: {@code meridian.bench.devices} [10000], {@code meridian.bench.tenant} [bench-tenant],
 * {@code meridian.bench.devicesFile} [&lt;state&gt;/bootstrap-devices.tsv].
 */
public final class BenchmarkCatalog {

    /** The region every seeded device is assigned to: the tenant is pinned to the EU. */
    static final String REGION = "eu-central";
    private static final int SEED_CONCURRENCY = 64;

    private BenchmarkCatalog() {
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (Exception | Error e) {
            // the shutdown hook stops what was started; without the exit, the services' threads would keep the JVM alive
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Path state = Path.of(args.length > 0 ? args[0] : "target/benchmark-catalog");
        int devices = Integer.getInteger("meridian.bench.devices", 10_000);
        if (devices < 1 || devices > 1_000_000) {
            throw new IllegalArgumentException("meridian.bench.devices must be 1-1000000, was " + devices);
        }
        String tenantId = System.getProperty("meridian.bench.tenant", "bench-tenant");
        Path devicesFile = Path.of(System.getProperty("meridian.bench.devicesFile", state.resolve("bootstrap-devices.tsv").toString()));
        RegionConfigs configs = RegionConfigs.loadDefault();
        Federation federation = Federation.open(ServiceContext.ephemeral(configs, StateDirectory.at(state), Backend.select()),
                ServiceRegistry.load(), Federation.DEFAULT_PARALLELISM);
        Vertx vertx = Vertx.vertx();
        AtomicReference<Runnable> stopCatalog = new AtomicReference<>(() -> { });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopCatalog.get().run();
            vertx.close();
            federation.close();
            stopped.countDown();
        }, "benchmark-catalog-stop"));
        federation.start(List.of(ServiceRequest.of("keycloak"), ServiceRequest.of("cassandra", REGION)), Federation.Listener.NONE);
        CassandraService cassandra = federation.cassandra(REGION);
        KeycloakService keycloak = (KeycloakService) federation.service(KeycloakService.NAME).orElseThrow();

        // the regions' local endpoints: nothing listens there (unless ./meridian up runs), so the directory finds them DOWN
        RegionDirectory directory = RegionDirectory.builder(configs).endpoints(RegionEndpoints::local).build();
        ServiceToken token = new ServiceToken(keycloak.tokenEndpoint(), MeridianRealm.CATALOG_CLIENT, MeridianRealm.CATALOG_SECRET);
        CatalogRegions regions = new CatalogRegions(directory, new RegionRegistryClient(directory, token), Duration.ofSeconds(30));
        directory.start();
        CqlSession session = CqlSession.builder().addContactPoint(cassandra.cqlAddress()).withLocalDatacenter(cassandra.localDatacenter()).build();
        byte[] key = new byte[DeviceKeys.MIN_KEY_BYTES];
        new SecureRandom().nextBytes(key);
        DeviceKeys keys = new DeviceKeys("bench", Map.of("bench", key));
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TokenValidator tokens = new TokenValidator(URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"), keycloak.issuer().toString(),
                MeridianRealm.AUDIENCE, Clock.systemUTC());
        Catalog catalog = Catalog.start(vertx, CatalogConfig.local(0, cassandra.localDatacenter()), session, configs, keys,
                DeviceLocations.builtIn(), regions, tokens, meters, Clock.systemUTC());
        stopCatalog.set(() -> {
            catalog.close();
            session.close();
        });

        long t0 = System.nanoTime();
        seed(catalog.store(), keys, configs, tenantId, devices, devicesFile);
        System.out.printf("seeded %d devices of tenant %s (assigned to %s) in %.1f s straight into the catalog's store; secrets in %s%n",
                devices, tenantId, REGION, (System.nanoTime() - t0) / 1e9, devicesFile);
        System.out.println("BENCHMARK CATALOG READY (pid " + ProcessHandle.current().pid() + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB, Cassandra pid " + pid(cassandra) + ", Keycloak pid "
                + pid(keycloak) + "); BootstrapLoad arguments:");
        System.out.println("--catalog http://127.0.0.1:" + catalog.port() + " --devices-file " + devicesFile.toAbsolutePath() + " --tenant "
                + tenantId + " --region " + REGION);
        stopped.await();
    }

    /**
     * Creates the tenant (pinned to the EU) and its devices as a registration leaves them: an ACTIVE assignment with
     * the SHA-256 of the device's bootstrap secret. At most {@value #SEED_CONCURRENCY} claims are in flight.
     */
    private static void seed(CatalogStore store, DeviceKeys keys, RegionConfigs configs, String tenantId, int devices, Path file)
            throws Exception {
        TenantSpec spec = TenantSpec.fromJson(tenantId, new JsonObject().put("home-jurisdiction", "EU")
                .put("allocation", new JsonObject().put("policy", "PINNED_JURISDICTION").put("jurisdictions", List.of("EU"))),
                configs.policyRules(), configs.tenantDefaults().retention());
        Instant now = Instant.now();
        boolean created = store.createTenant(tenantId, spec.toJson().encode(), now).toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (!created) {
            throw new IllegalStateException("tenant " + tenantId + " exists already in the catalog's store; use a fresh state directory");
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Semaphore inFlight = new Semaphore(SEED_CONCURRENCY);
        List<CompletableFuture<Void>> all = new ArrayList<>(devices);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            for (int i = 0; i < devices; i++) {
                String deviceId = String.format("bench-%06d", i);
                String secret = Secrets.generate();
                out.write(deviceId + "\t" + secret + "\n");
                String deviceKey = keys.pseudonym(tenantId, deviceId);
                java.util.UUID op = CatalogStore.newOpId();
                CatalogStore.Assignment claim = new CatalogStore.Assignment(deviceKey, tenantId, REGION, CatalogStore.State.PENDING, op,
                        java.util.Optional.of(ByteBuffer.wrap(Secrets.hash(secret))), "benchmark-seed", now, now);
                inFlight.acquire();
                CompletableFuture<Void> one = store.claim(claim)
                        .thenCompose(c -> {
                            if (!c.won()) {
                                throw new IllegalStateException("device " + deviceId + " was claimed already");
                            }
                            return store.activate(deviceKey, op, Instant.now());
                        })
                        .thenAccept(active -> {
                            if (!active) {
                                throw new IllegalStateException("device " + deviceId + " could not be activated");
                            }
                        })
                        .whenComplete((v, e) -> inFlight.release())
                        .toCompletableFuture();
                all.add(one);
            }
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
    }

    private static String pid(Object service) {
        // the process tree's root: for Keycloak that is kc.sh, whose java child goes with it
        return service instanceof io.meridian.local.service.ProcessBackedService p && !p.processTree().isEmpty()
                ? Long.toString(p.processTree().get(0).pid()) : "?";
    }
}
