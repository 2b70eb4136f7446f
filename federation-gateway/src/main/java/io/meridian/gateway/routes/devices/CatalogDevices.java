package io.meridian.gateway.routes.devices;

import io.meridian.gateway.client.ClientToken;
import io.meridian.gateway.problem.GatewayProblem;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The catalog's device operations ({@code POST /tenants/{t}/devices}, {@code GET|DELETE /tenants/{t}/devices/{d}}), called
 * with the gateway's own client token, which the catalog accepts for every tenant. Blocking, bounded by the catalog
 * timeout. Path segments must already be encoded.
 */
public final class CatalogDevices {

    /** The catalog's answer, whatever its status. */
    public record Reply(int status, String contentType, String body) {
    }

    private final URI base;
    private final ClientToken token;
    private final HttpClient http;
    private final Duration timeout;

    public CatalogDevices(URI catalogUrl, ClientToken token, HttpClient http, Duration timeout) {
        this.base = Objects.requireNonNull(catalogUrl, "catalogUrl must not be null");
        this.token = Objects.requireNonNull(token, "token must not be null");
        this.http = Objects.requireNonNull(http, "http must not be null");
        this.timeout = Objects.requireNonNull(timeout, "timeout must not be null");
    }

    /**
     * Sends a request to the catalog and returns its answer; a 401 (a rotated key, a revoked token) is retried once with a
     * new token.
     *
     * @throws GatewayProblem 503 with {@code Retry-After} when the catalog or Keycloak cannot be reached in time
     */
    public Reply call(String method, String path, Optional<String> body) throws InterruptedException {
        String bearer = bearer();
        Reply reply = send(method, path, body, bearer);
        if (reply.status() == 401) {
            token.reject(bearer);
            reply = send(method, path, body, bearer());
        }
        return reply;
    }

    private String bearer() throws InterruptedException {
        try {
            return token.get();
        } catch (ClientToken.TokenException e) {
            throw GatewayProblem.unavailable("the gateway cannot get its own token from Keycloak, so the catalog cannot be asked", 5, e);
        }
    }

    private Reply send(String method, String path, Optional<String> body, String bearer) throws InterruptedException {
        URI uri = URI.create(base + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", "Bearer " + bearer)
                .header("Accept", "application/json, application/problem+json");
        if (body.isPresent()) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.get()));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.headers().firstValue("Content-Type").orElse(Answer.JSON), r.body());
        } catch (IOException e) {
            throw GatewayProblem.unavailable("the catalog at " + uri.getAuthority() + " did not answer within " + timeout.toMillis() + " ms", 5, e);
        }
    }
}
