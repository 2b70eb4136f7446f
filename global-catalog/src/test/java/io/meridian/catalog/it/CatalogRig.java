package io.meridian.catalog.it;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.auth.TokenValidator;
import io.meridian.catalog.app.Catalog;
import io.meridian.catalog.app.CatalogConfig;
import io.meridian.catalog.app.CatalogRegions;
import io.meridian.catalog.app.RegionSide;
import io.meridian.catalog.assignment.DeviceKeys;
import io.meridian.catalog.assignment.DeviceLocations;
import io.meridian.catalog.region.RegionDirectory;
import io.meridian.catalog.region.RegionEndpoints;
import io.meridian.catalog.region.RegionRegistryClient;
import io.meridian.catalog.region.ServiceToken;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.region.RegionNodeProcess;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * A real catalog for ITs, in the test's JVM: real region node processes (from region-node's build) for the given
 * regions, the catalog's keyspace on the first region's Cassandra, the federation's Keycloak. Regions not running
 * point at a closed port, so the health checks find them down.
 */
final class CatalogRig implements AutoCloseable {

    /** A clock the test can move forward (for the repair job's grace period). */
    static final class ShiftedClock extends Clock {
        private volatile Duration shift = Duration.ZERO;

        void advance(Duration d) {
            shift = shift.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(shift);
        }
    }

    static final byte[] KEY = "meridian-catalog-it-key-32-bytes!!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    final RegionConfigs configs = RegionConfigs.loadDefault();
    final Vertx vertx = Vertx.vertx();
    final CqlSession session;
    final Catalog catalog;
    final CatalogRegions regions;
    final ShiftedClock clock = new ShiftedClock();
    final DeviceKeys keys = new DeviceKeys("it1", Map.of("it1", KEY));
    final URI base;
    final Map<String, RegionNodeProcess> nodes = new java.util.LinkedHashMap<>();

    /**
     * @param wrap lets a test put a failing layer around the real region side
     */
    CatalogRig(Federation federation, KeycloakService keycloak, List<String> running, UnaryOperator<RegionSide> wrap) throws Exception {
        federation.start(running.stream().map(r -> ServiceRequest.of("region-node", r)).toList(), Federation.Listener.NONE);
        RegionDirectory.Builder directory = RegionDirectory.builder(configs).period(Duration.ofSeconds(2)).failuresToDown(2);
        for (RegionConfig r : configs.regions()) {
            String id = r.id().value();
            if (running.contains(id)) {
                RegionNodeProcess node = (RegionNodeProcess) federation.service("region-node-" + id).orElseThrow();
                nodes.put(id, node);
                RegionNodeProcess.Settings s = node.settings();
                directory.endpoints(r.id(), new RegionEndpoints(URI.create(node.endpoints().get("registry")),
                        URI.create("http://127.0.0.1:" + s.managementPort() + "/health/ready"), "127.0.0.1", OptionalInt.of(s.mqttPort()),
                        s.mqttTlsPort(), URI.create(node.endpoints().get("http-adapter")), java.util.Optional.empty())
                        .withCaPemFile(Path.of(node.endpoints().get("ca"))));
            } else {
                directory.endpoints(r.id(), new RegionEndpoints(URI.create("http://127.0.0.1:1/v1"), URI.create("http://127.0.0.1:1/health/ready"),
                        "127.0.0.1", OptionalInt.of(2), 3, URI.create("http://127.0.0.1:4"), java.util.Optional.empty()));
            }
        }
        RegionDirectory dir = directory.build();
        ServiceToken token = new ServiceToken(keycloak.tokenEndpoint(), MeridianRealm.CATALOG_CLIENT, MeridianRealm.CATALOG_SECRET);
        regions = new CatalogRegions(dir, new RegionRegistryClient(dir, token), Duration.ofSeconds(5));
        dir.start();
        dir.checkNow().get();
        dir.checkNow().get(); // two failed checks make an absent region DOWN
        CassandraService cassandra = federation.cassandra(running.get(0));
        session = CqlSession.builder().addContactPoint(cassandra.cqlAddress()).withLocalDatacenter(cassandra.localDatacenter()).build();
        TokenValidator tokens = new TokenValidator(URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"), keycloak.issuer().toString(),
                MeridianRealm.AUDIENCE, Clock.systemUTC());
        catalog = Catalog.start(vertx, CatalogConfig.local(0, cassandra.localDatacenter()).withRepairPeriod(Duration.ofHours(1)), session, configs,
                keys, DeviceLocations.builtIn(), wrap.apply(regions), tokens, new SimpleMeterRegistry(), clock);
        base = URI.create("http://127.0.0.1:" + catalog.port());
    }

    URI uri(String path) {
        return base.resolve(path);
    }

    RegionNodeProcess node(String region) {
        return nodes.get(region);
    }

    /** Waits until the directory shows the region in the given state. */
    void awaitStatus(String region, RegionDirectory.Status status, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (regions.directory().snapshot().get(RegionId.of(region)).status() != status) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(region + " did not become " + status + " within " + within + ": " + regions.directory().snapshot().get(RegionId.of(region)));
            }
            Thread.sleep(200);
        }
    }

    @Override
    public void close() {
        catalog.close();
        session.close();
        vertx.close();
    }
}
