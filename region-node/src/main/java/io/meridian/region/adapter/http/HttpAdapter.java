package io.meridian.region.adapter.http;

import io.meridian.region.adapter.AdapterServices;
import io.meridian.region.tls.NodeTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.hono.adapter.ProtocolAdapterProperties;
import org.eclipse.hono.config.ServiceConfigProperties;

/** A running HTTP adapter of a region node: where it listens (plain and HTTPS), what it refused, and how to stop it. */
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
     * @param tls the node's TLS material; empty for no HTTPS port
     * @param securePort the HTTPS port when {@code tls} is present; 0 picks a free one
     * @param maxPayloadSize the largest request body in bytes; larger ones get 413
     * @param maxInFlight requests processed at once (over both ports); more get 503
     */
    public record Config(String bindAddress, int port, Optional<NodeTls> tls, int securePort, int maxPayloadSize, int maxInFlight) {
        public Config {
            Objects.requireNonNull(bindAddress, "bindAddress must not be null");
            Objects.requireNonNull(tls, "tls must not be null (empty for no HTTPS port)");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("HTTP adapter port must be between 0 and 65535, was " + port);
            }
            if (securePort < 0 || securePort > 65535) {
                throw new IllegalArgumentException("HTTP adapter TLS port must be between 0 and 65535, was " + securePort);
            }
            if (tls.isPresent() && port != 0 && port == securePort) {
                throw new IllegalArgumentException("HTTP adapter port and HTTP adapter TLS port must differ, both were " + port);
            }
            if (maxPayloadSize < 1) {
                throw new IllegalArgumentException("HTTP adapter maxPayloadSize must be at least 1 byte, was " + maxPayloadSize);
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("HTTP adapter maxInFlight must be at least 1, was " + maxInFlight);
            }
        }

        /** Plain HTTP only, with these limits. */
        public Config(String bindAddress, int port, int maxPayloadSize, int maxInFlight) {
            this(bindAddress, port, Optional.empty(), 0, maxPayloadSize, maxInFlight);
        }

        /** Plain HTTP only, with Hono's defaults for the payload size, and our in-flight budget. */
        public Config(String bindAddress, int port) {
            this(bindAddress, port, DEFAULT_MAX_PAYLOAD_SIZE, DEFAULT_MAX_IN_FLIGHT);
        }

        /** The same, with HTTPS on {@code securePort} with the node's certificate (client certificates requested). */
        public Config withTls(NodeTls nodeTls, int securePort) {
            return new Config(bindAddress, port, Optional.of(Objects.requireNonNull(nodeTls, "nodeTls must not be null")), securePort,
                    maxPayloadSize, maxInFlight);
        }

        /** The effective configuration, for the start-up log. */
        public Map<String, Object> describe() {
            Map<String, Object> described = new LinkedHashMap<>();
            described.put("http.bind", bindAddress);
            described.put("http.port", port);
            described.put("http.tls.port", tls.isPresent() ? securePort : "disabled");
            tls.ifPresent(t -> described.put("http.tls.dir", t.directory()));
            described.put("http.maxPayloadSize", maxPayloadSize);
            described.put("http.maxInFlight", maxInFlight);
            return described;
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
        ProtocolAdapterProperties properties = AdapterServices.adapterProperties(config.bindAddress(), config.port(), config.tls(),
                config.securePort(), config.maxPayloadSize());

        HttpRefusals refusals = new HttpRefusals(services.meters());
        MeridianHttpAdapter adapter = new MeridianHttpAdapter(refusals, config.maxInFlight(), services.connections().ingest());
        adapter.setConfig(properties);
        services.configure(adapter);
        return vertx.deployVerticle(adapter).map(id -> new HttpAdapter(vertx, adapter, refusals, id));
    }

    /** The port the adapter listens on. */
    public int port() {
        return adapter.port();
    }

    /** The HTTPS port the adapter listens on; {@code -1} when it has no TLS port. */
    public int securePort() {
        return adapter.securePort();
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
