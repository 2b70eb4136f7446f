package io.meridian.catalog.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The catalog's Cassandra store, keyspace {@code catalog} by default. The catalog is global and replicated to
 * every data centre, so nothing here names a device: devices are keyed by their HMAC pseudonym
 * ({@link io.meridian.catalog.assignment.DeviceKeys}); the one exception, the repair journal, holds the device id
 * sealed (AES-GCM) and only while a registration is in flight.
 *
 * <pre>
 * tenants            PRIMARY KEY (tenant_id)                 spec (JSON), revision; updated by LWT on the revision
 * tenant_regions     PRIMARY KEY ((tenant_id), region)       which revision each region's registry has
 * assignments        PRIMARY KEY (device_key)                region, state; claimed by LWT (INSERT IF NOT EXISTS)
 * pending_ops        PRIMARY KEY ((shard), op_id)            the repair journal of registrations in flight
 * enrollment_groups  PRIMARY KEY ((tenant_id), group_id)     SHA-256 of the group secret
 * bootstrap_log      PRIMARY KEY ((day, bucket), at)         every bootstrap, by pseudonym
 * </pre>
 *
 * <p>Lightweight transactions run at SERIAL, everything else at LOCAL_QUORUM (the driver's profile decides; a
 * single-node test cluster answers both). All calls are asynchronous.
 */
public final class CatalogStore {

