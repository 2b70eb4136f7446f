package io.meridian.region.adapter.mqtt;

import io.meridian.region.adapter.AdapterServices;
import io.meridian.region.tls.NodeTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.hono.adapter.ProtocolAdapterProperties;

/** A running MQTT adapter of a region node: where it listens (plain and TLS), and how to stop it. */
public final class MqttAdapter {

    /**
     * The adapter's configuration.
     *
     * @param bindAddress the address to listen on (loopback for local runs)
     * @param port the plain MQTT port; 0 picks a free one
     * @param tls the node's TLS material; empty for no TLS port
     * @param securePort the MQTT-over-TLS port when {@code tls} is present; 0 picks a free one
     * @param maxPayloadSize the largest PUBLISH payload accepted, in bytes; a larger one closes the connection
     * @param limits the in-flight work it accepts before it pushes back
     */
    public record Config(String bindAddress, int port, Optional<NodeTls> tls, int securePort, int maxPayloadSize, InFlightLimits limits) {

        /** Hono's MQTT adapter default ({@code hono.mqtt.maxPayloadSize}). */
        public static final int DEFAULT_MAX_PAYLOAD_SIZE = 2048;
        /** MQTT's own limit of a packet's remaining length, less room for the topic. */
        public static final int MAX_MAX_PAYLOAD_SIZE = 268_435_455 - MeridianMqttAdapter.PUBLISH_HEADROOM;

        public Config {
            Objects.requireNonNull(bindAddress, "bindAddress must not be null");
            Objects.requireNonNull(tls, "tls must not be null (empty for no TLS port)");
            Objects.requireNonNull(limits, "limits must not be null");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("MQTT port must be between 0 and 65535, was " + port);
            }
            if (securePort < 0 || securePort > 65535) {
                throw new IllegalArgumentException("MQTT TLS port must be between 0 and 65535, was " + securePort);
            }
            if (tls.isPresent() && port != 0 && port == securePort) {
                throw new IllegalArgumentException("MQTT port and MQTT TLS port must differ, both were " + port);
            }
            if (maxPayloadSize < 1 || maxPayloadSize > MAX_MAX_PAYLOAD_SIZE) {
                throw new IllegalArgumentException("MQTT max payload size must be between 1 and " + MAX_MAX_PAYLOAD_SIZE
                        + " bytes, was " + maxPayloadSize);
            }
        }

        /** Plain MQTT only, with Hono's default payload limit and the default {@link InFlightLimits#DEFAULTS}. */
        public Config(String bindAddress, int port) {
            this(bindAddress, port, InFlightLimits.DEFAULTS);
        }

        /** Plain MQTT only, with Hono's default payload limit and these in-flight limits. */
        public Config(String bindAddress, int port, InFlightLimits limits) {
            this(bindAddress, port, Optional.empty(), 0, DEFAULT_MAX_PAYLOAD_SIZE, limits);
        }

        /** The same, with MQTT over TLS on {@code securePort} with the node's certificate. */
        public Config withTls(NodeTls nodeTls, int securePort) {
            return new Config(bindAddress, port, Optional.of(Objects.requireNonNull(nodeTls, "nodeTls must not be null")), securePort,
                    maxPayloadSize, limits);
        }

        public Config withMaxPayloadSize(int bytes) {
            return new Config(bindAddress, port, tls, securePort, bytes, limits);
        }

        /** The effective configuration, for the start-up log. */
        public Map<String, Object> describe() {
            Map<String, Object> described = new LinkedHashMap<>();
            described.put("mqtt.bind", bindAddress);
            described.put("mqtt.port", port);
            described.put("mqtt.tls.port", tls.isPresent() ? securePort : "disabled");
            tls.ifPresent(t -> described.put("mqtt.tls.dir", t.directory()));
            described.put("mqtt.maxPayloadSize", maxPayloadSize);
            described.putAll(new java.util.TreeMap<>(limits.describe()));
            return described;
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
        ProtocolAdapterProperties properties = AdapterServices.adapterProperties(config.bindAddress(), config.port(), config.tls(),
                config.securePort(), config.maxPayloadSize());

        MeridianMqttAdapter adapter = new MeridianMqttAdapter(services.meters(), services.connections(), new InFlightBudget(config.limits(),
                () -> services.telemetryBacklogOver(config.limits().kafkaBacklogBytes()), services.meters()));
        adapter.setConfig(properties);
        services.configure(adapter);
        return vertx.deployVerticle(adapter).map(id -> new MqttAdapter(vertx, adapter, id));
    }

    /** The port the adapter listens on. */
    public int port() {
        return adapter.port();
    }

    /** The MQTT-over-TLS port the adapter listens on; {@code -1} when it has no TLS port. */
    public int securePort() {
        return adapter.securePort();
    }

    /** Stops the MQTT server and the Kafka senders. */
    public Future<Void> stop() {
        return vertx.undeploy(deploymentId);
    }
}
