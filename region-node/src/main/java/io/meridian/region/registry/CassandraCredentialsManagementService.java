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

    @Override
    protected Future<OperationResult<Void>> processUpdateCredentials(DeviceKey key, List<CommonCredential> credentials,
            Optional<String> resourceVersion, Span span) {
        return requireDevice(key)
                .compose(v -> store.readCredentials(key.getTenantId(), key.getDeviceId()))
                .compose(existing -> {
                    List<CommonCredential> stored = existing.map(e -> RegistryJson.readCredentials(e.json())).orElse(List.of());
                    List<CommonCredential> merged = new ArrayList<>();
                    for (CommonCredential c : credentials) {
                        // a secret sent with only its id keeps the stored secret (Hono's update semantics)
                        Optional<CommonCredential> previous = stored.stream()
                                .filter(s -> s.getType().equals(c.getType()) && s.getAuthId().equals(c.getAuthId()))
                                .findFirst();
                        if (previous.isPresent()) {
                            try {
                                c.merge(previous.get());
                            } catch (IllegalArgumentException | IllegalStateException e) {
                                return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_BAD_REQUEST,
                                        "credentials of type " + c.getType() + " for auth-id " + c.getAuthId() + ": " + e.getMessage()));
                            }
                        }
                        c.createMissingSecretIds();
                        merged.add(c);
                    }
                    return store.updateCredentials(key.getTenantId(), key.getDeviceId(), RegistryJson.writeCredentials(merged), resourceVersion);
                })
                .map(v -> OperationResult.ok(HttpURLConnection.HTTP_NO_CONTENT, (Void) null, Optional.empty(), Optional.of(v)));
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