    /** Shards of the repair journal: enough to spread the partitions, few enough to scan them all. */
    public static final int JOURNAL_SHARDS = 8;
    /** Buckets of one day's bootstrap log, so 2,000 bootstraps a second do not all land in one partition. */
    public static final int LOG_BUCKETS = 16;
    private static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,47}");
    private static final Pattern DC = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** A tenant as stored. */
    public record TenantRow(String tenantId, String spec, long revision, Instant created, Instant updated) {
    }

    /** Which revision of a tenant one region's registry holds, and the last push error. */
    public record RegionSync(String region, long revision, Optional<Instant> pushed, Optional<String> error) {
    }

    /** The states of an assignment: PENDING while the region's registry is being written, then ACTIVE. */
    public enum State { PENDING, ACTIVE }

    /**
     * A device's assignment.
     *
     * @param bootstrapHash SHA-256 of the device's bootstrap secret, empty when it has none
     * @param via           how it was registered: {@code api} or {@code enrollment:<group>}
     */
    public record Assignment(String deviceKey, String tenantId, String region, State state, UUID opId, Optional<ByteBuffer> bootstrapHash,
            String via, Instant created, Instant updated) {
        public Assignment {
            Objects.requireNonNull(deviceKey, "deviceKey must not be null");
            Objects.requireNonNull(tenantId, "tenantId must not be null");
            Objects.requireNonNull(region, "region must not be null");
            Objects.requireNonNull(state, "state must not be null");
            Objects.requireNonNull(opId, "opId must not be null");
            Objects.requireNonNull(bootstrapHash, "bootstrapHash must not be null");
            Objects.requireNonNull(via, "via must not be null");
        }
    }

    /** The outcome of a claim: this caller won it, or someone already holds it (the existing row). */
    public record Claim(boolean won, Assignment current) {
    }

    /**
     * A registration (or re-homing) in flight, journaled before the region is touched so that a crash half-way can
     * be repaired.
     *
     * @param kind        {@code register} or {@code rehome}
     * @param sealedDevice the device id, sealed by {@link io.meridian.catalog.assignment.DeviceKeys#seal}
     * @param fromRegion  for a re-homing, the region the device leaves
     */
    public record PendingOp(int shard, UUID opId, String kind, String deviceKey, String tenantId, String region, Optional<String> fromRegion,
            ByteBuffer sealedDevice, Instant started) {
    }

    /** An enrollment group. */
    public record EnrollmentGroup(String tenantId, String groupId, ByteBuffer secretHash, boolean enabled, Instant created) {
    }

    /** One bootstrap, as logged. */
    public record BootstrapEntry(Instant at, String tenantId, String deviceKey, String method, String outcome, Optional<String> region,
            String detail) {
    }

    private final CqlSession session;
    private final String keyspace;
    private final PreparedStatement insertTenant;
    private final PreparedStatement updateTenant;
    private final PreparedStatement selectTenant;
    private final PreparedStatement selectTenants;
    private final PreparedStatement upsertSync;
    private final PreparedStatement syncError;
    private final PreparedStatement selectSync;
    private final PreparedStatement claim;
    private final PreparedStatement selectAssignment;
    private final PreparedStatement activate;
    private final PreparedStatement release;
    private final PreparedStatement move;
    private final PreparedStatement rekey;
    private final PreparedStatement insertOp;
    private final PreparedStatement selectOps;
    private final PreparedStatement deleteOp;
    private final PreparedStatement insertGroup;
    private final PreparedStatement selectGroup;
    private final PreparedStatement selectGroups;
    private final PreparedStatement disableGroup;
    private final PreparedStatement insertLog;
    private final PreparedStatement selectLog;

    private CatalogStore(CqlSession session, String keyspace) {
        this.session = session;
        this.keyspace = keyspace;
        String ks = keyspace + ".";
        insertTenant = prepare("INSERT INTO " + ks + "tenants (tenant_id, spec, revision, created, updated) VALUES (?, ?, 1, ?, ?) IF NOT EXISTS");
        updateTenant = prepare("UPDATE " + ks + "tenants SET spec = ?, revision = ?, updated = ? WHERE tenant_id = ? IF revision = ?");
        selectTenant = prepare("SELECT tenant_id, spec, revision, created, updated FROM " + ks + "tenants WHERE tenant_id = ?");
        selectTenants = prepare("SELECT tenant_id, spec, revision, created, updated FROM " + ks + "tenants");
        upsertSync = prepare("UPDATE " + ks + "tenant_regions SET revision = ?, pushed = ?, error = ? WHERE tenant_id = ? AND region = ?");
        syncError = prepare("UPDATE " + ks + "tenant_regions SET error = ? WHERE tenant_id = ? AND region = ?");
        selectSync = prepare("SELECT region, revision, pushed, error FROM " + ks + "tenant_regions WHERE tenant_id = ?");
        claim = prepare("INSERT INTO " + ks + "assignments (device_key, tenant_id, region, state, op_id, bootstrap_hash, via, created, updated)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
        selectAssignment = prepare("SELECT device_key, tenant_id, region, state, op_id, bootstrap_hash, via, created, updated FROM " + ks
                + "assignments WHERE device_key = ?");
        activate = prepare("UPDATE " + ks + "assignments SET state = 'ACTIVE', updated = ? WHERE device_key = ? IF op_id = ?");
        release = prepare("DELETE FROM " + ks + "assignments WHERE device_key = ? IF op_id = ?");
        move = prepare("UPDATE " + ks + "assignments SET region = ?, op_id = ?, state = ?, updated = ? WHERE device_key = ? IF op_id = ?");
        rekey = prepare("UPDATE " + ks + "assignments SET bootstrap_hash = ?, updated = ? WHERE device_key = ? IF op_id = ?");
        insertOp = prepare("INSERT INTO " + ks + "pending_ops (shard, op_id, kind, device_key, tenant_id, region, from_region, sealed_device, started)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        selectOps = prepare("SELECT shard, op_id, kind, device_key, tenant_id, region, from_region, sealed_device, started FROM " + ks
                + "pending_ops WHERE shard = ?");
        deleteOp = prepare("DELETE FROM " + ks + "pending_ops WHERE shard = ? AND op_id = ?");
        insertGroup = prepare("INSERT INTO " + ks + "enrollment_groups (tenant_id, group_id, secret_hash, enabled, created) VALUES (?, ?, ?, true, ?)"
                + " IF NOT EXISTS");
        selectGroup = prepare("SELECT tenant_id, group_id, secret_hash, enabled, created FROM " + ks + "enrollment_groups WHERE tenant_id = ? AND group_id = ?");
        selectGroups = prepare("SELECT tenant_id, group_id, secret_hash, enabled, created FROM " + ks + "enrollment_groups WHERE tenant_id = ?");
        disableGroup = prepare("UPDATE " + ks + "enrollment_groups SET enabled = false WHERE tenant_id = ? AND group_id = ? IF EXISTS");
        insertLog = prepare("INSERT INTO " + ks + "bootstrap_log (day, bucket, at, tenant_id, device_key, method, outcome, region, detail)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        selectLog = prepare("SELECT at, tenant_id, device_key, method, outcome, region, detail FROM " + ks
                + "bootstrap_log WHERE day = ? AND bucket = ? LIMIT ?");
    }

    /**
     * Creates the keyspace and tables when missing and prepares the statements (blocking, a few seconds).
     *
     * @param keyspace    a plain CQL identifier, for example {@code catalog}
     * @param replication data centre to replica count for {@code NetworkTopologyStrategy}, for example
     *                    {@code {eu-central: 3, af-south: 3, us-east: 3}}; locally {@code {datacenter1: 1}}
     * @throws IllegalArgumentException when the keyspace or a data centre name is not a plain identifier, or a
     *                                  count is not 1-9
     */
    public static CatalogStore open(CqlSession session, String keyspace, Map<String, Integer> replication) {
        Objects.requireNonNull(session, "session must not be null");
        Objects.requireNonNull(keyspace, "keyspace must not be null");
        Objects.requireNonNull(replication, "replication must not be null");
        if (!IDENTIFIER.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("catalog keyspace must be a lower-case CQL identifier, was '" + keyspace + "'");
        }
        if (replication.isEmpty()) {
            throw new IllegalArgumentException("catalog replication must name at least one data centre");
        }
        StringBuilder cql = new StringBuilder("{'class': 'NetworkTopologyStrategy'");
        replication.forEach((dc, n) -> {
            if (dc == null || !DC.matcher(dc).matches()) {
                throw new IllegalArgumentException("catalog replication: data centre names are 1-64 of A-Z a-z 0-9 _ . -, was '" + dc + "'");
            }
            if (n == null || n < 1 || n > 9) {
                throw new IllegalArgumentException("catalog replication: data centre " + dc + " needs 1-9 replicas, was " + n);
            }
            cql.append(", '").append(dc).append("': ").append(n);
        });
        cql.append('}');
        schema(session, "CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + cql);
        String ks = keyspace + ".";
        schema(session, "CREATE TABLE IF NOT EXISTS " + ks + "tenants (tenant_id text PRIMARY KEY, spec text, revision bigint, created timestamp,"
                + " updated timestamp)");
        schema(session, "CREATE TABLE IF NOT EXISTS " + ks + "tenant_regions (tenant_id text, region text, revision bigint, pushed timestamp,"
                + " error text, PRIMARY KEY ((tenant_id), region))");
        schema(session, "CREATE TABLE IF NOT EXISTS " + ks + "assignments (device_key text PRIMARY KEY, tenant_id text, region text, state text,"
                + " op_id uuid, bootstrap_hash blob, via text, created timestamp, updated timestamp)");
        schema(session, "CREATE TABLE IF NOT EXISTS " + ks + "pending_ops (shard int, op_id timeuuid, kind text, device_key text, tenant_id text,"
                + " region text, from_region text, sealed_device blob, started timestamp, PRIMARY KEY ((shard), op_id))");
        schema(session, "CREATE TABLE IF NOT EXISTS " + ks + "enrollment_groups (tenant_id text, group_id text, secret_hash blob, enabled boolean,"
                + " created timestamp, PRIMARY KEY ((tenant_id), group_id))");
        schema(session, "CREATE TABLE IF NOT EXISTS " + ks + "bootstrap_log (day date, bucket int, at timeuuid, tenant_id text, device_key text,"
                + " method text, outcome text, region text, detail text, PRIMARY KEY ((day, bucket), at)) WITH CLUSTERING ORDER BY (at DESC)"
                + " AND default_time_to_live = 31536000");
        return new CatalogStore(session, keyspace);
    }

    private static void schema(CqlSession session, String cql) {
        session.execute(SimpleStatement.newInstance(cql).setTimeout(SCHEMA_TIMEOUT));
    }

    private PreparedStatement prepare(String cql) {
        return session.prepare(cql);
    }

    /** The keyspace's name. */
    public String keyspace() {
        return keyspace;
    }

    // ---- tenants

    /** Creates a tenant at revision 1; false when it exists. */
    public CompletionStage<Boolean> createTenant(String tenantId, String spec, Instant now) {
        return applied(insertTenant.bind(tenantId, spec, now, now));
    }

    /** Replaces a tenant's spec when it is still at {@code expectedRevision}; false when someone got there first. */
    public CompletionStage<Boolean> updateTenant(String tenantId, String spec, long expectedRevision, Instant now) {
        return applied(updateTenant.bind(spec, expectedRevision + 1, now, tenantId, expectedRevision).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
    }

    public CompletionStage<Optional<TenantRow>> tenant(String tenantId) {
        return one(selectTenant.bind(tenantId).setSerialConsistencyLevel(ConsistencyLevel.SERIAL), CatalogStore::tenantRow);
    }

    /** Every tenant (the catalog holds thousands, not millions: paged through by the driver). */
    public CompletionStage<List<TenantRow>> tenants() {
        return all(selectTenants.bind().setPageSize(500), CatalogStore::tenantRow);
    }

    private static TenantRow tenantRow(Row r) {
        return new TenantRow(r.getString("tenant_id"), r.getString("spec"), r.getLong("revision"), r.getInstant("created"), r.getInstant("updated"));
    }

    /** Records that one region's registry now holds this revision of a tenant (and clears any push error). */
    public CompletionStage<Void> recordSync(String tenantId, String region, long revision, Instant at) {
        return session.executeAsync(upsertSync.bind(revision, at, null, tenantId, region)).thenApply(rs -> null);
    }

    /** Records why a push to a region failed; what the region holds is unchanged. */
    public CompletionStage<Void> recordSyncError(String tenantId, String region, String error) {
        return session.executeAsync(syncError.bind(error, tenantId, region)).thenApply(rs -> null);
    }

    /** What each region holds of the tenant, by region id. */
    public CompletionStage<Map<String, RegionSync>> syncs(String tenantId) {
        return all(selectSync.bind(tenantId), r -> new RegionSync(r.getString("region"), r.getLong("revision"),
                Optional.ofNullable(r.getInstant("pushed")), Optional.ofNullable(r.getString("error"))))
                .thenApply(list -> {
                    Map<String, RegionSync> out = new LinkedHashMap<>();
                    list.forEach(s -> out.put(s.region(), s));
                    return out;
                });
    }

    // ---- assignments

    /**
     * Claims a device for a region: {@code INSERT IF NOT EXISTS}, so of any number of concurrent claims exactly one
     * wins and every other caller sees the winner's row.
     */
    public CompletionStage<Claim> claim(Assignment a) {
        BoundStatement s = claim.bind(a.deviceKey(), a.tenantId(), a.region(), a.state().name(), a.opId(), a.bootstrapHash().orElse(null), a.via(),
                a.created(), a.updated());
        return session.executeAsync(s).thenApply(rs -> {
            boolean applied = rs.wasApplied(); // before the row is read: the driver refuses it after
            Row row = rs.one();
            if (applied) {
                return new Claim(true, a);
            }
            return new Claim(false, assignment(Objects.requireNonNull(row, "a refused LWT returns the existing row")));
        });
    }

    /** Reads an assignment at SERIAL, so a claim that just won is seen. */
    public CompletionStage<Optional<Assignment>> assignment(String deviceKey) {
        return one(selectAssignment.bind(deviceKey).setConsistencyLevel(ConsistencyLevel.SERIAL), CatalogStore::assignment);
    }

    /** Reads an assignment at LOCAL_ONE: the bootstrap path, behind the near cache. */
    public CompletionStage<Optional<Assignment>> assignmentFast(String deviceKey) {
        return one(selectAssignment.bind(deviceKey).setConsistencyLevel(ConsistencyLevel.LOCAL_ONE), CatalogStore::assignment);
    }

    /** PENDING to ACTIVE, when the claim is still this operation's. */
    public CompletionStage<Boolean> activate(String deviceKey, UUID opId, Instant now) {
        return applied(activate.bind(now, deviceKey, opId));
    }

    /** Deletes the assignment when it is still this operation's (a rollback or a deregistration). */
    public CompletionStage<Boolean> release(String deviceKey, UUID opId) {
        return applied(release.bind(deviceKey, opId));
    }

    /** Moves an assignment to another region under a new operation, when it is still {@code expectedOp}'s. */
    public CompletionStage<Boolean> move(String deviceKey, UUID expectedOp, String region, UUID newOp, State state, Instant now) {
        return applied(move.bind(region, newOp, state.name(), now, deviceKey, expectedOp));
    }

    /** Replaces the device's bootstrap secret hash, when the assignment is still {@code opId}'s. */
    public CompletionStage<Boolean> setBootstrapHash(String deviceKey, UUID opId, ByteBuffer hash, Instant now) {
        return applied(rekey.bind(hash, now, deviceKey, opId));
    }

    private static Assignment assignment(Row r) {
        return new Assignment(r.getString("device_key"), r.getString("tenant_id"), r.getString("region"), State.valueOf(r.getString("state")),
                r.getUuid("op_id"), Optional.ofNullable(r.getByteBuffer("bootstrap_hash")), r.getString("via"), r.getInstant("created"),
                r.getInstant("updated"));
    }

    // ---- the repair journal

    /** A new operation id (time-based, so the journal reads oldest first) and its shard. */
    public static UUID newOpId() {
        return Uuids.timeBased();
    }

    public static int shardOf(UUID opId) {
        return Math.floorMod(opId.hashCode(), JOURNAL_SHARDS);
    }

    public CompletionStage<Void> journal(PendingOp op) {
        return session.executeAsync(insertOp.bind(op.shard(), op.opId(), op.kind(), op.deviceKey(), op.tenantId(), op.region(),
                op.fromRegion().orElse(null), op.sealedDevice(), op.started())).thenApply(rs -> null);
    }

    public CompletionStage<Void> clear(PendingOp op) {
        return session.executeAsync(deleteOp.bind(op.shard(), op.opId())).thenApply(rs -> null);
    }

    /** Every journaled operation, oldest first within a shard. */
    public CompletionStage<List<PendingOp>> pending() {
        List<CompletableFuture<List<PendingOp>>> shards = new ArrayList<>();
        for (int shard = 0; shard < JOURNAL_SHARDS; shard++) {
            shards.add(all(selectOps.bind(shard), r -> new PendingOp(r.getInt("shard"), r.getUuid("op_id"), r.getString("kind"),
                    r.getString("device_key"), r.getString("tenant_id"), r.getString("region"), Optional.ofNullable(r.getString("from_region")),
                    r.getByteBuffer("sealed_device"), r.getInstant("started"))).toCompletableFuture());
        }
        return CompletableFuture.allOf(shards.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<PendingOp> out = new ArrayList<>();
            shards.forEach(f -> out.addAll(f.join()));
            return out;
        });
    }

    // ---- enrollment groups

    /** Creates a group; false when the id is taken in this tenant. */
    public CompletionStage<Boolean> createGroup(String tenantId, String groupId, ByteBuffer secretHash, Instant now) {
        return applied(insertGroup.bind(tenantId, groupId, secretHash, now));
    }

    public CompletionStage<Optional<EnrollmentGroup>> group(String tenantId, String groupId) {
        return one(selectGroup.bind(tenantId, groupId), CatalogStore::group);
    }

    public CompletionStage<List<EnrollmentGroup>> groups(String tenantId) {
        return all(selectGroups.bind(tenantId), CatalogStore::group);
    }

    /** Disables a group (kept, so that the devices it enrolled can be traced to it); false when unknown. */
    public CompletionStage<Boolean> disableGroup(String tenantId, String groupId) {
        return applied(disableGroup.bind(tenantId, groupId));
    }

    private static EnrollmentGroup group(Row r) {
        return new EnrollmentGroup(r.getString("tenant_id"), r.getString("group_id"), r.getByteBuffer("secret_hash"), r.getBoolean("enabled"),
                r.getInstant("created"));
    }

    // ---- bootstrap log

    /** Appends one bootstrap to the log (kept a year). */
    public CompletionStage<Void> log(BootstrapEntry e) {
        LocalDate day = LocalDate.ofInstant(e.at(), ZoneOffset.UTC);
        UUID at = Uuids.startOf(e.at().toEpochMilli());
        // startOf gives the same id to every entry of one millisecond; a random node part keeps them apart
        at = new UUID(at.getMostSignificantBits(), ThreadLocalRandom.current().nextLong());
        return session.executeAsync(insertLog.bind(day, ThreadLocalRandom.current().nextInt(LOG_BUCKETS), at, e.tenantId(), e.deviceKey(),
                e.method(), e.outcome(), e.region().orElse(null), e.detail())).thenApply(rs -> null);
    }

    /** The newest entries of one day, at most {@code limit}, newest first. */
    public CompletionStage<List<BootstrapEntry>> log(LocalDate day, int limit) {
        List<CompletableFuture<List<BootstrapEntry>>> parts = new ArrayList<>();
        for (int b = 0; b < LOG_BUCKETS; b++) {
            parts.add(all(selectLog.bind(day, b, limit), r -> new BootstrapEntry(Instant.ofEpochMilli(Uuids.unixTimestamp(r.getUuid("at"))),
                    r.getString("tenant_id"), r.getString("device_key"), r.getString("method"), r.getString("outcome"),
                    Optional.ofNullable(r.getString("region")), r.getString("detail"))).toCompletableFuture());
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<BootstrapEntry> out = new ArrayList<>();
            parts.forEach(f -> out.addAll(f.join()));
            out.sort((a, b) -> b.at().compareTo(a.at()));
            return out.size() > limit ? out.subList(0, limit) : out;
        });
    }

    // ---- helpers

    private CompletionStage<Boolean> applied(BoundStatement s) {
        return session.executeAsync(s).thenApply(AsyncResultSet::wasApplied);
    }

    private <T> CompletionStage<Optional<T>> one(BoundStatement s, Function<Row, T> map) {
        return session.executeAsync(s).thenApply(rs -> Optional.ofNullable(rs.one()).map(map));
    }

    private <T> CompletableFuture<List<T>> all(BoundStatement s, Function<Row, T> map) {
        CompletableFuture<List<T>> out = new CompletableFuture<>();
        List<T> acc = new ArrayList<>();
        page(session.executeAsync(s), map, acc, out);
        return out;
    }

    private static <T> void page(CompletionStage<AsyncResultSet> stage, Function<Row, T> map, List<T> acc, CompletableFuture<List<T>> out) {
        stage.whenComplete((rs, error) -> {
            if (error != null) {
                out.completeExceptionally(error);
                return;
            }
            for (Row r : rs.currentPage()) {
                acc.add(map.apply(r));
            }
            if (rs.hasMorePages()) {
                page(rs.fetchNextPage(), map, acc, out);
            } else {
                out.complete(acc);
            }
        });
    }
}
