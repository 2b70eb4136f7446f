package io.meridian.region.adapter.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.service.Federation;
import io.meridian.region.adapter.AdapterServices;
import io.meridian.region.registry.DeviceRegistry;
import io.meridian.region.registry.RegistryClient;
import io.meridian.region.registry.RegistryConfig;
import io.meridian.region.tls.NodeTls;
import io.meridian.region.tls.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.opentracing.noop.NoopTracerFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.MqttConnectionException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The MQTT adapter's TLS port, client-certificate connect, gateway publishing and refusals, against a real
 * Cassandra, Kafka and Keycloak, with two real clients: the Vert.x MQTT client and the mosquitto_pub and
 * mosquitto_sub command-line tools (each run with a bounded wait and killed if it overruns). Every refusal is
 * checked for its CONNACK code or closed connection, and for its count in {@value MqttRefusals#METER}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = {"eu-central"}, kafka = {"eu-central"}, keycloak = true)
class MqttTlsAndRefusalsIT {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final Duration CLI_WAIT = Duration.ofSeconds(60);
    private static final String PASSWORD = "lamp-secret-1";
    private static final int MAX_PAYLOAD = 1024;

    private final RegistryClient client = new RegistryClient();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private Vertx vertx;
    private String kafka;
    private DeviceRegistry registry;
    private AdapterServices services;
    private MqttAdapter mqtt;
    private NodeTls tls;
    private Path work;
    private String catalog;

    @BeforeAll
    void startRegionNode(Federation federation, KeycloakService keycloak) throws Exception {
        vertx = Vertx.vertx();
        work = Files.createDirectories(Path.of(System.getProperty("meridian.test.state.dir", "target/meridian-services"))
                .resolve("mqtt-tls-it-" + UUID.randomUUID().toString().substring(0, 8)));
        tls = NodeTls.loadOrCreate(work.resolve("tls"), "eu-central", List.of());
        kafka = federation.kafka("eu-central").bootstrapServers();
        registry = await(DeviceRegistry.start(vertx, RegistryConfig.local("eu-central", "127.0.0.1", 0,
                federation.cassandra("eu-central").cqlAddress(), federation.cassandra("eu-central").localDatacenter(), keycloak.issuer())
                .withBcryptCost(4)));
        services = AdapterServices.create(vertx, kafka, registry.adapterClients(), NoopTracerFactory.create(), meters);
        mqtt = await(MqttAdapter.start(vertx, new MqttAdapter.Config("127.0.0.1", 0).withTls(tls, 0).withMaxPayloadSize(MAX_PAYLOAD),
                services));
        catalog = client.catalogToken(keycloak);
    }

    @AfterAll
    void stopRegionNode() throws Exception {
        if (mqtt != null) {
            await(mqtt.stop());
        }
        if (registry != null) {
            await(registry.stop());
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    // ---- ports and connect

    @Test
    void passwordConnect_worksOnThePlainAndTheTlsPort_withBothClients() throws Exception {
        String tenant = newTenant(new JsonObject().put("enabled", true));
        registerDevice(tenant, "lamp-1", new JsonObject(), passwordCredential("lamp-1-auth"));
        assertNotEquals(mqtt.port(), mqtt.securePort());
        assertTrue(mqtt.securePort() > 0, "TLS port " + mqtt.securePort());

        MqttClient plain = await(connect(options("lamp-1-auth@" + tenant, PASSWORD), mqtt.port()));
        awaitPuback(plain, "telemetry", Buffer.buffer("vertx-plain"));
        await(plain.disconnect());
        // the node's CA is the only trust
        MqttClient secure = await(connect(options("lamp-1-auth@" + tenant, PASSWORD).setSsl(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(tls.caCertPath().toString()))
                // the host name 127.0.0.1 is checked against the server certificate's names
                .setHostnameVerificationAlgorithm("HTTPS"), mqtt.securePort()));
        awaitPuback(secure, "telemetry", Buffer.buffer("vertx-tls"));
        await(secure.disconnect());

        assertEquals(0, mosquittoPub(mqtt.port(), "-u", "lamp-1-auth@" + tenant, "-P", PASSWORD, "-t", "telemetry", "-q", "1",
                "-m", "mosquitto-plain").exitCode());
        Cli tlsPub = mosquittoPub(mqtt.securePort(), "--cafile", tls.caCertPath().toString(), "-u", "lamp-1-auth@" + tenant,
                "-P", PASSWORD, "-t", "telemetry", "-q", "1", "-m", "mosquitto-tls");
        assertEquals(0, tlsPub.exitCode(), tlsPub.output());

        List<ConsumerRecord<String, byte[]>> records = read("hono.telemetry." + tenant, 4);
        assertEquals(List.of("vertx-plain", "vertx-tls", "mosquitto-plain", "mosquitto-tls"),
                records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList());
        records.forEach(r -> assertEquals("lamp-1", headers(r).get("device_id"), headers(r).toString()));
    }

    @Test
    void tlsPort_withAnotherCaAsTrust_failsTheHandshake() {
        TestPki stranger = TestPki.newCa("CN=Not the node CA,O=Elsewhere");
        Path strangerCa = writeCa(stranger, "stranger-node-ca.pem");
        Cli pub = mosquittoPub(mqtt.securePort(), "--cafile", strangerCa.toString(), "-u", "nobody@nowhere", "-P", "x",
                "-t", "telemetry", "-m", "x");
        assertNotEquals(0, pub.exitCode(), pub.output());
    }

    @Test
    void x509Connect_withADeviceCertificateOfTheTenantsCa_publishesAsThatDevice() throws Exception {
        TestPki pki = TestPki.newCa("CN=Lamp devices CA " + UUID.randomUUID() + ",O=LampCo");
        String tenant = newTenant(new JsonObject().put("enabled", true)
                .put("trusted-ca", new JsonArray().add(new JsonObject().put("cert", pki.caCertificateBase64()))));
        TestPki.DeviceFiles cert = pki.issueDevice("CN=lamp-x1,OU=Lamps,O=LampCo", work, tenant + "-lamp-x1");
        registerDevice(tenant, "lamp-x1", new JsonObject(), x509Credential(cert.subjectDn()));

        // mosquitto: certificate and key, no username or password
        Cli pub = mosquittoPub(mqtt.securePort(), "--cafile", tls.caCertPath().toString(), "--cert", cert.cert().toString(),
                "--key", cert.key().toString(), "-t", "telemetry", "-q", "1", "-m", "x509-mosquitto");
        assertEquals(0, pub.exitCode(), pub.output());
        // Vert.x: the same certificate
        MqttClient device = await(connect(tlsOptions(new MqttClientOptions().setClientId("it-" + UUID.randomUUID()))
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.cert().toString()).setKeyPath(cert.key().toString())),
                mqtt.securePort()));
        awaitPuback(device, "event", Buffer.buffer("x509-vertx"));
        await(device.disconnect());

        ConsumerRecord<String, byte[]> telemetry = read("hono.telemetry." + tenant, 1).get(0);
        assertEquals("x509-mosquitto", new String(telemetry.value(), StandardCharsets.UTF_8));
        assertEquals("lamp-x1", headers(telemetry).get("device_id"), headers(telemetry).toString());
        ConsumerRecord<String, byte[]> event = read("hono.event." + tenant, 1).get(0);
        assertEquals("lamp-x1", headers(event).get("device_id"), headers(event).toString());
    }

    @Test
    void x509Connect_withACertificateOfAnUntrustedCa_isRefused() throws Exception {
        TestPki trusted = TestPki.newCa("CN=Trusted lamps CA " + UUID.randomUUID() + ",O=LampCo");
        String tenant = newTenant(new JsonObject().put("enabled", true)
                .put("trusted-ca", new JsonArray().add(new JsonObject().put("cert", trusted.caCertificateBase64()))));
        registerDevice(tenant, "lamp-x2", new JsonObject(), x509Credential("CN=lamp-x2,O=LampCo"));
        // a CA no tenant trusts, and an impostor CA with the trusted CA's name but its own key
        TestPki unknown = TestPki.newCa("CN=Unknown CA " + UUID.randomUUID() + ",O=Mallory");
        TestPki impostor = TestPki.newCa(trusted.caCertificate().getSubjectX500Principal().getName());
        TestPki.DeviceFiles fromUnknown = unknown.issueDevice("CN=lamp-x2,O=LampCo", work, tenant + "-unknown");
        TestPki.DeviceFiles fromImpostor = impostor.issueDevice("CN=lamp-x2,O=LampCo", work, tenant + "-impostor");
        double before = refusals("untrusted_certificate");

        for (TestPki.DeviceFiles cert : List.of(fromUnknown, fromImpostor)) {
            assertRefused(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                    connect(tlsOptions(new MqttClientOptions().setClientId("it-" + UUID.randomUUID()))
                            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.cert().toString()).setKeyPath(cert.key().toString())),
                            mqtt.securePort()));
            Cli pub = mosquittoPub(mqtt.securePort(), "--cafile", tls.caCertPath().toString(), "--cert", cert.cert().toString(),
                    "--key", cert.key().toString(), "-t", "telemetry", "-q", "1", "-m", "must-not-arrive");
            assertNotEquals(0, pub.exitCode(), pub.output());
            assertTrue(pub.output().contains("bad user name or password"), pub.output());
        }
        assertEquals(before + 4, refusals("untrusted_certificate"));
        assertEquals(0, endOffset("hono.telemetry." + tenant), "nothing of the refused devices reached Kafka");
    }

    // ---- refusals

    @Test
    void wrongPasswordAndDisabledTenant_areRefused_andCounted() throws Exception {
        String tenant = newTenant(new JsonObject().put("enabled", true));
        registerDevice(tenant, "lamp-2", new JsonObject(), passwordCredential("lamp-2-auth"));
        String disabled = newTenant(new JsonObject().put("enabled", false));
        registerDevice(disabled, "lamp-3", new JsonObject(), passwordCredential("lamp-3-auth"));
        double badCredentials = refusals("bad_credentials");
        double notAuthorized = refusals("not_authorized");

        assertRefused(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                connect(options("lamp-2-auth@" + tenant, "wrong"), mqtt.securePort(), true));
        Cli wrong = mosquittoPub(mqtt.port(), "-u", "lamp-2-auth@" + tenant, "-P", "wrong", "-t", "telemetry", "-m", "x");
        assertTrue(wrong.exitCode() != 0 && wrong.output().contains("bad user name or password"), wrong.output());
        Cli off = mosquittoPub(mqtt.port(), "-u", "lamp-3-auth@" + disabled, "-P", PASSWORD, "-t", "telemetry", "-m", "x");
        assertTrue(off.exitCode() != 0 && off.output().contains("not authorised"), off.output());

        assertEquals(badCredentials + 2, refusals("bad_credentials"));
        assertEquals(notAuthorized + 1, refusals("not_authorized"));
    }

    @Test
    void tenantConnectionLimit_refusesTheConnectionOverIt_andADisconnectFreesItsSlot() throws Exception {
        String tenant = newTenant(new JsonObject().put("enabled", true).put("resource-limits", new JsonObject().put("max-connections", 2)));
        registerDevice(tenant, "lamp-4", new JsonObject(), passwordCredential("lamp-4-auth"));
        double limited = refusals("connection_limit");

        MqttClient first = await(connect(options("lamp-4-auth@" + tenant, PASSWORD), mqtt.port()));
        MqttClient second = await(connect(options("lamp-4-auth@" + tenant, PASSWORD), mqtt.securePort(), true));
        assertEquals(2, services.connections().count(tenant));
        // Hono documents CONNACK 0x05 (not authorised) for a tenant over its connection limit
        assertRefused(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, connect(options("lamp-4-auth@" + tenant, PASSWORD), mqtt.port()));
        Cli sub = mosquitto("mosquitto_sub", mqtt.port(), "-u", "lamp-4-auth@" + tenant, "-P", PASSWORD, "-t", "command///req/#",
                "-W", "20");
        assertTrue(sub.exitCode() != 0 && sub.output().contains("not authorised"), sub.output());
        assertEquals(limited + 2, refusals("connection_limit"));

        await(first.disconnect());
        awaitCount(tenant, 1);
        Cli pub = mosquittoPub(mqtt.port(), "-u", "lamp-4-auth@" + tenant, "-P", PASSWORD, "-t", "telemetry", "-q", "1", "-m", "freed");
        assertEquals(0, pub.exitCode(), pub.output());
        awaitCount(tenant, 1);
        await(second.disconnect());
        awaitCount(tenant, 0);
        assertEquals(limited + 2, refusals("connection_limit"));
    }

    @Test
    void oversizePayload_closesTheConnection_andNothingReachesKafka() throws Exception {
        String tenant = newTenant(new JsonObject().put("enabled", true));
        registerDevice(tenant, "lamp-5", new JsonObject(), passwordCredential("lamp-5-auth"));
        double oversize = refusals("oversize_payload");

        MqttClient device = await(connect(options("lamp-5-auth@" + tenant, PASSWORD), mqtt.port()));
        CompletableFuture<Void> closed = new CompletableFuture<>();
        device.closeHandler(v -> closed.complete(null));
        awaitPuback(device, "telemetry", Buffer.buffer(new byte[MAX_PAYLOAD]));
        device.publish("telemetry", Buffer.buffer(new byte[MAX_PAYLOAD + 1]), MqttQoS.AT_LEAST_ONCE, false, false);
        closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        Cli pub = mosquittoPub(mqtt.securePort(), "--cafile", tls.caCertPath().toString(), "-u", "lamp-5-auth@" + tenant, "-P", PASSWORD,
                "-t", "telemetry", "-q", "1", "-m", "x".repeat(MAX_PAYLOAD + 100));
        assertNotEquals(0, pub.exitCode(), pub.output());

        // a frame beyond the payload limit plus room for any topic: the decoder itself cuts it off
        MqttClient huge = await(connect(options("lamp-5-auth@" + tenant, PASSWORD), mqtt.port()));
        CompletableFuture<Void> hugeClosed = new CompletableFuture<>();
        huge.closeHandler(v -> hugeClosed.complete(null));
        huge.publish("telemetry", Buffer.buffer(new byte[MAX_PAYLOAD + MeridianMqttAdapter.PUBLISH_HEADROOM + 1]), MqttQoS.AT_LEAST_ONCE,
                false, false);
        hugeClosed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        assertEquals(oversize + 3, refusals("oversize_payload"));
        assertEquals(1, endOffset("hono.telemetry." + tenant), "only the payload at the limit reached Kafka");
        awaitCount(tenant, 0);
    }

    @Test
    void unauthorisedTopics_closeTheConnection() throws Exception {
        String tenant = newTenant(new JsonObject().put("enabled", true));
        registerDevice(tenant, "lamp-6", new JsonObject(), passwordCredential("lamp-6-auth"));
        String other = newTenant(new JsonObject().put("enabled", true));
        registerDevice(other, "lamp-7", new JsonObject(), passwordCredential("lamp-7-auth"));
        double topics = refusals("unauthorised_topic");

        for (String topic : List.of("telemetry/" + other + "/lamp-7", "foo/bar", "event/" + tenant + "/no-such-device")) {
            MqttClient device = await(connect(options("lamp-6-auth@" + tenant, PASSWORD), mqtt.port()));
            CompletableFuture<Void> closed = new CompletableFuture<>();
            device.closeHandler(v -> closed.complete(null));
            device.publish(topic, Buffer.buffer("x"), MqttQoS.AT_LEAST_ONCE, false, false);
            closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        Cli pub = mosquittoPub(mqtt.port(), "-u", "lamp-6-auth@" + tenant, "-P", PASSWORD, "-t", "telemetry/" + other + "/lamp-7",
                "-q", "1", "-m", "x");
        assertNotEquals(0, pub.exitCode(), pub.output());

        assertEquals(topics + 4, refusals("unauthorised_topic"));
        assertEquals(0, endOffset("hono.telemetry." + other));
    }

    // ---- gateways

    @Test
    void gateway_publishesForADeviceThatNamesIt_landingAsThatDevice() throws Exception {
        String tenant = newTenant(new JsonObject().put("enabled", true));
        registerDevice(tenant, "gw-1", new JsonObject(), passwordCredential("gw-1-auth"));
        registerDevice(tenant, "sensor-9", new JsonObject().put("via", new JsonArray().add("gw-1")), new JsonArray());
        registerDevice(tenant, "gw-2", new JsonObject().put("memberOf", new JsonArray().add("west")), passwordCredential("gw-2-auth"));
        registerDevice(tenant, "sensor-10", new JsonObject().put("viaGroups", new JsonArray().add("west")), new JsonArray());

        Cli pub = mosquittoPub(mqtt.port(), "-u", "gw-1-auth@" + tenant, "-P", PASSWORD, "-t", "telemetry/" + tenant + "/sensor-9",
                "-q", "1", "-m", "{\"temp\": 5}");
        assertEquals(0, pub.exitCode(), pub.output());
        MqttClient gateway = await(connect(options("gw-1-auth@" + tenant, PASSWORD), mqtt.port()));
        awaitPuback(gateway, "e/" + tenant + "/sensor-9/?content-type=application%2Fjson", Buffer.buffer("{\"alarm\": 1}"));
        await(gateway.disconnect());
        MqttClient groupGateway = await(connect(options("gw-2-auth@" + tenant, PASSWORD), mqtt.port()));
        awaitPuback(groupGateway, "t/" + tenant + "/sensor-10", Buffer.buffer("by-group"));
        await(groupGateway.disconnect());

        List<ConsumerRecord<String, byte[]>> telemetry = read("hono.telemetry." + tenant, 2);
        ConsumerRecord<String, byte[]> viaGw1 = telemetry.stream().filter(r -> "sensor-9".equals(r.key())).findFirst().orElseThrow();
        Map<String, String> headers = headers(viaGw1);
        assertEquals("{\"temp\": 5}", new String(viaGw1.value(), StandardCharsets.UTF_8));
        assertEquals("sensor-9", headers.get("device_id"), headers.toString());
        assertEquals("1", headers.get("qos"), headers.toString());
        assertEquals("telemetry/" + tenant + "/sensor-9", headers.get("orig_address"), headers.toString());
        assertEquals("application/octet-stream", headers.get("content-type"), headers.toString());
        assertTrue(headers.containsKey("creation-time"), headers.toString());
        assertEquals("sensor-10", headers(telemetry.stream().filter(r -> "sensor-10".equals(r.key())).findFirst().orElseThrow())
                .get("device_id"));
        ConsumerRecord<String, byte[]> event = read("hono.event." + tenant, 1).get(0);
        assertEquals("sensor-9", event.key());
        assertEquals("sensor-9", headers(event).get("device_id"), headers(event).toString());
        assertEquals("application/json", headers(event).get("content-type"), headers(event).toString());
    }

    @Test
    void gateway_notNamedByTheDevice_orOfAnotherTenant_isRefused() throws Exception {
        String tenant = newTenant(new JsonObject().put("enabled", true));
        registerDevice(tenant, "gw-3", new JsonObject(), passwordCredential("gw-3-auth"));
        registerDevice(tenant, "sensor-11", new JsonObject().put("via", new JsonArray().add("gw-other")), new JsonArray());
        String other = newTenant(new JsonObject().put("enabled", true));
        registerDevice(other, "sensor-12", new JsonObject().put("via", new JsonArray().add("gw-3")), new JsonArray());
        double topics = refusals("unauthorised_topic");

        Cli notNamed = mosquittoPub(mqtt.port(), "-u", "gw-3-auth@" + tenant, "-P", PASSWORD, "-t", "telemetry/" + tenant + "/sensor-11",
                "-q", "1", "-m", "x");
        assertNotEquals(0, notNamed.exitCode(), notNamed.output());
        MqttClient gateway = await(connect(options("gw-3-auth@" + tenant, PASSWORD), mqtt.port()));
        CompletableFuture<Void> closed = new CompletableFuture<>();
        gateway.closeHandler(v -> closed.complete(null));
        gateway.publish("event/" + other + "/sensor-12", Buffer.buffer("x"), MqttQoS.AT_LEAST_ONCE, false, false);
        closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        assertEquals(topics + 2, refusals("unauthorised_topic"));
        assertEquals(0, endOffset("hono.telemetry." + tenant));
        assertEquals(0, endOffset("hono.event." + other));
    }

    // ---- registry helpers

    private String newTenant(JsonObject body) throws Exception {
        String tenant = "tls-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> created = client.send("POST", uri("/v1/tenants/" + tenant), catalog, body.encode());
        assertEquals(201, created.statusCode(), created.body());
        return tenant;
    }

    private void registerDevice(String tenant, String deviceId, JsonObject device, JsonArray credentials) throws Exception {
        HttpResponse<String> created = client.send("POST", uri("/v1/devices/" + tenant + "/" + deviceId), catalog,
                device.copy().put("enabled", true).encode());
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> put = client.send("PUT", uri("/v1/credentials/" + tenant + "/" + deviceId), catalog, credentials.encode());
        assertEquals(204, put.statusCode(), put.body());
    }

    private static JsonArray passwordCredential(String authId) {
        return new JsonArray().add(new JsonObject().put("type", "hashed-password").put("auth-id", authId)
                .put("secrets", new JsonArray().add(new JsonObject().put("pwd-plain", PASSWORD))));
    }

    private static JsonArray x509Credential(String subjectDn) {
        return new JsonArray().add(new JsonObject().put("type", "x509-cert").put("auth-id", subjectDn)
                .put("secrets", new JsonArray().add(new JsonObject())));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + registry.port() + path);
    }

    private double refusals(String reason) {
        return meters.counter(MqttRefusals.METER, "reason", reason).count();
    }

    /** Waits, bounded, until the node counts {@code expected} connections of the tenant (a close is asynchronous). */
    private void awaitCount(String tenant, int expected) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (services.connections().count(tenant) != expected && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        assertEquals(expected, services.connections().count(tenant), "connections of " + tenant);
    }

    // ---- MQTT clients

    private static MqttClientOptions options(String username, String password) {
        return new MqttClientOptions().setClientId("it-" + UUID.randomUUID()).setUsername(username).setPassword(password)
                .setAutoKeepAlive(true);
    }

    private Future<MqttClient> connect(MqttClientOptions options, int port) {
        MqttClient mqttClient = MqttClient.create(vertx, options);
        return mqttClient.connect(port, "127.0.0.1").map(mqttClient);
    }

    /** Connects over TLS, trusting the node's CA, when {@code overTls}. */
    private Future<MqttClient> connect(MqttClientOptions options, int port, boolean overTls) {
        return connect(overTls ? tlsOptions(options) : options, port);
    }

    /** TLS trusting only the node's CA, with the server certificate checked for the host name. */
    private MqttClientOptions tlsOptions(MqttClientOptions options) {
        options.setSsl(true).setTrustOptions(new PemTrustOptions().addCertPath(tls.caCertPath().toString()))
                .setHostnameVerificationAlgorithm("HTTPS");
        return options;
    }

    private static void assertRefused(MqttConnectReturnCode expected, Future<MqttClient> connect) {
        CompletableFuture<MqttClient> f = connect.toCompletionStage().toCompletableFuture();
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        MqttConnectionException refused = assertInstanceOf(MqttConnectionException.class, e.getCause());
        assertEquals(expected, refused.code());
    }

    private static void awaitPuback(MqttClient device, String topic, Buffer payload) throws Exception {
        CompletableFuture<Integer> puback = new CompletableFuture<>();
        CompletableFuture<Integer> sent = new CompletableFuture<>();
        device.publishCompletionHandler(id -> sent.thenAccept(s -> {
            if (s.equals(id)) {
                puback.complete(id);
            }
        }));
        device.publishCompletionExpirationHandler(id -> puback.completeExceptionally(new AssertionError("no PUBACK for message " + id)));
        device.publish(topic, payload, MqttQoS.AT_LEAST_ONCE, false, false).onSuccess(sent::complete).onFailure(sent::completeExceptionally);
        puback.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---- mosquitto command-line clients

    record Cli(int exitCode, String output) {
    }

    private Cli mosquittoPub(int port, String... args) {
        return mosquitto("mosquitto_pub", port, args);
    }

    /** Runs a mosquitto client against the adapter, waiting at most {@link #CLI_WAIT}; killed if it overruns. */
    private Cli mosquitto(String tool, int port, String... args) {
        List<String> command = new ArrayList<>(List.of(tool, "-h", "127.0.0.1", "-p", String.valueOf(port), "-V", "mqttv311",
                "-i", "it-" + UUID.randomUUID().toString().substring(0, 12)));
        command.addAll(List.of(args));
        Path output = work.resolve("cli-" + UUID.randomUUID() + ".log");
        Process process = null;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(CLI_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(tool + " did not finish within " + CLI_WAIT + ": " + command);
            }
            return new Cli(process.exitValue(), Files.readString(output));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    private Path writeCa(TestPki pki, String name) {
        try {
            Path file = work.resolve(name);
            Files.writeString(file, "-----BEGIN CERTIFICATE-----\n"
                    + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pki.caCertificate().getEncoded())
                    + "\n-----END CERTIFICATE-----\n");
            return file;
        } catch (IOException | java.security.cert.CertificateEncodingException e) {
            throw new AssertionError(e);
        }
    }

    // ---- Kafka

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p);
    }

    /** Records on a topic, 0 when the topic does not exist. */
    private long endOffset(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            if (!consumer.listTopics(Duration.ofSeconds(30)).containsKey(topic)) {
                return 0;
            }
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Exactly {@code count} records of a topic, read from the beginning within a bounded wait. */
    private List<ConsumerRecord<String, byte[]>> read(String topic, int count) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
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
            while (records.size() < count && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            // a short extra poll: more records than expected is a failure too
            consumer.poll(Duration.ofSeconds(1)).forEach(records::add);
            assertEquals(count, records.size(), "records on " + topic);
            return records;
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
