package io.meridian.gateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSession;
import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;

/** What counts against a region's breaker, without a network: the breakers' own rules over canned outcomes. */
class RegionBreakersTest {

    private static final RegionId US = RegionId.of("us-east");

    private static RegionBreakers breakers() {
        Map<String, String> props = new HashMap<>(Map.of(GatewayConfig.REGION, "us-east", GatewayConfig.PORT, "0",
                GatewayConfig.CATALOG_URL, "http://127.0.0.1:1/v1", GatewayConfig.BREAKER_CALLS, "4", GatewayConfig.BREAKER_MINIMUM_CALLS, "4",
                GatewayConfig.BREAKER_OPEN_FOR, "PT30S"));
        return new RegionBreakers(GatewayConfig.from(RegionConfigs.loadDefault(), props::get, Map.of(GatewayConfig.CLIENT_SECRET_ENV, "s")::get));
    }

    private static CompletableFuture<HttpResponse<byte[]>> answered(int status) {
        return CompletableFuture.completedFuture(new Canned(status));
    }

    private static int buffered(RegionBreakers b) {
        return b.of(US).getMetrics().getNumberOfBufferedCalls();
    }

    @Test
    void fiveHundreds_countAgainstTheRegion_otherAnswersDoNot_andAnOpenBreakerCallsNothing() {
        RegionBreakers b = breakers();
        for (int status : new int[] {200, 404, 451, 400}) {
            b.call(US, RegionBreakers.SERVER_ERROR, () -> answered(status)).join();
        }
        assertEquals(0, b.of(US).getMetrics().getNumberOfFailedCalls());
        // the window holds the last 4 calls; at the default failure rate of 50 %, two 5xx among them open the breaker
        b.call(US, RegionBreakers.SERVER_ERROR, () -> answered(502)).join();
        assertEquals(CircuitBreaker.State.CLOSED, b.of(US).getState());
        b.call(US, RegionBreakers.SERVER_ERROR, () -> answered(500)).join();
        assertEquals(CircuitBreaker.State.OPEN, b.of(US).getState());
        AtomicInteger called = new AtomicInteger();
        CompletionException refused = assertThrows(CompletionException.class,
                () -> b.call(US, RegionBreakers.SERVER_ERROR, () -> {
                    called.incrementAndGet();
                    return answered(200);
                }).join());
        RegionBreakers.Open open = assertInstanceOf(RegionBreakers.Open.class, refused.getCause());
        assertEquals("region us-east is skipped: its circuit breaker is open after repeated failures (it is tried again after 30 s)",
                open.getMessage());
        assertEquals(30, open.retryAfterSeconds());
        assertEquals(0, called.get(), "an open breaker must not call the region");
    }

    @Test
    void aCommandsDeviceOutcomes_doNotCount_butItsOtherServerErrorsAndNoAnswerDo() {
        RegionBreakers b = breakers();
        for (int status : new int[] {503, 504, 503, 504, 202}) {
            b.call(US, RegionBreakers.COMMAND_FAILURE, () -> answered(status)).join();
        }
        assertEquals(0, b.of(US).getMetrics().getNumberOfFailedCalls());
        b.call(US, RegionBreakers.COMMAND_FAILURE, () -> answered(500)).join();
        CompletableFuture<HttpResponse<byte[]>> noAnswer = b.call(US, RegionBreakers.COMMAND_FAILURE,
                () -> CompletableFuture.failedFuture(new java.net.http.HttpTimeoutException("request timed out")));
        assertThrows(CompletionException.class, noAnswer::join);
        assertEquals(2, b.of(US).getMetrics().getNumberOfFailedCalls());
    }

    @Test
    void aMissingGatewayToken_countsNeitherWay_alsoWrappedAsCamelWrapsIt() throws Exception {
        RegionBreakers b = breakers();
        ClientToken.TokenException missing = new ClientToken.TokenException("token endpoint refused client gateway-us-east", null);
        CompletableFuture<HttpResponse<byte[]>> f = b.call(US, RegionBreakers.SERVER_ERROR, () -> CompletableFuture.failedFuture(missing));
        assertThrows(CompletionException.class, f::join);
        assertEquals(0, buffered(b), "not a failure, and not a success either");
        // the aggregate fan-out's EIP hands resilience4j the exception wrapped in a RuntimeCamelException
        for (int i = 0; i < 6; i++) {
            assertThrows(RuntimeCamelException.class, () -> b.of(US).executeCallable(() -> {
                throw new RuntimeCamelException(missing);
            }));
        }
        assertEquals(0, buffered(b));
        assertEquals(CircuitBreaker.State.CLOSED, b.of(US).getState());
        assertTrue(RegionBreakers.isMissingToken(new RuntimeCamelException(missing)));
        assertFalse(RegionBreakers.isMissingToken(new java.io.IOException("connection refused")));
    }

    @Test
    void aCallThatWaitsLong_isNotASlowFailure() {
        RegionBreakers b = breakers();
        // resilience4j's default counts calls over 60 s as slow, and all-slow opens the breaker: a PT60S command is not that
        for (int i = 0; i < 4; i++) {
            b.of(US).onSuccess(90, TimeUnit.SECONDS);
        }
        assertEquals(0, b.of(US).getMetrics().getNumberOfSlowCalls());
        assertEquals(CircuitBreaker.State.CLOSED, b.of(US).getState());
    }

    /** An answer with a status and nothing else. */
    private record Canned(int statusCode) implements HttpResponse<byte[]> {
        @Override
        public HttpRequest request() {
            return HttpRequest.newBuilder(URI.create("http://127.0.0.1/")).build();
        }

        @Override
        public Optional<HttpResponse<byte[]>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public HttpHeaders headers() {
            return HttpHeaders.of(Map.of(), (a, b) -> true);
        }

        @Override
        public byte[] body() {
            return new byte[0];
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return URI.create("http://127.0.0.1/");
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
