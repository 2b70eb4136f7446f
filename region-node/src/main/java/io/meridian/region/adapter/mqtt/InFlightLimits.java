package io.meridian.region.adapter.mqtt;

import java.util.Map;

/**
 * How much work the MQTT adapter accepts before it pushes back (DESIGN.md section 3.3).
 *
 * <p>A message is "in flight" from its PUBLISH until its send to Kafka completed: for QoS 1 that is the
 * Kafka acknowledgement, for QoS 0 only the registry lookups, because Hono's sender completes QoS 0 sends
 * at once. QoS 0 records that wait in the Kafka producer are bounded separately by {@code kafkaBacklogBytes}.
 *
 * @param connectionSoft     in-flight messages of one connection at which the adapter stops reading from its
 *                           socket; it reads again at half of it
 * @param connectionHard     in-flight messages of one connection beyond which QoS 0 messages are dropped (the
 *                           socket may still deliver what it had already decoded); QoS 1 is never dropped
 * @param node               in-flight messages of the whole adapter at which every connection that publishes
 *                           stops being read and new CONNECTs are refused with "server unavailable"; reading
 *                           resumes at half of it
 * @param kafkaBacklogBytes  payload bytes handed to the telemetry producer and not yet acknowledged by Kafka
 *                           above which QoS 0 telemetry is dropped
 */
public record InFlightLimits(int connectionSoft, int connectionHard, int node, int kafkaBacklogBytes) {

    /** Defaults sized for a 2-core node with a 512 MiB heap: about 10 MB of in-flight work at most. */
    public static final InFlightLimits DEFAULTS = new InFlightLimits(32, 64, 8192, 1 << 20);

    public InFlightLimits {
        if (connectionSoft < 2) {
            throw new IllegalArgumentException("mqtt.inflight.connectionSoft must be at least 2, was " + connectionSoft);
        }
        if (connectionHard < connectionSoft) {
            throw new IllegalArgumentException("mqtt.inflight.connectionHard must be at least mqtt.inflight.connectionSoft ("
                    + connectionSoft + "), was " + connectionHard);
        }
        if (node < connectionHard) {
            throw new IllegalArgumentException("mqtt.inflight.node must be at least mqtt.inflight.connectionHard ("
                    + connectionHard + "), was " + node);
        }
        if (kafkaBacklogBytes < 64 * 1024) {
            throw new IllegalArgumentException("mqtt.kafkaBacklogBytes must be at least 65536, was " + kafkaBacklogBytes);
        }
    }

    /** The effective limits, for the start-up log. */
    public Map<String, Object> describe() {
        return Map.of("mqtt.inflight.connectionSoft", connectionSoft, "mqtt.inflight.connectionHard", connectionHard,
                "mqtt.inflight.node", node, "mqtt.kafkaBacklogBytes", kafkaBacklogBytes);
    }
}
