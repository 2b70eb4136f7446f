package io.meridian.local.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulator's MQTT side and pacing against a scripted broker on a loopback socket (a fake: the real regions are
 * exercised by compliance-tests, which seeds its federation with this simulator). The broker decodes what it receives,
 * so the frames are checked byte for byte against MQTT 3.1.1.
 */
class SimulatorPublishTest {

    private final List<String> received = Collections.synchronizedList(new ArrayList<>());
    private final List<String> connects = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Integer> perClient = new java.util.concurrent.ConcurrentHashMap<>();
    private ServerSocket server;
    private volatile int connackCode;

    @AfterEach
    void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private int startBroker() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> serve(s));
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        accept.setDaemon(true);
        accept.start();
        return server.getLocalPort();
    }

    private void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            String client = "?";
            while (true) {
                int type = in.read();
                if (type < 0) {
                    return;
                }
                byte[] body = new byte[MqttSession.remainingLength(in)];
                in.readFully(body);
                if (type == 0x10) {
                    // protocol name "MQTT", level 4, flags, keep-alive, then client id, user name and password
                    int p = 2 + 4;
                    assertEquals(4, body[p]);
                    assertEquals((byte) 0xC2, body[p + 1]);
                    p += 4;
                    String[] fields = new String[3];
                    for (int i = 0; i < 3; i++) {
                        int len = ((body[p] & 0xFF) << 8) | (body[p + 1] & 0xFF);
                        fields[i] = new String(body, p + 2, len, StandardCharsets.UTF_8);
                        p += 2 + len;
                    }
                    connects.add(String.join(" ", fields));
                    client = fields[0];
                    out.write(new byte[] {0x20, 2, 0, (byte) connackCode});
                    if (connackCode != 0) {
                        return;
                    }
                } else if (type == 0x32) {
                    int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
                    String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
                    int id = ((body[2 + topicLength] & 0xFF) << 8) | (body[3 + topicLength] & 0xFF);
                    String payload = new String(body, 4 + topicLength, body.length - 4 - topicLength, StandardCharsets.UTF_8);
                    received.add(topic + " " + payload);
                    perClient.merge(client, 1, Integer::sum);
                    out.write(new byte[] {0x40, 2, (byte) (id >> 8), (byte) id});
                } else if (type == 0xE0) {
                    return;
                }
            }
        } catch (IOException e) {
            received.add("broker failed: " + e);
        }
    }

    private static SimDevice device(String id, String region, int port) {
        return new SimDevice(new DevicePlan("lampco", id, "DE", Map.of("model", "classic")), region, "127.0.0.1", port, id + "@lampco", "pw-" + id);
    }

    private static Simulator simulator() {
        return new Simulator(new Simulator.Settings(URI.create("http://127.0.0.1:1/v1"), URI.create("http://127.0.0.1:1/token"), "c", "s",
                Duration.ofSeconds(5)));
    }

    @Test
    void publish_stopsAtTheMessageBudget_pacedAtTheRate_withEachDevicesCredentials() throws Exception {
        int port = startBroker();
        Simulator sim = simulator();
        List<SimDevice> devices = List.of(device("d1", "eu-central", port), device("d2", "eu-central", port), device("d3", "us-east", port));
        long t0 = System.nanoTime();
        Simulator.Run run = sim.publish(devices, 40, Duration.ofSeconds(30), 20, Simulator.DEFAULT_PAYLOAD);
        assertTrue(run.await(Duration.ofSeconds(20)), "the run did not end at its budget");
        double took = (System.nanoTime() - t0) / 1e9;
        assertEquals(20, received.size(), received.toString());
        // 20 messages at 40/s take about half a second; well under the 30 s the run was allowed
        assertTrue(took >= 0.4 && took < 5, "took " + took + " s");
        assertTrue(received.stream().allMatch(m -> m.startsWith("telemetry {\"temperature\": ")), received.toString());
        assertEquals(Set.of("sim-d1 d1@lampco pw-d1", "sim-d2 d2@lampco pw-d2", "sim-d3 d3@lampco pw-d3"), Set.copyOf(connects));
        assertEquals(3, connects.size(), "each device connects once and keeps its connection: " + connects);
        // the budget is shared out equally, the remainder to the first devices
        assertEquals(Map.of("sim-d1", 7, "sim-d2", 7, "sim-d3", 6), perClient);
        SimCounters.Counts eu = sim.counters().snapshot().get("eu-central");
        SimCounters.Counts us = sim.counters().snapshot().get("us-east");
        assertEquals(20, eu.acked() + us.acked());
        assertEquals(14, eu.acked(), sim.counters().snapshot().toString());
        assertEquals(6, us.acked(), sim.counters().snapshot().toString());
        assertEquals(0, sim.counters().total().failed());
    }

    @Test
    void publish_endsAtTheDeadline_andStopEndsItAtOnce() throws Exception {
        int port = startBroker();
        Simulator sim = simulator();
        Simulator.Run timed = sim.publish(List.of(device("t1", "af-south", port)), 10, Duration.ofMillis(600), 1_000_000, Simulator.DEFAULT_PAYLOAD);
        assertTrue(timed.await(Duration.ofSeconds(10)));
        assertTrue(received.size() >= 3 && received.size() <= 7, "about 6 messages in 0.6 s at 10/s, got " + received.size());

        Simulator.Run stopped = sim.publish(List.of(device("t2", "af-south", port)), 5, Duration.ofHours(1), 1_000_000, Simulator.DEFAULT_PAYLOAD);
        Thread.sleep(300);
        stopped.stop();
        assertTrue(stopped.await(Duration.ofSeconds(5)), "stop() must end the run");
    }

    @Test
    void aRefusedConnection_isCountedAsFailed_andNothingIsAcked() throws Exception {
        connackCode = 5;
        int port = startBroker();
        Simulator sim = simulator();
        Simulator.Run run = sim.publish(List.of(device("x1", "eu-central", port)), 50, Duration.ofSeconds(10), 4, Simulator.DEFAULT_PAYLOAD);
        assertTrue(run.await(Duration.ofSeconds(10)));
        SimCounters.Counts c = sim.counters().snapshot().get("eu-central");
        assertEquals(4, c.failed());
        assertEquals(0, c.acked());
        IOException refused = assertThrows(IOException.class,
                () -> MqttSession.connect("127.0.0.1", port, "c", "x1@lampco", "bad", Duration.ofSeconds(5)));
        assertTrue(refused.getMessage().contains("CONNACK return code 5 for x1@lampco (not authorized)"), refused.getMessage());
    }

    @Test
    void badSettings_areRefusedByName() {
        Simulator sim = simulator();
        List<SimDevice> one = List.of(device("b", "eu-central", 1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> sim.publish(one, 0, Duration.ofSeconds(1), 1, Simulator.DEFAULT_PAYLOAD))
                .getMessage().startsWith("rate must be in"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> sim.publish(one, 1, Duration.ofDays(2), 1, Simulator.DEFAULT_PAYLOAD))
                .getMessage().startsWith("duration must be positive and at most 24 h"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> sim.publish(List.of(), 1, Duration.ofSeconds(1), 1, Simulator.DEFAULT_PAYLOAD))
                .getMessage().contains("no devices"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DevicePlan("t", "d", "Germany", Map.of()))
                .getMessage().startsWith("country must be an ISO 3166 alpha-2 code"));
    }

    @Test
    void fleet_spreadsDevicesOverEveryTenantAndCountry() {
        List<DevicePlan> fleet = DevicePlan.fleet("r1", 36, SimTenant.DEFAULTS, List.of("DE", "FR", "ZA", "US", "GB", "NG"));
        assertEquals(36, fleet.size());
        assertEquals(Set.of("lampco", "carehome", "simfleet"), fleet.stream().map(DevicePlan::tenant).collect(Collectors.toSet()));
        for (String tenant : List.of("lampco", "carehome", "simfleet")) {
            assertEquals(Set.of("DE", "FR", "ZA", "US", "GB", "NG"),
                    fleet.stream().filter(d -> d.tenant().equals(tenant)).map(DevicePlan::country).collect(Collectors.toSet()), tenant);
        }
        assertEquals(36, fleet.stream().map(DevicePlan::deviceId).distinct().count());
        assertTrue(fleet.get(0).deviceId().startsWith("sim-r1-de-"), fleet.get(0).deviceId());
    }
}
