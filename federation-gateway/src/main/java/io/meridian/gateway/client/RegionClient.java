package io.meridian.gateway.client;

import io.meridian.gateway.app.GatewayConfig;
import io.meridian.policy.model.RegionId;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.net.http.HttpTimeoutException;

/**
 * Calls a region's data API as this gateway: the gateway's own client token (whose {@code region} claim tells the region
 * where the data will go), the configured per-call timeout, and the current trace context as a W3C {@code traceparent}
 * header, so that the region's spans join the gateway's trace.
 *
 * <p>The path is relative to the region's {@code dataApi} base ({@code /v1}), for example
 * {@code /tenants/lampco/aggregates?metric=temp}. Every path segment must already be encoded by the caller.
 *
 * <p>Made with {@link RegionBreakers}, every call goes through the region's circuit breaker: refused at once with
 * {@link RegionBreakers.Open} while it is open, and counted in it otherwise. The aggregate fan-out's client has none,
 * because its Camel circuit breaker EIP counts those calls in the same breakers.
 */
public final class RegionClient {

    private final GatewayConfig config;
    private final ClientToken token;
    private final HttpClient http;
    private final TextMapPropagator propagator;
    private final Optional<RegionBreakers> breakers;

    public RegionClient(GatewayConfig config, ClientToken token, HttpClient http) {
        this(config, token, http, W3CTraceContextPropagator.getInstance(), Optional.empty());
    }

    /** A client whose calls go through the regions' breakers. */
    public RegionClient(GatewayConfig config, ClientToken token, HttpClient http, RegionBreakers breakers) {
        this(config, token, http, W3CTraceContextPropagator.getInstance(), Optional.of(breakers));
    }

    public RegionClient(GatewayConfig config, ClientToken token, HttpClient http, TextMapPropagator propagator) {
        this(config, token, http, propagator, Optional.empty());
    }

    private RegionClient(GatewayConfig config, ClientToken token, HttpClient http, TextMapPropagator propagator,
            Optional<RegionBreakers> breakers) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.token = Objects.requireNonNull(token, "token must not be null");
        this.http = Objects.requireNonNull(http, "http must not be null");
        this.propagator = Objects.requireNonNull(propagator, "propagator must not be null");
        this.breakers = Objects.requireNonNull(breakers, "breakers must not be null");
    }

    /** The data API URI of {@code path} in {@code region}. */
    public URI uri(RegionId region, String path) {
        GatewayConfig.RegionLinks links = config.links(region)
                .orElseThrow(() -> new IllegalArgumentException("region " + region.value() + " is not one of the federation's regions"));
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/', was '" + path + "'");
        }
        return URI.create(links.dataApi() + path);
    }

    /**
     * Sends a request and completes with the region's answer, whatever its status. Completes exceptionally with the
     * {@link java.io.IOException} (or {@link java.net.http.HttpTimeoutException}) when the region did not answer within
     * {@code regionTimeout}, and with {@link ClientToken.TokenException} when the gateway could not get its own token.
     *
     * @param body JSON to send (POST/PUT), or empty
     */
    public CompletableFuture<HttpResponse<byte[]>> send(RegionId region, String method, String path, Optional<byte[]> body) {
        return send(region, method, path, body, config.regionTimeout(), RegionBreakers.SERVER_ERROR);
    }

    /**
     * As {@link #send(RegionId, String, String, Optional)} with a longer limit than {@code regionTimeout}, for a command,
     * which waits on purpose (a request-response command waits for the device). Its 503 (not connected) and 504 (no
     * response) are the device's outcome, so they do not count against the region's breaker; another 5xx or no answer at
     * all does.
     */
    public CompletableFuture<HttpResponse<byte[]>> sendCommand(RegionId region, String path, byte[] body, Duration timeout) {
        return send(region, "POST", path, Optional.of(body), timeout, RegionBreakers.COMMAND_FAILURE);
    }

    private CompletableFuture<HttpResponse<byte[]>> send(RegionId region, String method, String path, Optional<byte[]> body, Duration timeout,
            java.util.function.IntPredicate failureStatus) {
        Objects.requireNonNull(timeout, "timeout must not be null");
        URI target = uri(region, path);
        if (breakers.isPresent()) {
            return breakers.get().call(region, failureStatus, () -> sendNow(target, method, body, timeout));
        }
        return sendNow(target, method, body, timeout);
    }

    private CompletableFuture<HttpResponse<byte[]>> sendNow(URI target, String method, Optional<byte[]> body, Duration timeout) {
        String bearer;
        try {
            bearer = token.get();
        } catch (ClientToken.TokenException e) {
            return CompletableFuture.failedFuture(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(timeout).header("Authorization", "Bearer " + bearer)
                .header("Accept", "application/json, application/problem+json");
        propagator.inject(Context.current(), b, (builder, key, value) -> builder.header(key, value));
        if (body.isPresent()) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(body.get()));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        // the request's timeout ends with the response headers: a region that sends them and then stalls on the body would
        // leave the call open for ever (and a breaker's permission with it), so the whole answer gets a limit too
        Duration whole = timeout.plus(BODY_SLACK);
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray()).orTimeout(whole.toMillis(), TimeUnit.MILLISECONDS)
                .handle((r, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                        if (cause instanceof TimeoutException) {
                            throw new CompletionException(new HttpTimeoutException("no whole answer from " + target.getHost() + ":"
                                    + target.getPort() + " within " + whole.toMillis() + " ms"));
                        }
                        throw failure instanceof CompletionException ce ? ce : new CompletionException(failure);
                    }
                    if (r.statusCode() == 401) {
                        // the region refused our token (rotated keys, revoked client): fetch a new one next time
                        token.reject(bearer);
                    }
                    return r;
                });
    }

    /** How much longer than the request's timeout the whole answer, body included, may take. */
    static final Duration BODY_SLACK = Duration.ofSeconds(2);

    /** {@link #send} and wait, for routes (which run on worker threads). The timeout is the request's own. */
    public HttpResponse<byte[]> call(RegionId region, String method, String path, Optional<byte[]> body)
            throws java.io.IOException, InterruptedException {
        try {
            return send(region, method, path, body).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof java.io.IOException io) {
                throw io;
            }
            if (cause instanceof InterruptedException ie) {
                throw ie;
            }
            throw e;
        }
    }

    /** A client with a timeout no longer than the region timeout for connecting. */
    public static HttpClient httpClient(GatewayConfig config) {
        Duration connect = config.regionTimeout().compareTo(Duration.ofSeconds(2)) < 0 ? config.regionTimeout() : Duration.ofSeconds(2);
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connect).build();
    }
}
