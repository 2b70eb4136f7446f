package io.meridian.region.adapter.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.Objects;
import java.util.Optional;

/**
 * A device's or gateway's SUBSCRIBE topic filter for commands, in the forms of Hono's MQTT adapter:
 * {@code command/[<tenant>]/[<device>|+]/req/#}, with {@code c} and {@code q} as short forms of
 * {@code command} and {@code req}.
 *
 * <ul>
 * <li>{@code command///req/#}: commands for the authenticated device;</li>
 * <li>{@code command//+/req/#}: a gateway's commands for all devices it may act for, and for itself;</li>
 * <li>{@code command//<device>/req/#}: a gateway's commands for that one device.</li>
 * </ul>
 *
 * A command is delivered on a topic in the subscription's own spelling: the same first and fourth segment, the
 * tenant only when the filter named it, the device id for device-specific filters and, for {@code +}, for every
 * device but the gateway itself; then the request id (empty for a one-way command) and the command name.
 *
 * @param filter the topic filter as subscribed
 * @param commandSegment {@code command} or {@code c}, echoed in delivered topics
 * @param requestSegment {@code req} or {@code q}, echoed in delivered topics
 * @param tenantId the tenant the filter names, empty when it names none
 * @param deviceId the device the filter names, empty for the authenticated device or for {@code +}
 * @param allDevices whether the filter is a gateway's {@code +}
 * @param qos the QoS granted and used to deliver commands: the requested one, at most 1
 */
record MqttCommandSubscription(String filter, String commandSegment, String requestSegment, Optional<String> tenantId,
        Optional<String> deviceId, boolean allDevices, MqttQoS qos) {

    MqttCommandSubscription {
        Objects.requireNonNull(filter, "filter must not be null");
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(deviceId, "deviceId must not be null");
        Objects.requireNonNull(qos, "qos must not be null");
    }

    /**
     * Parses a topic filter.
     *
     * @param requested the QoS the client asked for
     * @return empty when the filter is not a command filter of Hono's forms
     */
    static Optional<MqttCommandSubscription> parse(String filter, MqttQoS requested) {
        if (filter == null || requested == null || requested == MqttQoS.FAILURE) {
            return Optional.empty();
        }
        String[] s = filter.split("/", -1);
        if (s.length != 5 || !isCommand(s[0]) || !("req".equals(s[3]) || "q".equals(s[3])) || !"#".equals(s[4])) {
            return Optional.empty();
        }
        if (isWildcard(s[1]) || s[2].contains("#") || s[2].contains("+") && !"+".equals(s[2])) {
            return Optional.empty();
        }
        MqttQoS qos = requested == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
        boolean all = "+".equals(s[2]);
        return Optional.of(new MqttCommandSubscription(filter, s[0], s[3], nonEmpty(s[1]), all ? Optional.empty() : nonEmpty(s[2]),
                all, qos));
    }

    /** Whether a topic name or filter starts with a command segment: a cheap pre-check before parsing. */
    static boolean isCommand(String firstSegment) {
        return "command".equals(firstSegment) || "c".equals(firstSegment);
    }

    private static boolean isWildcard(String segment) {
        return segment.contains("+") || segment.contains("#");
    }

    private static Optional<String> nonEmpty(String s) {
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    /**
     * The device whose commands this subscription asks for, given who subscribed: the named device, else the
     * authenticated device itself (also for {@code +}, under which Hono routes a gateway's devices' commands).
     */
    String targetDeviceId(String authenticatedDeviceId) {
        return deviceId.orElse(authenticatedDeviceId);
    }

    /**
     * The topic a command is delivered on.
     *
     * @param commandDeviceId the device the command is for
     * @param authenticatedDeviceId the subscriber (the gateway, for gateway subscriptions)
     * @param requestId the request id, {@code null} for a one-way command
     * @param name the command name
     */
    String commandTopic(String commandDeviceId, String authenticatedDeviceId, String requestId, String name) {
        String device = deviceId.isPresent() || allDevices && !commandDeviceId.equals(authenticatedDeviceId) ? commandDeviceId : "";
        return commandSegment + "/" + tenantId.orElse("") + "/" + device + "/" + requestSegment + "/"
                + (requestId == null ? "" : requestId) + "/" + name;
    }
}
