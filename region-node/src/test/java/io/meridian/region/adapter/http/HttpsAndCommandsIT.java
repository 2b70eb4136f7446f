package io.meridian.region.adapter.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP adapter's HTTPS port (the node's own CA and server certificate, client certificates requested) and
 * commands piggy-backed on HTTP responses, against a real Cassandra, Kafka and Keycloak. Devices are the
 * {@code curl} CLI (with {@code --cacert}, {@code --cert}, {@code --key}) and {@link HttpClient}; the northbound
 * application is a plain Kafka producer and consumer speaking Hono's Kafka command format.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = {"eu-central"}, kafka = {"eu-central"}, keycloak = true)
class HttpsAndCommandsIT {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String PASSWORD = "lamp-secret-1";
    private static final String JSON = "application/json";
    private static final String EMPTY_NOTIFICATION = "application/vnd.eclipse-hono-empty-notification";
    private static final String REGION = "eu-central";
    /** Kafka is shared by the run's IT classes: an ordinal no other IT uses keeps this adapter's internal command topic its own. */
    private static final int ORDINAL = 4;

    private final RegistryClient client = new RegistryClient();
    private Vertx vertx;
    private String kafka;
    private Path work;
    private NodeTls tls;
    private DeviceRegistry registry;
    private AdapterServices services;
    private HttpAdapter http;
    private HttpClient plainClient;
    private HttpClient tlsClient;
    private KafkaProducer<String, byte[]> application;
    private String catalog;

    @BeforeAll
    void startRegionNode(Federation federation, KeycloakService keycloak) throws Exception {
        vertx = Vertx.vertx();
        work = Files.createDirectories(Path.of(System.getProperty("meridian.test.state.dir", "target/meridian-services"))
                .resolve("https-it-" + UUID.randomUUID().toString().substring(0, 8)));
        tls = NodeTls.loadOrCreate(work.resolve("tls"), REGION, List.of());
        kafka = federation.kafka(REGION).bootstrapServers();
        var cassandra = federation.cassandra(REGION);
        registry = await(DeviceRegistry.start(vertx, RegistryConfig.local(REGION, "127.0.0.1", 0, cassandra.cqlAddress(),
                cassandra.localDatacenter(), keycloak.issuer()).withBcryptCost(4)));
        services = AdapterServices.create(vertx, kafka, registry.adapterClients(), NoopTracerFactory.create(), new SimpleMeterRegistry(),
                REGION, ORDINAL);
        http = await(HttpAdapter.start(vertx, new HttpAdapter.Config("127.0.0.1", 0).withTls(tls, 0), services));
        catalog = client.catalogToken(keycloak);

        plainClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
        // trusts the node's CA only; the JDK checks 127.0.0.1 against the server certificate's names
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("node-ca", tls.caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        tlsClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).sslContext(ssl).build();

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        application = new KafkaProducer<>(p);
    }

