package io.meridian.region.app;

import io.meridian.policy.model.PolicyRules;
import io.meridian.region.api.RegionDataApi;
import io.meridian.region.auth.TokenValidator;
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
import java.util.List;
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
        DataPlane data = DataPlane.start(vertx, RegionNodeApp.dataConfig(RegionConfigs.loadDefault().require("eu-central"))
                .withIngest(IngestConsumer.Settings.defaults(kafka, "eu-central")).withApi(new RegionDataApi.Config("127.0.0.1", 0)),
                registry.session(), registry.adapterClients(), rules,
                new TokenValidator(rc.jwksUri(), rc.issuer().toString(), rc.audience(), java.time.Clock.systemUTC()),
                (tenant, metric, resolution, from, to, group, merge) -> List.of(), List.of(), meters);
        System.out.println("BENCHMARK NODE READY (pid " + ProcessHandle.current().pid() + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB); load tool arguments:");
        System.out.println("--mqtt-port " + mqtt.port() + " --registry http://127.0.0.1:" + registry.port() + " --token-url "
                + keycloak.tokenEndpoint() + " --kafka " + kafka + " --ingest-metrics http://127.0.0.1:" + management.port() + "/metrics");
        System.out.println("region data API on http://127.0.0.1:" + data.apiPort() + "/v1/");
        stopped.await();
    }
}
