package io.meridian.region.adapter.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;

/**
 * The in-flight work of one MQTT connection and the backpressure on its socket (DESIGN.md section 3.3).
 * Each admitted message must be followed by exactly one {@link #done()}.
 *
 * <ul>
 * <li>At {@link InFlightLimits#connectionSoft()} messages in flight, or when the node's budget is spent, the
 *     socket stops being read; it is read again when the connection is down to half its soft limit and the
 *     node to half its budget.</li>
 * <li>Messages that were already decoded still arrive. Beyond {@link InFlightLimits#connectionHard()}, while
 *     the node's budget is spent, or while Kafka's backlog is full, QoS 0 messages are dropped and counted.</li>
 * <li>QoS 1 messages are always admitted: their PUBACK waits for Kafka, and the device's own in-flight
 *     window and the paused socket slow it down.</li>
 * </ul>
 * Thread-safe: Kafka completions and the node's budget may call in from other threads.
 */
final class MqttDeviceSession {

    private final InFlightBudget budget;
    private final InFlightLimits limits;
    private final ReadGate gate;
    private int inFlight;
    private boolean paused;
    private boolean closed;

    MqttDeviceSession(InFlightBudget budget, InFlightLimits limits, ReadGate gate) {
        this.budget = budget;
        this.limits = limits;
        this.gate = gate;
    }

    /**
     * Admits a PUBLISH, or drops it if it is QoS 0 and there is no room.
     *
     * @return true if admitted (call {@link #done()} when its send completed), false if dropped (counted)
     */
    synchronized boolean admit(MqttQoS qos) {
        if (qos == MqttQoS.AT_MOST_ONCE) {
            if (inFlight >= limits.connectionHard()) {
                budget.droppedOverConnection.increment();
                return false;
            }
            if (budget.exhausted()) {
                budget.droppedOverNode.increment();
                pause();
                // nothing of this connection may be in flight, so no done() would resume it: the budget will
                budget.await(this);
                return false;
            }
            if (budget.kafkaBacklogFull()) {
                budget.droppedOverKafka.increment();
                return false;
            }
        }
        inFlight++;
        budget.acquire();
        if (inFlight >= limits.connectionSoft() || budget.exhausted()) {
            pause();
        }
        return true;
    }

    /** The send of an admitted message completed, successfully or not. */
    void done() {
        synchronized (this) {
            inFlight--;
        }
        // release outside this session's lock: it may resume other sessions
        budget.release();
        maybeResume();
    }

    /** The connection closed: never touch its socket again. Messages still in flight still call done(). */
    synchronized void close() {
        closed = true;
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized boolean paused() {
        return paused;
    }

    /** Called by the budget when the node is down to half its budget. */
    void budgetFreed() {
        maybeResume();
    }

    private void pause() {
        if (!paused && !closed) {
            paused = true;
            budget.pauses.increment();
            gate.pause();
        }
    }

    private void maybeResume() {
        boolean waitForNode;
        synchronized (this) {
            if (!paused || closed || inFlight > limits.connectionSoft() / 2) {
                // a later done() checks again
                return;
            }
            waitForNode = !budget.belowResumeMark();
            if (!waitForNode) {
                paused = false;
                gate.resume();
                return;
            }
        }
        budget.await(this);
    }
}
