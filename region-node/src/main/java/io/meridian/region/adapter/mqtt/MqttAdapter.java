package io.meridian.region.adapter.mqtt;

import io.meridian.region.adapter.AdapterServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Objects;
import org.eclipse.hono.adapter.ProtocolAdapterProperties;

/** A running MQTT adapter of a region node: where it listens, and how to stop it. */
public final class MqttAdapter {

    /**
     * The adapter's configuration.
     *
     * @param bindAddress the address to listen on (loopback for local runs)
     * @param port the plain MQTT port; 0 picks a free one
     * @param limits the in-flight work it accepts before it pushes back
     */
    public record Config(String bindAddress, int port, InFlightLimits limits) {
        public Config {
            Objects.requireNonNull(bindAddress, "bindAddress must not be null");
            Objects.requireNonNull(limits, "limits must not be null");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("MQTT port must be between 0 and 65535, was " + port);
            }
        }

        /** A configuration with the default {@link InFlightLimits#DEFAULTS}. */
        public Config(String bindAddress, int port) {
            this(bindAddress, port, InFlightLimits.DEFAULTS);
        }

        /** The effective configuration, for the start-up log. */
        public Map<String, Object> describe() {
            Map<String, Object> m = new java.util.TreeMap<>(limits.describe());
            m.put("mqtt.bind", bindAddress);
            m.put("mqtt.port", port);
            return m;
        }
    }

    private final Vertx vertx;
    private final MeridianMqttAdapter adapter;
    private final String deploymentId;

    private MqttAdapter(Vertx vertx, MeridianMqttAdapter adapter, String deploymentId) {
        this.vertx = vertx;
        this.adapter = adapter;
        this.deploymentId = deploymentId;
    }

    /**
     * Deploys the adapter with the node's shared services (registry lookups in-process, telemetry and events
     * to the region's Kafka).
     *
     * @return a future that fails when the port cannot be bound or a collaborator cannot start
     */
    public static Future<MqttAdapter> start(Vertx vertx, Config config, AdapterServices services) {
        Objects.requireNonNull(vertx, "vertx must not be null");
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(services, "services must not be null");
        ProtocolAdapterProperties properties = new ProtocolAdapterProperties();
        properties.setInsecurePortEnabled(true);
        properties.setInsecurePortBindAddress(config.bindAddress());
        properties.setInsecurePort(config.port());

        MeridianMqttAdapter adapter = new MeridianMqttAdapter(new InFlightBudget(config.limits(),
                () -> services.telemetryBacklogOver(config.limits().kafkaBacklogBytes()), services.meters()));
        adapter.setConfig(properties);
        services.configure(adapter);
        return vertx.deployVerticle(adapter).map(id -> new MqttAdapter(vertx, adapter, id));
    }

    /** The port the adapter listens on. */
    public int port() {
        return adapter.port();
    }

    /** Stops the MQTT server and the Kafka senders. */
    public Future<Void> stop() {
        return vertx.undeploy(deploymentId);
    }
}
