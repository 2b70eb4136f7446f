package io.meridian.region.registry;

import io.opentracing.Span;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.deviceregistry.service.credentials.AbstractCredentialsManagementService;
import org.eclipse.hono.deviceregistry.service.device.DeviceKey;
import org.eclipse.hono.service.auth.HonoPasswordEncoder;
import org.eclipse.hono.service.management.OperationResult;
import org.eclipse.hono.service.management.credentials.CommonCredential;

/**
 * Hono's credentials management over the region's Cassandra.
 *
 * <p>Hono's base class hashes every {@code pwd-plain} secret with the configured encoder (bcrypt) and
 * checks pre-hashed secrets against the allowed hash functions and the bcrypt cost limit before
 * {@link #processUpdateCredentials} sees them, so only hashes are stored; {@link RegistryJson} refuses to
 * store anything else. Reads return secret metadata only (Hono's {@code stripPrivateInfo}): never a hash,
 * salt or plaintext.
 *
 * <p>{@code x509-cert} credentials (auth-id = the subject DN) are stored; checking client certificates
 * at connect is the MQTT/HTTP adapters' job and comes with them.
 */
final class CassandraCredentialsManagementService extends AbstractCredentialsManagementService {

    /** The hash functions Hono defines for {@code hashed-password} secrets. */
    static final Set<String> HASH_FUNCTIONS = Set.of("bcrypt", "sha-256", "sha-512");

    private final RegistryStore store;

    CassandraCredentialsManagementService(Vertx vertx, RegistryStore store, HonoPasswordEncoder encoder, int maxBcryptCost) {
        super(vertx, encoder, maxBcryptCost, HASH_FUNCTIONS);
        this.store = store;
    }

    /** Hono's own check and hashing of incoming credentials, visible to this package's tests. */
    List<CommonCredential> hashAndCheck(List<CommonCredential> credentials) {
        return checkCredentials(credentials);
    }

    /**
     * Replaces a device's credentials: merges id-only secrets with the stored ones, claims each new auth-id
     * (409 if another device of the tenant holds it), writes the list behind the version gate (412 on a
     * stale If-Match), then rewrites the auth-id lookup rows and releases the auth-ids no longer used.
     * Claims made by a request that then fails are released again.
     */
    @Override
    protected Future<OperationResult<Void>> processUpdateCredentials(DeviceKey key, List<CommonCredential> credentials,
            Optional<String> resourceVersion, Span span) {
        String tenantId = key.getTenantId();
        String deviceId = key.getDeviceId();
        return requireDevice(key)
                .compose(v -> store.readCredentials(tenantId, deviceId))
                .compose(existing -> {
                    List<CommonCredential> stored = existing.map(e -> RegistryJson.readCredentials(e.json())).orElse(List.of());
                    List<CommonCredential> merged;
                    try {
                        merged = merge(credentials, stored);
                    } catch (IllegalArgumentException | IllegalStateException e) {
                        return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_BAD_REQUEST, e.getMessage()));
                    }
                    String json = RegistryJson.writeCredentials(merged);
                    List<CommonCredential> claimed = new ArrayList<>();
                    return claimAll(key, merged, claimed)
                            .compose(v -> store.updateCredentials(tenantId, deviceId, json, resourceVersion))
                            .recover(t -> releaseAll(key, claimed).transform(r -> Future.failedFuture(t)))
                            .compose(version -> {
                                List<Future<Void>> lookups = new ArrayList<>();
                                merged.forEach(c -> lookups.add(store.writeAuthIdCredential(tenantId, c.getType(), c.getAuthId(),
                                        deviceId, RegistryJson.writeCredential(c))));
                                stored.stream().filter(old -> merged.stream().noneMatch(c -> sameKey(c, old)))
                                        .forEach(old -> lookups.add(store.releaseAuthId(tenantId, old.getType(), old.getAuthId(), deviceId)));
                                return Future.all(lookups).map(version);
                            });
                })
                .map(v -> OperationResult.ok(HttpURLConnection.HTTP_NO_CONTENT, (Void) null, Optional.empty(), Optional.of(v)));
    }

    private static List<CommonCredential> merge(List<CommonCredential> credentials, List<CommonCredential> stored) {
        List<CommonCredential> merged = new ArrayList<>();
        for (CommonCredential c : credentials) {
            // a secret sent with only its id keeps the stored secret (Hono's update semantics)
            stored.stream().filter(s -> sameKey(s, c)).findFirst().ifPresent(c::merge);
            c.createMissingSecretIds();
            merged.add(c);
        }
        return merged;
    }

    private static boolean sameKey(CommonCredential a, CommonCredential b) {
        return a.getType().equals(b.getType()) && a.getAuthId().equals(b.getAuthId());
    }

    /** Claims every auth-id in order; those this request newly claimed are added to {@code claimed}. */
    private Future<Void> claimAll(DeviceKey key, List<CommonCredential> credentials, List<CommonCredential> claimed) {
        Future<Void> chain = Future.succeededFuture();
        for (CommonCredential c : credentials) {
            chain = chain.compose(v -> store.claimAuthId(key.getTenantId(), c.getType(), c.getAuthId(), key.getDeviceId())
                    .map(isNew -> {
                        if (isNew) {
                            claimed.add(c);
                        }
                        return (Void) null;
                    }));
        }
        return chain;
    }

    private Future<Void> releaseAll(DeviceKey key, List<CommonCredential> claimed) {
        List<Future<Void>> releases = new ArrayList<>();
        claimed.forEach(c -> releases.add(store.releaseAuthId(key.getTenantId(), c.getType(), c.getAuthId(), key.getDeviceId())));
        return Future.all(releases).mapEmpty();
    }

    @Override
    protected Future<OperationResult<List<CommonCredential>>> processReadCredentials(DeviceKey key, Span span) {
        return requireDevice(key)
                .compose(v -> store.readCredentials(key.getTenantId(), key.getDeviceId()))
                .map(row -> {
                    List<CommonCredential> credentials = row.map(r -> RegistryJson.readCredentials(r.json())).orElse(List.of());
                    credentials.forEach(CommonCredential::stripPrivateInfo);
                    return OperationResult.ok(HttpURLConnection.HTTP_OK, credentials, Optional.empty(), row.map(RegistryStore.Versioned::version));
                });
    }

    private Future<Void> requireDevice(DeviceKey key) {
        return store.readDevice(key.getTenantId(), key.getDeviceId()).compose(d -> d.isPresent() ? Future.succeededFuture()
                : Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_NOT_FOUND,
                        "device " + key.getDeviceId() + " not found in tenant " + key.getTenantId())));
    }
}
