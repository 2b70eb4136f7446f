package io.meridian.region.app;

import io.meridian.region.adapter.AdapterServices;
import io.meridian.region.adapter.http.HttpAdapter;
import io.meridian.region.adapter.mqtt.InFlightLimits;
import io.meridian.region.adapter.mqtt.MqttAdapter;
import io.meridian.region.archive.ArchiveConfig;
import io.meridian.region.archive.RawArchiver;
import io.meridian.auth.TokenValidator;
import io.meridian.region.ingest.IngestConsumer;
import io.meridian.region.registry.DeviceRegistry;
import io.meridian.region.registry.RegistryConfig;
import io.meridian.region.tls.NodeTls;
import io.meridian.region.tracing.NodeTracing;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region node's composition root. Today it wires the region's device registry and, beside it, the MQTT
 * and HTTP protocol adapters (which look devices up in that registry in-process and send to the region's Kafka;
 * each on a plain and a TLS port with the node's own CA and server certificate from {@link NodeTls}), all
 * configured from the region's file in {@code region-configs}.
 *
 * <pre>
 * java -cp ... io.meridian.region.app.RegionNodeApp eu-central
 * </pre>
 *
 * Overrides (system properties): {@code meridian.registry.port}, {@code meridian.registry.bind},
 * {@code meridian.cassandra.contactPoints} (host:port,...), {@code meridian.cassandra.datacenter},
 * {@code meridian.registry.keyspace}, {@code meridian.registry.replicationFactor},
 * {@code meridian.keycloak.issuer}, {@code meridian.registry.bcryptCost}, {@code meridian.mqtt.port},
 * {@code meridian.mqtt.bind}, {@code meridian.mqtt.tlsPort}, {@code meridian.mqtt.maxPayloadSize},
 * {@code meridian.mqtt.inflight.connectionSoft}, {@code meridian.mqtt.inflight.connectionHard},
 * {@code meridian.mqtt.inflight.node}, {@code meridian.mqtt.kafkaBacklogBytes} ({@link InFlightLimits}),
 * {@code meridian.http.port}, {@code meridian.http.bind}, {@code meridian.http.tlsPort}, {@code meridian.http.maxPayloadSize},
 * {@code meridian.management.port}, {@code meridian.management.bind},
 * {@code meridian.node.stateDir} (default {@code .meridian/<region>}; TLS material in its {@code tls}),
 * {@code meridian.tls.dir}, {@code meridian.tls.hostNames} (extra names for the server certificate),
 * {@code meridian.kafka.bootstrap} (host:port,...), {@code meridian.tracing.sampler}
 * ({@code off} or a ratio, default 0.01), {@code meridian.tracing.otlp.endpoint}, {@code meridian.tracing.exporterInRegion}
 * (see {@link NodeTracing}), {@code meridian.node.ordinal} (this node's
 * number in its region, 0 by default; it makes the adapters' command-routing ids, e.g. {@code eu-central-mqtt-0},
 * which must be unique among a region's live nodes and stable across restarts); {@code meridian.catalog.url},
 * {@code meridian.audit.dataCenters} and {@code meridian.audit.gatewayKeyspace} (the audit endpoints, see
 * {@link #auditSettings}); {@code MERIDIAN_CASSANDRA_USERNAME}
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
        NodeTls tls;
        try {
            tls = NodeTls.loadOrCreate(tlsDirectory(configs.require(regionId)), regionId, tlsHostNames());
        } catch (IllegalStateException | IllegalArgumentException e) {
            LOG.error("region node {} cannot use its TLS material: {}", regionId, e.getMessage());
            System.exit(1);
            return;
        }
        ArchiveConfig archiveConfig;
        try {
            // validated before anything starts: a bucket of another region stops the node here
            archiveConfig = ArchiveConfig.fromProperties(configs, regionId, System::getProperty, System::getenv);
        } catch (IllegalArgumentException | IllegalStateException e) {
            LOG.error("region node {} has an invalid archive configuration: {}", regionId, e.getMessage());
            System.exit(1);
            return;
        }
        MqttAdapter.Config mqttConfig = mqttConfig(configs.require(regionId)).withTls(tls, mqttTlsPort(configs.require(regionId)));
        HttpAdapter.Config httpConfig = httpConfig(configs.require(regionId)).withTls(tls, httpTlsPort(configs.require(regionId)));
        LOG.info("region node {} starting the device registry and the MQTT and HTTP adapters with:", regionId);
        config.describe().forEach((k, v) -> LOG.info("  {} = {}", k, v));
        mqttConfig.describe().forEach((k, v) -> LOG.info("  {} = {}", k, v));
        httpConfig.describe().forEach((k, v) -> LOG.info("  {} = {}", k, v));
        NodeTracing.Settings tracingSettings = NodeTracing.Settings.from(regionId, System::getProperty);
        tracingSettings.describe().forEach((k, v) -> LOG.info("  {} = {}", k, v));
        archiveConfig.describe().forEach((k, v) -> LOG.info("  {} = {}", k, v));
        NodeTracing tracing = NodeTracing.create(tracingSettings);
        LOG.info("  kafka.bootstrap = {}", kafkaBootstrap(configs.require(regionId)));
        LOG.info("  tls = {} ({}), clients trust {}", tls.directory(), tls.generated() ? "generated now" : "reused",
                tls.caCertPath());

        Vertx vertx = Vertx.vertx();
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        meters.config().commonTags("region", regionId);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmGcMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        AtomicBoolean ready = new AtomicBoolean();
        int managementPort = intProperty("meridian.management.port", configs.require(regionId).localPorts().nodeManagement());
        ManagementServer management;
        try {
            management = ManagementServer.start(vertx, System.getProperty("meridian.management.bind", "127.0.0.1"), managementPort,
                    meters, ready::get).toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            LOG.error("region node {} could not start its management port {}", regionId, managementPort, e);
            vertx.close();
            System.exit(1);
            return;
        }
        LOG.info("region node {}: readiness and metrics on http://127.0.0.1:{}/health/ready and /metrics", regionId, management.port());
        DeviceRegistry registry;
        try {
            registry = DeviceRegistry.start(vertx, config, DataPlane.tenantCheck(configs.policyRules())).toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            LOG.error("region node {} could not start its device registry", regionId, e);
            vertx.close();
            System.exit(1);
            return;
        }
        LOG.info("region node {}: Device Registry Management API v1 on http://{}:{}/v1/", regionId, config.bindAddress(), registry.port());
        MqttAdapter mqtt;
        HttpAdapter http;
        AdapterServices services;
        try {
            services = AdapterServices.create(vertx, kafkaBootstrap(configs.require(regionId)), registry.adapterClients(),
                    tracing.tracer(), meters, regionId, intProperty("meridian.node.ordinal", 0));
            mqtt = MqttAdapter.start(vertx, mqttConfig, services).toCompletionStage().toCompletableFuture()
                    .get(2, TimeUnit.MINUTES);
            http = HttpAdapter.start(vertx, httpConfig, services).toCompletionStage().toCompletableFuture()
                    .get(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            LOG.error("region node {} could not start its protocol adapters", regionId, e);
            awaitQuietly(registry.stop(), Duration.ofSeconds(20), "the device registry");
            vertx.close();
            System.exit(1);
            return;
        }
        LOG.info("region node {}: MQTT adapter on mqtt://{}:{} and mqtts://{}:{}", regionId, mqttConfig.bindAddress(), mqtt.port(),
                mqttConfig.bindAddress(), mqtt.securePort());
        LOG.info("region node {}: HTTP adapter on http://{}:{} and https://{}:{}", regionId, httpConfig.bindAddress(), http.port(),
                httpConfig.bindAddress(), http.securePort());
        DataPlane.Config dataConfig = dataConfig(configs, configs.require(regionId));
        dataConfig.describe().forEach((k, v) -> LOG.info("  {} = {}", k, v));
        DataPlane data;
        try {
            DataPlane.AuditSettings audit = auditSettings(configs, dataConfig, config, archiveConfig);
            audit.describe().forEach((k, v) -> LOG.info("  {} = {}", k, v));
            data = DataPlane.start(vertx, dataConfig, audit, registry.session(), registry.adapterClients(), configs.policyRules(),
                    new TokenValidator(config.jwksUri(), config.issuer().toString(), config.audience(), java.time.Clock.systemUTC()), meters,
                    tracing.openTelemetry(), services.connections());
        } catch (Exception e) {
            LOG.error("region node {} could not start its ingest and data API", regionId, e);
            stopAndExit(vertx, http, mqtt, registry);
            return;
        }
        LOG.info("region node {}: ingest from {} into keyspace {}; region data API on http://{}:{}/v1/", regionId,
                dataConfig.ingest().bootstrap(), dataConfig.dataKeyspace(), dataConfig.api().bindAddress(), data.apiPort());
        RawArchiver archiver;
        try {
            archiver = RawArchiver.open(registry.session(), archiveConfig, meters);
            if (archiveConfig.enabled()) {
                archiver.start();
            }
        } catch (RuntimeException e) {
            LOG.error("region node {} cannot archive its raw data: {}", regionId, e.getMessage(), e);
            data.close();
            stopAndExit(vertx, http, mqtt, registry);
            return;
        }
        ready.set(true);
        LOG.info("region node {} ready", regionId);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("region node {} stopping", regionId);
            ready.set(false);
            long t0 = System.nanoTime();
            awaitQuietly(http.stop(), Duration.ofSeconds(10), "the HTTP adapter");
            awaitQuietly(mqtt.stop(), Duration.ofSeconds(10), "the MQTT adapter");
            archiver.stop();
            data.close();
            awaitQuietly(services.stop(), Duration.ofSeconds(10), "the command router");
            awaitQuietly(registry.stop(), Duration.ofSeconds(20), "the device registry");
            tracing.close();
            awaitQuietly(management.stop(), Duration.ofSeconds(2), "the management port");
            // Vert.x completes close() on an event loop it has just shut down, so that completion may never be
            // delivered (RejectedExecutionException); wait for it only briefly, the JVM exits after this hook.
            awaitQuietly(vertx.close(), Duration.ofSeconds(2), "Vert.x");
            LOG.info("region node {} stopped in {} ms", regionId, (System.nanoTime() - t0) / 1_000_000);
            stopped.countDown();
        }, "region-node-shutdown"));
        stopped.await();
    }

    /** After a failed start: stops what started, in order, and exits with status 1. */
    private static void stopAndExit(Vertx vertx, HttpAdapter http, MqttAdapter mqtt, DeviceRegistry registry) {
        awaitQuietly(http.stop(), Duration.ofSeconds(10), "the HTTP adapter");
        awaitQuietly(mqtt.stop(), Duration.ofSeconds(10), "the MQTT adapter");
        awaitQuietly(registry.stop(), Duration.ofSeconds(20), "the device registry");
        vertx.close();
        System.exit(1);
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

    /**
     * The MQTT adapter configuration of a region, plain port only: its file's local ports, overridden by system
     * properties. {@link #main} adds the TLS port ({@link #mqttTlsPort}) with the node's {@link NodeTls}.
     */
    static MqttAdapter.Config mqttConfig(RegionConfig region) {
        InFlightLimits d = InFlightLimits.DEFAULTS;
        InFlightLimits limits = new InFlightLimits(intProperty("meridian.mqtt.inflight.connectionSoft", d.connectionSoft()),
                intProperty("meridian.mqtt.inflight.connectionHard", d.connectionHard()), intProperty("meridian.mqtt.inflight.node", d.node()),
                intProperty("meridian.mqtt.kafkaBacklogBytes", d.kafkaBacklogBytes()));
        return new MqttAdapter.Config(System.getProperty("meridian.mqtt.bind", "127.0.0.1"),
                intProperty("meridian.mqtt.port", region.localPorts().mqtt()), limits)
                .withMaxPayloadSize(intProperty("meridian.mqtt.maxPayloadSize", MqttAdapter.Config.DEFAULT_MAX_PAYLOAD_SIZE));
    }

    /**
     * The HTTP adapter configuration of a region, plain port only: its file's local ports, overridden by system
     * properties. {@link #main} adds the HTTPS port ({@link #httpTlsPort}) with the node's {@link NodeTls}.
     */
    static HttpAdapter.Config httpConfig(RegionConfig region) {
        return new HttpAdapter.Config(System.getProperty("meridian.http.bind", "127.0.0.1"),
                intProperty("meridian.http.port", region.localPorts().httpAdapter()),
                intProperty("meridian.http.maxPayloadSize", HttpAdapter.DEFAULT_MAX_PAYLOAD_SIZE), HttpAdapter.DEFAULT_MAX_IN_FLIGHT);
    }

    /** The MQTT-over-TLS port: the file's {@code mqtt-tls} local port, overridden by {@code meridian.mqtt.tlsPort}. */
    static int mqttTlsPort(RegionConfig region) {
        return intProperty("meridian.mqtt.tlsPort", region.localPorts().mqttTls());
    }

    /** The HTTPS adapter port: the file's {@code https-adapter} local port, overridden by {@code meridian.http.tlsPort}. */
    static int httpTlsPort(RegionConfig region) {
        return intProperty("meridian.http.tlsPort", region.localPorts().httpsAdapter());
    }

    /**
     * Where the node keeps its CA and server certificate: {@code meridian.tls.dir}, else {@code <state>/tls}
     * with the node's state directory {@code meridian.node.stateDir} (which {@code ./meridian up} sets),
     * defaulting to {@code .meridian/<region>} in the working directory.
     */
    static Path tlsDirectory(RegionConfig region) {
        String dir = System.getProperty("meridian.tls.dir");
        if (dir != null) {
            return Path.of(dir);
        }
        String state = System.getProperty("meridian.node.stateDir");
        return (state != null ? Path.of(state) : Path.of(".meridian", region.id().value())).resolve("tls");
    }

    /** Host names for the server certificate besides 127.0.0.1 and localhost: {@code meridian.tls.hostNames}, comma-separated. */
    static List<String> tlsHostNames() {
        String names = System.getProperty("meridian.tls.hostNames", "");
        return Arrays.stream(names.split(",")).map(String::trim).filter(n -> !n.isEmpty()).toList();
    }

    /**
     * The data side's configuration: the region file's data API port and Kafka, overridden by
     * {@code meridian.dataApi.port}, {@code meridian.dataApi.bind}, {@code meridian.data.keyspace},
     * {@code meridian.egress.keyspace}, {@code meridian.ingest.maxPollRecords}, {@code meridian.latestState.expiry}
     * (ISO-8601, default P7D) and {@code meridian.latestState.maxDevices}.
     */
    static DataPlane.Config dataConfig(RegionConfigs configs, RegionConfig region) {
        String kafka = kafkaBootstrap(region);
        DataPlane.Config d = DataPlane.Config.local(region.id().value(), kafka, System.getProperty("meridian.dataApi.bind", "127.0.0.1"),
                intProperty("meridian.dataApi.port", region.localPorts().dataApi()), configs.tenantDefaults().retention());
        IngestConsumer.Settings ingest = d.ingest().withMaxPollRecords(intProperty("meridian.ingest.maxPollRecords", d.ingest().maxPollRecords()));
        Duration expiry = durationProperty("meridian.latestState.expiry", d.stateExpiry());
        return new DataPlane.Config(d.regionId(), System.getProperty("meridian.data.keyspace", d.dataKeyspace()),
                System.getProperty("meridian.egress.keyspace", d.egressKeyspace()),
                Map.of("class", "SimpleStrategy", "replication_factor", intProperty("meridian.registry.replicationFactor", 1)), ingest, d.api(),
                expiry, Long.parseLong(System.getProperty("meridian.latestState.maxDevices", String.valueOf(d.stateMaxDevices()))),
                d.aggregates().withGrace(durationProperty("meridian.aggregates.grace", d.aggregates().grace())));
    }

    /**
     * Where the region's audit looks: the catalog at {@code meridian.catalog.url} (default: the local-services port), this
     * region's data centres {@code meridian.audit.dataCenters} (comma-separated; default the Cassandra local data centre)
     * and the gateway's keyspace {@code meridian.audit.gatewayKeyspace} (default {@code meridian_gateway}).
     */
    static DataPlane.AuditSettings auditSettings(RegionConfigs configs, DataPlane.Config data, RegistryConfig registry, ArchiveConfig archive) {
        DataPlane.AuditSettings d = DataPlane.AuditSettings.local(data, configs);
        String dcs = System.getProperty("meridian.audit.dataCenters", registry.localDatacenter());
        java.util.Set<String> dataCenters = new java.util.TreeSet<>();
        for (String dc : dcs.split(",")) {
            if (!dc.isBlank()) {
                dataCenters.add(dc.trim());
            }
        }
        if (dataCenters.isEmpty()) {
            throw new IllegalArgumentException("meridian.audit.dataCenters must name at least one data centre, was '" + dcs + "'");
        }
        URI catalog;
        String url = System.getProperty("meridian.catalog.url", d.catalogApi().toString());
        try {
            catalog = URI.create(url);
            if (catalog.getScheme() == null || catalog.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("meridian.catalog.url must be an http(s) URL such as http://127.0.0.1:18090/v1, was " + url);
        }
        return new DataPlane.AuditSettings(registry.keyspace(), archive.keyspace(), System.getProperty("meridian.audit.gatewayKeyspace",
                d.gatewayKeyspace()), dataCenters, catalog, d.catalogTimeout(), d.defaultRetention());
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

    private static Duration durationProperty(String name, Duration defaultValue) {
        String value = System.getProperty(name);
        try {
            return value == null ? defaultValue : Duration.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 duration such as PT5M, was " + value, e);
        }
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
