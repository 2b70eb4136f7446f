package io.meridian.region.adapter.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MqttTopicTest {

    @Test
    void shortAndLongNames_ofTelemetryAndEvent() {
        assertFalse(MqttTopic.parse("telemetry").orElseThrow().event());
        assertFalse(MqttTopic.parse("t").orElseThrow().event());
        assertTrue(MqttTopic.parse("event").orElseThrow().event());
        assertTrue(MqttTopic.parse("e").orElseThrow().event());
    }

    @Test
    void tenantAndDevice_areOptional() {
        MqttTopic full = MqttTopic.parse("telemetry/lampco/lamp-1").orElseThrow();
        assertEquals(Optional.of("lampco"), full.tenantId());
        assertEquals(Optional.of("lamp-1"), full.deviceId());

        MqttTopic emptyTenant = MqttTopic.parse("t//lamp-1").orElseThrow();
        assertEquals(Optional.empty(), emptyTenant.tenantId());
        assertEquals(Optional.of("lamp-1"), emptyTenant.deviceId());

        MqttTopic bare = MqttTopic.parse("e").orElseThrow();
        assertEquals(Optional.empty(), bare.tenantId());
        assertEquals(Optional.empty(), bare.deviceId());
    }

    @Test
    void propertyBag_isDecoded() {
        MqttTopic topic = MqttTopic.parse("event/lampco/lamp-1/?content-type=application%2Fjson&x=1").orElseThrow();
        assertTrue(topic.event());
        assertEquals(Optional.of("lamp-1"), topic.deviceId());
        assertEquals(Optional.of("application/json"), topic.contentType());
        assertEquals(Map.of("content-type", "application/json", "x", "1"), topic.properties());
        assertEquals(Optional.of("text/plain"), MqttTopic.parse("t/?content-type=text%2Fplain").orElseThrow().contentType());
    }

    @Test
    void otherTopics_areNotTelemetryOrEvent() {
        assertEquals(Optional.empty(), MqttTopic.parse("command///res/42/200"));
        assertEquals(Optional.empty(), MqttTopic.parse("telemetryx"));
        assertEquals(Optional.empty(), MqttTopic.parse("telemetry/lampco"));
        assertEquals(Optional.empty(), MqttTopic.parse("telemetry/lampco/lamp-1/extra"));
        assertEquals(Optional.empty(), MqttTopic.parse("t/?novalue"));
        assertEquals(Optional.empty(), MqttTopic.parse(""));
    }

    @Test
    void malformedPercentEscapeInThePropertyBag_isNotATopic_ratherThanAnException() {
        assertEquals(Optional.empty(), MqttTopic.parse("telemetry/?content-type=%zz"));
        assertEquals(Optional.empty(), MqttTopic.parse("t/?%=x"));
    }
}
