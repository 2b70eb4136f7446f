package io.meridian.region.adapter.mqtt;

import static io.meridian.region.adapter.mqtt.TestRegionNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.service.Federation;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bad input (issue 4): 10,000 random and malformed MQTT frames on raw sockets, bounded in time, against a
 * node on a real Cassandra, Kafka and Keycloak. Afterwards the node serves a normal QoS 1 publish, and
 * nothing of the fuzz reached Kafka: the tenant's telemetry and event topics hold exactly the messages the
 * well-behaved device sent before and after.
 *
 * <p>The cases are generated from fixed seeds, so a run is repeatable. Authenticated cases CONNECT as the
 * tenant's real device and then send a frame the adapter must refuse; none of them is a well-formed PUBLISH
 * of a supported topic of that device (checked against {@link MqttTopic#parse} below).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = "eu-central", kafka = "eu-central", keycloak = true)
class MqttFuzzIT {

    private static final Logger LOG = LoggerFactory.getLogger(MqttFuzzIT.class);
    private static final int FRAMES = 10_000;
    private static final Duration TIME_BOUND = Duration.ofSeconds(120);
    private static final int THREADS = 4;
    private static final String DEVICE = "fuzz-1";

    private Vertx vertx;
    private TestRegionNode node;
    private String tenant;

    @BeforeAll
    void startNode(Federation federation, KeycloakService keycloak) throws Exception {
        vertx = Vertx.vertx();
        node = new TestRegionNode(vertx, federation.cassandra("eu-central"), federation.kafka("eu-central").bootstrapServers(),
                keycloak, InFlightLimits.DEFAULTS);
        tenant = node.newTenant("fuzz");
        node.registerDevice(tenant, DEVICE);
    }

    @AfterAll
    void stopNode() throws Exception {
        if (node != null) {
            node.close();
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    /** One kind of bad input: writes its frames on a fresh socket and returns how many fuzz frames it wrote. */
    private interface FuzzCase {
        int run(Random random, Socket socket) throws IOException;
    }

    @Test
    void tenThousandMalformedFrames_leaveTheNodeServing_andNothingReachesKafka() throws Exception {
        String telemetry = "hono.telemetry." + tenant;
        String event = "hono.event." + tenant;
        publishQos1("before");
        long telemetryBefore = node.endOffset(telemetry);
        long eventBefore = node.endOffset(event);
        assertEquals(1, telemetryBefore, "records of the device's one QoS 1 message before the fuzz");

        Map<String, FuzzCase> cases = cases();
        List<String> names = new ArrayList<>(cases.keySet());
        AtomicInteger frames = new AtomicInteger();
        Map<String, AtomicLong> perCase = new ConcurrentHashMap<>();
        AtomicLong ioErrors = new AtomicLong();
        long deadline = System.nanoTime() + TIME_BOUND.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Random random = new Random(4711 + t);
            workers.add(pool.submit(() -> {
                while (frames.get() < FRAMES && System.nanoTime() < deadline) {
                    String name = names.get(random.nextInt(names.size()));
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", node.port()), 5000);
                        socket.setSoTimeout(5000);
                        int n = cases.get(name).run(random, socket);
                        frames.addAndGet(n);
                        perCase.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(n);
                    } catch (IOException e) {
                        // the node closing a socket mid-write is an expected answer to bad input
                        ioErrors.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        for (Future<?> w : workers) {
            w.get(TIME_BOUND.toSeconds() + 30, TimeUnit.SECONDS);
        }
        LOG.info("fuzz: {} frames in {} s ({} sockets ended by the node mid-case): {}", frames.get(),
                TIME_BOUND.toSeconds() - Math.max(0, (deadline - System.nanoTime()) / 1_000_000_000), ioErrors.get(), new TreeMap<>(perCase));
        assertTrue(frames.get() >= FRAMES, "only " + frames.get() + " of " + FRAMES + " fuzz frames were sent within " + TIME_BOUND);

        // the node is up and serves a normal QoS 1 publish; nothing of the fuzz reached Kafka
        publishQos1("after");
        assertEquals(telemetryBefore + 1, node.endOffset(telemetry), "records on " + telemetry + ": the fuzz wrote to Kafka");
        assertEquals(eventBefore, node.endOffset(event), "records on " + event + ": the fuzz wrote to Kafka");
    }

    private void publishQos1(String label) throws Exception {
        Qos1Pump device = new Qos1Pump(vertx, tenant, DEVICE, 1);
        await(device.connect(node.port()));
        device.runFor(1);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (device.acked.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(Set.of(DEVICE + "-0"), device.acked, "PUBACK of the QoS 1 message " + label + " the fuzz");
        await(device.disconnect());
    }

    // ---- the cases

    private Map<String, FuzzCase> cases() {
        Map<String, FuzzCase> c = new TreeMap<>();
        c.put("random bytes", (r, s) -> write(s, randomBytes(r, 1 + r.nextInt(512))));
        c.put("random bytes after CONNECT", (r, s) -> authenticated(s, randomBytes(r, 1 + r.nextInt(512))));
        c.put("wrong protocol level", (r, s) -> write(s, MqttFrames.connect(new int[] {0, 1, 2, 3, 6, 7, 255}[r.nextInt(7)],
                "fz", DEVICE + "@" + tenant, TestRegionNode.PASSWORD)));
        c.put("truncated CONNECT", (r, s) -> {
            byte[] connect = connect();
            byte[] cut = new byte[1 + r.nextInt(connect.length - 1)];
            System.arraycopy(connect, 0, cut, 0, cut.length);
            return write(s, cut);
        });
        c.put("malformed remaining length", (r, s) -> write(s, new byte[] {(byte) (r.nextBoolean() ? 0x10 : 0x30),
                (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x00}));
        c.put("oversized remaining length", (r, s) -> write(s, concat(new byte[] {0x10, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f},
                randomBytes(r, 64))));
        c.put("PUBLISH before CONNECT", (r, s) -> write(s, MqttFrames.publish(bytes("telemetry"), bytes("{\"fuzz\":1}"), r.nextInt(2), 1)));
        c.put("bad UTF-8 in CONNECT", (r, s) -> write(s, MqttFrames.frame(0x10, concat(new byte[] {0, 4}, bytes("MQTT"),
                new byte[] {4, (byte) 0xc2, 0, 60, 0, 2, (byte) 0xc0, (byte) 0xaf, 0, 3, (byte) 0xff, (byte) 0xfe, (byte) 0xfd, 0, 1, 'x'}))));
        c.put("bad UTF-8 topic", (r, s) -> authenticated(s, MqttFrames.publish(badTopic(r), bytes("{\"fuzz\":2}"), r.nextInt(2), 7)));
        c.put("QoS 3 PUBLISH", (r, s) -> {
            byte[] publish = MqttFrames.publish(bytes("telemetry"), bytes("{\"fuzz\":3}"), 1, 9);
            publish[0] = 0x36;
            return authenticated(s, publish);
        });
        c.put("QoS 2 PUBLISH", (r, s) -> authenticated(s, MqttFrames.publish(bytes("telemetry"), bytes("{\"fuzz\":4}"), 2, 11)));
        c.put("truncated PUBLISH", (r, s) -> {
            // remaining length 3, but the topic claims 9 bytes
            return authenticated(s, concat(new byte[] {0x30, 0x03, 0x00, 0x09, 't'}, randomBytes(r, r.nextInt(4))));
        });
        c.put("PUBLISH over the maximum message size", (r, s) -> authenticated(s,
                MqttFrames.publish(bytes("telemetry"), new byte[9000 + r.nextInt(4000)], 0, 0)));
        c.put("PUBLISH for another device", (r, s) -> authenticated(s, MqttFrames.publish(
                bytes("telemetry/" + tenant + "/someone-else"), bytes("{\"fuzz\":5}"), 1, 13)));
        c.put("PUBLISH for another tenant", (r, s) -> authenticated(s, MqttFrames.publish(
                bytes("event/other-tenant/" + DEVICE), bytes("{\"fuzz\":6}"), 1, 15)));
        c.put("unsupported and wildcard topics", (r, s) -> authenticated(s, MqttFrames.publish(
                bytes(new String[] {"telemetry/#", "t/+/x", "command///req/1", "foo", "/", "telemetry/?content-type=%zz", "tele"}[r.nextInt(7)]),
                bytes("{\"fuzz\":7}"), 1, 17)));
        c.put("second CONNECT", (r, s) -> authenticated(s, connect()));
        c.put("reserved packet types", (r, s) -> authenticated(s, new byte[] {(byte) (r.nextBoolean() ? 0x00 : 0xf0), 0x00}));
        c.put("SUBSCRIBE with bad flags", (r, s) -> authenticated(s, concat(new byte[] {(byte) 0x80, 0x0e, 0x00, 0x01, 0x00, 0x09},
                bytes("telemetry"), new byte[] {0x07})));
        return c;
    }

    private byte[] connect() {
        return MqttFrames.connect(4, "fz-" + Thread.currentThread().getId(), DEVICE + "@" + tenant, TestRegionNode.PASSWORD);
    }

    /** CONNECTs as the real device, waits for the CONNACK, then writes one bad frame; the CONNECT is not counted. */
    private int authenticated(Socket socket, byte[] badFrame) throws IOException {
        socket.getOutputStream().write(connect());
        InputStream in = socket.getInputStream();
        byte[] connack = in.readNBytes(4);
        assertEquals(4, connack.length, "CONNACK length");
        assertEquals(0x20, connack[0] & 0xff, "CONNACK type");
        assertEquals(0, connack[3], "CONNACK code of the real device");
        return write(socket, badFrame);
    }

    private static int write(Socket socket, byte[] frame) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(frame);
        out.flush();
        // give the node a moment to act on the frame before the socket closes
        socket.setSoTimeout(20);
        try {
            socket.getInputStream().read(new byte[256]);
        } catch (java.net.SocketTimeoutException ignored) {
            // no answer is an answer too: the frame was consumed or is waiting for more bytes
        }
        return 1;
    }

    /** A topic that is not valid UTF-8 and, as a Java decoder would read it, is no topic of this device. */
    private byte[] badTopic(Random r) {
        byte[][] invalid = {{(byte) 0xc0, (byte) 0xaf}, {(byte) 0xff}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {0x00}};
        String[] prefixes = {"telemetry", "t", "event", "e", "telemetry/" + tenant + "/", ""};
        byte[] topic = concat(bytes(prefixes[r.nextInt(prefixes.length)]), invalid[r.nextInt(invalid.length)]);
        Optional<MqttTopic> parsed = MqttTopic.parse(new String(topic, StandardCharsets.UTF_8));
        assertTrue(parsed.isEmpty() || parsed.get().deviceId().filter(DEVICE::equals).isEmpty(),
                "the fuzz generated a topic the device may publish to: " + new String(topic, StandardCharsets.UTF_8));
        return topic;
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
