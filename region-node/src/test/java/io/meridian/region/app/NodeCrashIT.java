package io.meridian.region.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.region.RegionNodeProcess;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.region.registry.RegistryClient;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Crash safety of the ingest: the region node runs as its own process (as {@code ./meridian up} runs it) under a
 * QoS 1 load from 16 devices, is killed with SIGKILL in the middle of it, and is started again. Afterwards every
 * message the node had acknowledged with a PUBACK is stored in Cassandra exactly once, and no message is stored
 * twice. Messages in flight at the kill and never acknowledged are not re-sent by the devices, so they may be
 * stored (the adapter had written them to Kafka) or not, but never twice.
 */
@MeridianServices(cassandra = "af-south", kafka = "af-south", keycloak = true)
class NodeCrashIT {

    private static final String REGION = "af-south";
    private static final int DEVICES = 16;
    private static final int WINDOW = 8;
    private static final Duration LOAD_BEFORE_KILL = Duration.ofSeconds(8);
    private static final Duration WAIT = Duration.ofMinutes(3);

    @Test
    void killDashNine_duringQos1Load_thenRestart_storesEveryAcknowledgedMessageExactlyOnce(Federation federation, KeycloakService keycloak)
            throws Exception {
        federation.start(List.of(ServiceRequest.of("region-node", REGION)), Federation.Listener.NONE);
        RegionNodeProcess node = (RegionNodeProcess) federation.service("region-node-" + REGION).orElseThrow();
        RegistryClient client = new RegistryClient();
        String token = client.catalogToken(keycloak);
        String registry = node.endpoints().get("registry");
        String tenant = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        assertStatus(201, client.send("POST", URI.create(registry + "/tenants/" + tenant), token, "{}"));
        for (int d = 0; d < DEVICES; d++) {
            String device = "box-" + d;
            assertStatus(201, client.send("POST", URI.create(registry + "/devices/" + tenant + "/" + device), token, "{}"));
            assertStatus(204, client.send("PUT", URI.create(registry + "/credentials/" + tenant + "/" + device), token,
                    "[{\"type\":\"hashed-password\",\"auth-id\":\"" + device + "\",\"secrets\":[{\"pwd-plain\":\"box-secret-1\"}]}]"));
        }

        Vertx vertx = Vertx.vertx();
        Map<String, Set<Integer>> acked = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<MqttClient> clients = new ArrayList<>();
        try {
            for (int d = 0; d < DEVICES; d++) {
                String device = "box-" + d;
                acked.put(device, ConcurrentHashMap.newKeySet());
                MqttClient mqtt = MqttClient.create(vertx, new MqttClientOptions().setClientId("crash-" + device).setUsername(device + "@" + tenant)
                        .setPassword("box-secret-1").setMaxInflightQueue(WINDOW * 2).setAutoKeepAlive(true));
                mqtt.connect(node.settings().mqttPort(), "127.0.0.1").toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
                clients.add(mqtt);
                new Publisher(mqtt, device, acked.get(device), running).start();
            }
            // at least LOAD_BEFORE_KILL of load, and until more than 1,000 messages are acknowledged: a cold node on a loaded
            // machine acknowledges slowly at first, and the kill must land in the middle of a going load
            Thread.sleep(LOAD_BEFORE_KILL.toMillis());
            long loadDeadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (acked.values().stream().mapToInt(Set::size).sum() <= 1000 && System.nanoTime() < loadDeadline) {
                Thread.sleep(200);
            }
            ProcessHandle pid = node.process().orElseThrow().handle();
            assertTrue(pid.destroyForcibly(), "SIGKILL sent");
            pid.onExit().get(30, TimeUnit.SECONDS);
            running.set(false);
        } finally {
            for (MqttClient c : clients) {
                c.disconnect();
            }
            vertx.close();
        }
        int total = acked.values().stream().mapToInt(Set::size).sum();
        assertTrue(total > 1000, "the load must have had time to get going before the kill, acknowledged " + total);

        node.start(Duration.ofMinutes(3));
        try (CqlSession session = CqlSession.builder().addContactPoint(federation.cassandra(REGION).cqlAddress())
                .withLocalDatacenter(federation.cassandra(REGION).localDatacenter()).build()) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            Map<String, List<Integer>> stored;
            List<String> missing;
            do {
                Thread.sleep(1000);
                stored = storedSeqs(session, tenant);
                missing = missing(acked, stored);
            } while (!missing.isEmpty() && System.nanoTime() < deadline);
            assertTrue(missing.isEmpty(), "acknowledged but not stored after the restart: " + missing.size() + " of " + total + ", e.g. "
                    + missing.subList(0, Math.min(10, missing.size())));
            for (Map.Entry<String, List<Integer>> device : stored.entrySet()) {
                List<Integer> seqs = device.getValue();
                assertEquals(seqs.size(), Set.copyOf(seqs).size(), device.getKey() + " has a message stored twice");
            }
            int storedTotal = stored.values().stream().mapToInt(List::size).sum();
            assertFalse(storedTotal < total, "stored " + storedTotal + " of " + total + " acknowledged");
            System.out.printf("NodeCrashIT: %d messages acknowledged before SIGKILL, %d stored after the restart (the difference were"
                    + " in flight, written to Kafka but never acknowledged), none twice%n", total, storedTotal);
        } finally {
            node.stop();
        }
    }

    /** One device: keeps {@link #WINDOW} QoS 1 messages in flight, numbering them, until told to stop or the link dies. */
    private static final class Publisher {
        private final MqttClient mqtt;
        private final String device;
        private final Set<Integer> acked;
        private final AtomicBoolean running;
        private final Map<Integer, Integer> inFlight = new HashMap<>();
        private int next;

        Publisher(MqttClient mqtt, String device, Set<Integer> acked, AtomicBoolean running) {
            this.mqtt = mqtt;
            this.device = device;
            this.acked = acked;
            this.running = running;
        }

        void start() {
            mqtt.publishCompletionHandler(packetId -> {
                Integer seq;
                synchronized (inFlight) {
                    seq = inFlight.remove(packetId);
                }
                if (seq != null) {
                    acked.add(seq);
                }
                send();
            });
            for (int i = 0; i < WINDOW; i++) {
                send();
            }
        }

        private void send() {
            if (!running.get() || !mqtt.isConnected()) {
                return;
            }
            int seq = next++;
            String payload = new JsonObject().put("d", device).put("seq", seq).put("v", seq % 100).encode();
            mqtt.publish("telemetry", Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false).onSuccess(packetId -> {
                synchronized (inFlight) {
                    inFlight.put(packetId, seq);
                }
            });
        }
    }

    private static Map<String, List<Integer>> storedSeqs(CqlSession session, String tenant) {
        Map<String, List<Integer>> stored = new HashMap<>();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (int d = 0; d < DEVICES; d++) {
            String device = "box-" + d;
            List<Integer> seqs = new ArrayList<>();
            for (Row r : session.execute("SELECT payload FROM meridian_data.telemetry WHERE tenant_id = ? AND device_id = ? AND day IN ?",
                    tenant, device, List.of(today, today.minusDays(1)))) {
                seqs.add(new JsonObject(StandardCharsets.UTF_8.decode(r.getByteBuffer("payload")).toString()).getInteger("seq"));
            }
            stored.put(device, seqs);
        }
        return stored;
    }

    private static List<String> missing(Map<String, Set<Integer>> acked, Map<String, List<Integer>> stored) {
        List<String> missing = new ArrayList<>();
        acked.forEach((device, seqs) -> {
            Set<Integer> have = Set.copyOf(stored.getOrDefault(device, List.of()));
            seqs.stream().filter(s -> !have.contains(s)).forEach(s -> missing.add(device + "#" + s));
        });
        return missing;
    }

    private static void assertStatus(int expected, HttpResponse<String> response) {
        assertEquals(expected, response.statusCode(), response.request().method() + " " + response.uri() + ": " + response.body());
    }
}
