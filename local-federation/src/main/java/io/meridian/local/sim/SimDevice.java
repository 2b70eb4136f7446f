package io.meridian.local.sim;

import java.util.Map;

/**
 * A device the catalog registered: its plan, the region it was assigned, that region's MQTT endpoint and the
 * credentials the catalog returned once. {@link #toString()} leaves the password out.
 */
public record SimDevice(DevicePlan plan, String region, String mqttHost, int mqttPort, String username, String password) {

    public String tenant() {
        return plan.tenant();
    }

    public String deviceId() {
        return plan.deviceId();
    }

    public Map<String, String> labels() {
        return plan.labels();
    }

    @Override
    public String toString() {
        return "SimDevice[" + plan.tenant() + "/" + plan.deviceId() + " in " + region + " via " + mqttHost + ":" + mqttPort + "]";
    }
}
