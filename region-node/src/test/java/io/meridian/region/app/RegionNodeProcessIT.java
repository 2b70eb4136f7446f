package io.meridian.region.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.region.RegionNodeProcess;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.region.registry.RegistryClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The region node as {@code ./meridian up} runs it: its own JVM, launched by local-federation's
 * {@link RegionNodeProcess} from this module's build, on the federation's ready Cassandra, Kafka and Keycloak.
 * A device is registered through the node's management API, publishes with the real {@code mosquitto_pub} (plain and
 * TLS) and {@code curl} (HTTPS),
 * and its message is read back from the region's Kafka; then the node stops on SIGTERM and leaves no process.
 */
@MeridianServices(cassandra = "us-east", kafka = "us-east", keycloak = true)
class RegionNodeProcessIT {

    private static final Duration WAIT = Duration.ofMinutes(2);

    @Test
    void nodeProcess_servesRegistryAndMqtt_andStopsCleanly(Federation federation, KeycloakService keycloak) throws Exception {
        federation.start(List.of(ServiceRequest.of("region-node", "us-east")), Federation.Listener.NONE);
        RegionNodeProcess node = (RegionNodeProcess) federation.service("region-node-us-east").orElseThrow();
        ProcessHandle pid = node.process().orElseThrow().handle();

        RegistryClient client = new RegistryClient();
        String token = client.catalogToken(keycloak);
        String registry = node.endpoints().get("registry");
        String tenant = "proc-" + UUID.randomUUID().toString().substring(0, 8);
        assertStatus(201, client.send("POST", URI.create(registry + "/tenants/" + tenant), token, "{}"));
        assertStatus(201, client.send("POST", URI.create(registry + "/devices/" + tenant + "/tracker-1"), token, "{}"));
        assertStatus(204, client.send("PUT", URI.create(registry + "/credentials/" + tenant + "/tracker-1"), token,
                "[{\"type\":\"hashed-password\",\"auth-id\":\"tracker-1\",\"secrets\":[{\"pwd-plain\":\"tracker-secret-1\"}]}]"));

        Process pub = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", Integer.toString(node.settings().mqttPort()),
                "-u", "tracker-1@" + tenant, "-P", "tracker-secret-1", "-q", "1", "-t", "telemetry", "-m", "{\"lat\":40.7}")
                .redirectErrorStream(true).start();
        try {
            assertTrue(pub.waitFor(60, TimeUnit.SECONDS), "mosquitto_pub did not finish within 60 s");
            String output = new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, pub.exitValue(), "mosquitto_pub failed: " + output);
        } finally {
            pub.destroyForcibly();
        }
        // the same device over TLS, trusting the CA the node generated at its first start
        Process tlsPub = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", node.endpoints().get("mqtts").replaceAll(".*:", ""),
                "--cafile", node.endpoints().get("ca"), "-u", "tracker-1@" + tenant, "-P", "tracker-secret-1", "-q", "1",
                "-t", "telemetry", "-m", "{\"lat\":40.8}").redirectErrorStream(true).start();
        try {
            assertTrue(tlsPub.waitFor(60, TimeUnit.SECONDS), "mosquitto_pub over TLS did not finish within 60 s");
            String output = new String(tlsPub.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, tlsPub.exitValue(), "mosquitto_pub over TLS failed: " + output);
        } finally {
            tlsPub.destroyForcibly();
        }
        // and over the HTTP adapter's HTTPS port, with the same CA
        Process https = new ProcessBuilder("curl", "-s", "-S", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "60",
                "--cacert", node.endpoints().get("ca"), "-u", "tracker-1@" + tenant + ":tracker-secret-1", "-H", "content-type: application/json",
                "-H", "QoS-Level: 1", "--data-binary", "{\"lat\":40.9}", node.endpoints().get("https-adapter") + "/telemetry")
                .redirectErrorStream(true).start();
        try {
            assertTrue(https.waitFor(90, TimeUnit.SECONDS), "curl over HTTPS did not finish within 90 s");
            assertEquals("202", new String(https.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim(), "curl over HTTPS");
        } finally {
            https.destroyForcibly();
        }
        ConsumerRecord<String, byte[]> record = readOne(federation.kafka("us-east").bootstrapServers(), "hono.telemetry." + tenant);
        assertEquals("tracker-1", record.key());
        assertEquals("{\"lat\":40.7}", new String(record.value(), StandardCharsets.UTF_8));

        HttpResponse<String> metrics = client.send("GET", URI.create(node.endpoints().get("metrics")), null, null);
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("jvm_memory_used_bytes{") && metrics.body().contains("region=\"us-east\""),
                "Prometheus text with the node's region tag: " + metrics.body().substring(0, Math.min(400, metrics.body().length())));

        long t0 = System.nanoTime();
        node.stop();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertFalse(pid.isAlive(), "the node's JVM must be gone after stop");
        assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "SIGTERM must stop the node within its grace, took " + took);
    }

    private static void assertStatus(int expected, HttpResponse<String> response) {
        assertEquals(expected, response.statusCode(), response.request().method() + " " + response.uri() + ": " + response.body());
    }

    private static ConsumerRecord<String, byte[]> readOne(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    return r;
                }
            }
        }
        throw new AssertionError("no record on " + topic + " within " + WAIT);
    }
}
