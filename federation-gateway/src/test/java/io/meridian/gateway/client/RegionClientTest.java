package io.meridian.gateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfigs;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The region client's limits against a loopback server that misbehaves. */
class RegionClientTest {

    @Test
    void aRegionThatSendsItsHeadersThenStalls_failsWithinTheTimeoutAndItsSlack_andItsBreakerCountsIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/realms/meridian/protocol/openid-connect/token", e -> {
            byte[] body = "{\"access_token\":\"t\",\"expires_in\":300}".getBytes(StandardCharsets.UTF_8);
            e.getResponseHeaders().set("Content-Type", "application/json");
            e.sendResponseHeaders(200, body.length);
            e.getResponseBody().write(body);
            e.close();
        });
        // the headers promise 100 bytes, then nothing comes: the request's own timeout has already ended with the headers
        server.createContext("/us-east/v1/stats", e -> {
            e.sendResponseHeaders(200, 100);
            OutputStream out = e.getResponseBody();
            out.write('{');
            out.flush();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            e.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Map<String, String> props = new HashMap<>(Map.of(GatewayConfig.REGION, "us-east", GatewayConfig.PORT, "0",
                    GatewayConfig.CATALOG_URL, base + "/catalog/v1", GatewayConfig.ISSUER, base + "/realms/meridian",
                    GatewayConfig.REGION_TIMEOUT, "PT1S", GatewayConfig.REGIONS, "us-east,eu-central"));
            props.put(GatewayConfig.REGION_PREFIX + "us-east.dataApi", base + "/us-east/v1");
            GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get, Map.of(GatewayConfig.CLIENT_SECRET_ENV, "s")::get);
            HttpClient http = RegionClient.httpClient(config);
            RegionBreakers breakers = new RegionBreakers(config);
            RegionClient client = new RegionClient(config, new ClientToken(URI.create(base + "/realms/meridian/protocol/openid-connect/token"),
                    config.clientId(), config.clientSecret(), Duration.ofSeconds(2), Clock.systemUTC(), http), http, breakers);

            long t0 = System.nanoTime();
            HttpTimeoutException stalled = assertThrows(HttpTimeoutException.class,
                    () -> client.call(RegionId.of("us-east"), "GET", "/stats", Optional.empty()));
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(stalled.getMessage().startsWith("no whole answer from 127.0.0.1:"), stalled.getMessage());
            assertTrue(millis >= 2900 && millis < 10_000, "the 1 s timeout plus the 2 s slack, was " + millis + " ms");
            assertEquals(1, breakers.of(RegionId.of("us-east")).getMetrics().getNumberOfFailedCalls(), "the stalled call was recorded");
            assertInstanceOf(java.io.IOException.class, stalled);
        } finally {
            release.countDown();
            server.stop(0);
        }
    }
}
