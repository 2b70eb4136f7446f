package io.meridian.region.registry;

import io.opentracing.SpanContext;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.client.ServerErrorException;
import org.eclipse.hono.client.registry.CredentialsClient;
import org.eclipse.hono.client.registry.DeviceRegistrationClient;
import org.eclipse.hono.client.registry.TenantClient;
import org.eclipse.hono.util.CredentialsObject;
import org.eclipse.hono.util.RegistrationAssertion;
import org.eclipse.hono.util.TenantObject;

/**
 * Hono's Tenant, Device Registration and Credentials client APIs, answered in-process from the region's
 * registry tables: the production path of the region's protocol adapters, with no AMQP hop.
 *
 * <p>Failed futures follow Hono's client contract: a {@link ClientErrorException} with 404 when the tenant,
 * the device or the credential does not exist or is disabled (a disabled tenant is returned, with
 * {@code enabled} false, so that the adapter can refuse with 403), 403 when a gateway may not act for a device,
 * and a {@link ServerErrorException} with 503 when Cassandra cannot answer. Tenants are found by id or by the
 * subject DN of a CA they trust (X.509 client certificates).
 *
 * <p>Answers by tenant id, registration assertions and credentials are kept in a {@link RegistryCache}, which
 * the store empties for a tenant on every write through the management API; lookups by trusted CA are not
 * cached (they happen once per TLS connect and then go through the cached lookup by id).
 */
public final class AdapterRegistryClients {

    private final RegistryStore store;
    private final RegistryCache cache;
    private final Tenants tenants = new Tenants();
    private final Registrations registrations = new Registrations();
    private final Credentials credentials = new Credentials();

    AdapterRegistryClients(RegistryStore store, RegistryCache cache) {
        this.store = Objects.requireNonNull(store, "store must not be null");
        this.cache = Objects.requireNonNull(cache, "cache must not be null");
        store.onChange(cache::invalidateTenant);
    }

    /** The cache in front of the store (for metrics and tests). */
    public RegistryCache cache() {
        return cache;
    }

