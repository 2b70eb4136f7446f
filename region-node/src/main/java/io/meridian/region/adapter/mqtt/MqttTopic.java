package io.meridian.region.adapter.mqtt;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A device's PUBLISH topic in Hono's MQTT form: {@code telemetry} or {@code t}, {@code event} or {@code e},
 * optionally followed by {@code /<tenant>/<device>} (either may be empty, meaning the authenticated one)
 * and by a property bag {@code /?name=value&...} (for example {@code content-type}).
 *
 * @param event whether the topic is an event topic (else telemetry)
 * @param tenantId the tenant the topic names, empty when it names none
 * @param deviceId the device the topic names, empty when it names none
 * @param properties the property bag, possibly empty
 */
record MqttTopic(boolean event, Optional<String> tenantId, Optional<String> deviceId, Map<String, String> properties) {

    MqttTopic {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(deviceId, "deviceId must not be null");
        properties = Map.copyOf(properties);
    }

    /**
     * Parses a topic name.
     *
     * @return empty when the topic is not a telemetry or event topic of this form
     */
    static Optional<MqttTopic> parse(String topic) {
        if (topic == null || topic.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> properties = new LinkedHashMap<>();
        String path = topic;
        int bag = topic.indexOf("/?");
        if (bag >= 0) {
            path = topic.substring(0, bag);
            for (String pair : topic.substring(bag + 2).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    return Optional.empty();
                }
                try {
                    properties.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
                } catch (IllegalArgumentException e) {
                    return Optional.empty(); // a malformed %-escape: not a topic of this form
                }
            }
        }
        String[] segments = path.split("/", -1);
        boolean event;
        switch (segments[0]) {
            case "telemetry", "t" -> event = false;
            case "event", "e" -> event = true;
            default -> {
                return Optional.empty();
            }
        }
        if (segments.length > 3 || segments.length == 2 && !segments[1].isEmpty()) {
            return Optional.empty();
        }
        Optional<String> tenant = segments.length > 1 ? Optional.of(segments[1]).filter(s -> !s.isEmpty()) : Optional.empty();
        Optional<String> device = segments.length > 2 ? Optional.of(segments[2]).filter(s -> !s.isEmpty()) : Optional.empty();
        return Optional.of(new MqttTopic(event, tenant, device, properties));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The content type the device declared in the property bag, if any. */
    Optional<String> contentType() {
        return Optional.ofNullable(properties.get("content-type"));
    }
}
