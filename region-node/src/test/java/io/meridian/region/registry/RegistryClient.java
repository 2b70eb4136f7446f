package io.meridian.region.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/** A plain HTTP client for the management API and Keycloak's token endpoint, with bounded timeouts. */
public final class RegistryClient {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /**
     * HTTP/1.1 only: the JDK client otherwise offers an h2c upgrade to plain-HTTP servers, and one such exchange
     * with the node's management port stalled mid-body for 15 minutes in a CI run (the request timeout only
     * covers the headers).
     */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
            .build();

    /** An access token for a demo user (password grant through the CLI client). */
    public String userToken(KeycloakService keycloak, MeridianRealm.DemoUser user) throws IOException, InterruptedException {
        return token(keycloak, Map.of("grant_type", "password", "client_id", MeridianRealm.CLI_CLIENT,
                "username", user.username(), "password", user.password()));
    }

    /** An access token for the catalog's service client (client credentials). */
    public String catalogToken(KeycloakService keycloak) throws IOException, InterruptedException {
        return token(keycloak, Map.of("grant_type", "client_credentials", "client_id", MeridianRealm.CATALOG_CLIENT,
                "client_secret", MeridianRealm.CATALOG_SECRET));
    }

    /** An access token for a region's federation gateway client (client credentials; it carries a {@code region} claim). */
    public String gatewayToken(KeycloakService keycloak, String region) throws IOException, InterruptedException {
        return token(keycloak, Map.of("grant_type", "client_credentials", "client_id", MeridianRealm.gatewayClientId(region),
                "client_secret", MeridianRealm.gatewaySecret(region)));
    }

    private String token(KeycloakService keycloak, Map<String, String> form) throws IOException, InterruptedException {
        String body = new LinkedHashMap<>(form).entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(keycloak.tokenEndpoint()).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "token request failed: " + response.body());
        return new JsonObject(response.body()).getString("access_token");
    }

    /** Sends and waits for the whole response, body included, at most twice {@link #TIMEOUT}. */
    public HttpResponse<String> send(String method, URI uri, String token, String body, String... headers) throws IOException, InterruptedException {
        try {
            return http.sendAsync(request(method, uri, token, body, headers), HttpResponse.BodyHandlers.ofString())
                    .get(TIMEOUT.toMillis() * 2, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(method + " " + uri + " failed", e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException(method + " " + uri + " gave no complete response within " + TIMEOUT.multipliedBy(2), e);
        }
    }

    CompletableFuture<HttpResponse<String>> sendAsync(String method, URI uri, String token, String body, String... headers) {
        return http.sendAsync(request(method, uri, token, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(String method, URI uri, String token, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }
}
