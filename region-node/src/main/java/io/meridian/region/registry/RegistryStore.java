package io.meridian.region.registry;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.client.ServerErrorException;

/**
 * The registry's tables in the region's own Cassandra keyspace, and the conditional (LWT) writes that give
 * every resource a version: creates are {@code IF NOT EXISTS}, updates and deletes are {@code IF version = ?}
 * when the caller sent {@code If-Match} and {@code IF EXISTS} otherwise, so two writers can never both win.
 *
 * <p>Failed futures carry a {@link ClientErrorException}: 404 (no such row), 409 (exists), 412 (version
 * mismatch). Anything else is a driver failure, which Hono's endpoints answer with 500.
 */
final class RegistryStore {

    static final String TENANTS = "tenants";
    static final String DEVICES = "devices";
    static final String CREDENTIALS = "credentials";
    static final String CREDENTIALS_BY_AUTH_ID = "credentials_by_auth_id";

    private final Vertx vertx;
    private final List<Consumer<String>> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CqlSession session;
    private final String keyspace;
    private final Map<String, PreparedStatement> prepared = new java.util.concurrent.ConcurrentHashMap<>();
    private final PreparedStatement insertTenant;
    private final PreparedStatement selectTenant;
    private final PreparedStatement selectAllTenants;
    private final PreparedStatement insertDevice;
    private final PreparedStatement selectDevice;
    private final PreparedStatement selectDevices;
    private final PreparedStatement insertCredentials;
    private final PreparedStatement selectCredentials;
    private final PreparedStatement selectAuthIdCredential;

    private RegistryStore(Vertx vertx, CqlSession session, String keyspace) {
        this.vertx = vertx;
        this.session = session;
        this.keyspace = keyspace;
        insertTenant = session.prepare("INSERT INTO " + keyspace + ".tenants (tenant_id, version, tenant, created, updated)"
                + " VALUES (?, ?, ?, ?, ?) IF NOT EXISTS");
        selectTenant = session.prepare("SELECT version, tenant FROM " + keyspace + ".tenants WHERE tenant_id = ?");
        selectAllTenants = session.prepare("SELECT tenant_id, tenant FROM " + keyspace + ".tenants");
        insertDevice = session.prepare("INSERT INTO " + keyspace + ".devices (tenant_id, device_id, version, device, created, updated)"
                + " VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS");
        selectDevice = session.prepare("SELECT version, device FROM " + keyspace + ".devices WHERE tenant_id = ? AND device_id = ?");
        selectDevices = session.prepare("SELECT device_id, device FROM " + keyspace + ".devices WHERE tenant_id = ?");
        insertCredentials = session.prepare("INSERT INTO " + keyspace + ".credentials (tenant_id, device_id, version, credentials, updated)"
                + " VALUES (?, ?, ?, ?, ?) IF NOT EXISTS");
        selectCredentials = session.prepare("SELECT version, credentials FROM " + keyspace + ".credentials WHERE tenant_id = ? AND device_id = ?");
        selectAuthIdCredential = session.prepare("SELECT device_id, credential FROM " + keyspace + ".credentials_by_auth_id"
                + " WHERE tenant_id = ? AND type = ? AND auth_id = ?");
    }

