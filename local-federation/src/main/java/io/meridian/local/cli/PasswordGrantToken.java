package io.meridian.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.audit.BearerToken;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A user's token by Keycloak's password grant (the local realm's {@code meridian-cli} client), fetched again 30 s
 * before it expires, so that an audit longer than a token's life keeps going. The password never appears in messages.
 */
final class PasswordGrantToken implements BearerToken {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration EARLY = Duration.ofSeconds(30);

    private final URI endpoint;
    private final String clientId;
    private final String username;
    private final String password;
    private final HttpClient http;
    private String token;
    private Instant refreshAt = Instant.MIN;

    PasswordGrantToken(URI endpoint, String clientId, String username, String password, HttpClient http) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint must not be null");
        this.clientId = Objects.requireNonNull(clientId, "clientId must not be null");
        this.username = Objects.requireNonNull(username, "username must not be null");
        this.password = Objects.requireNonNull(password, "password must not be null");
        this.http = Objects.requireNonNull(http, "http must not be null");
    }

    @Override
    public synchronized String get() throws IOException, InterruptedException {
        if (token != null && Instant.now().isBefore(refreshAt)) {
            return token;
        }
        Instant asked = Instant.now();
        String form = "grant_type=password&client_id=" + enc(clientId) + "&username=" + enc(username) + "&password=" + enc(password);
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IOException("Keycloak's token endpoint " + endpoint + " did not answer (" + e.getClass().getSimpleName() + ")", e);
        }
        if (r.statusCode() != 200) {
            throw new IOException("Keycloak refused the password grant of user " + username + " with " + r.statusCode());
        }
        JsonNode body = JSON.readTree(r.body());
        String t = body.path("access_token").asText("");
        long expiresIn = body.path("expires_in").asLong(0);
        if (t.isBlank() || expiresIn <= 0) {
            throw new IOException("Keycloak answered the password grant of user " + username + " without a usable token");
        }
        token = t;
        refreshAt = asked.plusSeconds(expiresIn).minus(EARLY);
        return token;
    }

    @Override
    public synchronized void rejected(String refused) {
        if (refused.equals(token)) {
            token = null;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
