package io.meridian.region.adapter.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.region.adapter.AdapterServices;
import io.meridian.region.registry.DeviceRegistry;
import io.meridian.region.tracing.NodeTracing;
import io.meridian.region.registry.RegistryClient;
import io.meridian.region.registry.RegistryConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.opentracing.noop.NoopTracerFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.MqttConnectionException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The MQTT adapter against a real Cassandra and a real Kafka per region and the real Keycloak realm: devices
 * are registered through the registry's management API, connect with a Vert.x MQTT client, and their
 * messages are read back from the region's Kafka with a plain consumer. Two region nodes: eu-central and
 * af-south, each with its own registry, Cassandra and Kafka.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = {"eu-central", "af-south"}, kafka = {"eu-central", "af-south"}, keycloak = true)
class MqttAdapterIT {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String PASSWORD = "lamp-secret-1";

    private final RegistryClient client = new RegistryClient();
    private Vertx vertx;
    private String euKafka;
    private DeviceRegistry euRegistry;
    private DeviceRegistry afRegistry;
    private MqttAdapter euMqtt;
    private MqttAdapter afMqtt;
    private String catalog;
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private NodeTracing euTracing;

    @BeforeAll
    void startRegionNodes(Federation federation, KeycloakService keycloak) throws Exception {
        vertx = Vertx.vertx();
        euKafka = federation.kafka("eu-central").bootstrapServers();
        euRegistry = await(DeviceRegistry.start(vertx, registryConfig("eu-central", federation.cassandra("eu-central"), keycloak.issuer())));
        afRegistry = await(DeviceRegistry.start(vertx, registryConfig("af-south", federation.cassandra("af-south"), keycloak.issuer())));
        // eu-central traces every message to an exporter declared outside the region, as a collector elsewhere would be
        euTracing = NodeTracing.create(new NodeTracing.Settings("eu-central", 1.0, Optional.empty(), false), Optional.of(spans));
        euMqtt = await(MqttAdapter.start(vertx, new MqttAdapter.Config("127.0.0.1", 0),
                AdapterServices.create(vertx, euKafka, euRegistry.adapterClients(), euTracing.tracer(), new SimpleMeterRegistry())));
        afMqtt = await(MqttAdapter.start(vertx, new MqttAdapter.Config("127.0.0.1", 0),
                AdapterServices.create(vertx, federation.kafka("af-south").bootstrapServers(), afRegistry.adapterClients(),
                        NoopTracerFactory.create(), new SimpleMeterRegistry())));
        catalog = client.catalogToken(keycloak);
    }

    @AfterAll
    void stopRegionNodes() throws Exception {
        List<Future<Void>> stops = new ArrayList<>();
        for (MqttAdapter a : new MqttAdapter[] {euMqtt, afMqtt}) {
            if (a != null) {
                stops.add(a.stop());
            }
        }
        await(Future.join(stops));
        stops.clear();
        for (DeviceRegistry r : new DeviceRegistry[] {euRegistry, afRegistry}) {
            if (r != null) {
                stops.add(r.stop());
            }
        }
        await(Future.join(stops));
        if (vertx != null) {
            await(vertx.close());
        }
        if (euTracing != null) {
            euTracing.close();
        }
    }

    private static RegistryConfig registryConfig(String region, CassandraService cassandra, URI issuer) {
        return RegistryConfig.local(region, "127.0.0.1", 0, cassandra.cqlAddress(), cassandra.localDatacenter(), issuer)
                .withBcryptCost(4);
    }

    // ---- telemetry and events

    @Test
    void qos1Telemetry_isOnKafkaWithHonosHeaders_beforeThePubackArrives() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-1", true, "lamp-1-auth");

        MqttClient device = await(connect(euMqtt, "lamp-1-auth@" + tenant, PASSWORD));
        Buffer payload = Buffer.buffer("{\"temp\": 21.5}");
        awaitPuback(device, "telemetry", payload);
        // the PUBACK came only after Kafka acknowledged: the record is already on the topic
        String topic = "hono.telemetry." + tenant;
        assertEquals(1, endOffset(topic), "records on " + topic + " when the PUBACK arrived");

