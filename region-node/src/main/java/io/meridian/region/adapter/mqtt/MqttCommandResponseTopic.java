package io.meridian.region.adapter.mqtt;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A command response's PUBLISH topic in Hono's MQTT form: {@code command/[<tenant>]/[<device>]/res/<req-id>/<status>},
 * with {@code c} and {@code s} as short forms of {@code command} and {@code res}, optionally followed by a property
 * bag {@code /?content-type=...}. A gateway names the device it answers for; a device names none (or itself).
 *
 * @param tenantId the tenant the topic names, empty when it names none
 * @param deviceId the device the topic names, empty when it names none
 * @param requestId the request id the command was delivered with
 * @param status the HTTP status the device reports, 200 to 599
 * @param contentType the {@code content-type} of the property bag, if any
 */
record MqttCommandResponseTopic(Optional<String> tenantId, Optional<String> deviceId, String requestId, int status,
        Optional<String> contentType) {

    MqttCommandResponseTopic {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(deviceId, "deviceId must not be null");
        Objects.requireNonNull(requestId, "requestId must not be null");
        Objects.requireNonNull(contentType, "contentType must not be null");
    }

    /** Whether a PUBLISH topic is meant as a command response (even a malformed one). */
    static boolean isCommandResponse(String topic) {
        if (topic == null) {
            return false;
        }
        String[] s = topic.split("/", 5);
        return s.length >= 4 && MqttCommandSubscription.isCommand(s[0]) && ("res".equals(s[3]) || "s".equals(s[3]));
    }

    /**
     * Parses a topic name.
     *
     * @return empty when it is not a well-formed command response topic (missing request id, a status that is
     *         not a number from 200 to 599, a malformed property bag)
     */
    static Optional<MqttCommandResponseTopic> parse(String topic) {
        if (!isCommandResponse(topic)) {
            return Optional.empty();
        }
        String path = topic;
        Optional<String> contentType = Optional.empty();
        int bag = topic.indexOf("/?");
        if (bag >= 0) {
            path = topic.substring(0, bag);
            for (String pair : topic.substring(bag + 2).split("&")) {
                int eq = pair.indexOf('=');
                if (pair.isEmpty()) {
                    continue;
                }
                if (eq <= 0) {
                    return Optional.empty();
                }
                try {
                    if ("content-type".equals(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8))) {
                        contentType = Optional.of(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                    }
                } catch (IllegalArgumentException e) {
                    return Optional.empty();
                }
            }
        }
        String[] s = path.split("/", -1);
        if (s.length != 6 || s[4].isEmpty()) {
            return Optional.empty();
        }
        int status;
        try {
            status = Integer.parseInt(s[5]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (status < 200 || status > 599) {
            return Optional.empty();
        }
        return Optional.of(new MqttCommandResponseTopic(nonEmpty(s[1]), nonEmpty(s[2]), s[4], status, contentType));
    }

    private static Optional<String> nonEmpty(String s) {
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
