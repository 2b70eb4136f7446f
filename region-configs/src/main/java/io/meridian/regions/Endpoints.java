package io.meridian.regions;

import java.net.URI;
import java.util.Objects;

/**
 * A region's public endpoints in production, which bootstrap hands to devices and the catalog hands to
 * gateways.
 *
 * @param mqttHost    host name devices connect to over MQTT
 * @param mqttPort    MQTT over TLS port, normally 8883
 * @param http        base URI of the HTTP protocol adapter
 * @param api         base URI of the region data API
 * @param gateway     base URI of the region's federation gateway
 */
public record Endpoints(String mqttHost, int mqttPort, URI http, URI api, URI gateway) {

    public Endpoints {
        Objects.requireNonNull(mqttHost, "mqttHost must not be null");
        Objects.requireNonNull(http, "http must not be null");
        Objects.requireNonNull(api, "api must not be null");
        Objects.requireNonNull(gateway, "gateway must not be null");
        if (mqttPort < 1 || mqttPort > 65535) {
            throw new IllegalArgumentException("mqtt port must be between 1 and 65535, was " + mqttPort);
        }
    }
}