        ConsumerRecord<String, byte[]> record = readOne(topic);
        assertEquals("lamp-1", record.key());
        assertEquals(payload.toString(), new String(record.value(), StandardCharsets.UTF_8));
        Map<String, String> headers = headers(record);
        assertEquals("lamp-1", headers.get("device_id"), headers.toString());
        assertEquals("application/octet-stream", headers.get("content-type"), headers.toString());
        assertEquals("1", headers.get("qos"), headers.toString());
        assertEquals("telemetry", headers.get("orig_address"), headers.toString());
        long created = Long.parseLong(headers.get("creation-time"));
        assertTrue(Math.abs(created - System.currentTimeMillis()) < WAIT.toMillis(), "creation-time " + created);
        await(device.disconnect());
    }

    @Test
    void qos1Event_withContentTypeInThePropertyBag_isOnTheEventTopic() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-2", true, "lamp-2-auth");

        MqttClient device = await(connect(euMqtt, "lamp-2-auth@" + tenant, PASSWORD));
        awaitPuback(device, "e/?content-type=application%2Fjson", Buffer.buffer("{\"alarm\": true}"));

        ConsumerRecord<String, byte[]> record = readOne("hono.event." + tenant);
        assertEquals("{\"alarm\": true}", new String(record.value(), StandardCharsets.UTF_8));
        Map<String, String> headers = headers(record);
        assertEquals("lamp-2", headers.get("device_id"), headers.toString());
        assertEquals("application/json", headers.get("content-type"), headers.toString());
        assertEquals("1", headers.get("qos"), headers.toString());
        assertNotNull(headers.get("creation-time"), headers.toString());
        await(device.disconnect());
    }

    @Test
    void qos0Telemetry_isForwarded() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-3", true, "lamp-3-auth");

        MqttClient device = await(connect(euMqtt, "lamp-3-auth@" + tenant, PASSWORD));
        await(device.publish("t/" + tenant + "/lamp-3", Buffer.buffer("q0"), MqttQoS.AT_MOST_ONCE, false, false));

        ConsumerRecord<String, byte[]> record = readOne("hono.telemetry." + tenant);
        assertEquals("q0", new String(record.value(), StandardCharsets.UTF_8));
        assertEquals("0", headers(record).get("qos"), headers(record).toString());
        await(device.disconnect());
    }

    @Test
    void spans_carryRegionAndTenant_butNoDeviceIdForAnExporterOutsideTheRegion() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-traced", true, "lamp-traced-auth");

        MqttClient device = await(connect(euMqtt, "lamp-traced-auth@" + tenant, PASSWORD));
        awaitPuback(device, "telemetry", Buffer.buffer("{\"temp\": 19}"));
        await(device.disconnect());
        euTracing.flush();

        List<SpanData> ours = spans.getFinishedSpanItems().stream()
                .filter(s -> tenant.equals(s.getAttributes().get(AttributeKey.stringKey("tenant_id")))).toList();
        List<String> names = ours.stream().map(SpanData::getName).toList();
        assertTrue(names.contains("CONNECT") && names.contains("PUBLISH telemetry"), "spans of tenant " + tenant + ": " + names);
        for (SpanData span : ours) {
            assertEquals("eu-central", span.getAttributes().get(NodeTracing.REGION), span.toString());
            span.getAttributes().forEach((key, value) -> assertFalse(String.valueOf(value).contains("lamp-traced"),
                    span.getName() + " exports a device identifier in " + key + ": " + value));
        }
    }

    // ---- refusals

    @Test
    void wrongPassword_isRefusedWithBadUsernameOrPassword() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-4", true, "lamp-4-auth");

        assertRefused(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                connect(euMqtt, "lamp-4-auth@" + tenant, "not-the-password"));
        assertRefused(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                connect(euMqtt, "nobody@" + tenant, PASSWORD));
        // and the adapter still serves the right password afterwards
        await(await(connect(euMqtt, "lamp-4-auth@" + tenant, PASSWORD)).disconnect());
    }

    @Test
    void disabledTenant_isRefusedAsNotAuthorized() throws Exception {
        String tenant = newTenant(euRegistry, false);
        registerDevice(euRegistry, tenant, "lamp-5", true, "lamp-5-auth");

        assertRefused(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, connect(euMqtt, "lamp-5-auth@" + tenant, PASSWORD));
    }

    @Test
    void disabledDevice_isRefused() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-6", false, "lamp-6-auth");

        // a disabled device has no usable credentials (Hono's Credentials API answers 404)
        assertRefused(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                connect(euMqtt, "lamp-6-auth@" + tenant, PASSWORD));
    }

    @Test
    void deviceOfOtherRegion_isRefusedAtConnect() throws Exception {
        // the tenant exists in both regions, the device only in eu-central's registry
        String tenant = newTenant(euRegistry, true);
        assertEquals(201, client.send("POST", uri(afRegistry, "/v1/tenants/" + tenant), catalog, "{\"enabled\": true}").statusCode());
        registerDevice(euRegistry, tenant, "lamp-7", true, "lamp-7-auth");

        assertRefused(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                connect(afMqtt, "lamp-7-auth@" + tenant, PASSWORD));
        await(await(connect(euMqtt, "lamp-7-auth@" + tenant, PASSWORD)).disconnect());
    }

    // ---- helpers

    private String newTenant(DeviceRegistry registry, boolean enabled) throws Exception {
        String tenant = "mqtt-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> created = client.send("POST", uri(registry, "/v1/tenants/" + tenant), catalog,
                new JsonObject().put("enabled", enabled).encode());
        assertEquals(201, created.statusCode(), created.body());
        return tenant;
    }

    private void registerDevice(DeviceRegistry registry, String tenant, String deviceId, boolean enabled, String authId) throws Exception {
        HttpResponse<String> device = client.send("POST", uri(registry, "/v1/devices/" + tenant + "/" + deviceId), catalog,
                new JsonObject().put("enabled", enabled).encode());
        assertEquals(201, device.statusCode(), device.body());
        JsonArray credentials = new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", authId)
                .put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", PASSWORD))));
        HttpResponse<String> put = client.send("PUT", uri(registry, "/v1/credentials/" + tenant + "/" + deviceId), catalog, credentials.encode());
        assertEquals(204, put.statusCode(), put.body());
    }

    private static URI uri(DeviceRegistry registry, String path) {
        return URI.create("http://127.0.0.1:" + registry.port() + path);
    }

    private Future<MqttClient> connect(MqttAdapter adapter, String username, String password) {
        MqttClient mqtt = MqttClient.create(vertx, new MqttClientOptions().setClientId("it-" + UUID.randomUUID())
                .setUsername(username).setPassword(password).setAutoKeepAlive(true));
        return mqtt.connect(adapter.port(), "127.0.0.1").map(mqtt);
    }

    private static void assertRefused(MqttConnectReturnCode expected, Future<MqttClient> connect) throws Exception {
        CompletableFuture<MqttClient> f = connect.toCompletionStage().toCompletableFuture();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        MqttConnectionException refused = assertInstanceOf(MqttConnectionException.class, e.getCause());
        assertEquals(expected, refused.code());
    }

    /** Publishes at QoS 1 and waits for the PUBACK of that message. */
    private static void awaitPuback(MqttClient device, String topic, Buffer payload) throws Exception {
        CompletableFuture<Integer> puback = new CompletableFuture<>();
        CompletableFuture<Integer> sent = new CompletableFuture<>();
        device.publishCompletionHandler(id -> sent.thenAccept(s -> {
            if (s.equals(id)) {
                puback.complete(id);
            }
        }));
        device.publishCompletionExpirationHandler(id -> puback.completeExceptionally(new AssertionError("no PUBACK for message " + id)));
        device.publish(topic, payload, MqttQoS.AT_LEAST_ONCE, false, false)
                .onSuccess(sent::complete).onFailure(sent::completeExceptionally);
        puback.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, euKafka);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p);
    }

    private long endOffset(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** The one record of a topic that a single message went to, read from the beginning within a bounded wait. */
    private ConsumerRecord<String, byte[]> readOne(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            Instant deadline = Instant.now().plus(WAIT);
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty() && Instant.now().isBefore(deadline)) {
                partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
            }
            assertTrue(!partitions.isEmpty(), "topic " + topic + " does not exist");
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            while (records.isEmpty() && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            assertEquals(1, records.size(), "records on " + topic);
            return records.get(0);
        }
    }

    private static Map<String, String> headers(ConsumerRecord<String, byte[]> record) {
        return java.util.stream.StreamSupport.stream(record.headers().spliterator(), false)
                .collect(Collectors.toMap(Header::key, h -> new String(h.value(), StandardCharsets.UTF_8), (a, b) -> b));
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
