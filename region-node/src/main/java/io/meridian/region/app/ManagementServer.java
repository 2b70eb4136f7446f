package io.meridian.region.app;

import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The node's management port: {@code GET /health/ready} (200 once the registry and every adapter serve, 503
 * before and while stopping) and {@code GET /metrics} (every counter the node keeps — refusals, dropped QoS 0
 * messages, in-flight work, Hono's adapter metrics — in Prometheus's text format). Loopback by default; it has
 * no authentication, so bind it where only the operator's scraper reaches it.
 */
public final class ManagementServer {

    private final HttpServer server;

    private ManagementServer(HttpServer server) {
        this.server = server;
    }

    /** Starts the server; {@code ready} is asked on each readiness request. */
    public static Future<ManagementServer> start(Vertx vertx, String bindAddress, int port, PrometheusMeterRegistry meters,
            BooleanSupplier ready) {
        Objects.requireNonNull(meters, "meters must not be null");
        Objects.requireNonNull(ready, "ready must not be null");
        return vertx.createHttpServer(new HttpServerOptions().setHost(bindAddress).setPort(port))
                .requestHandler(request -> {
                    String path = request.path();
                    if (!"GET".equals(request.method().name())) {
                        request.response().setStatusCode(405).putHeader("Allow", "GET").end();
                    } else if ("/health/ready".equals(path)) {
                        boolean up = ready.getAsBoolean();
                        request.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "text/plain")
                                .end(up ? "ready\n" : "not ready\n");
                    } else if ("/metrics".equals(path)) {
                        request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(meters.scrape());
                    } else {
                        request.response().setStatusCode(404).putHeader("Content-Type", "text/plain")
                                .end("unknown path " + path + "; this port serves /health/ready and /metrics\n");
                    }
                })
                .listen()
                .map(ManagementServer::new);
    }

    public int port() {
        return server.actualPort();
    }

    public Future<Void> stop() {
        return server.close();
    }
}
