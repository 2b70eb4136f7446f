package io.meridian.catalog.it;

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
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** HTTP for the catalog's ITs: HTTP/1.1 (no h2c upgrade, which once stalled a CI run) with a cap on the whole exchange. */
final class TestHttp {

    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    HttpResponse<String> send(String method, URI uri, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("content-type", "application/json");
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).get(TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    }

    String userToken(KeycloakService keycloak, MeridianRealm.DemoUser user) throws Exception {
        return token(keycloak, Map.of("grant_type", "password", "client_id", MeridianRealm.CLI_CLIENT, "username", user.username(),
                "password", user.password()));
    }

    String catalogToken(KeycloakService keycloak) throws Exception {
        return token(keycloak, Map.of("grant_type", "client_credentials", "client_id", MeridianRealm.CATALOG_CLIENT,
                "client_secret", MeridianRealm.CATALOG_SECRET));
    }

    String gatewayToken(KeycloakService keycloak, String region) throws Exception {
        return token(keycloak, Map.of("grant_type", "client_credentials", "client_id", MeridianRealm.gatewayClientId(region),
                "client_secret", MeridianRealm.gatewaySecret(region)));
    }

    private String token(KeycloakService keycloak, Map<String, String> form) throws Exception {
        String body = new LinkedHashMap<>(form).entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpResponse<String> r = http.sendAsync(HttpRequest.newBuilder(keycloak.tokenEndpoint()).timeout(TIMEOUT)
                .header("content-type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()).get(TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        if (r.statusCode() != 200) {
            throw new IOException("token request failed with " + r.statusCode() + ": " + r.body());
        }
        return new JsonObject(r.body()).getString("access_token");
    }
}
