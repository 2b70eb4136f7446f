package io.meridian.catalog.region;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/** A tiny health endpoint on 127.0.0.1 and an ephemeral port whose answer a test sets; counts the requests. */
final class HealthStub implements AutoCloseable {

    final HttpServer server;
    final AtomicInteger status = new AtomicInteger(200);
    final AtomicInteger requests = new AtomicInteger();

    HealthStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/health/ready", exchange -> {
            requests.incrementAndGet();
            byte[] body = "ok".getBytes();
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    URI health() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health/ready");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
