package io.meridian.regions;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A region's block of {@value #BLOCK_SIZE} loopback ports for local runs ({@code ./meridian up}). Every
 * process of the region takes a fixed offset inside the block, so two regions never collide as long as
 * their blocks do not overlap, which the loader checks.
 *
 * @param base the first port of the block, 1024-65435
 */
public record LocalPorts(int base) {

    /** How many ports one region's block spans. */
    public static final int BLOCK_SIZE = 100;

    public LocalPorts {
        if (base < 1024 || base + BLOCK_SIZE - 1 > 65535) {
            throw new IllegalArgumentException(
                    "local port block base must be between 1024 and " + (65535 - BLOCK_SIZE + 1) + ", was " + base);
        }
    }

    /** Cassandra's CQL native transport. */
    public int cassandraCql() {
        return base + 42;
    }

    /** Cassandra's inter-node storage port. */
    public int cassandraStorage() {
        return base + 70;
    }

    /** The Kafka broker's client listener. */
    public int kafka() {
        return base + 92;
    }

    /** The Kafka KRaft controller listener. */
    public int kafkaController() {
        return base + 93;
    }

    /** The region node's plain MQTT adapter port (1883 in production). */
    public int mqtt() {
        return base + 83;
    }

    /** The region node's MQTT-over-TLS adapter port (8883 in production). */
    public int mqttTls() {
        return base + 84;
    }

    /** The region node's HTTP protocol adapter. */
    public int httpAdapter() {
        return base + 80;
    }

    /** The region node's HTTPS protocol adapter. */
    public int httpsAdapter() {
        return base + 43;
    }

    /** The region node's management port: readiness and Prometheus metrics. */
    public int nodeManagement() {
        return base + 85;
    }

    /** The region node's Device Registry Management API. */
    public int registryApi() {
        return base + 81;
    }

    /** The region node's data API (state, telemetry, aggregates, decision log). */
    public int dataApi() {
        return base + 82;
    }

    /** The region's federation gateway. */
    public int gateway() {
        return base + 90;
    }

    /** Whether a port lies inside this block. */
    public boolean contains(int port) {
        return port >= base && port < base + BLOCK_SIZE;
    }

    /** Whether this block and another share at least one port. */
    public boolean overlaps(LocalPorts other) {
        return base < other.base + BLOCK_SIZE && other.base < base + BLOCK_SIZE;
    }

    /** Every named port, in a stable order, for display and for checks. */
    public Map<String, Integer> named() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("cassandra-cql", cassandraCql());
        ports.put("cassandra-storage", cassandraStorage());
        ports.put("kafka", kafka());
        ports.put("kafka-controller", kafkaController());
        ports.put("mqtt", mqtt());
        ports.put("mqtt-tls", mqttTls());
        ports.put("http-adapter", httpAdapter());
        ports.put("https-adapter", httpsAdapter());
        ports.put("registry-api", registryApi());
        ports.put("node-management", nodeManagement());
        ports.put("data-api", dataApi());
        ports.put("gateway", gateway());
        return ports;
    }
}