    /**
     * The tenant's management document (Hono's Tenant JSON, including {@code ext}), cached like the adapters'
     * lookups and dropped on every write to the tenant. Empty when the tenant does not exist.
     *
     * @return a future failing with a 503 {@link ServerErrorException} when the registry cannot be read
     */
    public Future<Optional<JsonObject>> tenantDocument(String tenantId) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        return cache.get("tenant-document", tenantId, List.of(), () -> store.readTenant(tenantId)
                .recover(AdapterRegistryClients::unavailable)
                .map(row -> row.map(r -> new JsonObject(r.json()))));
    }

    /**
     * The device's management document (Hono's Device JSON, including {@code ext}), cached and dropped like
     * {@link #tenantDocument}. Empty when the device does not exist.
     *
     * @return a future failing with a 503 {@link ServerErrorException} when the registry cannot be read
     */
    public Future<Optional<JsonObject>> deviceDocument(String tenantId, String deviceId) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(deviceId, "deviceId must not be null");
        return cache.get("device-document", tenantId, List.of(deviceId), () -> store.readDevice(tenantId, deviceId)
                .recover(AdapterRegistryClients::unavailable)
                .map(row -> row.map(r -> new JsonObject(r.json()))));
    }

    /**
     * One page of the tenant's devices in this region, in device-id order, read from the store (not cached, so a
     * device registered a moment ago is listed): each entry is the device id and its management document.
     *
     * @return a future failing with a 503 {@link ServerErrorException} when the registry cannot be read
     */
    public Future<List<Map.Entry<String, JsonObject>>> devicePage(String tenantId, int offset, int size) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        if (offset < 0 || size < 1) {
            throw new IllegalArgumentException("offset must be >= 0 and size >= 1, was offset=" + offset + " size=" + size);
        }
        return store.readDevices(tenantId, offset, size).recover(AdapterRegistryClients::unavailable)
                .map(rows -> rows.stream().map(e -> Map.entry(e.getKey(), new JsonObject(e.getValue()))).toList());
    }

    /**
     * Which of at most 100 ids are devices of the tenant in this region, read from the store (not cached, so a device
     * registered a moment ago counts). Rule A9 uses it on group-label values.
     *
     * @return a future failing with a 503 {@link ServerErrorException} when the registry cannot be read
     */
    public Future<java.util.Set<String>> registeredDevices(String tenantId, List<String> deviceIds) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        return store.existingDevices(tenantId, deviceIds).recover(AdapterRegistryClients::unavailable);
    }

    /**
     * How many devices the tenant has in this region.
     *
     * @return a future failing with a 503 {@link ServerErrorException} when the registry cannot be read
     */
    public Future<Long> deviceCount(String tenantId) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        return store.countDevices(tenantId).recover(AdapterRegistryClients::unavailable);
    }

    /**
     * The ids of every tenant in this region's registry, for the node's device totals.
     *
     * @return a future failing with a 503 {@link ServerErrorException} when the registry cannot be read
     */
    public Future<List<String>> tenantIds() {
        return store.readAllTenants().map(all -> all.stream().map(Map.Entry::getKey).toList()).recover(AdapterRegistryClients::unavailable);
    }

    public TenantClient tenantClient() {
        return tenants;
    }

    public DeviceRegistrationClient registrationClient() {
        return registrations;
    }

    public CredentialsClient credentialsClient() {
        return credentials;
    }

    private static <T> Future<T> unavailable(Throwable cause) {
        if (cause instanceof ClientErrorException) {
            return Future.failedFuture(cause);
        }
        return Future.failedFuture(new ServerErrorException(HttpURLConnection.HTTP_UNAVAILABLE,
                "device registry temporarily unavailable", cause));
    }

    private static <T> Future<T> notFound(String what) {
        return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_NOT_FOUND, what + " not found"));
    }

    /** Lifecycle of the in-process clients: nothing to open or close, the registry owns the session. */
    private abstract static class InProcess {
        public Future<Void> start() {
            return Future.succeededFuture();
        }

        public Future<Void> stop() {
            return Future.succeededFuture();
        }
    }

    private final class Tenants extends InProcess implements TenantClient {
        @Override
        public Future<TenantObject> get(String tenantId, SpanContext context) {
            Objects.requireNonNull(tenantId, "tenantId must not be null");
            return cache.get("tenant", tenantId, List.of(), () -> store.readTenant(tenantId).recover(AdapterRegistryClients::unavailable)
                    .compose(row -> row.isEmpty() ? notFound("tenant " + tenantId)
                            : view(tenantId, row.get().json())));
        }

        @Override
        public Future<TenantObject> get(X500Principal subjectDn, SpanContext context) {
            Objects.requireNonNull(subjectDn, "subjectDn must not be null");
            // the claims table holds the RFC 2253 form, which is also how the management model writes it
            String dn = subjectDn.getName(X500Principal.RFC2253);
            return store.readTrustAnchorOwner(dn).recover(AdapterRegistryClients::unavailable)
                    .compose(owner -> owner.isEmpty() ? notFound("tenant trusting CA " + dn) : get(owner.get(), context));
        }

        private Future<TenantObject> view(String tenantId, String json) {
            try {
                return Future.succeededFuture(AdapterViews.tenantObject(tenantId, json));
            } catch (IllegalStateException e) {
                return Future.failedFuture(new ServerErrorException(HttpURLConnection.HTTP_INTERNAL_ERROR, e.getMessage(), e));
            }
        }
    }

    private final class Registrations extends InProcess implements DeviceRegistrationClient {
        @Override
        public Future<RegistrationAssertion> assertRegistration(String tenantId, String deviceId, String gatewayId, SpanContext context) {
            Objects.requireNonNull(tenantId, "tenantId must not be null");
            Objects.requireNonNull(deviceId, "deviceId must not be null");
            if (gatewayId != null && !gatewayId.equals(deviceId)) {
                return cache.get("assertion", tenantId, List.of(deviceId, gatewayId), () -> assertForGateway(tenantId, deviceId, gatewayId));
            }
            return cache.get("assertion", tenantId, List.of(deviceId), () -> store.readDevice(tenantId, deviceId)
                    .recover(AdapterRegistryClients::unavailable)
                    .compose(row -> row.flatMap(r -> AdapterViews.assertion(deviceId, r.json()))
                            .map(Future::succeededFuture)
                            .orElseGet(() -> notFound("enabled device " + tenantId + "/" + deviceId))));
        }
    }

    /**
     * Hono's Device Registration API for a gateway acting for a device: 403 when the gateway is unknown or
     * disabled or the device names it neither in {@code via} nor through a group in {@code viaGroups}, 404
     * when the device is unknown or disabled.
     */
    private Future<RegistrationAssertion> assertForGateway(String tenantId, String deviceId, String gatewayId) {
        return store.readDevice(tenantId, gatewayId).recover(AdapterRegistryClients::unavailable)
                .compose(gateway -> gateway.flatMap(g -> AdapterViews.assertion(gatewayId, g.json())).isEmpty()
                        ? Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_FORBIDDEN,
                                "gateway " + tenantId + "/" + gatewayId + " is disabled or not registered"))
                        : store.readDevice(tenantId, deviceId).recover(AdapterRegistryClients::unavailable)
                                .compose(device -> {
                                    if (device.flatMap(d -> AdapterViews.assertion(deviceId, d.json())).isEmpty()) {
                                        return notFound("enabled device " + tenantId + "/" + deviceId);
                                    }
                                    return AdapterViews.gatewayAssertion(deviceId, device.get().json(), gatewayId, gateway.get().json())
                                            .map(Future::succeededFuture)
                                            .orElseGet(() -> Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_FORBIDDEN,
                                                    "gateway " + gatewayId + " is not authorized to act on behalf of " + deviceId)));
                                }));
    }

    private final class Credentials extends InProcess implements CredentialsClient {
        @Override
        public Future<CredentialsObject> get(String tenantId, String type, String authId, SpanContext context) {
            return get(tenantId, type, authId, new JsonObject(), context);
        }

        @Override
        public Future<CredentialsObject> get(String tenantId, String type, String authId, JsonObject clientContext, SpanContext context) {
            Objects.requireNonNull(tenantId, "tenantId must not be null");
            Objects.requireNonNull(type, "type must not be null");
            Objects.requireNonNull(authId, "authId must not be null");
            String what = type + " credentials " + authId + " of tenant " + tenantId;
            if (clientContext == null || clientContext.isEmpty()) {
                return cache.get("credentials", tenantId, List.of(type, authId), () -> read(tenantId, authId, type, what, context));
            }
            return read(tenantId, authId, type, what, context);
        }

        private Future<CredentialsObject> read(String tenantId, String authId, String type, String what, SpanContext context) {
            return store.readAuthIdCredential(tenantId, type, authId).recover(AdapterRegistryClients::unavailable)
                    .compose(row -> row.isEmpty() ? notFound(what)
                            // a disabled or deleted device has no usable credentials (Hono's Credentials API)
                            : registrations.assertRegistration(tenantId, row.get().deviceId(), null, context)
                                    .compose(assertion -> AdapterViews.credentials(row.get().deviceId(), row.get().credentialJson())
                                            .map(Future::succeededFuture)
                                            .orElseGet(() -> notFound("enabled " + what))));
        }
    }
}