    @AfterAll
    void stopRegionNode() throws Exception {
        if (application != null) {
            application.close();
        }
        if (http != null) {
            await(http.stop());
        }
        if (services != null) {
            await(services.stop());
        }
        if (registry != null) {
            await(registry.stop());
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    // ---- HTTPS

    @Test
    void https_withBasicAuth_trustingTheNodesCa_isAcceptedFromBothClients() throws Exception {
        String tenant = newTenant(new JsonObject().put("enabled", true));
        registerDevice(tenant, "lamp-1", passwordCredential("lamp-1-auth"));
        assertTrue(http.securePort() > 0, "HTTPS port " + http.securePort());
        assertNotEquals(http.port(), http.securePort());

        HttpResponse<String> viaJava = send(tlsClient, httpsUrl("/telemetry"), "lamp-1-auth@" + tenant, JSON, "java-https", "QoS-Level", "1");
        assertEquals(202, viaJava.statusCode(), viaJava.body());
        Curl viaCurl = curl("--cacert", tls.caCertPath().toString(), "-u", "lamp-1-auth@" + tenant + ":" + PASSWORD,
                "-H", "content-type: application/json", "-H", "QoS-Level: 1", "--data-binary", "curl-https", httpsUrl("/telemetry"));
        assertEquals(202, viaCurl.status(), viaCurl.output());

        List<ConsumerRecord<String, byte[]>> records = awaitRecords("hono.telemetry." + tenant, 2);
        assertEquals(List.of("java-https", "curl-https"), records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList());
        records.forEach(r -> assertEquals("lamp-1", headers(r).get("device_id"), headers(r).toString()));
    }

    @Test
    void https_trustingAnotherCa_failsTheHandshake() throws Exception {
        Path strangerCa = writeCa(TestPki.newCa("CN=Not the node CA,O=Elsewhere"), "stranger-ca.pem");
        CurlRun run = curlRun("--cacert", strangerCa.toString(), "-u", "nobody@nowhere:x", "-H", "content-type: text/plain",
                "--data-binary", "x", httpsUrl("/telemetry"));
        // 60: the peer certificate cannot be authenticated with the given CA certificates
        assertEquals(60, run.exitCode(), run.output());
    }

    @Test
    void x509_deviceCertificateOfTheTenantsCa_isAuthenticatedWithoutBasic() throws Exception {
        TestPki pki = TestPki.newCa("CN=Lamp devices CA " + UUID.randomUUID() + ",O=LampCo");
        String tenant = newTenant(new JsonObject().put("enabled", true)
                .put("trusted-ca", new JsonArray().add(new JsonObject().put("cert", pki.caCertificateBase64()))));
        TestPki.DeviceFiles cert = pki.issueDevice("CN=lamp-x1,OU=Lamps,O=LampCo", work, tenant + "-lamp-x1");
        registerDevice(tenant, "lamp-x1", x509Credential(cert.subjectDn()));

        Curl telemetry = curl("--cacert", tls.caCertPath().toString(), "--cert", cert.cert().toString(), "--key", cert.key().toString(),
                "-H", "content-type: application/json", "-H", "QoS-Level: 1", "--data-binary", "{\"x509\": 1}", httpsUrl("/telemetry"));
        assertEquals(202, telemetry.status(), telemetry.output());
        Curl event = curl("--cacert", tls.caCertPath().toString(), "--cert", cert.cert().toString(), "--key", cert.key().toString(),
                "-H", "content-type: application/json", "--data-binary", "{\"x509\": 2}", httpsUrl("/event"));
        assertEquals(202, event.status(), event.output());

        ConsumerRecord<String, byte[]> record = awaitRecords("hono.telemetry." + tenant, 1).get(0);
        assertEquals("{\"x509\": 1}", new String(record.value(), StandardCharsets.UTF_8));
        assertEquals("lamp-x1", headers(record).get("device_id"), headers(record).toString());
        assertEquals("lamp-x1", headers(awaitRecords("hono.event." + tenant, 1).get(0)).get("device_id"));
    }

    @Test
    void x509_untrustedOrUnregisteredCertificate_is401_whileBasicStillWorks() throws Exception {
        TestPki trusted = TestPki.newCa("CN=Trusted lamps CA " + UUID.randomUUID() + ",O=LampCo");
        String tenant = newTenant(new JsonObject().put("enabled", true)
                .put("trusted-ca", new JsonArray().add(new JsonObject().put("cert", trusted.caCertificateBase64()))));
        registerDevice(tenant, "lamp-x2", x509Credential("CN=lamp-x2,O=LampCo"));
        registerDevice(tenant, "lamp-p2", passwordCredential("lamp-p2-auth"));
        // a CA no tenant trusts; an impostor CA with the trusted CA's name but its own key; the trusted CA, but a
        // subject no device has as its x509-cert credential
        TestPki unknown = TestPki.newCa("CN=Unknown CA " + UUID.randomUUID() + ",O=Mallory");
        TestPki impostor = TestPki.newCa(trusted.caCertificate().getSubjectX500Principal().getName());
        List<TestPki.DeviceFiles> refused = List.of(
                unknown.issueDevice("CN=lamp-x2,O=LampCo", work, tenant + "-unknown"),
                impostor.issueDevice("CN=lamp-x2,O=LampCo", work, tenant + "-impostor"),
                trusted.issueDevice("CN=nobody,O=LampCo", work, tenant + "-nobody"));
        double before = http.refusedWith(401);

        for (TestPki.DeviceFiles cert : refused) {
            Curl denied = curl("--cacert", tls.caCertPath().toString(), "--cert", cert.cert().toString(), "--key", cert.key().toString(),
                    "-H", "content-type: text/plain", "--data-binary", "must-not-arrive", httpsUrl("/telemetry"));
            assertEquals(401, denied.status(), cert.subjectDn() + ": " + denied.output());
            assertEquals("Basic realm=\"Hono\"", denied.header("www-authenticate"), denied.output());
        }
        assertEquals(before + refused.size(), http.refusedWith(401));

        // Hono's chain of authentication handlers: a certificate that fails falls back to the request's Basic credentials
        Curl basic = curl("--cacert", tls.caCertPath().toString(), "--cert", refused.get(0).cert().toString(), "--key",
                refused.get(0).key().toString(), "-u", "lamp-p2-auth@" + tenant + ":" + PASSWORD, "-H", "content-type: text/plain",
                "-H", "QoS-Level: 1", "--data-binary", "basic-with-untrusted-cert", httpsUrl("/telemetry"));
        assertEquals(202, basic.status(), basic.output());
        List<ConsumerRecord<String, byte[]>> records = awaitRecords("hono.telemetry." + tenant, 1);
        assertEquals("basic-with-untrusted-cert", new String(records.get(0).value(), StandardCharsets.UTF_8));
        assertEquals("lamp-p2", headers(records.get(0)).get("device_id"));
    }

    // ---- commands piggy-backed on the response

    @Test
    void commandRoundTrip_overHttpsWithX509_andCurl() throws Exception {
        TestPki pki = TestPki.newCa("CN=Lamp devices CA " + UUID.randomUUID() + ",O=LampCo");
        String tenant = newTenant(new JsonObject().put("enabled", true)
                .put("trusted-ca", new JsonArray().add(new JsonObject().put("cert", pki.caCertificateBase64()))));
        TestPki.DeviceFiles cert = pki.issueDevice("CN=lamp-c1,O=LampCo", work, tenant + "-lamp-c1");
        registerDevice(tenant, "lamp-c1", x509Credential(cert.subjectDn()));
        List<String> tlsArgs = List.of("--cacert", tls.caCertPath().toString(), "--cert", cert.cert().toString(), "--key", cert.key().toString());

        // the device uploads telemetry and stays for a command for up to 30 s
        List<String> upload = new ArrayList<>(tlsArgs);
        upload.addAll(List.of("-H", "content-type: application/json", "-H", "hono-ttd: 30", "--data-binary", "{\"temp\": 7}",
                httpsUrl("/telemetry")));
        Process waiting = startCurl(upload);
        try {
            // the application learns from the ttd header on the telemetry message that the device waits
            ConsumerRecord<String, byte[]> telemetry = awaitRecord("hono.telemetry." + tenant, r -> "30".equals(headers(r).get("ttd")));
            assertEquals("lamp-c1", headers(telemetry).get("device_id"), headers(telemetry).toString());
            String correlationId = "corr-" + UUID.randomUUID();
            sendCommand(tenant, "lamp-c1", "setBrightness", correlationId, "{\"brightness\": 79}");

            Curl command = finish(waiting);
            assertEquals(200, command.status(), command.output());
            assertEquals("setBrightness", command.header("hono-command"), command.output());
            assertEquals(JSON, command.header("content-type"), command.output());
            assertEquals("{\"brightness\": 79}", command.body(), command.output());
            String requestId = command.header("hono-cmd-req-id");
            assertNotNull(requestId, command.output());

            List<String> respond = new ArrayList<>(tlsArgs);
            respond.addAll(List.of("-H", "content-type: application/json", "-H", "hono-cmd-status: 200", "--data-binary",
                    "{\"lumen\": 200}", httpsUrl("/command/res/" + requestId)));
            Curl answered = curl(respond.toArray(String[]::new));
            assertEquals(202, answered.status(), answered.output());

            ConsumerRecord<String, byte[]> response = awaitRecord("hono.command_response." + tenant,
                    r -> correlationId.equals(headers(r).get("correlation-id")));
            Map<String, String> headers = headers(response);
            assertEquals("200", headers.get("status"), headers.toString());
            assertEquals("lamp-c1", headers.get("device_id"), headers.toString());
            assertEquals(tenant, headers.get("tenant_id"), headers.toString());
            assertEquals(JSON, headers.get("content-type"), headers.toString());
            assertEquals("{\"lumen\": 200}", new String(response.value(), StandardCharsets.UTF_8));
        } finally {
            waiting.destroyForcibly();
        }
    }

    @Test
    void oneWayCommand_overPlainHttpWithBasic_comesBackWithoutARequestId() throws Exception {
        String tenant = newTenant(new JsonObject().put("enabled", true));
        registerDevice(tenant, "lamp-c2", passwordCredential("lamp-c2-auth"));

        CompletableFuture<HttpResponse<String>> waiting = sendAsync(plainClient, plainUrl("/telemetry?hono-ttd=30"), "lamp-c2-auth@" + tenant,
                JSON, "{\"temp\": 8}");
        awaitRecord("hono.telemetry." + tenant, r -> "30".equals(headers(r).get("ttd")));
        sendCommand(tenant, "lamp-c2", "setVolume", null, "{\"level\": 50}");

        HttpResponse<String> command = waiting.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(200, command.statusCode(), command.body());
        assertEquals("setVolume", command.headers().firstValue("hono-command").orElse(null), command.headers().map().toString());
        assertFalse(command.headers().firstValue("hono-cmd-req-id").isPresent(), "a one-way command has no request id");
        assertEquals("{\"level\": 50}", command.body());
    }

    @Test
    void ttdWithoutACommand_is202AfterTheTtd_andTheEmptyNotificationCarriesIt() throws Exception {
        String tenant = newTenant(new JsonObject().put("enabled", true));
        registerDevice(tenant, "lamp-c3", passwordCredential("lamp-c3-auth"));

        // Hono's HTTP adapter user guide: a device with nothing to send says it is ready for commands with an empty
        // notification event and hono-ttd; the adapter forwards it with the ttd and answers 202 when none came
        long start = System.nanoTime();
        HttpResponse<String> response = send(plainClient, plainUrl("/event"), "lamp-c3-auth@" + tenant, EMPTY_NOTIFICATION, "",
                "hono-ttd", "3");
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(202, response.statusCode(), response.body());
        assertFalse(response.headers().firstValue("hono-command").isPresent(), response.headers().map().toString());
        assertTrue(tookMillis >= 3_000 && tookMillis < 30_000, "answered after " + tookMillis + " ms for a ttd of 3 s");

        ConsumerRecord<String, byte[]> event = awaitRecords("hono.event." + tenant, 1).get(0);
        Map<String, String> headers = headers(event);
        assertEquals("3", headers.get("ttd"), headers.toString());
        assertEquals(EMPTY_NOTIFICATION, headers.get("content-type"), headers.toString());
        assertEquals("lamp-c3", headers.get("device_id"), headers.toString());
        assertEquals(0, event.value() == null ? 0 : event.value().length);

        // a command sent after the device stopped waiting is not delivered to it: Hono's delivery failure response
        String correlationId = "corr-" + UUID.randomUUID();
        sendCommand(tenant, "lamp-c3", "setBrightness", correlationId, "{}");
        ConsumerRecord<String, byte[]> failure = awaitRecord("hono.command_response." + tenant,
                r -> correlationId.equals(headers(r).get("correlation-id")));
        int status = Integer.parseInt(headers(failure).get("status"));
        assertTrue(status >= 500 && status < 600, "status " + status + " " + headers(failure));
    }

    // ---- resource limits

    @Test
    void tenantOverItsDataVolume_gets429_andOtherTenantsDoNot() throws Exception {
        // Hono's tenant resource limit: 100 bytes of message payload per 30-day period, counted from 15 days ago, so that no
        // period boundary (which resets the usage) can fall during the test
        JsonObject limits = new JsonObject().put("data-volume", new JsonObject().put("max-bytes", 100)
                .put("effective-since", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS).minus(java.time.Duration.ofDays(15)).toString()).put("period", new JsonObject().put("mode", "days").put("no-of-days", 30)));
        String tenant = newTenant(new JsonObject().put("enabled", true).put("resource-limits", limits));
        String other = newTenant(new JsonObject().put("enabled", true));
        registerDevice(tenant, "lamp-v1", passwordCredential("lamp-v1-auth"));
        registerDevice(other, "lamp-v2", passwordCredential("lamp-v2-auth"));
        String forty = "x".repeat(40);
        double before = http.refusedWith(429);

        assertEquals(202, send(plainClient, plainUrl("/telemetry"), "lamp-v1-auth@" + tenant, "text/plain", forty, "QoS-Level", "1").statusCode());
        assertEquals(202, send(tlsClient, httpsUrl("/event"), "lamp-v1-auth@" + tenant, "text/plain", forty).statusCode());
        HttpResponse<String> over = send(plainClient, plainUrl("/telemetry"), "lamp-v1-auth@" + tenant, "text/plain", forty, "QoS-Level", "1");
        assertEquals(429, over.statusCode(), over.body());
        assertEquals(429, send(plainClient, plainUrl("/event"), "lamp-v1-auth@" + tenant, "text/plain", forty).statusCode());
        // 20 bytes are left in the period
        assertEquals(202, send(plainClient, plainUrl("/telemetry"), "lamp-v1-auth@" + tenant, "text/plain", "y".repeat(20), "QoS-Level", "1")
                .statusCode());
        assertEquals(before + 2, http.refusedWith(429));
        assertEquals(202, send(plainClient, plainUrl("/telemetry"), "lamp-v2-auth@" + other, "text/plain", forty + forty + forty,
                "QoS-Level", "1").statusCode(), "a tenant without a limit");

        List<ConsumerRecord<String, byte[]>> telemetry = awaitRecords("hono.telemetry." + tenant, 2);
        assertEquals(List.of(forty, "y".repeat(20)), telemetry.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList());
        assertEquals(1, awaitRecords("hono.event." + tenant, 1).size());
    }

    // ---- the application's side: Hono's Kafka command format

    private void sendCommand(String tenant, String deviceId, String name, String correlationId, String payload) throws Exception {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>("hono.command." + tenant, deviceId, payload.getBytes(StandardCharsets.UTF_8));
        record.headers().add("device_id", deviceId.getBytes(StandardCharsets.UTF_8));
        record.headers().add("subject", name.getBytes(StandardCharsets.UTF_8));
        record.headers().add("content-type", JSON.getBytes(StandardCharsets.UTF_8));
        if (correlationId != null) {
            record.headers().add("correlation-id", correlationId.getBytes(StandardCharsets.UTF_8));
            record.headers().add("response-required", "true".getBytes(StandardCharsets.UTF_8));
        }
        application.send(record).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---- registry

    private String newTenant(JsonObject body) throws Exception {
        String tenant = "https-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> created = client.send("POST", registryUri("/v1/tenants/" + tenant), catalog, body.encode());
        assertEquals(201, created.statusCode(), created.body());
        return tenant;
    }

    private void registerDevice(String tenant, String deviceId, JsonArray credentials) throws Exception {
        HttpResponse<String> created = client.send("POST", registryUri("/v1/devices/" + tenant + "/" + deviceId), catalog,
                new JsonObject().put("enabled", true).encode());
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> put = client.send("PUT", registryUri("/v1/credentials/" + tenant + "/" + deviceId), catalog, credentials.encode());
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

    private URI registryUri(String path) {
        return URI.create("http://127.0.0.1:" + registry.port() + path);
    }

    private Path writeCa(TestPki pki, String name) throws Exception {
        Path file = work.resolve(name);
        Files.writeString(file, "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pki.caCertificate().getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        return file;
    }

    // ---- devices: java.net.http and curl

    private String httpsUrl(String path) {
        return "https://127.0.0.1:" + http.securePort() + path;
    }

    private String plainUrl(String path) {
        return "http://127.0.0.1:" + http.port() + path;
    }

    private static HttpRequest request(String url, String user, String contentType, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", contentType);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    private static HttpResponse<String> send(HttpClient client, String url, String user, String contentType, String body, String... headers)
            throws IOException, InterruptedException {
        return client.send(request(url, user, contentType, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    private static CompletableFuture<HttpResponse<String>> sendAsync(HttpClient client, String url, String user, String contentType,
            String body, String... headers) {
        return client.sendAsync(request(url, user, contentType, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    /** What one {@code curl -i} printed: the status, the headers (names in lower case) and the body. */
    private record Curl(int status, Map<String, String> headers, String body, String output) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        static Curl parse(String output) {
            String[] parts = output.split("\r\n\r\n", 2);
            List<String> head = parts[0].lines().toList();
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : head.subList(1, head.size())) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
            }
            return new Curl(Integer.parseInt(head.get(0).split(" ")[1]), headers, parts.length > 1 ? parts[1] : "", output);
        }
    }

    /** A curl run's exit code and output, for runs that are meant to fail before any HTTP status. */
    private record CurlRun(int exitCode, String output) {
    }

    private static Process startCurl(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "-S", "-i", "--max-time", "60"));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static CurlRun finishRun(Process process) throws Exception {
        try {
            CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return process.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "curl did not finish");
            return new CurlRun(process.exitValue(), new String(output.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        } finally {
            process.destroyForcibly();
        }
    }

    private static Curl finish(Process process) throws Exception {
        CurlRun run = finishRun(process);
        assertEquals(0, run.exitCode(), "curl failed: " + run.output());
        return Curl.parse(run.output());
    }

    private static CurlRun curlRun(String... args) throws Exception {
        return finishRun(startCurl(List.of(args)));
    }

    private static Curl curl(String... args) throws Exception {
        return finish(startCurl(List.of(args)));
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

    /** The first record of a topic that matches, read from the start within a bounded wait. */
    private ConsumerRecord<String, byte[]> awaitRecord(String topic, Predicate<ConsumerRecord<String, byte[]>> wanted) {
        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : poll(topic, records -> records.stream().anyMatch(wanted))) {
            if (wanted.test(r)) {
                return r;
            }
            seen.add(headers(r).toString());
        }
        throw new AssertionError("no matching record on " + topic + " within " + WAIT + "; saw " + seen);
    }

    /** Exactly {@code count} records of a topic, in order, read from the start within a bounded wait. */
    private List<ConsumerRecord<String, byte[]>> awaitRecords(String topic, int count) {
        List<ConsumerRecord<String, byte[]>> records = poll(topic, r -> r.size() >= count);
        assertEquals(count, records.size(), "records on " + topic);
        return records;
    }

    private List<ConsumerRecord<String, byte[]>> poll(String topic, Predicate<List<ConsumerRecord<String, byte[]>>> done) {
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
            while (!done.test(records) && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            // a little longer, to see records beyond the expected ones
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
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
