package io.meridian.region.app;

import io.meridian.policy.model.PolicyRules;
import io.meridian.region.api.RegionDataApi;
import io.meridian.auth.TokenValidator;
import io.meridian.region.ingest.IngestConsumer;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;

import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.Backend;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceRegistry;
import io.meridian.local.service.ServiceRequest;
import io.meridian.region.adapter.AdapterServices;
import io.meridian.region.adapter.mqtt.InFlightLimits;
import io.meridian.region.adapter.mqtt.MqttAdapter;
import io.meridian.region.registry.DeviceRegistry;
import io.meridian.region.registry.RegistryConfig;
import io.meridian.region.tracing.NodeTracing;
import io.meridian.regions.RegionConfigs;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A region node for the benchmark that does not need {@code ./meridian up}'s fixed ports: it starts
 * eu-central's Cassandra and Kafka and Keycloak through local-federation on free loopback ports, then the
 * registry and the MQTT adapter (with the node's default tracing) in this JVM (so this JVM's {@code -Xmx} is the node's heap), prints the
 * load tool's arguments, and stops everything on SIGTERM or Ctrl-C. The command is in load-tool/README.md.
 */
public final class BenchmarkNode {

    private BenchmarkNode() {
    }

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args.length > 0 ? args[0] : "target/benchmark-services");
        Federation federation = Federation.open(ServiceContext.ephemeral(RegionConfigs.loadDefault(), StateDirectory.at(state), Backend.select()),
                ServiceRegistry.load(), Federation.DEFAULT_PARALLELISM);
        Vertx vertx = Vertx.vertx();
        // the node's tracing as configured (default: 1 % sampled, no exporter); -Dmeridian.tracing.sampler=off or =1.0 to compare
        NodeTracing tracing = NodeTracing.create(NodeTracing.Settings.from("eu-central", System::getProperty));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            vertx.close();
            federation.close();
            stopped.countDown();
        }, "benchmark-node-stop"));
        federation.start(List.of(ServiceRequest.of("keycloak"), ServiceRequest.of("cassandra", "eu-central"),
                ServiceRequest.of("kafka", "eu-central")), Federation.Listener.NONE);
        CassandraService cassandra = federation.cassandra("eu-central");
        KeycloakService keycloak = (KeycloakService) federation.service(KeycloakService.NAME).orElseThrow();
        String kafka = federation.kafka("eu-central").bootstrapServers();
        RegistryConfig rc = RegistryConfig.local("eu-central", "127.0.0.1", 0, cassandra.cqlAddress(), cassandra.localDatacenter(),
                keycloak.issuer()).withBcryptCost(4);
        PolicyRules rules = RegionConfigs.loadDefault().policyRules();
        DeviceRegistry registry = DeviceRegistry.start(vertx, rc, DataPlane.tenantCheck(rules)).toCompletionStage().toCompletableFuture()
                .get(2, TimeUnit.MINUTES);
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ManagementServer management = ManagementServer.start(vertx, "127.0.0.1", 0, meters, () -> true).toCompletionStage()
                .toCompletableFuture().get(1, TimeUnit.MINUTES);
        MqttAdapter mqtt = MqttAdapter.start(vertx, new MqttAdapter.Config("127.0.0.1", 0, InFlightLimits.DEFAULTS),
                AdapterServices.create(vertx, kafka, registry.adapterClients(), tracing.tracer(), meters, "eu-central", 0))
                .toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
        // the data side as RegionNodeApp runs it: ingest to Cassandra, latest state, aggregates, the data API
        RegionConfigs configs = RegionConfigs.loadDefault();
        DataPlane data = DataPlane.start(vertx, RegionNodeApp.dataConfig(configs, configs.require("eu-central"))
                .withIngest(IngestConsumer.Settings.defaults(kafka, "eu-central", configs.tenantDefaults().retention()))
                .withApi(new RegionDataApi.Config("127.0.0.1", 0)),
                registry.session(), registry.adapterClients(), rules,
                new TokenValidator(rc.jwksUri(), rc.issuer().toString(), rc.audience(), java.time.Clock.systemUTC()),
                meters);
        String seed = System.getProperty("meridian.bench.seedAggregates");
        if (seed != null) {
            seedAggregates(registry, rc, keycloak, seed);
        }
        System.out.println("BENCHMARK NODE READY (pid " + ProcessHandle.current().pid() + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB); load tool arguments:");
        System.out.println("--mqtt-port " + mqtt.port() + " --registry http://127.0.0.1:" + registry.port() + " --token-url "
                + keycloak.tokenEndpoint() + " --kafka " + kafka + " --ingest-metrics http://127.0.0.1:" + management.port() + "/metrics");
        System.out.println("region data API on http://127.0.0.1:" + data.apiPort() + "/v1/");
        stopped.await();
    }

    /**
     * For the aggregate query benchmark: creates the tenant (exporting its {@code model} and {@code geohash} groups)
     * and fills the last complete hour with 1,000 devices' values, one every 5 s each (720,000 records; groups:
     * all, 10 models of 100 devices, 50 geohash cells of 20), through the node's own aggregator code into the node's
     * data keyspace. An hour of history cannot come in through MQTT in less than an hour: the ingest does not
     * aggregate what arrives more than 5 minutes after its window.
     */
    private static void seedAggregates(DeviceRegistry registry, RegistryConfig rc, KeycloakService keycloak, String tenant) throws Exception {
        io.meridian.region.registry.RegistryClient client = new io.meridian.region.registry.RegistryClient();
        java.net.http.HttpResponse<String> created = client.send("POST", java.net.URI.create("http://127.0.0.1:" + registry.port()
                + "/v1/tenants/" + tenant), client.catalogToken(keycloak), "{\"enabled\":true,\"ext\":{\"meridian\":{\"group-labels\":"
                + "[\"model\"],\"export\":{\"allowed-labels\":[\"model\",\"geohash\"]}}}}");
        if (created.statusCode() != 201 && created.statusCode() != 409) {
            throw new IllegalStateException("creating " + tenant + " answered " + created.statusCode() + " " + created.body());
        }
        io.meridian.region.aggregate.AggregateStore store = io.meridian.region.aggregate.AggregateStore.open(registry.session(),
                io.meridian.region.ingest.RawStore.DEFAULT_KEYSPACE, Map.of("class", "SimpleStrategy", "replication_factor", 1));
        io.meridian.region.aggregate.Aggregator aggregator = new io.meridian.region.aggregate.Aggregator(store,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), io.meridian.region.aggregate.Aggregator.Config.DEFAULTS,
                t -> Duration.ofDays(1));
        java.time.Instant hour = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).minus(Duration.ofHours(1));
        java.util.Random random = new java.util.Random(1);
        long offset = 0;
        long t0 = System.nanoTime();
        for (int second = 0; second < 3600; second += 5) {
            List<io.meridian.region.aggregate.AggregateInput> batch = new java.util.ArrayList<>(1000);
            for (int d = 0; d < 1000; d++) {
                java.time.Instant event = hour.plusSeconds(second).plusMillis(random.nextInt(5000));
                String cell = io.meridian.region.aggregate.Geohash.encode(47 + (d % 10) * 0.1, 6 + (d % 50 / 10) * 2.0, 5);
                batch.add(new io.meridian.region.aggregate.AggregateInput(tenant, "device-" + d, event, event.plusMillis(50),
                        Map.of("temp", 20 + random.nextGaussian() * 5), java.util.Optional.of(cell), Map.of("model", "model-" + d % 10),
                        "hono.telemetry." + tenant + "/0", offset++));
            }
            aggregator.apply(batch);
            aggregator.flush();
            aggregator.evict(batch.get(batch.size() - 1).arrivalTime());
        }
        System.out.printf("seeded tenant %s: 720,000 values of 1,000 devices in [%s, %s) in %.1f s%n", tenant, hour,
                hour.plus(Duration.ofHours(1)), (System.nanoTime() - t0) / 1e9);
    }
}
