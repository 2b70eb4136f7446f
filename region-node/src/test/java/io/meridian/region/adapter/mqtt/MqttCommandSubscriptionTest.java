package io.meridian.region.adapter.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MqttCommandSubscriptionTest {

    private static MqttCommandSubscription parse(String filter) {
        return MqttCommandSubscription.parse(filter, MqttQoS.AT_LEAST_ONCE).orElseThrow(() -> new AssertionError("not parsed: " + filter));
    }

    @Test
    void deviceFilter_longForm_deliversWithoutTenantOrDevice() {
        MqttCommandSubscription s = parse("command///req/#");
        assertEquals(Optional.empty(), s.tenantId());
        assertEquals(Optional.empty(), s.deviceId());
        assertFalse(s.allDevices());
        assertEquals("lamp", s.targetDeviceId("lamp"));
        assertEquals("command///req/r-1/setBrightness", s.commandTopic("lamp", "lamp", "r-1", "setBrightness"));
        assertEquals("command///req//setBrightness", s.commandTopic("lamp", "lamp", null, "setBrightness"));
    }

    @Test
    void deviceFilter_shortForm_isEchoedInDeliveredTopics() {
        MqttCommandSubscription s = parse("c///q/#");
        assertEquals("c///q/r-1/setVolume", s.commandTopic("lamp", "lamp", "r-1", "setVolume"));
        assertEquals("c///q//setVolume", s.commandTopic("lamp", "lamp", null, "setVolume"));
    }

    @Test
    void filterWithTenant_keepsTheTenantInDeliveredTopics() {
        MqttCommandSubscription s = parse("command/acme//req/#");
        assertEquals(Optional.of("acme"), s.tenantId());
        assertEquals("command/acme//req/r-1/reboot", s.commandTopic("lamp", "lamp", "r-1", "reboot"));
    }

    @Test
    void gatewayWildcard_namesTheDevice_exceptForTheGatewaysOwnCommands() {
        MqttCommandSubscription s = parse("command//+/req/#");
        assertTrue(s.allDevices());
        assertEquals("gw", s.targetDeviceId("gw"));
        assertEquals("command//sensor-9/req/r-1/calibrate", s.commandTopic("sensor-9", "gw", "r-1", "calibrate"));
        assertEquals("command///req/r-2/reboot", s.commandTopic("gw", "gw", "r-2", "reboot"));
    }

    @Test
    void gatewayFilterForOneDevice_targetsThatDevice() {
        MqttCommandSubscription s = parse("c//sensor-9/q/#");
        assertFalse(s.allDevices());
        assertEquals("sensor-9", s.targetDeviceId("gw"));
        assertEquals("c//sensor-9/q//calibrate", s.commandTopic("sensor-9", "gw", null, "calibrate"));
    }

    @Test
    void qos_isTheRequestedOne_atMostOne() {
        assertEquals(MqttQoS.AT_MOST_ONCE, MqttCommandSubscription.parse("c///q/#", MqttQoS.AT_MOST_ONCE).orElseThrow().qos());
        assertEquals(MqttQoS.AT_LEAST_ONCE, MqttCommandSubscription.parse("c///q/#", MqttQoS.AT_LEAST_ONCE).orElseThrow().qos());
        assertEquals(MqttQoS.AT_LEAST_ONCE, MqttCommandSubscription.parse("c///q/#", MqttQoS.EXACTLY_ONCE).orElseThrow().qos());
    }

    @Test
    void otherFilters_areNotCommandSubscriptions() {
        for (String f : new String[] {"command///req", "command///req/+", "command///res/#", "command/+//req/#", "command//#/req/#",
                "command//a+b/req/#", "commands///req/#", "command////req/#", "error///#", "#", "telemetry", ""}) {
            assertEquals(Optional.empty(), MqttCommandSubscription.parse(f, MqttQoS.AT_LEAST_ONCE), f);
        }
        assertEquals(Optional.empty(), MqttCommandSubscription.parse(null, MqttQoS.AT_LEAST_ONCE));
    }
}