    /**
     * Creates the keyspace and tables when missing (idempotent; safe when several nodes start together) and
     * prepares the statements. Blocking: call it from a worker thread or from {@code main}.
     */
    static RegistryStore open(Vertx vertx, CqlSession session, String keyspace, Map<String, Object> replication) {
        String replicationCql = replication.entrySet().stream()
                .map(e -> "'" + e.getKey() + "': " + (e.getValue() instanceof Number ? e.getValue().toString() : "'" + e.getValue() + "'"))
                .collect(Collectors.joining(", ", "{", "}"));
        session.execute("CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replicationCql);
        session.execute("CREATE TABLE IF NOT EXISTS " + keyspace + ".tenants ("
                + " tenant_id text PRIMARY KEY, version text, tenant text, created timestamp, updated timestamp)");
        session.execute("CREATE TABLE IF NOT EXISTS " + keyspace + ".devices ("
                + " tenant_id text, device_id text, version text, device text, created timestamp, updated timestamp,"
                + " PRIMARY KEY ((tenant_id), device_id))");
        session.execute("CREATE TABLE IF NOT EXISTS " + keyspace + ".credentials ("
                + " tenant_id text, device_id text, version text, credentials text, updated timestamp,"
                + " PRIMARY KEY ((tenant_id), device_id))");
        // which device owns an auth-id of a type within a tenant (unique, claimed with LWT), with that single
        // credential for the Credentials API lookup the protocol adapters will make at connect
        session.execute("CREATE TABLE IF NOT EXISTS " + keyspace + ".credentials_by_auth_id ("
                + " tenant_id text, type text, auth_id text, device_id text, credential text,"
                + " PRIMARY KEY ((tenant_id), type, auth_id))");
        // which tenant trusts a CA subject DN (unique across tenants, claimed with LWT): the X.509 tenant lookup
        session.execute("CREATE TABLE IF NOT EXISTS " + keyspace + ".tenants_by_trust_anchor ("
                + " subject_dn text PRIMARY KEY, tenant_id text)");
        return new RegistryStore(vertx, session, keyspace);
    }

    /** A stored JSON document and its resource version. */
    record Versioned(String version, String json) {
    }

    static String newVersion() {
        return UUID.randomUUID().toString();
    }

    /** Called with the tenant of every write through this store: the adapters' cache drops that tenant's answers. */
    void onChange(Consumer<String> listener) {
        changeListeners.add(Objects.requireNonNull(listener, "listener must not be null"));
    }

    /** Tells the listeners once the write is done, whether it succeeded or not (a failed write may have applied). */
    private <T> Future<T> changed(String tenantId, Future<T> write) {
        return write.onComplete(ar -> changeListeners.forEach(l -> l.accept(tenantId)));
    }

    // ---- tenants

    Future<String> createTenant(String tenantId, String json) {
        String version = newVersion();
        Instant now = Instant.now();
        return changed(tenantId, execute(insertTenant.bind(tenantId, version, json, now, now))
                .compose(rs -> rs.wasApplied() ? Future.succeededFuture(version)
                        : Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_CONFLICT,
                                "tenant " + tenantId + " already exists"))));
    }

    Future<Optional<Versioned>> readTenant(String tenantId) {
        return execute(selectTenant.bind(tenantId)).map(rs -> Optional.ofNullable(rs.one())
                .map(r -> new Versioned(r.getString("version"), r.getString("tenant"))));
    }

    Future<String> updateTenant(String tenantId, String json, Optional<String> ifMatch) {
        String version = newVersion();
        return changed(tenantId, conditional("UPDATE " + keyspace + ".tenants SET version = ?, tenant = ?, updated = ? WHERE tenant_id = ?",
                List.of(version, json, Instant.now(), tenantId), tenantKey(tenantId), Optional.of(version), ifMatch,
                "tenant " + tenantId).map(version));
    }

    Future<Void> deleteTenant(String tenantId, Optional<String> ifMatch) {
        return changed(tenantId, conditional("DELETE FROM " + keyspace + ".tenants WHERE tenant_id = ?", List.of(tenantId), tenantKey(tenantId),
                Optional.empty(), ifMatch, "tenant " + tenantId)
                // the tenant is gone: its devices and credentials go with it (whole-partition deletes)
                .compose(v -> run("DELETE FROM " + keyspace + ".devices WHERE tenant_id = ?", tenantId))
                .compose(v -> run("DELETE FROM " + keyspace + ".credentials WHERE tenant_id = ?", tenantId))
                .compose(v -> run("DELETE FROM " + keyspace + ".credentials_by_auth_id WHERE tenant_id = ?", tenantId))
                .mapEmpty());
    }

    /** The device that owns an auth-id of a type, and that single credential's JSON. */
    record AuthIdCredential(String deviceId, String credentialJson) {
    }

    /**
     * Looks up the credential the protocol adapters authenticate against. A row whose credential is not yet
     * written (an auth-id claimed by an update still in progress) counts as absent.
     */
    Future<Optional<AuthIdCredential>> readAuthIdCredential(String tenantId, String type, String authId) {
        return execute(selectAuthIdCredential.bind(tenantId, type, authId)).map(rs -> Optional.ofNullable(rs.one())
                .filter(r -> r.getString("credential") != null)
                .map(r -> new AuthIdCredential(r.getString("device_id"), r.getString("credential"))));
    }

    /** Every tenant as (id, JSON); for the tenant search, which only the catalog may call. */
    Future<List<Map.Entry<String, String>>> readAllTenants() {
        return execute(selectAllTenants.bind()).compose(rs -> collect(rs, new ArrayList<>(),
                r -> Map.entry(r.getString("tenant_id"), r.getString("tenant"))));
    }

    // ---- devices

    /** Creates the device and its (empty) credentials row, both carrying versions. */
    Future<String> createDevice(String tenantId, String deviceId, String json) {
        String version = newVersion();
        Instant now = Instant.now();
        return changed(tenantId, execute(insertDevice.bind(tenantId, deviceId, version, json, now, now))
                .compose(rs -> rs.wasApplied() ? Future.succeededFuture(version)
                        : Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_CONFLICT,
                                "device " + deviceId + " already exists in tenant " + tenantId)))
                .compose(v -> execute(insertCredentials.bind(tenantId, deviceId, newVersion(), "[]", now)))
                .compose(rs -> rs.wasApplied() ? Future.succeededFuture() : resetOrphanedCredentials(tenantId, deviceId))
                .map(version));
    }

    /**
     * A credentials row without its device is left over from an interrupted delete of a device with the same
     * id. A new device must not inherit those secrets: release their auth-ids and empty the row.
     */
    private Future<Void> resetOrphanedCredentials(String tenantId, String deviceId) {
        return readCredentials(tenantId, deviceId).compose(row -> {
            List<Future<Void>> releases = new ArrayList<>();
            row.ifPresent(r -> RegistryJson.readCredentials(r.json()).forEach(c ->
                    releases.add(releaseAuthId(tenantId, c.getType(), c.getAuthId(), deviceId))));
            return Future.all(releases);
        }).compose(v -> run("UPDATE " + keyspace + ".credentials SET version = ?, credentials = '[]', updated = ?"
                + " WHERE tenant_id = ? AND device_id = ? IF EXISTS", newVersion(), Instant.now(), tenantId, deviceId))
                .mapEmpty();
    }

    Future<Optional<Versioned>> readDevice(String tenantId, String deviceId) {
        return execute(selectDevice.bind(tenantId, deviceId)).map(rs -> Optional.ofNullable(rs.one())
                .map(r -> new Versioned(r.getString("version"), r.getString("device"))));
    }

    Future<String> updateDevice(String tenantId, String deviceId, String json, Optional<String> ifMatch) {
        String version = newVersion();
        return changed(tenantId, conditional("UPDATE " + keyspace + ".devices SET version = ?, device = ?, updated = ? WHERE tenant_id = ? AND device_id = ?",
                List.of(version, json, Instant.now(), tenantId, deviceId), deviceKey(DEVICES, tenantId, deviceId), Optional.of(version),
                ifMatch, "device " + deviceId).map(version));
    }

    /** Deletes the device, then its credentials and its auth-id claims. */
    Future<Void> deleteDevice(String tenantId, String deviceId, Optional<String> ifMatch) {
        return changed(tenantId, conditional("DELETE FROM " + keyspace + ".devices WHERE tenant_id = ? AND device_id = ?",
                List.of(tenantId, deviceId), deviceKey(DEVICES, tenantId, deviceId), Optional.empty(), ifMatch, "device " + deviceId)
                .compose(v -> readCredentials(tenantId, deviceId))
                .compose(row -> run("DELETE FROM " + keyspace + ".credentials WHERE tenant_id = ? AND device_id = ? IF EXISTS",
                        tenantId, deviceId).map(row))
                .compose(row -> {
                    List<Future<Void>> releases = new ArrayList<>();
                    row.ifPresent(r -> RegistryJson.readCredentials(r.json()).forEach(c ->
                            releases.add(releaseAuthId(tenantId, c.getType(), c.getAuthId(), deviceId))));
                    return Future.all(releases);
                })
                .mapEmpty());
    }

    // ---- trust anchor ownership

    /**
     * Claims a trusted CA subject DN (RFC 2253) for a tenant.
     *
     * @return a future with {@code true} when this call made the claim, {@code false} when the tenant already
     *         held it; failed with 409 when another tenant holds it
     */
    Future<Boolean> claimTrustAnchor(String subjectDn, String tenantId) {
        return run("INSERT INTO " + keyspace + ".tenants_by_trust_anchor (subject_dn, tenant_id) VALUES (?, ?) IF NOT EXISTS",
                subjectDn, tenantId).compose(rs -> {
                    if (rs.wasApplied()) {
                        return Future.succeededFuture(true);
                    }
                    Row row = rs.one();
                    String owner = row == null ? null : row.getString("tenant_id");
                    return tenantId.equals(owner) ? Future.succeededFuture(false)
                            : Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_CONFLICT,
                                    "trusted CA " + subjectDn + " is already used by another tenant"));
                });
    }

    /** The tenant that trusts a CA subject DN (RFC 2253), if any: the X.509 tenant lookup at connect. */
    Future<Optional<String>> readTrustAnchorOwner(String subjectDn) {
        return run("SELECT tenant_id FROM " + keyspace + ".tenants_by_trust_anchor WHERE subject_dn = ?", subjectDn)
                .map(rs -> Optional.ofNullable(rs.one()).map(r -> r.getString("tenant_id")));
    }

    /** Gives up a tenant's claim on a trusted CA subject DN; another tenant's claim is left alone. */
    Future<Void> releaseTrustAnchor(String subjectDn, String tenantId) {
        return run("DELETE FROM " + keyspace + ".tenants_by_trust_anchor WHERE subject_dn = ? IF tenant_id = ?", subjectDn, tenantId)
                .mapEmpty();
    }

    // ---- auth-id ownership

    /**
     * Claims an auth-id of a type for a device.
     *
     * @return a future with {@code true} when this call made the claim, {@code false} when the device already
     *         held it; failed with 409 when another device holds it
     */
    Future<Boolean> claimAuthId(String tenantId, String type, String authId, String deviceId) {
        return run("INSERT INTO " + keyspace + ".credentials_by_auth_id (tenant_id, type, auth_id, device_id) VALUES (?, ?, ?, ?) IF NOT EXISTS",
                tenantId, type, authId, deviceId).compose(rs -> {
                    if (rs.wasApplied()) {
                        return Future.succeededFuture(true);
                    }
                    Row row = rs.one();
                    String owner = row == null ? null : row.getString("device_id");
                    return deviceId.equals(owner) ? Future.succeededFuture(false)
                            : Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_CONFLICT,
                                    "auth-id " + authId + " of type " + type + " is already used by another device of tenant " + tenantId));
                });
    }

    /** Gives up a device's claim on an auth-id; a claim held by another device is left alone. */
    Future<Void> releaseAuthId(String tenantId, String type, String authId, String deviceId) {
        return run("DELETE FROM " + keyspace + ".credentials_by_auth_id WHERE tenant_id = ? AND type = ? AND auth_id = ? IF device_id = ?",
                tenantId, type, authId, deviceId).mapEmpty();
    }

    /** Stores the single credential (hashed secrets only) under the device's claim on its auth-id. */
    Future<Void> writeAuthIdCredential(String tenantId, String type, String authId, String deviceId, String credentialJson) {
        return run("UPDATE " + keyspace + ".credentials_by_auth_id SET credential = ? WHERE tenant_id = ? AND type = ? AND auth_id = ? IF device_id = ?",
                credentialJson, tenantId, type, authId, deviceId).compose(rs -> rs.wasApplied() ? Future.succeededFuture()
                        : Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_CONFLICT,
                                "auth-id " + authId + " of type " + type + " was claimed by another device concurrently")));
    }

    /** Every device of a tenant as (id, JSON), read page by page. */
    Future<List<Map.Entry<String, String>>> readDevices(String tenantId) {
        return execute(selectDevices.bind(tenantId)).compose(rs -> collect(rs, new ArrayList<>(),
                r -> Map.entry(r.getString("device_id"), r.getString("device"))));
    }

    /**
     * At most {@code limit} devices of a tenant in device-id order (the clustering order), starting after the first
     * {@code skip}. Cassandra has no offset, so the skipped rows are read and dropped; callers bound {@code skip}.
     */
    Future<List<Map.Entry<String, String>>> readDevices(String tenantId, int skip, int limit) {
        return run("SELECT device_id, device FROM " + keyspace + ".devices WHERE tenant_id = ? LIMIT ?", tenantId, skip + limit)
                .compose(rs -> collect(rs, new ArrayList<>(), r -> Map.entry(r.getString("device_id"), r.getString("device"))))
                .map(all -> all.size() <= skip ? List.<Map.Entry<String, String>>of() : List.copyOf(all.subList(skip, all.size())));
    }

    /**
     * Which of the given ids are devices of the tenant in this region: one query inside the tenant's partition
     * ({@code device_id IN ?} on the clustering key), for rule A9's check of group-label values.
     *
     * @throws IllegalArgumentException when more than {@value #MAX_EXISTENCE_BATCH} ids are asked about at once
     */
    Future<java.util.Set<String>> existingDevices(String tenantId, List<String> deviceIds) {
        if (deviceIds.size() > MAX_EXISTENCE_BATCH) {
            throw new IllegalArgumentException("at most " + MAX_EXISTENCE_BATCH + " device ids per query, was " + deviceIds.size());
        }
        if (deviceIds.isEmpty()) {
            return Future.succeededFuture(java.util.Set.of());
        }
        return run("SELECT device_id FROM " + keyspace + ".devices WHERE tenant_id = ? AND device_id IN ?", tenantId, List.copyOf(deviceIds))
                .compose(rs -> collect(rs, new ArrayList<>(), r -> r.getString("device_id")))
                .map(java.util.Set::copyOf);
    }

    /** The most ids {@link #existingDevices} asks about in one query. */
    static final int MAX_EXISTENCE_BATCH = 100;

    /** How many devices a tenant has in this region. */
    Future<Long> countDevices(String tenantId) {
        return run("SELECT COUNT(*) FROM " + keyspace + ".devices WHERE tenant_id = ?", tenantId).map(rs -> rs.one().getLong(0));
    }

    Future<Void> deleteDevicesOfTenant(String tenantId) {
        return changed(tenantId, run("DELETE FROM " + keyspace + ".devices WHERE tenant_id = ?", tenantId)
                .compose(v -> run("DELETE FROM " + keyspace + ".credentials WHERE tenant_id = ?", tenantId))
                .compose(v -> run("DELETE FROM " + keyspace + ".credentials_by_auth_id WHERE tenant_id = ?", tenantId))
                .mapEmpty());
    }

    // ---- credentials

    Future<Optional<Versioned>> readCredentials(String tenantId, String deviceId) {
        return execute(selectCredentials.bind(tenantId, deviceId)).map(rs -> Optional.ofNullable(rs.one())
                .map(r -> new Versioned(r.getString("version"), r.getString("credentials"))));
    }

    /**
     * Replaces a device's credentials. Without {@code If-Match} a missing row (a device stored before its
     * credentials row) is created.
     */
    Future<String> updateCredentials(String tenantId, String deviceId, String json, Optional<String> ifMatch) {
        String version = newVersion();
        Instant now = Instant.now();
        Future<Void> write = conditional("UPDATE " + keyspace + ".credentials SET version = ?, credentials = ?, updated = ? WHERE tenant_id = ? AND device_id = ?",
                List.of(version, json, now, tenantId, deviceId), deviceKey(CREDENTIALS, tenantId, deviceId), Optional.of(version), ifMatch,
                "credentials of device " + deviceId);
        if (ifMatch.isPresent()) {
            return changed(tenantId, write.map(version));
        }
        return changed(tenantId, write.recover(t -> notFound(t)
                ? execute(insertCredentials.bind(tenantId, deviceId, version, json, now)).compose(rs -> rs.wasApplied()
                        ? Future.succeededFuture()
                        : Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_CONFLICT,
                                "credentials of device " + deviceId + " were written concurrently")))
                : Future.failedFuture(t))
                .map(version));
    }

    // ---- helpers

    private static boolean notFound(Throwable t) {
        return t instanceof ClientErrorException e && e.getErrorCode() == HttpURLConnection.HTTP_NOT_FOUND;
    }

    /** The row a conditional write targets, for reading its version back. */
    private record RowKey(String versionQuery, List<Object> values) {
    }

    private RowKey tenantKey(String tenantId) {
        return new RowKey("SELECT version FROM " + keyspace + ".tenants WHERE tenant_id = ?", List.of(tenantId));
    }

    private RowKey deviceKey(String table, String tenantId, String deviceId) {
        return new RowKey("SELECT version FROM " + keyspace + "." + table + " WHERE tenant_id = ? AND device_id = ?",
                List.of(tenantId, deviceId));
    }

    /**
     * Runs an UPDATE or DELETE with {@code IF version = ?} (If-Match) or {@code IF EXISTS}. Not applied means
     * 412 when the row exists with another version, 404 when there is no row.
     *
     * <p>A Paxos timeout (for example under contention) leaves the outcome unknown. A SERIAL read of the row
     * settles it: our new version (or, for a delete, no row) means the write applied; another version than
     * If-Match means another writer won (412); otherwise nothing applied and the caller gets 503 to retry.
     */
    private Future<Void> conditional(String cql, List<Object> values, RowKey key, Optional<String> newVersion,
                                     Optional<String> ifMatch, String what) {
        List<Object> bound = new ArrayList<>(values);
        String condition;
        if (ifMatch.isPresent()) {
            condition = " IF version = ?";
            bound.add(ifMatch.get());
        } else {
            condition = " IF EXISTS";
        }
        return run(cql + condition, bound.toArray()).compose(rs -> {
            if (rs.wasApplied()) {
                return Future.succeededFuture();
            }
            Row row = rs.one();
            boolean exists = row != null && row.getColumnDefinitions().contains("version") && !row.isNull("version");
            return Future.failedFuture(exists ? versionMismatch(what) : notFound(what));
        }, failure -> failure instanceof WriteTimeoutException || failure instanceof CASWriteUnknownException
                ? settle(key, newVersion, ifMatch, what, failure)
                : Future.failedFuture(failure));
    }

    private Future<Void> settle(RowKey key, Optional<String> newVersion, Optional<String> ifMatch, String what, Throwable timeout) {
        return runSerial(key.versionQuery(), key.values().toArray()).compose(rs -> {
            Row row = rs.one();
            Optional<String> current = Optional.ofNullable(row).map(r -> r.getString("version"));
            if (newVersion.isPresent() ? current.equals(newVersion) : current.isEmpty()) {
                return Future.succeededFuture();
            }
            if (current.isEmpty()) {
                return Future.failedFuture(notFound(what));
            }
            if (ifMatch.isPresent() && !ifMatch.equals(current)) {
                return Future.failedFuture(versionMismatch(what));
            }
            return Future.failedFuture(new ServerErrorException(HttpURLConnection.HTTP_UNAVAILABLE,
                    "the write of " + what + " timed out under contention and was not applied; retry", timeout));
        });
    }

    private static ClientErrorException versionMismatch(String what) {
        return new ClientErrorException(HttpURLConnection.HTTP_PRECON_FAILED, "resource version of " + what + " does not match If-Match");
    }

    private static ClientErrorException notFound(String what) {
        return new ClientErrorException(HttpURLConnection.HTTP_NOT_FOUND, what + " not found");
    }

    /** As {@link #run}, at LOCAL_SERIAL consistency, which also completes any in-flight Paxos round. */
    private Future<AsyncResultSet> runSerial(String cql, Object... values) {
        return prepare(cql).compose(ps -> execute(ps.bind(values).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)));
    }

    /** Prepares (once per statement text, without blocking) and runs a statement. */
    private Future<AsyncResultSet> run(String cql, Object... values) {
        return prepare(cql).compose(ps -> execute(ps.bind(values)));
    }

    private Future<PreparedStatement> prepare(String cql) {
        PreparedStatement known = prepared.get(cql);
        return known != null ? Future.succeededFuture(known)
                : Future.fromCompletionStage(session.prepareAsync(cql), vertx.getOrCreateContext())
                        .onSuccess(ps -> prepared.put(cql, ps));
    }

    private Future<AsyncResultSet> execute(Statement<?> statement) {
        Context context = vertx.getOrCreateContext();
        return Future.fromCompletionStage(session.executeAsync(statement), context);
    }

    private <T> Future<List<T>> collect(AsyncResultSet rs, List<T> into, java.util.function.Function<Row, T> mapper) {
        rs.currentPage().forEach(r -> into.add(mapper.apply(r)));
        if (!rs.hasMorePages()) {
            return Future.succeededFuture(into);
        }
        return Future.fromCompletionStage(rs.fetchNextPage(), vertx.getOrCreateContext()).compose(next -> collect(next, into, mapper));
    }
}
