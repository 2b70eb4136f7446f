package io.meridian.region.adapter.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.service.Federation;
import io.meridian.region.adapter.AdapterServices;
import io.meridian.region.registry.DeviceRegistry;
import io.meridian.region.registry.RegistryClient;
import io.meridian.region.registry.RegistryConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.opentracing.noop.NoopTracerFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubAckMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Command and control end to end, on a real Kafka, Cassandra and Keycloak: a northbound "application" (a plain
 * Kafka producer and consumer speaking Hono's Kafka command format) sends commands to
 * {@code hono.command.<tenant>}; devices (the Vert.x MQTT client, and the mosquitto command-line clients as real
 * processes) receive them through the region node's MQTT adapter and answer; the answers are read from
 * {@code hono.command_response.<tenant>}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@MeridianServices(cassandra = {"eu-central"}, kafka = {"eu-central"}, keycloak = true)
class CommandRoundTripIT {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String PASSWORD = "lamp-secret-1";
    private static final String REGION = "eu-central";
    private static final String INTERNAL_TOPIC_PREFIX = "hono.command_internal.";
    private static final String DELIVERY_FAILURE = "application/vnd.eclipse-hono-delivery-failure-notification+json";

    private final RegistryClient client = new RegistryClient();
    private Vertx vertx;
    private String kafka;
    private DeviceRegistry registry;
    private AdapterServices services;
    private MqttAdapter mqtt;
    private String catalog;
    private KafkaProducer<String, byte[]> application;

    @BeforeAll
    void startRegionNode(Federation federation, KeycloakService keycloak) throws Exception {
        vertx = Vertx.vertx();
        kafka = federation.kafka(REGION).bootstrapServers();
        var cassandra = federation.cassandra(REGION);
        registry = await(DeviceRegistry.start(vertx, RegistryConfig.local(REGION, "127.0.0.1", 0, cassandra.cqlAddress(),
                cassandra.localDatacenter(), keycloak.issuer()).withBcryptCost(4)));
        startAdapter();
        catalog = client.catalogToken(keycloak);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        application = new KafkaProducer<>(p);
    }

    /** One region node's adapter side, always with the same adapter instance ids (eu-central-mqtt-0). */
    private void startAdapter() throws Exception {
        services = AdapterServices.create(vertx, kafka, registry.adapterClients(), NoopTracerFactory.create(), new SimpleMeterRegistry(),
                REGION, 0);
        mqtt = await(MqttAdapter.start(vertx, new MqttAdapter.Config("127.0.0.1", 0), services));
    }

    private void stopAdapter() throws Exception {
        if (mqtt != null) {
            await(mqtt.stop());
            mqtt = null;
        }
        if (services != null) {
            await(services.stop());
            services = null;
        }
    }

    @AfterAll
    void stopRegionNode() throws Exception {
        if (application != null) {
            application.close();
        }
        stopAdapter();
        if (registry != null) {
            await(registry.stop());
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    // ---- round trips

    @Test
    @Order(1)
    void requestResponseCommand_reachesTheDevice_andItsResponseReachesTheApplication() throws Exception {
        String tenant = newTenant();
        registerDevice(tenant, "lamp-1", "lamp-1-auth", null);
        Device device = Device.connect(vertx, mqtt, "lamp-1-auth@" + tenant);
        // an invalid filter (another tenant) beside the valid one: each filter gets its own SUBACK code
        assertEquals(List.of(MqttQoS.AT_LEAST_ONCE.value(), MqttQoS.FAILURE.value()),
                device.subscribe(1, "command///req/#", "command/not-" + tenant + "//req/#"));

        String correlationId = "corr-" + UUID.randomUUID();
        sendCommand(tenant, "lamp-1", "setBrightness", correlationId, "{\"brightness\": 79}");

        MqttPublishMessage command = device.nextMessage();
        Matcher topic = Pattern.compile("command///req/([^/]+)/setBrightness").matcher(command.topicName());
        assertTrue(topic.matches(), "command topic " + command.topicName());
        assertEquals("{\"brightness\": 79}", command.payload().toString());
        assertEquals(MqttQoS.AT_LEAST_ONCE, command.qosLevel());

        device.publishAndAwaitPuback("command///res/" + topic.group(1) + "/200", "{\"lumen\": 200}");

        ConsumerRecord<String, byte[]> response = readResponse(tenant, correlationId);
        assertEquals("lamp-1", response.key());
        assertEquals("{\"lumen\": 200}", new String(response.value(), StandardCharsets.UTF_8));
        Map<String, String> headers = headers(response);
        assertEquals("lamp-1", headers.get("device_id"), headers.toString());
        assertEquals(tenant, headers.get("tenant_id"), headers.toString());
        assertEquals("200", headers.get("status"), headers.toString());
        assertEquals("application/octet-stream", headers.get("content-type"), headers.toString());
        assertNotNull(headers.get("creation-time"), headers.toString());
        device.close();
    }

    @Test
    @Order(2)
    void oneWayCommand_onTheShortForm_hasNoRequestId() throws Exception {
        String tenant = newTenant();
        registerDevice(tenant, "lamp-2", "lamp-2-auth", null);
        Device device = Device.connect(vertx, mqtt, "lamp-2-auth@" + tenant);
        assertEquals(List.of(MqttQoS.AT_MOST_ONCE.value()), device.subscribe(0, "c///q/#"));

        sendCommand(tenant, "lamp-2", "setVolume", null, "{\"level\": 50}");

        MqttPublishMessage command = device.nextMessage();
        assertEquals("c///q//setVolume", command.topicName());
        assertEquals("{\"level\": 50}", command.payload().toString());
        assertEquals(MqttQoS.AT_MOST_ONCE, command.qosLevel());
        device.close();
    }

    @Test
    @Order(3)
    void gatewaySubscribedForAllItsDevices_getsADevicesCommand_andAnswersForIt() throws Exception {
        String tenant = newTenant();
        registerDevice(tenant, "gw-1", "gw-1-auth", null);
        registerDevice(tenant, "sensor-9", null, "gw-1");
        Device gateway = Device.connect(vertx, mqtt, "gw-1-auth@" + tenant);
        assertEquals(List.of(MqttQoS.AT_LEAST_ONCE.value()), gateway.subscribe(1, "command//+/req/#"));

        String correlationId = "corr-" + UUID.randomUUID();
        sendCommand(tenant, "sensor-9", "calibrate", correlationId, "{}");

        MqttPublishMessage command = gateway.nextMessage();
        Matcher topic = Pattern.compile("command//sensor-9/req/([^/]+)/calibrate").matcher(command.topicName());
        assertTrue(topic.matches(), "command topic " + command.topicName());

        gateway.publishAndAwaitPuback("command//sensor-9/res/" + topic.group(1) + "/202/?content-type=application%2Fjson", "{\"done\": true}");

        ConsumerRecord<String, byte[]> response = readResponse(tenant, correlationId);
        Map<String, String> headers = headers(response);
        assertEquals("sensor-9", headers.get("device_id"), headers.toString());
        assertEquals("202", headers.get("status"), headers.toString());
        assertEquals("application/json", headers.get("content-type"), headers.toString());
        gateway.close();
    }

    @Test
    @Order(4)
    void mosquittoClients_receiveACommand_andAnswerIt() throws Exception {
        String tenant = newTenant();
        registerDevice(tenant, "lamp-3", "lamp-3-auth", null);
        List<String> sub = List.of("mosquitto_sub", "-h", "127.0.0.1", "-p", String.valueOf(mqtt.port()), "-i", "it-sub-" + UUID.randomUUID(),
                "-u", "lamp-3-auth@" + tenant, "-P", PASSWORD, "-q", "1", "-t", "command///req/#", "-v", "-C", "1", "-W", "120");
        Process subscriber = new ProcessBuilder(sub).redirectErrorStream(true).start();
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(subscriber.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (java.io.IOException e) {
                    lines.add("read failed: " + e);
                }
            }, "mosquitto_sub-output");
            reader.setDaemon(true);
            reader.start();
            // mosquitto_sub's debug output is buffered in a pipe; the outside sign of a registered subscription is
            // Hono's "ready for commands until further notice" notification (ttd -1) on the tenant's event topic
            awaitTtdEvent(tenant, "lamp-3", "-1");

            String correlationId = "corr-" + UUID.randomUUID();
            sendCommand(tenant, "lamp-3", "setBrightness", correlationId, "{\"brightness\": 10}");
            String received = awaitLine(lines, l -> l.startsWith("command///req/"));
            Matcher m = Pattern.compile("command///req/([^/ ]+)/setBrightness \\{\"brightness\": 10\\}").matcher(received);
            assertTrue(m.matches(), "mosquitto_sub printed " + received);

            Process publisher = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqtt.port()),
                    "-i", "it-pub-" + UUID.randomUUID(), "-u", "lamp-3-auth@" + tenant, "-P", PASSWORD, "-q", "1",
                    "-t", "c///s/" + m.group(1) + "/200", "-m", "{\"lumen\": 10}").redirectErrorStream(true).start();
            try {
                assertTrue(publisher.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "mosquitto_pub did not finish");
                assertEquals(0, publisher.exitValue(), new String(publisher.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } finally {
                publisher.destroyForcibly();
            }

            ConsumerRecord<String, byte[]> response = readResponse(tenant, correlationId);
            assertEquals("{\"lumen\": 10}", new String(response.value(), StandardCharsets.UTF_8));
            assertEquals("200", headers(response).get("status"), headers(response).toString());
            assertEquals("lamp-3", headers(response).get("device_id"), headers(response).toString());
        } finally {
            subscriber.destroyForcibly();
            subscriber.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(5)
    void commandForADeviceThatIsNotConnected_getsHonosDeliveryFailureResponse() throws Exception {
        // Hono's Kafka C&C API: when a command cannot be delivered (the device is not connected), Hono answers with
        // an error response: a 5xx status, content type application/vnd.eclipse-hono-delivery-failure-notification+json,
        // and a JSON payload with an "error" string
        String tenant = newTenant();
        registerDevice(tenant, "lamp-4", "lamp-4-auth", null);
        registerDevice(tenant, "lamp-5", "lamp-5-auth", null);
        Device once = Device.connect(vertx, mqtt, "lamp-4-auth@" + tenant);
        assertEquals(List.of(1), once.subscribe(1, "command///req/#"));
        awaitTtdEvent(tenant, "lamp-4", "-1");
        once.unsubscribe("command///req/#");
        // Hono's MQTT adapter docs: unsubscribing sends the notification with ttd 0
        awaitTtdEvent(tenant, "lamp-4", "0");
        once.close();

        for (String deviceId : List.of("lamp-4", "lamp-5")) {
            String correlationId = "corr-" + UUID.randomUUID();
            sendCommand(tenant, deviceId, "setBrightness", correlationId, "{}");
            ConsumerRecord<String, byte[]> response = readResponse(tenant, correlationId);
            Map<String, String> headers = headers(response);
            int status = Integer.parseInt(headers.get("status"));
            assertTrue(status >= 500 && status < 600, deviceId + ": status " + status + " " + headers);
            assertEquals(DELIVERY_FAILURE, headers.get("content-type"), headers.toString());
            assertEquals(deviceId, headers.get("device_id"), headers.toString());
            JsonObject error = new JsonObject(new String(response.value(), StandardCharsets.UTF_8));
            assertTrue(error.getValue("error") instanceof String && !error.getString("error").isBlank(), error.encode());
        }
    }

    @Test
    @Order(6)
    void restartingTheAdapter_reusesItsInternalCommandTopic() throws Exception {
        String tenant = newTenant();
        registerDevice(tenant, "lamp-6", "lamp-6-auth", null);
        // Kafka is shared by the run's IT classes, so other nodes' internal topics may exist too; this node's MQTT
        // adapter must have exactly its stable one (Hono alone would add a "-<uuid>" topic per start)
        String expected = INTERNAL_TOPIC_PREFIX + REGION + "-mqtt-0";
        Set<String> before = internalTopics();
        assertEquals(Set.of(expected), ofThisAdapter(before), "this adapter's internal command topics before the restart");

        stopAdapter();
        startAdapter();

        Device device = Device.connect(vertx, mqtt, "lamp-6-auth@" + tenant);
        assertEquals(List.of(1), device.subscribe(1, "command///req/#"));
        String correlationId = "corr-" + UUID.randomUUID();
        sendCommand(tenant, "lamp-6", "setBrightness", correlationId, "{\"brightness\": 1}");
        MqttPublishMessage command = device.nextMessage();
        Matcher topic = Pattern.compile("command///req/([^/]+)/setBrightness").matcher(command.topicName());
        assertTrue(topic.matches(), "command topic after the restart " + command.topicName());
        device.publishAndAwaitPuback("command///res/" + topic.group(1) + "/200", "ok");
        assertEquals("200", headers(readResponse(tenant, correlationId)).get("status"));
        device.close();

        Set<String> after = internalTopics();
        assertEquals(Set.of(expected), ofThisAdapter(after), "this adapter's internal command topics after the restart");
        assertEquals(before, after, "internal command topics before and after the restart");
    }

    // ---- the application's side: Hono's Kafka command format

    private void sendCommand(String tenant, String deviceId, String name, String correlationId, String payload) throws Exception {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>("hono.command." + tenant, deviceId, payload.getBytes(StandardCharsets.UTF_8));
        record.headers().add("device_id", deviceId.getBytes(StandardCharsets.UTF_8));
        record.headers().add("subject", name.getBytes(StandardCharsets.UTF_8));
        record.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        if (correlationId != null) {
            record.headers().add("correlation-id", correlationId.getBytes(StandardCharsets.UTF_8));
            record.headers().add("response-required", "true".getBytes(StandardCharsets.UTF_8));
        }
        application.send(record).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The response with this correlation id on the tenant's response topic, read from the start within a bounded wait. */
    private ConsumerRecord<String, byte[]> readResponse(String tenant, String correlationId) {
        String topic = "hono.command_response." + tenant;
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
            List<String> seen = new ArrayList<>();
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (correlationId.equals(headers(r).get("correlation-id"))) {
                        return r;
                    }
                    seen.add(headers(r).toString());
                }
            }
            throw new AssertionError("no response with correlation-id " + correlationId + " on " + topic + " within " + WAIT + "; saw " + seen);
        }
    }

    /** Waits for Hono's empty notification with the given ttd for a device on the tenant's event topic. */
    private void awaitTtdEvent(String tenant, String deviceId, String ttd) {
        String topic = "hono.event." + tenant;
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            Instant deadline = Instant.now().plus(WAIT);
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty() && Instant.now().isBefore(deadline)) {
                partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> seen = new ArrayList<>();
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    Map<String, String> h = headers(r);
                    if (deviceId.equals(h.get("device_id")) && ttd.equals(h.get("ttd"))) {
                        assertEquals("application/vnd.eclipse-hono-empty-notification", h.get("content-type"), h.toString());
                        return;
                    }
                    seen.add(h.toString());
                }
            }
            throw new AssertionError("no notification with ttd " + ttd + " for " + deviceId + " on " + topic + "; saw " + seen);
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p);
    }

    private static Set<String> ofThisAdapter(Set<String> topics) {
        return topics.stream().filter(t -> t.startsWith(INTERNAL_TOPIC_PREFIX + REGION + "-mqtt-")).collect(Collectors.toSet());
    }

    private Set<String> internalTopics() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith(INTERNAL_TOPIC_PREFIX))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Map<String, String> headers(ConsumerRecord<String, byte[]> record) {
        return StreamSupport.stream(record.headers().spliterator(), false)
                .collect(Collectors.toMap(Header::key, h -> new String(h.value(), StandardCharsets.UTF_8), (a, b) -> b));
    }

    // ---- registry

    private String newTenant() throws Exception {
        String tenant = "cmd-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> created = client.send("POST", uri("/v1/tenants/" + tenant), catalog, new JsonObject().put("enabled", true).encode());
        assertEquals(201, created.statusCode(), created.body());
        return tenant;
    }

    /** Registers a device; with an auth-id it gets a password, with a gateway it may only be reached through it. */
    private void registerDevice(String tenant, String deviceId, String authId, String via) throws Exception {
        JsonObject body = new JsonObject().put("enabled", true);
        if (via != null) {
            body.put("via", new JsonArray().add(via));
        }
        HttpResponse<String> device = client.send("POST", uri("/v1/devices/" + tenant + "/" + deviceId), catalog, body.encode());
        assertEquals(201, device.statusCode(), device.body());
        if (authId != null) {
            JsonArray credentials = new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", authId)
                    .put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", PASSWORD))));
            HttpResponse<String> put = client.send("PUT", uri("/v1/credentials/" + tenant + "/" + deviceId), catalog, credentials.encode());
            assertEquals(204, put.statusCode(), put.body());
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + registry.port() + path);
    }

    private static String awaitLine(BlockingQueue<String> lines, java.util.function.Predicate<String> wanted) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        List<String> seen = new ArrayList<>();
        while (Instant.now().isBefore(deadline)) {
            String line = lines.poll(500, TimeUnit.MILLISECONDS);
            if (line != null) {
                if (wanted.test(line)) {
                    return line;
                }
                seen.add(line);
            }
        }
        throw new AssertionError("mosquitto_sub did not print the expected line within " + WAIT + "; printed " + seen);
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A device on the Vert.x MQTT client that collects the commands published to it. */
    private static final class Device {
        private final MqttClient mqtt;
        private final BlockingQueue<MqttPublishMessage> messages = new LinkedBlockingQueue<>();
        private volatile CompletableFuture<MqttSubAckMessage> suback = new CompletableFuture<>();
        private volatile CompletableFuture<Integer> unsuback = new CompletableFuture<>();

        private Device(MqttClient mqtt) {
            this.mqtt = mqtt;
        }

        static Device connect(Vertx vertx, MqttAdapter adapter, String username) throws Exception {
            MqttClient mqtt = MqttClient.create(vertx, new MqttClientOptions().setClientId("it-" + UUID.randomUUID())
                    .setUsername(username).setPassword(PASSWORD).setAutoKeepAlive(true));
            Device device = new Device(mqtt);
            mqtt.publishHandler(device.messages::add);
            mqtt.subscribeCompletionHandler(ack -> device.suback.complete(ack));
            mqtt.unsubscribeCompletionHandler(id -> device.unsuback.complete(id));
            await(mqtt.connect(adapter.port(), "127.0.0.1"));
            return device;
        }

        /** Subscribes to the filters, in this order, at one QoS, and returns the SUBACK's codes. */
        List<Integer> subscribe(int qos, String... filters) throws Exception {
            suback = new CompletableFuture<>();
            Map<String, Integer> ordered = new LinkedHashMap<>();
            for (String f : filters) {
                ordered.put(f, qos);
            }
            await(mqtt.subscribe(ordered));
            return suback.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).grantedQoSLevels();
        }

        void unsubscribe(String filter) throws Exception {
            unsuback = new CompletableFuture<>();
            await(mqtt.unsubscribe(filter));
            unsuback.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }

        MqttPublishMessage nextMessage() throws InterruptedException {
            MqttPublishMessage m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(m, "no command reached the device within " + WAIT);
            return m;
        }

        void publishAndAwaitPuback(String topic, String payload) throws Exception {
            CompletableFuture<Integer> puback = new CompletableFuture<>();
            CompletableFuture<Integer> sent = new CompletableFuture<>();
            mqtt.publishCompletionHandler(id -> sent.thenAccept(s -> {
                if (s.equals(id)) {
                    puback.complete(id);
                }
            }));
            mqtt.publish(topic, Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false)
                    .onSuccess(sent::complete).onFailure(sent::completeExceptionally);
            puback.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }

        void close() throws Exception {
            if (mqtt.isConnected()) {
                await(mqtt.disconnect());
            }
        }
    }
}
