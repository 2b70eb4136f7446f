package io.meridian.region.adapter.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
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
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.hono.client.command.Commands;
import org.eclipse.hono.util.MessagingType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP adapter against a real Cassandra and a real Kafka per region and the real Keycloak realm, driven with
 * {@link HttpClient} and the {@code curl} CLI the way Hono's HTTP adapter user guide shows. Devices are
 * registered through the registry's management API and their messages read back from the region's Kafka. Two
 * region nodes, eu-central and af-south, and a third eu-central adapter whose Kafka is unreachable (for 503).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = {"eu-central", "af-south"}, kafka = {"eu-central", "af-south"}, keycloak = true)
class HttpAdapterIT {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String PASSWORD = "lamp-secret-1";
    private static final String JSON = "application/json";

    private final RegistryClient registry = new RegistryClient();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    private Vertx vertx;
    private String euKafka;
    private String afKafka;
    private DeviceRegistry euRegistry;
    private DeviceRegistry afRegistry;
    private HttpAdapter euHttp;
    private HttpAdapter afHttp;
    private HttpAdapter noKafkaHttp;
    private String catalog;

    @BeforeAll
    void startRegionNodes(Federation federation, KeycloakService keycloak) throws Exception {
        vertx = Vertx.vertx();
        euKafka = federation.kafka("eu-central").bootstrapServers();
        afKafka = federation.kafka("af-south").bootstrapServers();
        euRegistry = await(DeviceRegistry.start(vertx, registryConfig("eu-central", federation.cassandra("eu-central"), keycloak.issuer())));
        afRegistry = await(DeviceRegistry.start(vertx, registryConfig("af-south", federation.cassandra("af-south"), keycloak.issuer())));
        euHttp = await(HttpAdapter.start(vertx, new HttpAdapter.Config("127.0.0.1", 0), services(euKafka, euRegistry)));
        afHttp = await(HttpAdapter.start(vertx, new HttpAdapter.Config("127.0.0.1", 0),
                services(afKafka, afRegistry)));
        // nothing listens on port 1: the producer cannot reach a broker, as when the region's Kafka is down
        noKafkaHttp = await(HttpAdapter.start(vertx, new HttpAdapter.Config("127.0.0.1", 0), services("127.0.0.1:1", euRegistry)));
        catalog = registry.catalogToken(keycloak);
    }

    private AdapterServices services(String kafka, DeviceRegistry deviceRegistry) {
        return AdapterServices.create(vertx, kafka, deviceRegistry.adapterClients(), NoopTracerFactory.create(), new SimpleMeterRegistry());
    }

    @AfterAll
    void stopRegionNodes() throws Exception {
        List<Future<Void>> stops = new ArrayList<>();
        for (HttpAdapter a : new HttpAdapter[] {euHttp, afHttp, noKafkaHttp}) {
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
    }

    private static RegistryConfig registryConfig(String region, CassandraService cassandra, URI issuer) {
        return RegistryConfig.local(region, "127.0.0.1", 0, cassandra.cqlAddress(), cassandra.localDatacenter(), issuer)
                .withBcryptCost(4);
    }

    // ---- telemetry and events

    @Test
    void qos0Telemetry_isAccepted_andOnKafkaWithHonosHeaders() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-1", true, "lamp-1-auth");

        HttpResponse<String> response = send(euHttp, "POST", "/telemetry", "lamp-1-auth@" + tenant, JSON, "{\"temp\": 21.5}");
        assertEquals(202, response.statusCode(), response.body());
        assertFalse(response.headers().firstValue("hono-command").isPresent());

        ConsumerRecord<String, byte[]> record = readOne("hono.telemetry." + tenant);
        assertEquals("lamp-1", record.key());
        assertEquals("{\"temp\": 21.5}", new String(record.value(), StandardCharsets.UTF_8));
        Map<String, String> headers = headers(record);
        assertEquals("lamp-1", headers.get("device_id"), headers.toString());
        assertEquals(JSON, headers.get("content-type"), headers.toString());
        assertEquals("0", headers.get("qos"), headers.toString());
        assertEquals("hono-http", headers.get("orig_adapter"), headers.toString());
        assertEquals("/telemetry", headers.get("orig_address"), headers.toString());
        long created = Long.parseLong(headers.get("creation-time"));
        assertTrue(Math.abs(created - System.currentTimeMillis()) < WAIT.toMillis(), "creation-time " + created);
    }

    @Test
    void qos1Telemetry_withCurl_isOnKafkaBeforeThe202() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-2", true, "lamp-2-auth");

