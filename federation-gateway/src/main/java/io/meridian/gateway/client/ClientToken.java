package io.meridian.gateway.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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

/**
 * The gateway's own access token: a client-credentials grant of {@code gateway-<region>} at Keycloak's token endpoint,
 * reused until {@link #EARLY_REFRESH} before it expires. Blocking; callers are Camel routes on worker threads.
 * Thread-safe: one fetch at a time. The secret never appears in messages or {@link #toString()}.
 */
public final class ClientToken {

    /** A cached token is replaced this long before it expires, so that it never expires on its way to the catalog. */
    public static final Duration EARLY_REFRESH = Duration.ofSeconds(30);

    /** The token endpoint refused the grant, answered something unusable, or did not answer. */
    public static final class TokenException extends IOException {
        TokenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String clientId;
    private final String secret;
    private final Duration timeout;
    private final Clock clock;
    private final HttpClient http;
    private String token;
    private Instant refreshAt = Instant.MIN;

    public ClientToken(URI endpoint, String clientId, String secret, Duration timeout, Clock clock, HttpClient http) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint must not be null");
        this.clientId = Objects.requireNonNull(clientId, "clientId must not be null");
        this.secret = Objects.requireNonNull(secret, "secret must not be null");
        this.timeout = Objects.requireNonNull(timeout, "timeout must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
        this.http = Objects.requireNonNull(http, "http must not be null");
    }

    /**
     * A valid token, the cached one while it is fresh.
     *
     * @throws TokenException naming the endpoint and the client when no token could be had
     */
    public synchronized String get() throws TokenException, InterruptedException {
        if (token != null && clock.instant().isBefore(refreshAt)) {
            return token;
        }
        return fetch();
    }

    /** Forgets {@code rejected} (the catalog refused it), so that the next {@link #get()} fetches a new one. */
    public synchronized void reject(String rejected) {
        if (rejected.equals(token)) {
            token = null;
        }
    }

    private String fetch() throws TokenException, InterruptedException {
        Instant requested = clock.instant();
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(timeout).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(form)).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TokenException("token endpoint " + endpoint + " did not answer for client " + clientId + " within "
                    + timeout.toMillis() + " ms: " + e, e);
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body() == null || response.body().isBlank() ? "{}" : response.body());
        } catch (IOException e) {
            throw new TokenException("token endpoint " + endpoint + " answered " + response.statusCode() + " with a body that is not JSON", e);
        }
        if (response.statusCode() != 200) {
            throw new TokenException("token endpoint " + endpoint + " refused client " + clientId + " with " + response.statusCode() + ": "
                    + body.path("error_description").asText(body.path("error").asText("no reason given")), null);
        }
        String accessToken = body.path("access_token").asText("");
        long expiresIn = body.path("expires_in").asLong(0);
        if (accessToken.isBlank() || expiresIn <= 0) {
            throw new TokenException("token endpoint " + endpoint + " answered without a usable access_token and positive expires_in", null);
        }
        token = accessToken;
        // judged from when the request was sent, so the cached token never outlives the real one
        refreshAt = requested.plusSeconds(expiresIn).minus(EARLY_REFRESH);
        return token;
    }

    @Override
    public String toString() {
        return "ClientToken[client=" + clientId + ", endpoint=" + endpoint + ", secret=****]";
    }
}
