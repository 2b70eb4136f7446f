package io.meridian.gateway.client;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.policy.model.RegionId;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.apache.camel.spi.Registry;

/**
 * One resilience4j circuit breaker per region (count-based window, {@code meridian.gateway.breaker.*}), shared by every
 * way this gateway calls that region: the aggregate fan-out's Camel circuit breaker EIP uses it by reference
 * ({@link #beanName}), and the device routes' region calls go through {@link #call}. So a region that stopped answering
 * aggregate queries is also skipped at once for a device's state, and the other way round: no route waits out a
 * timeout per request on a region already known to be down, and no pile of such waits ties up the worker threads the
 * other regions' requests need.
 *
 * <p>What counts against a region: no answer within the limit, no connection, and a 5xx ({@link #SERVER_ERROR}; for a
 * command {@link #COMMAND_FAILURE}, since its 503 and 504 are the device's outcome). Any other status is an answer (a 404
 * or 451 is the region working). A call that never reached the region because the gateway had no token of its own
 * ({@link ClientToken.TokenException}) does not count either way, in the fan-out's EIP too (the breakers ignore that
 * exception). Slow answers do not count: the time limits already turn a region that is too slow into failures, and a
 * request-response command waits for its device on purpose.
 */
public final class RegionBreakers {

    /** A call refused because the region's breaker is open; an {@link IOException}, so callers treat it as "unreachable". */
    public static final class Open extends IOException {
        private final int retryAfterSeconds;

        Open(String message, int retryAfterSeconds) {
            super(message);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        /** How long the breaker stays open, in whole seconds (at least 1): a {@code Retry-After}. */
        public int retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** A region's 5xx, recorded as its failure; the answer itself still goes back to the caller. */
    private static final class ServerError extends IOException {
        ServerError(int status) {
            super("answered " + status);
        }
    }

    /** A region's failure among its answers: any 5xx. */
    public static final IntPredicate SERVER_ERROR = status -> status >= 500;
    /** A region's failure among its answers to a command: a 5xx other than 503 (device not connected) and 504 (no response). */
    public static final IntPredicate COMMAND_FAILURE = status -> status >= 500 && status != 503 && status != 504;

    private final GatewayConfig.Breaker settings;
    private final Map<RegionId, CircuitBreaker> breakers = new LinkedHashMap<>();

    public RegionBreakers(GatewayConfig config) {
        Objects.requireNonNull(config, "config must not be null");
        this.settings = config.breaker();
        CircuitBreakerConfig c = CircuitBreakerConfig.custom().slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.calls()).minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRate()).waitDurationInOpenState(settings.openFor())
                // resilience4j counts calls over 60 s as slow by default, and a request-response command may wait that long
                .slowCallRateThreshold(100).slowCallDurationThreshold(Duration.ofDays(1))
                // by cause: Camel's EIP wraps a checked exception in a RuntimeCamelException before resilience4j sees it
                .ignoreException(RegionBreakers::isMissingToken).build();
        for (GatewayConfig.RegionLinks r : config.regions()) {
            breakers.put(r.id(), CircuitBreaker.of("region-" + r.id().value(), c));
        }
    }

    /** Whether the gateway's own token was missing, anywhere in the cause chain: the region was never asked. */
    static boolean isMissingToken(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ClientToken.TokenException) {
                return true;
            }
        }
        return false;
    }

    /** The name under which {@link #bind} registers a region's breaker, for the EIP's {@code circuitBreaker(ref)}. */
    public static String beanName(RegionId region) {
        return "meridian-region-breaker-" + region.value();
    }

    /** Registers every region's breaker in a Camel registry under {@link #beanName}. */
    public void bind(Registry registry) {
        breakers.forEach((id, b) -> registry.bind(beanName(id), CircuitBreaker.class, b));
    }

    /** The breaker of a region of the federation. */
    public CircuitBreaker of(RegionId region) {
        CircuitBreaker b = breakers.get(region);
        if (b == null) {
            throw new IllegalArgumentException("region " + region.value() + " is not one of the federation's regions");
        }
        return b;
    }

    /**
     * The message of a call refused by the region's breaker: open, or half-open with its few trial calls all under way.
     */
    public String openMessage(RegionId region) {
        if (of(region).getState() == CircuitBreaker.State.HALF_OPEN) {
            return "region " + region.value() + " is skipped: its circuit breaker lets only a few trial calls through after repeated"
                    + " failures, and they are under way";
        }
        return "region " + region.value() + " is skipped: its circuit breaker is open after repeated failures (it is tried again after "
                + retryAfterSeconds() + " s)";
    }

    /** How long an open breaker refuses calls, in whole seconds (at least 1), for a {@code Retry-After}. */
    public int retryAfterSeconds() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, settings.openFor().toSeconds()));
    }

    /**
     * Makes the call when the region's breaker lets it through, and records its outcome. An open breaker completes the
     * result at once, exceptionally with {@link Open}.
     *
     * @param failureStatus which answers count against the region ({@link #SERVER_ERROR}, or {@link #COMMAND_FAILURE})
     * @param call          the call; its result must complete (the caller's time limits see to that)
     */
    public CompletableFuture<HttpResponse<byte[]>> call(RegionId region, IntPredicate failureStatus,
            Supplier<CompletableFuture<HttpResponse<byte[]>>> call) {
        CircuitBreaker b = of(region);
        if (!b.tryAcquirePermission()) {
            return CompletableFuture.failedFuture(new Open(openMessage(region), retryAfterSeconds()));
        }
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            b.releasePermission();
            throw e;
        }
        return f.whenComplete((r, failure) -> {
            long took = System.nanoTime() - started;
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (isMissingToken(cause) || cause instanceof InterruptedException) {
                // the region was never asked
                b.releasePermission();
            } else if (cause != null) {
                b.onError(took, TimeUnit.NANOSECONDS, cause);
            } else if (failureStatus.test(r.statusCode())) {
                b.onError(took, TimeUnit.NANOSECONDS, new ServerError(r.statusCode()));
            } else {
                b.onSuccess(took, TimeUnit.NANOSECONDS);
            }
        });
    }
}
