package io.meridian.load;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The load tool's settings, from {@code --name value} arguments.
 *
 * @param qos 0 or 1, or -1 for idle connections that publish nothing
 * @param rate total messages per second over all devices; 0 means as fast as possible (QoS 1: every device
 *             keeps {@code window} messages unacknowledged; QoS 0: as fast as the sockets take them)
 */
record LoadOptions(String region, int devices, int qos, int rate, int durationSeconds, int warmupSeconds, int window, int payloadBytes,
        String topic, String tenant, boolean register, String reference, int connectParallel, int lanes, String catalogSecret,
        String mqttHost, Integer mqttPort, String registryUrl, String tokenUrl, String kafka, String payloadFormat, String ingestMetrics) {

    static final String USAGE = """
            usage: LoadTool [--name value]...
              --region eu-central       region whose local ports are the defaults (region-configs)
              --devices 1000            devices to register and connect
              --qos 1                   0, 1, or idle (connect and hold, publish nothing)
              --rate 0                  total msg/s over all devices; 0 = as fast as possible
              --duration 30             measured seconds, after --warmup 5 seconds
              --window 10               QoS 1 messages unacknowledged per device
              --payload 100             payload bytes
              --payload-format bytes    bytes (zeros), or json: {"sent":<epoch ms>,"v":n,"p":"pad"}, and the tenant maps v and sent
              --ingest-metrics URL      the node's Prometheus /metrics: report what the ingest stored durably, and its latency
              --topic telemetry
              --tenant load-<devices>   the tenant the devices are registered in
              --register true           register the tenant and devices first (sha-256 credentials)
              --reference mosquitto     also run the same workload against a plain Mosquitto broker and print the ratio; none to skip
              --connect-parallel 200    CONNECTs in flight at once
              --lanes 2                 event loops of the load generator
              --catalog-secret catalog-dev-secret   the realm's catalog client secret (local-federation's MeridianRealm)
              --mqtt-host 127.0.0.1  --mqtt-port <region's localPorts.mqtt>
              --registry http://127.0.0.1:<region's localPorts.registryApi>
              --token-url http://127.0.0.1:<keycloak>/realms/meridian/protocol/openid-connect/token
              --kafka 127.0.0.1:<region's localPorts.kafka>   counts what reached hono.telemetry.<tenant>; none to skip
            """;

    LoadOptions {
        if (devices < 1) {
            throw new IllegalArgumentException("--devices must be at least 1, was " + devices);
        }
        if (qos < -1 || qos > 1) {
            throw new IllegalArgumentException("--qos must be 0, 1 or idle, was " + qos);
        }
        if (rate < 0 || durationSeconds < 1 || warmupSeconds < 0) {
            throw new IllegalArgumentException("--rate must be >= 0, --duration >= 1 and --warmup >= 0, were " + rate + ", "
                    + durationSeconds + ", " + warmupSeconds);
        }
        if (window < 1 || window > MqttDevice.MAX_WINDOW) {
            throw new IllegalArgumentException("--window must be between 1 and " + MqttDevice.MAX_WINDOW + ", was " + window);
        }
        if (payloadBytes < 0 || payloadBytes > 8000) {
            throw new IllegalArgumentException("--payload must be between 0 and 8000 bytes (the adapter's maximum message size), was " + payloadBytes);
        }
        if (!reference.equals("mosquitto") && !reference.equals("none")) {
            throw new IllegalArgumentException("--reference must be mosquitto or none, was " + reference);
        }
        if (!payloadFormat.equals("bytes") && !payloadFormat.equals("json")) {
            throw new IllegalArgumentException("--payload-format must be bytes or json, was " + payloadFormat);
        }
        if (connectParallel < 1 || lanes < 1) {
            throw new IllegalArgumentException("--connect-parallel and --lanes must be at least 1, were " + connectParallel + ", " + lanes);
        }
    }

    static LoadOptions parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("arguments must be --name value pairs, got " + args[i]);
            }
            m.put(args[i].substring(2), args[++i]);
        }
        int devices = integer(m, "devices", 1000);
        String qos = m.getOrDefault("qos", "1");
        LoadOptions o = new LoadOptions(m.getOrDefault("region", "eu-central"), devices,
                qos.equals("idle") ? -1 : parseInt("qos", qos), integer(m, "rate", 0), integer(m, "duration", 30), integer(m, "warmup", 5),
                integer(m, "window", 10), integer(m, "payload", 100), m.getOrDefault("topic", "telemetry"),
                m.getOrDefault("tenant", "load-" + devices), Boolean.parseBoolean(m.getOrDefault("register", "true")),
                m.getOrDefault("reference", "mosquitto"), integer(m, "connect-parallel", 200), integer(m, "lanes", 2),
                m.getOrDefault("catalog-secret", "catalog-dev-secret"), m.getOrDefault("mqtt-host", "127.0.0.1"),
                m.containsKey("mqtt-port") ? integer(m, "mqtt-port", 0) : null, m.get("registry"), m.get("token-url"), m.get("kafka"),
                m.getOrDefault("payload-format", "bytes"), m.get("ingest-metrics"));
        for (String key : m.keySet()) {
            if (!USAGE.contains("--" + key + " ")) {
                throw new IllegalArgumentException("unknown option --" + key + "\n" + USAGE);
            }
        }
        return o;
    }

    private static int integer(Map<String, String> m, String name, int defaultValue) {
        String v = m.get(name);
        return v == null ? defaultValue : parseInt(name, v);
    }

    private static int parseInt(String name, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, was " + v, e);
        }
    }
}
