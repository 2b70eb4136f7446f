package io.meridian.region.adapter.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class MqttCommandResponseTopicTest {

    @Test
    void deviceResponse_longAndShortForm() {
        MqttCommandResponseTopic t = MqttCommandResponseTopic.parse("command///res/r-1/200").orElseThrow();
        assertEquals(new MqttCommandResponseTopic(Optional.empty(), Optional.empty(), "r-1", 200, Optional.empty()), t);
        assertEquals(t, MqttCommandResponseTopic.parse("c///s/r-1/200").orElseThrow());
    }

    @Test
    void gatewayResponse_namesTheDevice_andMayCarryAContentType() {
        MqttCommandResponseTopic t = MqttCommandResponseTopic.parse("command/acme/sensor-9/res/r-1/503/?content-type=application%2Fjson").orElseThrow();
        assertEquals(Optional.of("acme"), t.tenantId());
        assertEquals(Optional.of("sensor-9"), t.deviceId());
        assertEquals(503, t.status());
        assertEquals(Optional.of("application/json"), t.contentType());
    }

    @Test
    void malformedResponses_areRecognisedButNotParsed() {
        for (String topic : new String[] {"command///res//200", "command///res/r-1/ok", "command///res/r-1/199", "command///res/r-1/600",
                "command///res/r-1", "command///res/r-1/200/extra", "c///s/r-1/200/?novalue"}) {
            assertTrue(MqttCommandResponseTopic.isCommandResponse(topic), topic);
            assertEquals(Optional.empty(), MqttCommandResponseTopic.parse(topic), topic);
        }
    }

    @Test
    void telemetryAndCommandRequests_areNotResponses() {
        for (String topic : new String[] {"telemetry", "t/acme/lamp", "command///req/r-1/x", "event", ""}) {
            assertFalse(MqttCommandResponseTopic.isCommandResponse(topic), topic);
        }
        assertFalse(MqttCommandResponseTopic.isCommandResponse(null));
    }
}
