package io.meridian.region.adapter.mqtt;

import static io.meridian.region.adapter.mqtt.TestRegionNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.service.Federation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Overload (issue 4): a QoS 0 flood at three times the node's capacity for 60 s, with QoS 1 devices
 * publishing through it, on a real Cassandra, Kafka and Keycloak, with the adapter inside this JVM so that
 * the failsafe JVM's heap ({@code -Xmx1g}, region-node's pom) is the node's heap.
 *
 * <p><b>Capacity</b> is defined as the QoS 1 rate the node sustains in this same run: {@value #QOS1_DEVICES}
 * devices, each keeping {@value #WINDOW} messages unacknowledged, for {@value #CAPACITY_SECONDS} s. Every
 * QoS 1 message costs the node what a QoS 0 message costs (registry lookups, a Kafka send) plus waiting for
 * Kafka's acknowledgement, so QoS 1 throughput is the rate at which the node finishes work it accepted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = "eu-central", kafka = "eu-central", keycloak = true)
class MqttFloodIT {

    private static final Logger LOG = LoggerFactory.getLogger(MqttFloodIT.class);
    private static final int QOS1_DEVICES = 8;
    /** Enough unacknowledged messages in all (8 x 32) that the rate is bound by the node's work, not by latency. */
    private static final int WINDOW = 32;
    private static final int CAPACITY_SECONDS = 10;
    private static final int FLOOD_DEVICES = 8;
    private static final long FLOOD_MILLIS = 60_000;
    /** An upper bound on the flood whatever the measured capacity: 3 x 20,000 msg/s for 60 s. */
    private static final long FLOOD_MAX_MESSAGES = 3_600_000;
    private static final int PAYLOAD_BYTES = 100;

    private Vertx vertx;
    private Vertx devices;
    private TestRegionNode node;

    @BeforeAll
    void startNode(Federation federation, KeycloakService keycloak) throws Exception {
        vertx = Vertx.vertx();
        // the devices get their own event loops, so that the load generator does not run on the node's
        devices = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        node = new TestRegionNode(vertx, federation.cassandra("eu-central"), federation.kafka("eu-central").bootstrapServers(),
                keycloak, InFlightLimits.DEFAULTS);
    }

    @AfterAll
    void stopNode() throws Exception {
        if (node != null) {
            node.close();
        }
        if (devices != null) {
            await(devices.close());
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    @Test
    void qos0FloodAtThreeTimesCapacity_leavesTheNodeUpWithinItsHeap_dropsAreCounted_andNoQos1IsLost() throws Exception {
        String qos1Tenant = node.newTenant("qos1");
        String floodTenant = node.newTenant("flood");
        List<Qos1Pump> pumps = new ArrayList<>();
        for (int i = 0; i < QOS1_DEVICES; i++) {
            node.registerDevice(qos1Tenant, "q1-" + i);
            pumps.add(new Qos1Pump(devices, qos1Tenant, "q1-" + i, WINDOW));
        }
        List<Qos0Flood> floods = new ArrayList<>();
        for (int i = 0; i < FLOOD_DEVICES; i++) {
            node.registerDevice(floodTenant, "q0-" + i);
            floods.add(new Qos0Flood(devices, floodTenant, "q0-" + i));
        }
        for (Qos1Pump p : pumps) {
            await(p.connect(node.port()));
        }
        for (Qos0Flood f : floods) {
            await(f.connect(node.port()));
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long heapMax = memory.getHeapMemoryUsage().getMax();
        long heapBefore = heapAfterGc(memory);

        // 1. capacity: the QoS 1 rate the node sustains, measured now, on this machine
        pumps.forEach(p -> p.runFor(CAPACITY_SECONDS * 1000L));
        Thread.sleep(CAPACITY_SECONDS * 1000L);
        long ackedInCapacityRun = pumps.stream().mapToLong(p -> p.acked.size()).sum();
        int capacity = (int) (ackedInCapacityRun / CAPACITY_SECONDS);
        LOG.info("capacity: {} QoS 1 msg/s ({} PUBACKs in {} s from {} devices, window {})", capacity, ackedInCapacityRun,
                CAPACITY_SECONDS, QOS1_DEVICES, WINDOW);
        assertTrue(capacity >= 50, "the node sustained only " + capacity + " QoS 1 msg/s before the flood");
        awaitDrained(pumps);

        // 2. the flood, three times that, with the QoS 1 devices publishing through it
        int perDevice = Math.max(1, 3 * capacity / FLOOD_DEVICES);
        long peakHeap = 0;
        List<Future<Void>> flooding = new ArrayList<>();
        floods.forEach(f -> flooding.add(f.run(perDevice, FLOOD_MILLIS, FLOOD_MAX_MESSAGES / FLOOD_DEVICES, PAYLOAD_BYTES)));
        pumps.forEach(p -> p.runFor(FLOOD_MILLIS));
        long floodEnd = System.nanoTime() + (FLOOD_MILLIS + 30_000) * 1_000_000;
        Future<?> all = Future.join(new ArrayList<>(flooding));
        while (!all.isComplete() && System.nanoTime() < floodEnd) {
            peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
            Thread.sleep(250);
        }
        assertTrue(all.isComplete(), "the flood did not end within its time bound");
        awaitDrained(pumps);

        long sent = floods.stream().mapToLong(f -> f.sent.get()).sum();
        long heldBack = floods.stream().mapToLong(f -> f.heldBack.get()).sum();
        double dropped = node.meters.find(InFlightBudget.DROPPED).counters().stream().mapToDouble(c -> c.count()).sum();
        long closed = floods.stream().filter(f -> f.closedByServer).count();
        Thread.sleep(2000); // QoS 0 records the producer still holds
        long floodOnKafka = node.endOffset("hono.telemetry." + floodTenant);
        LOG.info("flood: offered {} msg/s for {} s from {} devices; written {}, held back by TCP {}, dropped {} ({}), on Kafka {}, "
                        + "connections closed {}; heap before {} MiB, peak {} MiB (node and test clients), max {} MiB",
                perDevice * FLOOD_DEVICES, FLOOD_MILLIS / 1000, FLOOD_DEVICES, sent, heldBack, (long) dropped, dropReasons(), floodOnKafka,
                closed, mib(heapBefore), mib(peakHeap), mib(heapMax));

        assertEquals(0, closed, "flood connections closed by the node");
        assertTrue(dropped > 0, "no QoS 0 message was dropped although " + sent + " were written at 3x capacity and "
                + floodOnKafka + " reached Kafka");
        assertTrue(floodOnKafka + (long) dropped <= sent, "on Kafka " + floodOnKafka + " + dropped " + dropped + " > written " + sent);

        // 3. QoS 1 was slowed, never lost: every PUBACKed message is on Kafka
        Set<String> acked = new HashSet<>();
        pumps.forEach(p -> acked.addAll(p.acked));
        long failed = pumps.stream().mapToLong(p -> p.failed.get()).sum();
        Set<String> onKafka = payloads("hono.telemetry." + qos1Tenant, acked.size());
        Set<String> missing = new HashSet<>(acked);
        missing.removeAll(onKafka);
        LOG.info("QoS 1: {} PUBACKed ({} during the flood), {} on Kafka, {} without PUBACK", acked.size(),
                acked.size() - ackedInCapacityRun, onKafka.size(), failed);
        assertTrue(acked.size() > ackedInCapacityRun, "no QoS 1 message was PUBACKed during the flood");
        assertEquals(Set.of(), missing.size() > 20 ? Set.of(missing.size() + " messages") : missing, "PUBACKed but not on Kafka");

        // the node's heap after the flood, once this test has let go of its own bookkeeping (every PUBACKed payload
        // and every payload read back from Kafka: at the rates the node reaches, over a hundred MiB in this JVM)
        acked.clear();
        onKafka.clear();
        missing.clear();
        pumps.forEach(p -> p.acked.clear());
        long heapAfter = heapAfterGc(memory);
        LOG.info("heap after the flood: {} MiB (before {} MiB, max {} MiB)", mib(heapAfter), mib(heapBefore), mib(heapMax));
        assertTrue(heapAfter < heapMax / 2, "heap after the flood " + mib(heapAfter) + " MiB of " + mib(heapMax));
        assertTrue(heapAfter < heapBefore + 128L * 1024 * 1024,
                "heap after the flood " + mib(heapAfter) + " MiB grew by more than 128 MiB from " + mib(heapBefore));
        for (Qos1Pump p : pumps) {
            await(p.disconnect());
        }
        for (Qos0Flood f : floods) {
            await(f.close());
        }

        // 4. afterwards a fresh device is served at QoS 1
        String freshTenant = node.newTenant("fresh");
        node.registerDevice(freshTenant, "fresh-1");
        Qos1Pump fresh = new Qos1Pump(devices, freshTenant, "fresh-1", 1);
        await(fresh.connect(node.port()));
        fresh.runFor(1);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (fresh.acked.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(Set.of("fresh-1-0"), fresh.acked, "PUBACKs of the fresh device");
        assertEquals(1, node.endOffset("hono.telemetry." + freshTenant), "records of the fresh device on Kafka");
        await(fresh.disconnect());
    }

    private String dropReasons() {
        StringBuilder b = new StringBuilder();
        node.meters.find(InFlightBudget.DROPPED).counters()
                .forEach(c -> b.append(c.getId().getTag("reason")).append('=').append((long) c.count()).append(' '));
        return b.toString().trim();
    }

    /** Waits up to 60 s until no QoS 1 message is waiting for its PUBACK. */
    private static void awaitDrained(List<Qos1Pump> pumps) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (pumps.stream().anyMatch(p -> p.unacked() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /** Every payload on a topic, read from the beginning, within a bounded wait. */
    private Set<String> payloads(String topic, int expectedAtLeast) {
        Set<String> values = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = node.consumer()) {
            List<TopicPartition> partitions = TestRegionNode.partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long end = consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
            long read = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (read < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                    read++;
                }
            }
            assertTrue(read >= end, "read " + read + " of " + end + " records of " + topic + " in 90 s (expected at least " + expectedAtLeast + ")");
        }
        return values;
    }

    private static long heapAfterGc(MemoryMXBean memory) throws InterruptedException {
        System.gc();
        Thread.sleep(500);
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }
}
