package io.meridian.region.adapter.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The in-flight work of one MQTT adapter, over all its connections, and the factory of its per-connection
 * {@link MqttDeviceSession}s. Thread-safe.
 *
 * <p>Meters, on the node's registry:
 * <ul>
 * <li>{@code meridian.mqtt.qos0.dropped} (counter), tag {@code reason}: {@code connection} (the connection was
 *     over its hard limit), {@code node} (the node's budget was spent) or {@code kafka} (the telemetry
 *     producer's unacknowledged backlog was full);</li>
 * <li>{@code meridian.mqtt.inflight} (gauge): messages in flight now;</li>
 * <li>{@code meridian.mqtt.reads.paused} (counter): how often a connection stopped being read;</li>
 * <li>{@code meridian.mqtt.connect.overloaded} (counter): CONNECTs refused because the budget was spent.</li>
 * </ul>
 */
final class InFlightBudget {

    static final String DROPPED = "meridian.mqtt.qos0.dropped";

    private final InFlightLimits limits;
    private final BooleanSupplier kafkaBacklogFull;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Queue<MqttDeviceSession> waiting = new ConcurrentLinkedQueue<>();
    final Counter droppedOverConnection;
    final Counter droppedOverNode;
    final Counter droppedOverKafka;
    final Counter pauses;
    final Counter overloadedConnects;

    /**
     * @param kafkaBacklogFull whether the telemetry producer holds more unacknowledged bytes than
     *                         {@link InFlightLimits#kafkaBacklogBytes()}; called once per QoS 0 message
     */
    InFlightBudget(InFlightLimits limits, BooleanSupplier kafkaBacklogFull, MeterRegistry meters) {
        this.limits = Objects.requireNonNull(limits, "limits must not be null");
        this.kafkaBacklogFull = Objects.requireNonNull(kafkaBacklogFull, "kafkaBacklogFull must not be null");
        Objects.requireNonNull(meters, "meters must not be null");
        droppedOverConnection = Counter.builder(DROPPED).tag("reason", "connection").register(meters);
        droppedOverNode = Counter.builder(DROPPED).tag("reason", "node").register(meters);
        droppedOverKafka = Counter.builder(DROPPED).tag("reason", "kafka").register(meters);
        pauses = Counter.builder("meridian.mqtt.reads.paused").register(meters);
        overloadedConnects = Counter.builder("meridian.mqtt.connect.overloaded").register(meters);
        Gauge.builder("meridian.mqtt.inflight", inFlight, AtomicInteger::get).register(meters);
    }

    /** A session for a newly accepted connection. */
    MqttDeviceSession open(ReadGate gate) {
        return new MqttDeviceSession(this, limits, gate);
    }

    /** Whether a new CONNECT must be refused ("server unavailable"); counts the refusal if so. */
    boolean refuseConnect() {
        if (exhausted()) {
            overloadedConnects.increment();
            return true;
        }
        return false;
    }

    int inFlight() {
        return inFlight.get();
    }

    InFlightLimits limits() {
        return limits;
    }

    boolean exhausted() {
        return inFlight.get() >= limits.node();
    }

    /** Whether paused sessions may read again as far as the node is concerned: at or below half the budget. */
    boolean belowResumeMark() {
        return inFlight.get() <= limits.node() / 2;
    }

    boolean kafkaBacklogFull() {
        return kafkaBacklogFull.getAsBoolean();
    }

    void acquire() {
        inFlight.incrementAndGet();
    }

    void release() {
        int now = inFlight.decrementAndGet();
        if (now <= limits.node() / 2 && !waiting.isEmpty()) {
            MqttDeviceSession session;
            while ((session = waiting.poll()) != null) {
                session.budgetFreed();
            }
        }
    }

    /** Remembers a paused session that waits for the node's in-flight work to drop to half the budget. */
    void await(MqttDeviceSession session) {
        waiting.add(session);
        // the budget may have dropped between the session's check and this add: do not leave it waiting
        if (belowResumeMark() && waiting.remove(session)) {
            session.budgetFreed();
        }
    }
}
