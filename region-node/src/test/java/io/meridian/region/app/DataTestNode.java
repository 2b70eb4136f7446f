package io.meridian.region.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.local.service.CassandraService;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.regions.RegionConfigs;
import io.meridian.region.adapter.AdapterServices;
import io.meridian.region.adapter.mqtt.MqttAdapter;
import io.meridian.auth.TokenValidator;
import io.meridian.region.ingest.IngestConsumer;
import io.meridian.region.registry.DeviceRegistry;
import io.meridian.region.registry.RegistryClient;
import io.meridian.region.registry.RegistryConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.opentelemetry.api.OpenTelemetry;
import io.opentracing.noop.NoopTracerFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One region node inside the test JVM with its data side: the registry, the MQTT adapter and the {@link DataPlane}
 * (ingest, latest state, aggregates, egress gate, data API) on a real Cassandra, Kafka and Keycloak. Helpers
 * register tenants (with data settings) and devices (with labels), publish at QoS 1 and call the data API.
 */
final class DataTestNode implements AutoCloseable {

    static final Duration WAIT = Duration.ofMinutes(2);
    static final String PASSWORD = "data-secret-1";

    final Vertx vertx;
    final String region;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final DeviceRegistry registry;
    final MqttAdapter mqtt;
    /** The adapter's shared services, whose connections and ingest rate the data API's /v1/stats reports. */
    final AdapterServices services;
    private final DataPlane.Config dataConfig;
    private final RegistryConfig registryConfig;
    volatile DataPlane data;
    final RegistryClient client = new RegistryClient();
    final String catalog;

    private final OpenTelemetry telemetry;

    DataTestNode(Vertx vertx, String region, CassandraService cassandra, String kafka, KeycloakService keycloak) throws Exception {
        this(vertx, region, cassandra, kafka, keycloak, OpenTelemetry.noop());
    }

    /** As the other constructor, with the data API's server spans going to {@code telemetry}. */
    DataTestNode(Vertx vertx, String region, CassandraService cassandra, String kafka, KeycloakService keycloak, OpenTelemetry telemetry)
            throws Exception {
        this.vertx = vertx;
        this.telemetry = telemetry;
        this.region = region;
        RegistryConfig rc = RegistryConfig.local(region, "127.0.0.1", 0, cassandra.cqlAddress(), cassandra.localDatacenter(),
                keycloak.issuer()).withBcryptCost(4);
        registry = await(DeviceRegistry.start(vertx, rc, DataPlane.tenantCheck(RegionConfigs.loadDefault().policyRules())));
        services = AdapterServices.create(vertx, kafka, registry.adapterClients(), NoopTracerFactory.create(), meters);
        mqtt = await(MqttAdapter.start(vertx, new MqttAdapter.Config("127.0.0.1", 0), services));
        // a short topic refresh, so that a new tenant's topic is read within a second
        Duration retention = RegionConfigs.loadDefault().tenantDefaults().retention();
        dataConfig = DataPlane.Config.local(region, kafka, "127.0.0.1", 0, retention)
                .withIngest(IngestConsumer.Settings.defaults(kafka, region, retention).withTopicRefresh(Duration.ofSeconds(1)));
        registryConfig = rc;
        data = startDataPlane();
        catalog = client.catalogToken(keycloak);
    }

    private DataPlane startDataPlane() throws Exception {
        return DataPlane.start(vertx, dataConfig, DataPlane.AuditSettings.local(dataConfig, RegionConfigs.loadDefault()), registry.session(),
                registry.adapterClients(), RegionConfigs.loadDefault().policyRules(),
                new TokenValidator(registryConfig.jwksUri(), registryConfig.issuer().toString(), registryConfig.audience(), Clock.systemUTC()),
                meters, telemetry, services.connections());
    }

    /** Something done while the data plane is down. */
    interface WhileDown {
        void run() throws Exception;
    }

    /** Stops the data plane (ingest, state, API), runs {@code whileDown}, and starts a new one on the same stores. */
    void restartDataPlane(WhileDown whileDown) throws Exception {
        data.close();
        whileDown.run();
        data = startDataPlane();
    }

    CqlSession session() {
        return registry.session();
    }

    /** Creates a tenant with the given {@code ext.meridian} settings. */
    void createTenant(String tenant, JsonObject meridian) throws Exception {
        JsonObject body = new JsonObject().put("enabled", true).put("ext", new JsonObject().put("meridian", meridian));
        HttpResponse<String> created = client.send("POST", registryUri("/v1/tenants/" + tenant), catalog, body.encode());
        assertEquals(201, created.statusCode(), created.body());
    }

    /** Registers an enabled device whose auth-id is its id, with {@link #PASSWORD} and the given labels. */
    void registerDevice(String tenant, String deviceId, Map<String, String> labels) throws Exception {
        JsonObject device = new JsonObject().put("enabled", true)
                .put("ext", new JsonObject().put("meridian", new JsonObject().put("labels", new JsonObject(Map.copyOf(labels)))));
        HttpResponse<String> created = client.send("POST", registryUri("/v1/devices/" + tenant + "/" + deviceId), catalog, device.encode());
        assertEquals(201, created.statusCode(), created.body());
        JsonArray credentials = new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", deviceId)
                .put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", PASSWORD))));
        HttpResponse<String> put = client.send("PUT", registryUri("/v1/credentials/" + tenant + "/" + deviceId), catalog, credentials.encode());
        assertEquals(204, put.statusCode(), put.body());
    }

    URI registryUri(String path) {
        return URI.create("http://127.0.0.1:" + registry.port() + path);
    }

    URI apiUri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + data.apiPort() + pathAndQuery);
    }

    HttpResponse<String> get(String pathAndQuery, String token) throws Exception {
        return client.send("GET", apiUri(pathAndQuery), token, null);
    }

    HttpResponse<String> post(String path, String token, String body, String... headers) throws Exception {
        return client.send("POST", apiUri(path), token, body, headers);
    }

    MqttClient connect(String tenant, String deviceId) throws Exception {
        MqttClient mqttClient = MqttClient.create(vertx, new MqttClientOptions().setClientId("it-" + UUID.randomUUID())
                .setUsername(deviceId + "@" + tenant).setPassword(PASSWORD).setAutoKeepAlive(true).setMaxInflightQueue(1000));
        return await(mqttClient.connect(mqtt.port(), "127.0.0.1").map(mqttClient));
    }

    /** Publishes the payloads at QoS 1 and waits until every one is acknowledged. */
    static void publishAll(MqttClient device, String topic, List<String> payloads) throws Exception {
        Set<Integer> pending = ConcurrentHashMap.newKeySet();
        CompletableFuture<Void> done = new CompletableFuture<>();
        int[] remaining = {payloads.size()};
        device.publishCompletionHandler(id -> {
            pending.remove(id);
            synchronized (remaining) {
                if (--remaining[0] == 0) {
                    done.complete(null);
                }
            }
        });
        device.publishCompletionExpirationHandler(id -> done.completeExceptionally(new AssertionError("no PUBACK for message " + id)));
        for (String payload : payloads) {
            pending.add(await(device.publish(topic, Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false)));
        }
        done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws Exception {
        try {
            data.close();
            await(mqtt.stop());
        } finally {
            await(registry.stop());
        }
    }
}
