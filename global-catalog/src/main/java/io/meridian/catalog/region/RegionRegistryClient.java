package io.meridian.catalog.region;

import io.meridian.policy.model.RegionId;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls the regions' Device Registry Management API (Hono's HTTP API v1) with the catalog's {@link ServiceToken}.
 * Bodies are Hono's JSON (tenant, device, credentials); the region's base URI comes from the {@link RegionDirectory}.
 *
 * <p>Every call returns a future that fails with {@link RegistryCallException} (region, operation, status, the
 * registry's explanation), or with {@link ServiceToken.TokenException} when no token could be had. A call the region
 * answers with 401 is repeated once with a renewed token. Thread-safe.
 */
public final class RegionRegistryClient {

    /** Default limit for one whole call to a registry. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** How an upsert ended. */
    public enum Upsert {
        CREATED,
        UPDATED
    }

    /** How a device creation ended: new, or the device was there already (409), which the caller may take as done. */
    public enum Creation {
        CREATED,
        ALREADY_EXISTS
    }

    private final RegionDirectory directory;
    private final ServiceToken token;
    private final Duration timeout;
    private final HttpClient http;

    public RegionRegistryClient(RegionDirectory directory, ServiceToken token) {
        this(directory, token, DEFAULT_TIMEOUT);
    }

    /** @throws IllegalArgumentException when the timeout is not positive */
    public RegionRegistryClient(RegionDirectory directory, ServiceToken token, Duration timeout) {
        this.directory = Objects.requireNonNull(directory, "directory must not be null");
        this.token = Objects.requireNonNull(token, "token must not be null");
        this.timeout = Objects.requireNonNull(timeout, "timeout must not be null");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("registry call timeout must be positive, was " + timeout);
        }
        // HTTP/1.1: the registry is plain HTTP/1.1, and the JDK's h2c upgrade attempt only adds a round of risk
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /**
     * Creates the tenant or replaces it: PUT, then POST when the region does not know the tenant yet (404), then PUT
     * again when a concurrent POST won (409). Idempotent.
     *
     * @param honoTenant the tenant as Hono's management JSON ({@code enabled}, {@code ext}, ...)
     * @throws IllegalArgumentException (synchronously) when the region is unknown or the tenant id blank
     */
    public CompletableFuture<Upsert> upsertTenant(RegionId region, String tenantId, JsonObject honoTenant) {
        requireId("tenant id", tenantId);
        Objects.requireNonNull(honoTenant, "honoTenant must not be null");
        RegionEndpoints e = directory.endpoints(region);
        URI uri = e.registryResource("tenants", tenantId);
        String body = honoTenant.encode();
        String op = "upsert tenant " + tenantId;
        return call(region, op, "PUT", uri, body).thenCompose(put -> {
            if (put.statusCode() == 204 || put.statusCode() == 200) {
                return CompletableFuture.completedFuture(Upsert.UPDATED);
            }
            if (put.statusCode() != 404) {
                throw failure(region, op, put);
            }
            return call(region, op, "POST", uri, body).thenCompose(post -> {
                if (post.statusCode() == 201) {
                    return CompletableFuture.completedFuture(Upsert.CREATED);
                }
                if (post.statusCode() != 409) {
                    throw failure(region, op, post);
                }
                return call(region, op, "PUT", uri, body).thenApply(again -> {
                    if (again.statusCode() == 204 || again.statusCode() == 200) {
                        return Upsert.UPDATED;
                    }
                    throw failure(region, op, again);
                });
            });
        });
    }

    /**
     * Creates a device. That the device exists already (409) is {@link Creation#ALREADY_EXISTS}, not a failure.
     *
     * @param device the device as Hono's management JSON
     */
    public CompletableFuture<Creation> createDevice(RegionId region, String tenantId, String deviceId, JsonObject device) {
        requireId("tenant id", tenantId);
        requireId("device id", deviceId);
        Objects.requireNonNull(device, "device must not be null");
        String op = "create device " + tenantId + "/" + deviceId;
        URI uri = directory.endpoints(region).registryResource("devices", tenantId, deviceId);
        return call(region, op, "POST", uri, device.encode()).thenApply(r -> {
            if (r.statusCode() == 201) {
                return Creation.CREATED;
            }
            if (r.statusCode() == 409) {
                return Creation.ALREADY_EXISTS;
            }
            throw failure(region, op, r);
        });
    }

    /** The device as the region stores it (Hono's management JSON), or empty when it does not know it (404). */
    public CompletableFuture<Optional<JsonObject>> device(RegionId region, String tenantId, String deviceId) {
        requireId("tenant id", tenantId);
        requireId("device id", deviceId);
        String op = "read device " + tenantId + "/" + deviceId;
        URI uri = directory.endpoints(region).registryResource("devices", tenantId, deviceId);
        return call(region, op, "GET", uri, null).thenApply(r -> {
            if (r.statusCode() == 404) {
                return Optional.empty();
            }
            if (r.statusCode() != 200) {
                throw failure(region, op, r);
            }
            try {
                return Optional.of(new JsonObject(r.body()));
            } catch (DecodeException | ClassCastException e) {
                throw RegistryCallException.status(region, op, r.statusCode(), Optional.of("the body is not a JSON object"));
            }
        });
    }

    /** Deletes a device (and, in the registry, its credentials). A device the region does not know (404) counts as deleted. */
    public CompletableFuture<Void> deleteDevice(RegionId region, String tenantId, String deviceId) {
        requireId("tenant id", tenantId);
        requireId("device id", deviceId);
        String op = "delete device " + tenantId + "/" + deviceId;
        URI uri = directory.endpoints(region).registryResource("devices", tenantId, deviceId);
        return call(region, op, "DELETE", uri, null).thenApply(r -> {
            if (r.statusCode() == 204 || r.statusCode() == 404 || r.statusCode() == 200) {
                return null;
            }
            throw failure(region, op, r);
        });
    }

    /**
     * Replaces the device's credentials.
     *
     * @param credentials Hono's credentials array ({@code type}, {@code auth-id}, {@code secrets})
     */
    public CompletableFuture<Void> setCredentials(RegionId region, String tenantId, String deviceId, JsonArray credentials) {
        requireId("tenant id", tenantId);
        requireId("device id", deviceId);
        Objects.requireNonNull(credentials, "credentials must not be null");
        String op = "set credentials of " + tenantId + "/" + deviceId;
        URI uri = directory.endpoints(region).registryResource("credentials", tenantId, deviceId);
        return call(region, op, "PUT", uri, credentials.encode()).thenApply(r -> {
            if (r.statusCode() == 204 || r.statusCode() == 200) {
                return null;
            }
            throw failure(region, op, r);
        });
    }

    /** One exchange with a token; on 401, once more with a renewed token. Fails only when the region cannot be reached. */
    private CompletableFuture<HttpResponse<String>> call(RegionId region, String op, String method, URI uri, String body) {
        return token.get()
                .thenCompose(t -> send(region, op, method, uri, body, t).thenCompose(r -> r.statusCode() != 401
                        ? CompletableFuture.completedFuture(r)
                        : token.renewAfterRejection(t).thenCompose(renewed -> send(region, op, method, uri, body, renewed))));
    }

    private CompletableFuture<HttpResponse<String>> send(RegionId region, String op, String method, URI uri, String body, String accessToken) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Authorization", "Bearer " + accessToken)
                .header("Accept", "application/json");
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(error -> {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    String why = cause instanceof TimeoutException || cause instanceof HttpTimeoutException
                            ? "no answer within " + timeout.toMillis() + " ms"
                            : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
                    throw RegistryCallException.unreachable(region, op + " (" + method + " " + uri + ")", why, cause);
                });
    }

    /** The registry's error for an unexpected status: Hono's {@code {"error": ...}}, else the body's start. */
    private static RegistryCallException failure(RegionId region, String op, HttpResponse<String> r) {
        String body = r.body() == null ? "" : r.body().strip();
        Optional<String> detail = Optional.empty();
        if (!body.isEmpty()) {
            try {
                JsonObject json = new JsonObject(body);
                Object error = json.getValue("error");
                if (error == null) {
                    error = json.getValue("detail");
                }
                detail = Optional.of(error != null ? error.toString() : abbreviate(body));
            } catch (DecodeException | ClassCastException e) {
                detail = Optional.of(abbreviate(body));
            }
        }
        return RegistryCallException.status(region, op, r.statusCode(), detail);
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }

    private static void requireId(String what, String id) {
        Objects.requireNonNull(id, what + " must not be null");
        if (id.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank, was '" + id + "'");
        }
    }
}
