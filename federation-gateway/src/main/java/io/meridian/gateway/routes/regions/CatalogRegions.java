package io.meridian.gateway.routes.regions;

import io.meridian.gateway.client.ClientToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.gateway.problem.GatewayProblem;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The region directory and health, as the catalog's {@code GET /v1/regions} gives it, fetched with the gateway's own
 * client token and reused for a few seconds so that a burst of callers costs the catalog one request. Blocking (Camel
 * routes call it on worker threads); one fetch at a time.
 *
 * <p>When the catalog is down or too slow the answer is a 503 problem, even if an older directory is cached: a stale
 * health report is worse than none.
 */
public final class CatalogRegions {

    /** A directory and when it was fetched. */
    public record Directory(JsonNode regions, Instant fetchedAt) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI regionsUri;
    private final ClientToken token;
    private final HttpClient http;
    private final Duration ttl;
    private final Duration timeout;
    private final Clock clock;
    private Directory cached;

    public CatalogRegions(URI catalogUrl, ClientToken token, HttpClient http, Duration ttl, Duration timeout, Clock clock) {
        this.regionsUri = URI.create(Objects.requireNonNull(catalogUrl, "catalogUrl must not be null") + "/regions");
        this.token = Objects.requireNonNull(token, "token must not be null");
        this.http = Objects.requireNonNull(http, "http must not be null");
        this.ttl = Objects.requireNonNull(ttl, "ttl must not be null");
        this.timeout = Objects.requireNonNull(timeout, "timeout must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /**
     * The directory, from the cache while it is younger than the TTL.
     *
     * @throws GatewayProblem 503 when the catalog or the token endpoint is unavailable, 502 when the catalog answered
     *                        something unusable
     */
    public synchronized Directory get() throws InterruptedException {
        Instant now = clock.instant();
        if (cached != null && now.isBefore(cached.fetchedAt().plus(ttl))) {
            return cached;
        }
        cached = null;
        Directory fresh = new Directory(fetch(), now);
        cached = fresh;
        return fresh;
    }

    private JsonNode fetch() throws InterruptedException {
        String bearer = bearer();
        HttpResponse<String> response = call(bearer);
        if (response.statusCode() == 401) {
            // the realm may have rotated keys or the token was revoked: one retry with a new token
            token.reject(bearer);
            response = call(bearer());
        }
        if (response.statusCode() == 503) {
            throw GatewayProblem.unavailable("the catalog is temporarily unavailable (it answered 503), so the region directory cannot be read", 5, null);
        }
        if (response.statusCode() != 200) {
            throw GatewayProblem.of(502, "the catalog answered " + response.statusCode() + " to GET " + regionsUri);
        }
        try {
            JsonNode regions = JSON.readTree(response.body());
            if (regions == null || !regions.isArray()) {
                throw GatewayProblem.of(502, "the catalog's region directory is not a JSON array");
            }
            return regions;
        } catch (IOException e) {
            throw GatewayProblem.of(502, "the catalog's region directory is not JSON");
        }
    }

    private String bearer() throws InterruptedException {
        try {
            return token.get();
        } catch (ClientToken.TokenException e) {
            throw GatewayProblem.unavailable("the gateway cannot get its own token from Keycloak, so the catalog cannot be asked", 5, e);
        }
    }

    private HttpResponse<String> call(String bearer) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(regionsUri).timeout(timeout).header("Authorization", "Bearer " + bearer)
                .header("Accept", "application/json").GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw GatewayProblem.unavailable("the catalog at " + regionsUri.getAuthority() + " did not answer within " + timeout.toMillis() + " ms", 5, e);
        }
    }
}
