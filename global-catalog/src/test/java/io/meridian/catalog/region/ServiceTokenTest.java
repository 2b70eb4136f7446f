package io.meridian.catalog.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The token cache against a stub token endpoint that hands out {@code token-1}, {@code token-2}, ... */
class ServiceTokenTest {

    private static final String SECRET = "very-secret-value";

    private HttpServer server;
    private final AtomicInteger issued = new AtomicInteger();
    private final List<String> forms = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile long expiresIn = 300;
    private volatile CountDownLatch gate = new CountDownLatch(0);
    /** The instant the clock reads; the test moves it. */
    private volatile Instant now = Instant.parse("2026-11-24T10:00:00Z");
    private final Clock clock = ((InstantSource) () -> now).withZone(ZoneOffset.UTC);

    @BeforeEach
    void startStub() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/realms/meridian/protocol/openid-connect/token", exchange -> {
            forms.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String body = status == 200
                    ? "{\"access_token\":\"token-" + issued.incrementAndGet() + "\",\"expires_in\":" + expiresIn + ",\"token_type\":\"Bearer\"}"
                    : "{\"error\":\"unauthorized_client\",\"error_description\":\"Invalid client or Invalid client credentials\"}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopStub() {
        server.stop(0);
    }

    private ServiceToken token() {
        URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/realms/meridian/protocol/openid-connect/token");
        return new ServiceToken(endpoint, "catalog", SECRET, Duration.ofSeconds(5), clock);
    }

    @Test
    void token_isCached_untilThirtySecondsBeforeExpiry() throws Exception {
        expiresIn = 60;
        ServiceToken t = token();
        assertEquals("token-1", t.get().get(5, TimeUnit.SECONDS));
        now = now.plusSeconds(29);
        assertEquals("token-1", t.get().get(5, TimeUnit.SECONDS));
        assertEquals(1, forms.size(), "a cached token needs no request");
        now = now.plusSeconds(2); // 31 s after the grant: within 30 s of expiry
        assertEquals("token-2", t.get().get(5, TimeUnit.SECONDS));
        assertEquals(2, forms.size());
        String form = forms.get(0);
        assertTrue(form.contains("grant_type=client_credentials") && form.contains("client_id=catalog")
                && form.contains("client_secret=" + SECRET), form);
    }

    @Test
    void concurrentCallers_shareOneRequest() throws Exception {
        gate = new CountDownLatch(1);
        ServiceToken t = token();
        List<CompletableFuture<String>> waiting = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            waiting.add(t.get());
        }
        gate.countDown();
        for (CompletableFuture<String> f : waiting) {
            assertEquals("token-1", f.get(5, TimeUnit.SECONDS));
        }
        assertEquals(1, forms.size(), "twenty callers while one fetch was in flight must cause one request");
    }

    @Test
    void rejectedToken_isRenewedOnce_evenWhenSeveralCallersReportIt() throws Exception {
        ServiceToken t = token();
        String first = t.get().get(5, TimeUnit.SECONDS);
        assertEquals("token-2", t.renewAfterRejection(first).get(5, TimeUnit.SECONDS));
        // a second caller that was refused with the same old token gets the renewed one, without a new request
        assertEquals("token-2", t.renewAfterRejection(first).get(5, TimeUnit.SECONDS));
        assertEquals("token-2", t.get().get(5, TimeUnit.SECONDS));
        assertEquals(2, forms.size());
    }

    @Test
    void refusedGrant_failsWithStatusAndReason_neverTheSecret() throws Exception {
        status = 401;
        ServiceToken t = token();
        ExecutionException e = assertThrows(ExecutionException.class, () -> t.get().get(5, TimeUnit.SECONDS));
        ServiceToken.TokenException cause = assertInstanceOf(ServiceToken.TokenException.class, e.getCause());
        assertEquals(401, cause.status());
        assertTrue(cause.getMessage().contains("refused client catalog with 401: Invalid client or Invalid client credentials"),
                cause.getMessage());
        assertFalse(cause.getMessage().contains(SECRET));
        // a failed fetch is not cached: the next call asks again
        status = 200;
        assertEquals("token-1", t.get().get(5, TimeUnit.SECONDS));
    }

    @Test
    void unreachableEndpoint_failsNamingIt() throws Exception {
        server.stop(0);
        ServiceToken t = token();
        ExecutionException e = assertThrows(ExecutionException.class, () -> t.get().get(10, TimeUnit.SECONDS));
        ServiceToken.TokenException cause = assertInstanceOf(ServiceToken.TokenException.class, e.getCause());
        assertEquals(0, cause.status());
        assertTrue(cause.getMessage().startsWith("token endpoint http://127.0.0.1:"), cause.getMessage());
    }

    @Test
    void secret_neverInToString_andBadSettingsAreRefused() {
        ServiceToken t = token();
        assertFalse(t.toString().contains(SECRET), t.toString());
        assertTrue(t.toString().contains("secret=****"));
        URI endpoint = URI.create("http://127.0.0.1:1/token");
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> new ServiceToken(endpoint, "catalog", " "));
        assertEquals("the secret of client catalog must not be blank", blank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ServiceToken(URI.create("/token"), "catalog", SECRET));
        assertThrows(IllegalArgumentException.class, () -> new ServiceToken(endpoint, "", SECRET));
    }
}
