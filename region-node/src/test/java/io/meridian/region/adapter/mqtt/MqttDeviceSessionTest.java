package io.meridian.region.adapter.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The in-flight accounting and read pausing, with a recording gate instead of a socket. */
class MqttDeviceSessionTest {

    /** Records whether reading is paused, and fails on a pause while paused or a resume while reading. */
    static final class RecordingGate implements ReadGate {
        boolean paused;

        @Override
        public void pause() {
            assertFalse(paused, "paused twice");
            paused = true;
        }

        @Override
        public void resume() {
            assertTrue(paused, "resumed while reading");
            paused = false;
        }
    }

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicBoolean kafkaFull = new AtomicBoolean();
    private final InFlightBudget budget = new InFlightBudget(new InFlightLimits(4, 8, 16, 1 << 20), kafkaFull::get, meters);

    private double dropped(String reason) {
        return meters.counter(InFlightBudget.DROPPED, "reason", reason).count();
    }

    @Test
    void readsPauseAtTheSoftLimit_andResumeAtHalfOfIt() {
        RecordingGate gate = new RecordingGate();
        MqttDeviceSession session = budget.open(gate);
        for (int i = 0; i < 3; i++) {
            assertTrue(session.admit(MqttQoS.AT_LEAST_ONCE));
        }
        assertFalse(gate.paused);
        assertTrue(session.admit(MqttQoS.AT_LEAST_ONCE));
        assertTrue(gate.paused, "paused at 4 in flight");
        session.done();
        assertTrue(gate.paused, "still paused at 3 in flight");
        session.done();
        assertFalse(gate.paused, "reading again at 2 in flight");
        assertEquals(2, budget.inFlight());
    }

    @Test
    void qos0BeyondTheHardLimit_isDroppedAndCounted_qos1IsNever() {
        MqttDeviceSession session = budget.open(new RecordingGate());
        for (int i = 0; i < 8; i++) {
            assertTrue(session.admit(MqttQoS.AT_MOST_ONCE));
        }
        assertFalse(session.admit(MqttQoS.AT_MOST_ONCE), "the 9th QoS 0 message is over the hard limit");
        assertEquals(1.0, dropped("connection"));
        assertTrue(session.admit(MqttQoS.AT_LEAST_ONCE), "QoS 1 is admitted beyond the hard limit");
        assertEquals(9, session.inFlight());
    }

    @Test
    void spentNodeBudget_pausesOtherSessions_refusesConnects_andResumesThemAtHalf() {
        RecordingGate busyGate = new RecordingGate();
        RecordingGate idleGate = new RecordingGate();
        MqttDeviceSession[] busy = new MqttDeviceSession[4];
        for (int s = 0; s < busy.length; s++) {
            busy[s] = budget.open(s == 0 ? busyGate : new RecordingGate());
            for (int i = 0; i < 4; i++) {
                assertTrue(busy[s].admit(MqttQoS.AT_LEAST_ONCE));
            }
        }
        assertEquals(16, budget.inFlight());
        assertTrue(budget.refuseConnect(), "CONNECT refused with the budget spent");
        assertEquals(1.0, meters.counter("meridian.mqtt.connect.overloaded").count());

        MqttDeviceSession idle = budget.open(idleGate);
        assertFalse(idle.admit(MqttQoS.AT_MOST_ONCE), "QoS 0 is dropped while the node budget is spent");
        assertEquals(1.0, dropped("node"));
        assertTrue(idleGate.paused, "a session with nothing in flight pauses too");

        // drain 8 of the 16: the node is at half its budget, and every session reads again
        for (MqttDeviceSession s : busy) {
            s.done();
            s.done();
        }
        assertEquals(8, budget.inFlight());
        assertFalse(idleGate.paused, "the idle session was resumed by the budget");
        assertFalse(busyGate.paused);
        assertFalse(budget.refuseConnect());
    }

    @Test
    void fullKafkaBacklog_dropsQos0Only() {
        MqttDeviceSession session = budget.open(new RecordingGate());
        kafkaFull.set(true);
        assertFalse(session.admit(MqttQoS.AT_MOST_ONCE));
        assertTrue(session.admit(MqttQoS.AT_LEAST_ONCE));
        assertEquals(1.0, dropped("kafka"));
        kafkaFull.set(false);
        assertTrue(session.admit(MqttQoS.AT_MOST_ONCE));
    }

    @Test
    void closedSession_neverTouchesItsSocketAgain() {
        RecordingGate gate = new RecordingGate();
        MqttDeviceSession session = budget.open(gate);
        for (int i = 0; i < 4; i++) {
            session.admit(MqttQoS.AT_LEAST_ONCE);
        }
        session.close();
        for (int i = 0; i < 4; i++) {
            session.done();
        }
        assertTrue(gate.paused, "no resume after close");
        assertEquals(0, budget.inFlight(), "its work still left the budget");
    }

    @Test
    void impossibleLimits_areRejectedWithTheirNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new InFlightLimits(32, 16, 100, 1 << 20));
        assertEquals("mqtt.inflight.connectionHard must be at least mqtt.inflight.connectionSoft (32), was 16", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new InFlightLimits(32, 64, 63, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new InFlightLimits(1, 64, 100, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new InFlightLimits(32, 64, 100, 1000));
    }
}
