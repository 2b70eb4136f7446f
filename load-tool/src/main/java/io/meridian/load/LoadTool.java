package io.meridian.load;

import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The region node benchmark (issue 4). Against a running region node (for example {@code ./meridian up
 * --regions eu-central} plus {@code RegionNodeApp eu-central}) it registers N devices through the management
 * API, connects them over MQTT, publishes at QoS 0 or 1 at a target or the maximum rate for a set time, and
 * prints connected devices, msg/s and PUBACK latency p50/p99/p99.9. With {@code --reference mosquitto} it
 * then runs the same workload against a plain Mosquitto broker it starts on a free loopback port, and prints
 * the ratio. See load-tool/README.md for the commands and the figures.
 */
public final class LoadTool {

    private static final String PASSWORD = "load-secret-1";

    private LoadTool() {
    }

    public static void main(String[] args) throws Exception {
        LoadOptions o;
        try {
            o = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        RegionConfigs configs = RegionConfigs.loadDefault();
        RegionConfig region = configs.require(o.region());
        int mqttPort = o.mqttPort() != null ? o.mqttPort() : region.localPorts().mqtt();
        URI registry = URI.create(o.registryUrl() != null ? o.registryUrl() : "http://127.0.0.1:" + region.localPorts().registryApi());
        URI tokenUrl = URI.create(o.tokenUrl() != null ? o.tokenUrl()
                : "http://127.0.0.1:" + configs.localServices().keycloak() + "/realms/meridian/protocol/openid-connect/token");
        String kafka = o.kafka() != null ? o.kafka() : "127.0.0.1:" + region.localPorts().kafka();
        String workload = o.devices() + " devices, " + (o.qos() < 0 ? "idle" : "QoS " + o.qos() + ", "
                + (o.rate() == 0 ? "max rate" : o.rate() + " msg/s") + (o.qos() == 1 ? ", window " + o.window() : "")
                + ", " + o.payloadBytes() + " B payload") + ", " + o.durationSeconds() + " s after " + o.warmupSeconds() + " s warm-up";
        System.out.println("meridian load tool, " + Instant.now() + ": " + workload);
        System.out.println("  load average before: " + loadAverage());

        List<String> ids = IntStream.range(0, o.devices()).mapToObj(i -> String.format("dev-%06d", i)).toList();
        if (o.register()) {
            long t0 = System.nanoTime();
            Registrar registrar = Registrar.login(registry, tokenUrl, "catalog", o.catalogSecret());
            if (o.payloadFormat().equals("json")) {
                // the ingest benchmark's tenant: v is a metric, sent is the device's time, so the node measures device-to-stored
                registrar.createTenant(o.tenant(), "{\"enabled\":true,\"ext\":{\"meridian\":{\"retention-days\":1,"
                        + "\"payload\":{\"metrics\":{\"v\":\"/v\"},\"time\":\"/sent\"}}}}");
            } else {
                registrar.createTenant(o.tenant());
            }
            registrar.registerDevices(o.tenant(), ids, PASSWORD, 32);
            System.out.printf("  registered %d devices in tenant %s at %s in %.1f s (sha-256 credentials)%n", ids.size(), o.tenant(),
                    registry, (System.nanoTime() - t0) / 1e9);
        }

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.lanes()).setBlockedThreadCheckInterval(10_000));
        List<LoadRun.Result> results = new ArrayList<>();
        try {
            String topic = "hono.telemetry." + o.tenant();
            long before = kafka.equals("none") ? -1 : endOffset(kafka, topic);
            IngestProbe probe = o.ingestMetrics() == null ? null : new IngestProbe(URI.create(o.ingestMetrics()));
            IngestProbe.Scrape start = probe == null ? null : probe.scrape();
            LoadRun.Result node = new LoadRun(vertx, o).run("region node " + o.region(), o.mqttHost(), mqttPort,
                    i -> ids.get(i), i -> ids.get(i) + "@" + o.tenant(), PASSWORD);
            results.add(node);
            if (probe != null) {
                reportIngest(probe, start, o);
            }
            if (o.qos() == 0 && before >= 0) {
                Thread.sleep(3000);
                long accepted = endOffset(kafka, topic) - before;
                System.out.printf("  region node: %d QoS 0 messages reached %s during the run (warm-up included), %.0f msg/s over the whole run%n",
                        accepted, topic, accepted / (double) (o.durationSeconds() + o.warmupSeconds()));
            }
            System.out.println("  load average after the node run: " + loadAverage());
            if (o.reference().equals("mosquitto")) {
                try (MosquittoReference mosquitto = MosquittoReference.start()) {
                    System.out.println("  reference: mosquitto pid " + mosquitto.pid() + " on 127.0.0.1:" + mosquitto.port);
                    results.add(new LoadRun(vertx, o).run("mosquitto", "127.0.0.1", mosquitto.port, i -> ids.get(i),
                            i -> ids.get(i), PASSWORD));
                }
                System.out.println("  load average after the reference run: " + loadAverage());
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        print(o, results);
        System.exit(0);
    }

    /**
     * Prints what the ingest stored while the devices published (warm-up included) and how long it took to catch up
     * afterwards, with the device-to-stored latency of every row stored from the start until caught up.
     */
    private static void reportIngest(IngestProbe probe, IngestProbe.Scrape start, LoadOptions o) throws Exception {
        IngestProbe.Scrape end = probe.scrape();
        double publishSeconds = (end.nanoTime() - start.nanoTime()) / 1e9;
        IngestProbe.Scrape last = end;
        long deadline = System.nanoTime() + java.time.Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            IngestProbe.Scrape now = probe.scrape();
            boolean idle = now.stored() == last.stored();
            last = now;
            if (idle) {
                break;
            }
        }
        double caughtUp = (last.nanoTime() - end.nanoTime()) / 1e9;
        System.out.printf("  ingest: %.0f rows durably stored in Cassandra while publishing (%.1f s): %.0f rows/s; %.0f more in the"
                + " %.1f s after, until caught up%n", end.stored() - start.stored(), publishSeconds,
                (end.stored() - start.stored()) / publishSeconds, last.stored() - end.stored(), caughtUp);
        System.out.printf("  ingest: device-to-stored latency of those rows (histogram bucket bounds) p50 <= %.0f ms, p99 <= %.0f ms,"
                + " p99.9 <= %.0f ms%n", IngestProbe.percentileMillis(start, last, 50), IngestProbe.percentileMillis(start, last, 99),
                IngestProbe.percentileMillis(start, last, 99.9));
    }

