package io.meridian.local.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Access tokens of the {@value MeridianRealm#REALM} realm for the demo users and the service clients: what the tests,
 * the simulator and the CLI use to act as a tenant's user, an auditor or a region's gateway. One place, so that every
 * caller asks Keycloak the same way and fails with the same clear message.
 */
public final class RealmTokens {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final URI tokenEndpoint;

    /** Tokens from the realm's token endpoint, e.g. {@link KeycloakService#tokenEndpoint()}. */
    public RealmTokens(HttpClient http, URI tokenEndpoint) {
        this.http = Objects.requireNonNull(http, "http must not be null");
        this.tokenEndpoint = Objects.requireNonNull(tokenEndpoint, "tokenEndpoint must not be null");
    }

    /** Tokens from a running Keycloak service. */
    public static RealmTokens of(HttpClient http, KeycloakService keycloak) {
        return new RealmTokens(http, keycloak.tokenEndpoint());
    }

    /** A demo user's token, by the password grant of the public {@value MeridianRealm#CLI_CLIENT} client. */
    public String user(MeridianRealm.DemoUser user) throws IOException, InterruptedException {
        return request(Map.of("grant_type", "password", "client_id", MeridianRealm.CLI_CLIENT, "username", user.username(),
                "password", user.password()), "user " + user.username());
    }

    /** A region's gateway client token (it carries that region's {@code region} claim). */
    public String gateway(String region) throws IOException, InterruptedException {
        return client(MeridianRealm.gatewayClientId(region), MeridianRealm.gatewaySecret(region));
    }

    /** A confidential client's token, by the client-credentials grant. */
    public String client(String clientId, String secret) throws IOException, InterruptedException {
        return request(Map.of("grant_type", "client_credentials", "client_id", clientId, "client_secret", secret), "client " + clientId);
    }

    private String request(Map<String, String> form, String who) throws IOException, InterruptedException {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(tokenEndpoint).timeout(TIMEOUT)
                .header("content-type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("Keycloak at " + tokenEndpoint + " refused a token for " + who + ": HTTP " + r.statusCode() + " " + r.body());
        }
        JsonNode token = JSON.readTree(r.body()).get("access_token");
        if (token == null || !token.isTextual()) {
            throw new IOException("Keycloak at " + tokenEndpoint + " answered without an access_token for " + who);
        }
        return token.asText();
    }
}
