package io.meridian.catalog.region;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The catalog's access token for the regions' registries: a client-credentials grant of the {@code catalog} client at
 * Keycloak's token endpoint. The token is cached and reused until {@link #EARLY_REFRESH} before it expires; then (or
 * after a registry refused it) the next caller fetches a new one. Thread-safe: callers that need a token while one is
 * being fetched share that fetch, so at most one request to Keycloak is in flight. A token that lives 30 s or less is
 * never reused (each call fetches, still one at a time): configure the client's token lifespan well above that.
 *
 * <p>The client secret never appears in messages or {@link #toString()}.
 */
public final class ServiceToken {

    /** A cached token is replaced this long before it expires, so that it never expires on its way to a region. */
    public static final Duration EARLY_REFRESH = Duration.ofSeconds(30);
    /** Default limit for one whole token request. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** The token endpoint refused the grant, answered something unusable, or could not be reached. */
    public static final class TokenException extends RuntimeException {
        private final int status;

        TokenException(String message, int status, Throwable cause) {
            super(message, cause);
            this.status = status;
        }

        /** The token endpoint's HTTP status; 0 when it did not answer. */
        public int status() {
            return status;
        }
    }

    private record Cached(String accessToken, Instant refreshAt) {
    }

    private final URI tokenEndpoint;
    private final String clientId;
    private final String secret;
    private final HttpClient http;
    private final Duration timeout;
    private final Clock clock;
    private Cached cached;
    private CompletableFuture<String> inFlight;

    /**
     * @param tokenEndpoint the realm's token endpoint, absolute http(s)
     * @param clientId      the confidential client, normally {@code catalog}
     * @param secret        its secret
     * @throws IllegalArgumentException when the endpoint is not absolute http(s) or the client id or secret is blank
     */
    public ServiceToken(URI tokenEndpoint, String clientId, String secret) {
        this(tokenEndpoint, clientId, secret, DEFAULT_TIMEOUT, Clock.systemUTC());
    }

    /** As {@link #ServiceToken(URI, String, String)}, with a request timeout and the clock expiry is judged by. */
    public ServiceToken(URI tokenEndpoint, String clientId, String secret, Duration timeout, Clock clock) {
        this.tokenEndpoint = Objects.requireNonNull(tokenEndpoint, "tokenEndpoint must not be null");
        this.clientId = Objects.requireNonNull(clientId, "clientId must not be null");
        this.secret = Objects.requireNonNull(secret, "secret must not be null");
        this.timeout = Objects.requireNonNull(timeout, "timeout must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
        String scheme = tokenEndpoint.getScheme();
        if (!tokenEndpoint.isAbsolute() || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) || tokenEndpoint.getHost() == null) {
            throw new IllegalArgumentException("token endpoint must be an absolute http or https URI with a host, was " + tokenEndpoint);
        }
        if (clientId.isBlank()) {
            throw new IllegalArgumentException("client id must not be blank, was '" + clientId + "'");
        }
        if (secret.isBlank()) {
            throw new IllegalArgumentException("the secret of client " + clientId + " must not be blank");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("token request timeout must be positive, was " + timeout);
        }
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /**
     * A valid access token: the cached one, or a new one when it is missing or about to expire.
     *
     * @return a future failed with {@link TokenException} when no token could be had
     */
    public CompletableFuture<String> get() {
        synchronized (this) {
            if (cached != null && clock.instant().isBefore(cached.refreshAt())) {
                return CompletableFuture.completedFuture(cached.accessToken());
            }
            return fetchLocked();
        }
    }

    /**
     * A new token after a registry refused {@code rejected} (401). When the cache already holds a different token (another
     * caller renewed it meanwhile), that one is returned without a new request.
     *
     * @return a future failed with {@link TokenException} when no token could be had
     */
    public CompletableFuture<String> renewAfterRejection(String rejected) {
        synchronized (this) {
            if (cached != null && !cached.accessToken().equals(rejected) && clock.instant().isBefore(cached.refreshAt())) {
                return CompletableFuture.completedFuture(cached.accessToken());
            }
            if (cached != null && cached.accessToken().equals(rejected)) {
                cached = null;
            }
            return fetchLocked();
        }
    }

    private CompletableFuture<String> fetchLocked() {
        if (inFlight != null) {
            return inFlight;
        }
        Instant requested = clock.instant();
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(tokenEndpoint).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        CompletableFuture<String> fetch = http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                        throw new TokenException("token endpoint " + tokenEndpoint + " did not answer for client " + clientId + " within "
                                + timeout.toMillis() + " ms: " + cause, 0, cause);
                    }
                    return accept(response, requested);
                });
        inFlight = fetch;
        fetch.whenComplete((t, e) -> {
            synchronized (this) {
                if (inFlight == fetch) {
                    inFlight = null;
                }
            }
        });
        return fetch;
    }

    private String accept(HttpResponse<String> response, Instant requested) {
        JsonObject body;
        try {
            body = new JsonObject(response.body() == null || response.body().isBlank() ? "{}" : response.body());
        } catch (DecodeException | ClassCastException e) {
            throw new TokenException("token endpoint " + tokenEndpoint + " answered " + response.statusCode() + " with a body that is not a JSON object",
                    response.statusCode(), e);
        }
        if (response.statusCode() != 200) {
            String why = body.getString("error_description", body.getString("error", "no reason given"));
            throw new TokenException("token endpoint " + tokenEndpoint + " refused client " + clientId + " with " + response.statusCode() + ": "
                    + why, response.statusCode(), null);
        }
        Object token = body.getValue("access_token");
        Object expiresIn = body.getValue("expires_in");
        if (!(token instanceof String t) || t.isBlank() || !(expiresIn instanceof Number n) || n.longValue() <= 0) {
            throw new TokenException("token endpoint " + tokenEndpoint + " answered without a usable access_token and positive expires_in, keys were "
                    + body.fieldNames(), response.statusCode(), null);
        }
        // judged from when the request was sent, so the cached token never outlives the real one
        Instant refreshAt = requested.plusSeconds(n.longValue()).minus(EARLY_REFRESH);
        synchronized (this) {
            cached = new Cached(t, refreshAt);
        }
        return t;
    }

    @Override
    public String toString() {
        return "ServiceToken[client=" + clientId + ", endpoint=" + tokenEndpoint + ", secret=****]";
    }
}
