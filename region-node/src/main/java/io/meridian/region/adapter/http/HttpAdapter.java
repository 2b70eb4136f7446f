package io.meridian.region.adapter.http;

import io.meridian.region.adapter.AdapterServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Objects;
import org.eclipse.hono.adapter.ProtocolAdapterProperties;
import org.eclipse.hono.config.ServiceConfigProperties;

/** A running HTTP adapter of a region node: where it listens, what it refused, and how to stop it. */
public final class HttpAdapter {

    /** Hono's default maximum payload of a device message, in bytes. */
    public static final int DEFAULT_MAX_PAYLOAD_SIZE = ServiceConfigProperties.DEFAULT_MAX_PAYLOAD_SIZE;
    /** Requests in processing at once before the adapter answers 503 at once. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;

    /**
     * The adapter's configuration.
     *
     * @param bindAddress the address to listen on (loopback for local runs)
     * @param port the plain HTTP port; 0 picks a free one
     * @param maxPayloadSize the largest request body in bytes; larger ones get 413
     * @param maxInFlight requests processed at once; more get 503
     */
    public record Config(String bindAddress, int port, int maxPayloadSize, int maxInFlight) {
        public Config {
            Objects.requireNonNull(bindAddress, "bindAddress must not be null");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("HTTP adapter port must be between 0 and 65535, was " + port);
            }
            if (maxPayloadSize < 1) {
                throw new IllegalArgumentException("HTTP adapter maxPayloadSize must be at least 1 byte, was " + maxPayloadSize);
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("HTTP adapter maxInFlight must be at least 1, was " + maxInFlight);
            }
        }

        /** Hono's defaults for the payload size, and our in-flight budget. */
        public Config(String bindAddress, int port) {
            this(bindAddress, port, DEFAULT_MAX_PAYLOAD_SIZE, DEFAULT_MAX_IN_FLIGHT);
        }

        /** The effective configuration, for the start-up log. */
        public Map<String, Object> describe() {
            return Map.of("http.bind", bindAddress, "http.port", port, "http.maxPayloadSize", maxPayloadSize, "http.maxInFlight", maxInFlight);
        }
    }

    private final Vertx vertx;
    private final MeridianHttpAdapter adapter;
    private final HttpRefusals refusals;
    private final String deploymentId;

    private HttpAdapter(Vertx vertx, MeridianHttpAdapter adapter, HttpRefusals refusals, String deploymentId) {
        this.vertx = vertx;
        this.adapter = adapter;
        this.refusals = refusals;
        this.deploymentId = deploymentId;
    }

    /**
     * Deploys the adapter with the node's shared services (registry lookups in-process, telemetry, events and
     * command responses to the region's Kafka, refusals counted on the shared meter registry).
     *
     * @return a future that fails when the port cannot be bound or a collaborator cannot start
     */
    public static Future<HttpAdapter> start(Vertx vertx, Config config, AdapterServices services) {
        Objects.requireNonNull(vertx, "vertx must not be null");
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(services, "services must not be null");
        ProtocolAdapterProperties properties = new ProtocolAdapterProperties();
        properties.setInsecurePortEnabled(true);
        properties.setInsecurePortBindAddress(config.bindAddress());
        properties.setInsecurePort(config.port());
        properties.setMaxPayloadSize(config.maxPayloadSize());

        HttpRefusals refusals = new HttpRefusals(services.meters());
        MeridianHttpAdapter adapter = new MeridianHttpAdapter(refusals, config.maxInFlight());
        adapter.setConfig(properties);
        services.configure(adapter);
        return vertx.deployVerticle(adapter).map(id -> new HttpAdapter(vertx, adapter, refusals, id));
    }

    /** The port the adapter listens on. */
    public int port() {
        return adapter.port();
    }

    /** How many requests were refused with this HTTP status since start (the {@code meridian.adapter.http.refused} counter). */
    public double refusedWith(int status) {
        return refusals.count(status);
    }

    /** Stops the HTTP server and the Kafka senders. */
    public Future<Void> stop() {
        return vertx.undeploy(deploymentId);
    }
}