    private static void print(LoadOptions o, List<LoadRun.Result> results) {
        System.out.println();
        System.out.printf("%-22s %9s %12s %12s %9s %9s %9s %9s%n", "target", "connected", "sent msg/s", "PUBACK/s", "p50 ms", "p99 ms",
                "p99.9 ms", "max ms");
        for (LoadRun.Result r : results) {
            boolean q1 = o.qos() == 1;
            System.out.printf("%-22s %9d %12.0f %12s %9s %9s %9s %9s%n", r.target(), r.connected(), r.sentPerSecond(),
                    q1 ? String.format("%.0f", r.ackedPerSecond()) : "-", q1 ? ms(r, 50) : "-", q1 ? ms(r, 99) : "-",
                    q1 ? ms(r, 99.9) : "-", q1 ? String.format("%.1f", r.pubacks().getMaxValue() / 1000.0) : "-");
        }
        if (results.size() == 2 && o.qos() >= 0) {
            LoadRun.Result node = results.get(0);
            LoadRun.Result ref = results.get(1);
            double a = o.qos() == 1 ? node.ackedPerSecond() : node.sentPerSecond();
            double b = o.qos() == 1 ? ref.ackedPerSecond() : ref.sentPerSecond();
            System.out.printf("ratio region node / mosquitto: %.2f (%s)%n", a / b, o.qos() == 1 ? "PUBACKed msg/s" : "sent msg/s");
        }
    }

    private static String ms(LoadRun.Result r, double percentile) {
        return String.format("%.2f", r.pubacks().getValueAtPercentile(percentile) / 1000.0);
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** The sum of a topic's end offsets on the region's Kafka; 0 when it does not exist yet. */
    static long endOffset(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.listTopics(java.time.Duration.ofSeconds(20)).getOrDefault(topic, List.of()).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, java.time.Duration.ofSeconds(20));
            return ends.values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