        // the README's example, with the at-least-once header
        Curl curl = curl("-u", "lamp-2-auth@" + tenant + ":" + PASSWORD, "-H", "content-type: application/json", "-H", "QoS-Level: 1",
                "--data-binary", "{\"temp\": 5}", url(euHttp, "/telemetry"));
        assertEquals(202, curl.status(), curl.output());
        // the 202 came only after Kafka acknowledged: the record is already on the topic
        String topic = "hono.telemetry." + tenant;
        assertEquals(1, endOffset(topic), "records on " + topic + " when the 202 arrived");
        Map<String, String> headers = headers(readOne(topic));
        assertEquals("1", headers.get("qos"), headers.toString());
        assertEquals("lamp-2", headers.get("device_id"), headers.toString());
    }

    @Test
    void event_withCurl_isOnTheEventTopic_withItsTimeToLive() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-3", true, "lamp-3-auth");

        Curl curl = curl("-u", "lamp-3-auth@" + tenant + ":" + PASSWORD, "-H", "content-type: application/json", "-H", "hono-ttl: 30",
                "--data-binary", "{\"alarm\": true}", url(euHttp, "/event"));
        assertEquals(202, curl.status(), curl.output());
        String topic = "hono.event." + tenant;
        assertEquals(1, endOffset(topic), "records on " + topic + " when the 202 arrived");
        ConsumerRecord<String, byte[]> record = readOne(topic);
        assertEquals("{\"alarm\": true}", new String(record.value(), StandardCharsets.UTF_8));
        Map<String, String> headers = headers(record);
        assertEquals("lamp-3", headers.get("device_id"), headers.toString());
        assertEquals("1", headers.get("qos"), headers.toString());
        assertEquals("/event", headers.get("orig_address"), headers.toString());
        assertNotNull(headers.get("ttl"), headers.toString());
    }

    @Test
    void emptyBody_isAcceptedOnlyAsAnEmptyNotification() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-4", true, "lamp-4-auth");
        String user = "lamp-4-auth@" + tenant;
        String empty = "application/vnd.eclipse-hono-empty-notification";

        assertEquals(400, send(euHttp, "POST", "/telemetry", user, JSON, "").statusCode());
        assertEquals(400, send(euHttp, "POST", "/event", user, empty, "not empty").statusCode());
        assertEquals(202, send(euHttp, "POST", "/event", user, empty, "").statusCode());

        ConsumerRecord<String, byte[]> record = readOne("hono.event." + tenant);
        assertEquals(0, record.value() == null ? 0 : record.value().length);
        assertEquals(empty, headers(record).get("content-type"));
    }

    // ---- gateways

    @Test
    void gateway_publishesForADeviceThatNamesItInVia_andIsRefusedForOthers() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "gw-1", true, "gw-1-auth");
        createDevice(euRegistry, tenant, "sensor-9", new JsonObject().put("enabled", true).put("via", new JsonArray().add("gw-1")));
        createDevice(euRegistry, tenant, "sensor-10", new JsonObject().put("enabled", true));
        String gateway = "gw-1-auth@" + tenant;

        HttpResponse<String> forwarded = send(euHttp, "PUT", "/telemetry/" + tenant + "/sensor-9", gateway, JSON, "{\"t\": 1}", "QoS-Level", "1");
        assertEquals(202, forwarded.statusCode(), forwarded.body());
        ConsumerRecord<String, byte[]> record = readOne("hono.telemetry." + tenant);
        assertEquals("sensor-9", record.key());
        assertEquals("sensor-9", headers(record).get("device_id"), headers(record).toString());

        // sensor-10 does not name gw-1 in via; nobody is not registered; the gateway's tenant is not the path's
        assertEquals(403, send(euHttp, "PUT", "/event/" + tenant + "/sensor-10", gateway, JSON, "{}").statusCode());
        assertEquals(404, send(euHttp, "PUT", "/event/" + tenant + "/nobody", gateway, JSON, "{}").statusCode());
        assertEquals(403, send(euHttp, "PUT", "/telemetry/other-tenant/sensor-9", gateway, JSON, "{}").statusCode());
        // authentication is required (Hono's default), so the unauthenticated device form is refused
        assertEquals(401, send(euHttp, "PUT", "/telemetry/" + tenant + "/sensor-9", null, JSON, "{}").statusCode());
        assertEquals(1, endOffset("hono.telemetry." + tenant));
    }

    // ---- command responses

    @Test
    void commandResponse_isOnTheCommandResponseTopic_withHonosHeaders() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-5", true, "lamp-5-auth");
        String user = "lamp-5-auth@" + tenant;
        // what the command router encodes into the request id of a command that went out over Kafka
        String requestId = Commands.encodeRequestIdParameters("corr-42", MessagingType.kafka);

        Curl curl = curl("-u", user + ":" + PASSWORD, "-H", "content-type: application/json", "--data-binary", "{\"brightness-changed\": true}",
                url(euHttp, "/command/res/" + requestId + "?hono-cmd-status=200"));
        assertEquals(202, curl.status(), curl.output());
        ConsumerRecord<String, byte[]> record = readOne("hono.command_response." + tenant);
        Map<String, String> headers = headers(record);
        assertEquals("corr-42", headers.get("correlation-id"), headers.toString());
        assertEquals("200", headers.get("status"), headers.toString());
        assertEquals("lamp-5", headers.get("device_id"), headers.toString());
        assertEquals("{\"brightness-changed\": true}", new String(record.value(), StandardCharsets.UTF_8));

        assertEquals(400, send(euHttp, "POST", "/command/res/" + requestId, user, JSON, "{}").statusCode(), "no hono-cmd-status");
        assertEquals(400, send(euHttp, "POST", "/command/res/" + requestId, user, JSON, "{}", "hono-cmd-status", "fine").statusCode());
        assertEquals(400, send(euHttp, "POST", "/command/res/not-a-request-id", user, JSON, "{}", "hono-cmd-status", "200").statusCode());
        assertEquals(1, endOffset("hono.command_response." + tenant));
    }

    // ---- refusals

    @Test
    void badCredentials_are401WithABasicChallenge_andCounted() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-6", true, "lamp-6-auth");
        registerDevice(euRegistry, tenant, "lamp-6b", false, "lamp-6b-auth");
        double before = euHttp.refusedWith(401);

        HttpResponse<String> none = send(euHttp, "POST", "/telemetry", null, JSON, "{}");
        assertEquals(401, none.statusCode());
        assertEquals("Basic realm=\"Hono\"", none.headers().firstValue("www-authenticate").orElse(null));
        assertEquals(401, sendRaw(euHttp, "POST", "/telemetry", "Basic lamp-6-auth@" + tenant + ":" + PASSWORD, JSON, "{}").statusCode(),
                "credentials not base64-encoded");
        assertEquals(401, sendAs(euHttp, "POST", "/telemetry", "lamp-6-auth@" + tenant, "not-the-password", JSON, "{}").statusCode());
        assertEquals(401, send(euHttp, "POST", "/telemetry", "lamp-6-auth", JSON, "{}").statusCode(), "user-id without a tenant");
        assertEquals(401, send(euHttp, "POST", "/telemetry", "nobody@" + tenant, JSON, "{}").statusCode());
        // a disabled device has no usable credentials (Hono's Credentials API answers 404, the adapter 401)
        assertEquals(401, send(euHttp, "POST", "/telemetry", "lamp-6b-auth@" + tenant, JSON, "{}").statusCode());
        assertEquals(before + 6, euHttp.refusedWith(401));
        assertEquals(202, send(euHttp, "POST", "/telemetry", "lamp-6-auth@" + tenant, JSON, "{}").statusCode());
    }

    @Test
    void malformedUploads_are400() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-7", true, "lamp-7-auth");
        String user = "lamp-7-auth@" + tenant;

        assertEquals(400, send(euHttp, "POST", "/telemetry", user, null, "{}").statusCode(), "no content-type");
        assertEquals(400, send(euHttp, "POST", "/telemetry", user, JSON, "{}", "QoS-Level", "2").statusCode());
        assertEquals(400, send(euHttp, "POST", "/telemetry", user, JSON, "{}", "hono-ttd", "soon").statusCode());
        assertEquals(400, send(euHttp, "POST", "/event?hono-ttl=-1", user, JSON, "{}").statusCode());
        HttpResponse<String> response = send(euHttp, "POST", "/telemetry", user, JSON, "{}", "QoS-Level", "7");
        assertTrue(response.body().contains("QoS-Level must be 0 or 1"), response.body());
        assertEquals(0, endOffsetIfAny("hono.telemetry." + tenant) + endOffsetIfAny("hono.event." + tenant));
    }

    @Test
    void disabledTenant_is403() throws Exception {
        String tenant = newTenant(euRegistry, false);
        registerDevice(euRegistry, tenant, "lamp-8", true, "lamp-8-auth");

        assertEquals(403, send(euHttp, "POST", "/event", "lamp-8-auth@" + tenant, JSON, "{}").statusCode());
    }

    @Test
    void oversizeBody_is413_unknownResource404_wrongMethod405() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-9", true, "lamp-9-auth");
        String user = "lamp-9-auth@" + tenant;

        assertEquals(413, send(euHttp, "POST", "/telemetry", user, JSON, "x".repeat(HttpAdapter.DEFAULT_MAX_PAYLOAD_SIZE + 1)).statusCode());
        assertEquals(202, send(euHttp, "POST", "/telemetry", user, "text/plain", "x".repeat(HttpAdapter.DEFAULT_MAX_PAYLOAD_SIZE)).statusCode());
        assertEquals(404, send(euHttp, "POST", "/telemetryx", user, JSON, "{}").statusCode());
        assertEquals(405, send(euHttp, "GET", "/telemetry", user, null, null).statusCode());
        assertTrue(euHttp.refusedWith(413) >= 1 && euHttp.refusedWith(404) >= 1 && euHttp.refusedWith(405) >= 1);
    }

    @Test
    void unreachableKafka_is503ForQos1AndEvents() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-10", true, "lamp-10-auth");
        String user = "lamp-10-auth@" + tenant;

        HttpResponse<String> qos1 = send(noKafkaHttp, "POST", "/telemetry", user, JSON, "{}", "QoS-Level", "1");
        assertEquals(503, qos1.statusCode(), qos1.body());
        assertEquals("temporarily unavailable", qos1.body(), "the cause stays in the log");
        assertTrue(qos1.headers().firstValue("retry-after").isPresent());
        assertEquals(503, send(noKafkaHttp, "POST", "/event", user, JSON, "{}").statusCode());
    }

    @Test
    void deviceOfOtherRegion_isRefusedByTheOtherRegionsAdapter() throws Exception {
        // the tenant exists in both regions, the device only in eu-central's registry
        String tenant = newTenant(euRegistry, true);
        assertEquals(201, registry.send("POST", uri(afRegistry, "/v1/tenants/" + tenant), catalog, "{\"enabled\": true}").statusCode());
        registerDevice(euRegistry, tenant, "lamp-11", true, "lamp-11-auth");
        String euOnlyTenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, euOnlyTenant, "lamp-12", true, "lamp-12-auth");

        assertEquals(401, send(afHttp, "POST", "/telemetry", "lamp-11-auth@" + tenant, JSON, "{}").statusCode());
        assertEquals(401, send(afHttp, "POST", "/telemetry", "lamp-12-auth@" + euOnlyTenant, JSON, "{}").statusCode());
        assertEquals(0, endOffsetIfAny("hono.telemetry." + tenant, "af-south"));
        assertEquals(202, send(euHttp, "POST", "/telemetry", "lamp-11-auth@" + tenant, JSON, "{}").statusCode());
    }

    // ---- fuzz

    @Test
    void tenThousandMalformedRequests_leaveTheAdapterServing_andNothingOnKafka() throws Exception {
        String tenant = newTenant(euRegistry, true);
        registerDevice(euRegistry, tenant, "lamp-13", true, "lamp-13-auth");
        long before = totalEndOffsets();
        long seed = System.nanoTime();

        HttpFuzz.Result result = new HttpFuzz(euHttp.port(), "lamp-13-auth@" + tenant, PASSWORD, "other-" + tenant,
                HttpAdapter.DEFAULT_MAX_PAYLOAD_SIZE).run(seed, 6_000, 4_000, Duration.ofSeconds(60));
        System.out.printf("HTTP fuzz (seed %d): %d requests in %d ms, statuses %s%n", seed, result.sent(), result.took().toMillis(),
                result.statuses());

        assertEquals(10_000, result.sent(), "requests sent within the time bound (seed " + seed + ")");
        for (int status : result.statuses().keySet()) {
            assertFalse(status >= 200 && status < 300, "a malformed request was accepted with " + status + " (seed " + seed + ")");
            assertTrue(status != 500, "a malformed request crashed a handler (seed " + seed + ")");
        }
        assertTrue(result.answeredWith(400) > 0 && result.answeredWith(401) > 0 && result.answeredWith(413) > 0,
                "the fuzz reached the adapter's checks: " + result.statuses());
        assertEquals(before, totalEndOffsets(), "records written to Kafka by the fuzz");

        // and the adapter still serves a valid request
        HttpResponse<String> valid = send(euHttp, "POST", "/telemetry", "lamp-13-auth@" + tenant, JSON, "{\"ok\": 1}", "QoS-Level", "1");
        assertEquals(202, valid.statusCode(), valid.body());
        assertEquals(1, endOffset("hono.telemetry." + tenant));
    }

    // ---- helpers

    private String newTenant(DeviceRegistry deviceRegistry, boolean enabled) throws Exception {
        String tenant = "http-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> created = registry.send("POST", uri(deviceRegistry, "/v1/tenants/" + tenant), catalog,
                new JsonObject().put("enabled", enabled).encode());
        assertEquals(201, created.statusCode(), created.body());
        return tenant;
    }

    private void createDevice(DeviceRegistry deviceRegistry, String tenant, String deviceId, JsonObject device) throws Exception {
        HttpResponse<String> created = registry.send("POST", uri(deviceRegistry, "/v1/devices/" + tenant + "/" + deviceId), catalog, device.encode());
        assertEquals(201, created.statusCode(), created.body());
    }

    private void registerDevice(DeviceRegistry deviceRegistry, String tenant, String deviceId, boolean enabled, String authId) throws Exception {
        createDevice(deviceRegistry, tenant, deviceId, new JsonObject().put("enabled", enabled));
        JsonArray credentials = new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", authId)
                .put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", PASSWORD))));
        HttpResponse<String> put = registry.send("PUT", uri(deviceRegistry, "/v1/credentials/" + tenant + "/" + deviceId), catalog,
                credentials.encode());
        assertEquals(204, put.statusCode(), put.body());
    }

    private static URI uri(DeviceRegistry deviceRegistry, String path) {
        return URI.create("http://127.0.0.1:" + deviceRegistry.port() + path);
    }

    private static String url(HttpAdapter adapter, String path) {
        return "http://127.0.0.1:" + adapter.port() + path;
    }

    private HttpResponse<String> send(HttpAdapter adapter, String method, String path, String user, String contentType, String body,
            String... headers) throws IOException, InterruptedException {
        return sendAs(adapter, method, path, user, PASSWORD, contentType, body, headers);
    }

    private HttpResponse<String> sendAs(HttpAdapter adapter, String method, String path, String user, String password, String contentType,
            String body, String... headers) throws IOException, InterruptedException {
        String authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return sendRaw(adapter, method, path, authorization, contentType, body, headers);
    }

    private HttpResponse<String> sendRaw(HttpAdapter adapter, String method, String path, String authorization, String contentType,
            String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(adapter, path))).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The outcome of one run of the {@code curl} CLI: the status line's code and everything it printed. */
    private record Curl(int status, String output) {
    }

    private static Curl curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "-i", "--max-time", "30"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "curl did not finish");
            assertEquals(0, process.exitValue(), "curl failed: " + output);
            String statusLine = output.lines().findFirst().orElse("");
            return new Curl(Integer.parseInt(statusLine.split(" ")[1]), output);
        } finally {
            process.destroyForcibly();
        }
    }

    private KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p);
    }

    private long endOffset(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(euKafka)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private long endOffsetIfAny(String topic) {
        return endOffsetIfAny(topic, "eu-central");
    }

    /** The records on a topic, 0 when the topic does not exist; asks without creating it. */
    private long endOffsetIfAny(String topic, String region) {
        String bootstrap = region.equals("eu-central") ? euKafka : afKafka;
        try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrap)) {
            if (!consumer.listTopics(Duration.ofSeconds(30)).containsKey(topic)) {
                return 0;
            }
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** All records on all of eu-central's topics (internal ones aside). */
    private long totalEndOffsets() {
        try (KafkaConsumer<String, byte[]> consumer = consumer(euKafka)) {
            List<TopicPartition> partitions = consumer.listTopics(Duration.ofSeconds(30)).entrySet().stream()
                    .filter(e -> !e.getKey().startsWith("__"))
                    .flatMap(e -> e.getValue().stream().map(i -> new TopicPartition(e.getKey(), i.partition())))
                    .toList();
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** The one record of a topic that a single message went to, read from the beginning within a bounded wait. */
    private ConsumerRecord<String, byte[]> readOne(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(euKafka)) {
            Instant deadline = Instant.now().plus(WAIT);
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty() && Instant.now().isBefore(deadline)) {
                partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
            }
            assertFalse(partitions.isEmpty(), "topic " + topic + " does not exist");
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
        return StreamSupport.stream(record.headers().spliterator(), false)
                .collect(Collectors.toMap(Header::key, h -> new String(h.value(), StandardCharsets.UTF_8), (a, b) -> b));
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
