package io.meridian.region.app;

import io.meridian.region.adapter.AdapterServices;
import io.meridian.region.adapter.mqtt.MqttAdapter;
import io.meridian.region.registry.DeviceRegistry;
import io.meridian.region.registry.RegistryConfig;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentracing.noop.NoopTracerFactory;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region node's composition root. Today it wires the region's device registry and, beside it, the MQTT
 * protocol adapter (which looks devices up in that registry in-process and sends to the region's Kafka),
 * both configured from the region's file in {@code region-configs}.
 *
 * <pre>
 * java -cp ... io.meridian.region.app.RegionNodeApp eu-central
 * </pre>
 *
 * Overrides (system properties): {@code meridian.registry.port}, {@code meridian.registry.bind},
 * {@code meridian.cassandra.contactPoints} (host:port,...), {@code meridian.cassandra.datacenter},
 * {@code meridian.registry.keyspace}, {@code meridian.registry.replicationFactor},
 * {@code meridian.keycloak.issuer}, {@code meridian.registry.bcryptCost}, {@code meridian.mqtt.port},
 * {@code meridian.mqtt.bind}, {@code meridian.kafka.bootstrap} (host:port,...), {@code meridian.node.ordinal} (this node's
 * number in its region, 0 by default; it makes the adapters' command-routing ids, e.g. {@code eu-central-mqtt-0},
 * which must be unique among a region's live nodes and stable across restarts); {@code MERIDIAN_CASSANDRA_USERNAME}
 * and {@code MERIDIAN_CASSANDRA_PASSWORD} from the environment.
 */
public final class RegionNodeApp {

    private static final Logger LOG = LoggerFactory.getLogger(RegionNodeApp.class);

    private RegionNodeApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        String regionId = args.length > 0 ? args[0] : System.getenv("MERIDIAN_REGION");
        if (regionId == null || regionId.isBlank()) {
            System.err.println("usage: RegionNodeApp <region-id>   (or set MERIDIAN_REGION)");
            System.exit(2);
        }
        RegionConfigs configs = RegionConfigs.loadDefault();
        RegistryConfig config = registryConfig(configs, configs.require(regionId));
        MqttAdapter.Config mqttConfig = mqttConfig(configs.require(regionId));
        LOG.info("region node {} starting the device registry and the MQTT adapter with:", regionId);
        config.describe().forEach((k, v) -> LOG.info("  {} = {}", k, v));
        mqttConfig.describe().forEach((k, v) -> LOG.info("  {} = {}", k, v));
        LOG.info("  kafka.bootstrap = {}", kafkaBootstrap(configs.require(regionId)));

        Vertx vertx = Vertx.vertx();
        DeviceRegistry registry;
        try {
            registry = DeviceRegistry.start(vertx, config).toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            LOG.error("region node {} could not start its device registry", regionId, e);
            vertx.close();
            System.exit(1);
            return;
        }
        LOG.info("region node {}: Device Registry Management API v1 on http://{}:{}/v1/", regionId, config.bindAddress(), registry.port());
        MqttAdapter mqtt;
        AdapterServices services;
        try {
            services = AdapterServices.create(vertx, kafkaBootstrap(configs.require(regionId)), registry.adapterClients(),
                    NoopTracerFactory.create(), new SimpleMeterRegistry(), regionId, intProperty("meridian.node.ordinal", 0));
            mqtt = MqttAdapter.start(vertx, mqttConfig, services).toCompletionStage().toCompletableFuture()
                    .get(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            LOG.error("region node {} could not start its MQTT adapter", regionId, e);
            awaitQuietly(registry.stop(), Duration.ofSeconds(20), "the device registry");
            vertx.close();
            System.exit(1);
            return;
        }
        LOG.info("region node {}: MQTT adapter on mqtt://{}:{}", regionId, mqttConfig.bindAddress(), mqtt.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("region node {} stopping", regionId);
            long t0 = System.nanoTime();
            awaitQuietly(mqtt.stop(), Duration.ofSeconds(10), "the MQTT adapter");
            awaitQuietly(services.stop(), Duration.ofSeconds(10), "the command router");
            awaitQuietly(registry.stop(), Duration.ofSeconds(20), "the device registry");
            // Vert.x completes close() on an event loop it has just shut down, so that completion may never be
            // delivered (RejectedExecutionException); wait for it only briefly, the JVM exits after this hook.
            awaitQuietly(vertx.close(), Duration.ofSeconds(2), "Vert.x");
            LOG.info("region node {} stopped in {} ms", regionId, (System.nanoTime() - t0) / 1_000_000);
            stopped.countDown();
        }, "region-node-shutdown"));
        stopped.await();
    }

    private static void awaitQuietly(io.vertx.core.Future<Void> future, Duration timeout, String what) {
        try {
            future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("{} did not confirm its stop within {} ms; exiting anyway", what, timeout.toMillis());
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("{} failed to stop cleanly", what, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The registry configuration of a region: its file's local ports, overridden by system properties. */
    static RegistryConfig registryConfig(RegionConfigs configs, RegionConfig region) {
        int cql = region.localPorts().cassandraCql();
        List<InetSocketAddress> contactPoints = contactPoints(System.getProperty("meridian.cassandra.contactPoints", "127.0.0.1:" + cql));
        URI issuer = URI.create(System.getProperty("meridian.keycloak.issuer",
                "http://127.0.0.1:" + configs.localServices().keycloak() + "/realms/meridian"));
        int port = intProperty("meridian.registry.port", region.localPorts().registryApi());
        int rf = intProperty("meridian.registry.replicationFactor", 1);
        RegistryConfig defaults = RegistryConfig.local(region.id().value(), System.getProperty("meridian.registry.bind", "127.0.0.1"),
                port, contactPoints.get(0), System.getProperty("meridian.cassandra.datacenter", "datacenter1"), issuer);
        Optional<String> user = Optional.ofNullable(System.getenv("MERIDIAN_CASSANDRA_USERNAME"));
        Optional<String> password = Optional.ofNullable(System.getenv("MERIDIAN_CASSANDRA_PASSWORD"));
        return new RegistryConfig(defaults.regionId(), defaults.bindAddress(), defaults.port(), contactPoints,
                defaults.localDatacenter(), System.getProperty("meridian.registry.keyspace", defaults.keyspace()),
                Map.of("class", "SimpleStrategy", "replication_factor", rf), user, password, defaults.issuer(),
                defaults.jwksUri(), defaults.audience(), defaults.catalogClientId(),
                intProperty("meridian.registry.bcryptCost", defaults.bcryptCost()), defaults.maxBcryptCost());
    }

    /** The MQTT adapter configuration of a region: its file's local ports, overridden by system properties. */
    static MqttAdapter.Config mqttConfig(RegionConfig region) {
        return new MqttAdapter.Config(System.getProperty("meridian.mqtt.bind", "127.0.0.1"),
                intProperty("meridian.mqtt.port", region.localPorts().mqtt()));
    }

    /** The region's Kafka: its file's local port, overridden by {@code meridian.kafka.bootstrap}. */
    static String kafkaBootstrap(RegionConfig region) {
        return System.getProperty("meridian.kafka.bootstrap", "127.0.0.1:" + region.localPorts().kafka());
    }

    private static List<InetSocketAddress> contactPoints(String value) {
        List<InetSocketAddress> points = new ArrayList<>();
        for (String hostPort : value.split(",")) {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("meridian.cassandra.contactPoints must be host:port[,host:port...], was " + value);
            }
            points.add(new InetSocketAddress(hostPort.substring(0, colon).trim(), intValue("meridian.cassandra.contactPoints", hostPort.substring(colon + 1).trim())));
        }
        return points;
    }

    private static int intProperty(String name, int defaultValue) {
        String value = System.getProperty(name);
        return value == null ? defaultValue : intValue(name, value);
    }

    private static int intValue(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was " + value, e);
        }
    }
}
