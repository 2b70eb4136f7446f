package io.meridian.region.adapter.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.service.CassandraService;
import io.meridian.region.adapter.AdapterServices;
import io.meridian.region.registry.DeviceRegistry;
import io.meridian.region.registry.RegistryClient;
import io.meridian.region.registry.RegistryConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentracing.noop.NoopTracerFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One region node's registry and MQTT adapter inside the test JVM, on a real Cassandra, Kafka and Keycloak,
 * with the helpers the overload and fuzz tests share: tenants and devices through the management API, and
 * Kafka end offsets.
 */
final class TestRegionNode implements AutoCloseable {

    static final Duration WAIT = Duration.ofMinutes(2);
    static final String PASSWORD = "flood-secret-1";

    final Vertx vertx;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final String kafka;
    private final DeviceRegistry registry;
    final MqttAdapter mqtt;
    private final RegistryClient client = new RegistryClient();
    private final String catalog;

    TestRegionNode(Vertx vertx, CassandraService cassandra, String kafka, KeycloakService keycloak, InFlightLimits limits) throws Exception {
        this.vertx = vertx;
        this.kafka = kafka;
        registry = await(DeviceRegistry.start(vertx, RegistryConfig.local("eu-central", "127.0.0.1", 0, cassandra.cqlAddress(),
                cassandra.localDatacenter(), keycloak.issuer()).withBcryptCost(4)));
        mqtt = await(MqttAdapter.start(vertx, new MqttAdapter.Config("127.0.0.1", 0, limits),
                AdapterServices.create(vertx, kafka, registry.adapterClients(), NoopTracerFactory.create(), meters)));
        catalog = client.catalogToken(keycloak);
    }

    int port() {
        return mqtt.port();
    }

    String newTenant(String prefix) throws Exception {
        String tenant = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> created = client.send("POST", uri("/v1/tenants/" + tenant), catalog, new JsonObject().put("enabled", true).encode());
        assertEquals(201, created.statusCode(), created.body());
        return tenant;
    }

    /** Registers an enabled device whose auth-id is its device id, with {@link #PASSWORD}. */
    void registerDevice(String tenant, String deviceId) throws Exception {
        HttpResponse<String> device = client.send("POST", uri("/v1/devices/" + tenant + "/" + deviceId), catalog,
                new JsonObject().put("enabled", true).encode());
        assertEquals(201, device.statusCode(), device.body());
        JsonArray credentials = new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", deviceId)
                .put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", PASSWORD))));
        HttpResponse<String> put = client.send("PUT", uri("/v1/credentials/" + tenant + "/" + deviceId), catalog, credentials.encode());
        assertEquals(204, put.statusCode(), put.body());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + registry.port() + path);
    }

    KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        return new KafkaConsumer<>(p);
    }

    /** The sum of a topic's end offsets; 0 when the topic does not exist. */
    long endOffset(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        return consumer.listTopics(Duration.ofSeconds(30)).getOrDefault(topic, List.of()).stream()
                .map(i -> new TopicPartition(topic, i.partition())).toList();
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws Exception {
        try {
            await(mqtt.stop());
        } finally {
            await(registry.stop());
        }
    }
}
