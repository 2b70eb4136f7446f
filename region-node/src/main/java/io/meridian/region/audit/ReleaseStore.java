package io.meridian.region.audit;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.TenantResidencyPolicy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What each aggregate release let out of the region, kept in the region (in the decision log's keyspace) so the audit
 * can re-check it later (check 4): per decision id the tenant, the query, the released cells as exactly the bytes whose
 * SHA-256 the decision log holds, and that hash. Beside it every policy revision and tenant policy a release was decided
 * under, in {@link PolicyForms}' stored form, written once when first used.
 *
 * <p>Release records are kept as long as the decision log (no TTL): they are the evidence for decisions the log keeps,
 * and they hold only what already left the region, never raw rows or device ids. Writes are plain (not LWT) at
 * {@code LOCAL_QUORUM}: a decision id is unique, so nothing races. Blocking; thread-safe.
 */
public final class ReleaseStore {

    private static final Pattern CQL_IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,47}");
    private static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(30);

    /**
     * One release.
     *
     * @param cells the released cells exactly as sent and hashed (a JSON array)
     */
    public record Release(UUID decisionId, Instant releasedAt, String tenantId, String metric, Duration resolution, Instant from, Instant to,
            Optional<String> group, boolean merged, byte[] cells, String payloadHash, String policyRevision, String tenantPolicyFingerprint) {
        public Release {
            Objects.requireNonNull(decisionId, "decisionId must not be null");
            Objects.requireNonNull(releasedAt, "releasedAt must not be null");
            Objects.requireNonNull(tenantId, "tenantId must not be null");
            Objects.requireNonNull(metric, "metric must not be null");
            Objects.requireNonNull(resolution, "resolution must not be null");
            Objects.requireNonNull(from, "from must not be null");
            Objects.requireNonNull(to, "to must not be null");
            Objects.requireNonNull(group, "group must not be null");
            Objects.requireNonNull(cells, "cells must not be null");
            Objects.requireNonNull(payloadHash, "payloadHash must not be null");
            Objects.requireNonNull(policyRevision, "policyRevision must not be null");
            Objects.requireNonNull(tenantPolicyFingerprint, "tenantPolicyFingerprint must not be null");
        }
    }

    /** A stored policy form and when it was first used. */
    public record StoredForm(String key, String form, Instant firstSeen) {
    }

    private final CqlSession session;
    private final String keyspace;
    private final PreparedStatement insertRelease;
    private final PreparedStatement selectRelease;
    private final PreparedStatement insertRevision;
    private final PreparedStatement selectRevision;
    private final PreparedStatement insertTenantPolicy;
    private final PreparedStatement selectTenantPolicy;
    /** Revisions and tenant policies known to be stored: one write per new one, not one per query. */
    private final Set<String> stored = ConcurrentHashMap.newKeySet();

    private ReleaseStore(CqlSession session, String keyspace) {
        this.session = session;
        this.keyspace = keyspace;
        String ks = keyspace + ".";
        insertRelease = session.prepare("INSERT INTO " + ks + "released_aggregates (decision_id, released_at, tenant_id, metric, resolution,"
                + " from_ts, to_ts, group_kind, merged, cells, payload_hash, policy_revision, tenant_policy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        selectRelease = session.prepare("SELECT decision_id, released_at, tenant_id, metric, resolution, from_ts, to_ts, group_kind, merged, cells,"
                + " payload_hash, policy_revision, tenant_policy FROM " + ks + "released_aggregates WHERE decision_id = ?");
        insertRevision = session.prepare("INSERT INTO " + ks + "policy_revisions (revision, rules, first_seen) VALUES (?, ?, ?)");
        selectRevision = session.prepare("SELECT revision, rules, first_seen FROM " + ks + "policy_revisions WHERE revision = ?");
        insertTenantPolicy = session.prepare("INSERT INTO " + ks + "tenant_policies (tenant_id, fingerprint, policy, first_seen) VALUES (?, ?, ?, ?)");
        selectTenantPolicy = session.prepare("SELECT fingerprint, policy, first_seen FROM " + ks + "tenant_policies WHERE tenant_id = ? AND fingerprint = ?");
    }

    /**
     * Creates the tables when missing, in an existing keyspace (the decision log's, which {@code CassandraDecisionLog.open}
     * creates), and prepares the statements. Blocking.
     *
     * @throws IllegalArgumentException when the keyspace is not a plain lower-case identifier
     */
    public static ReleaseStore open(CqlSession session, String keyspace) {
        Objects.requireNonNull(session, "session must not be null");
        if (!CQL_IDENTIFIER.matcher(Objects.requireNonNull(keyspace, "keyspace must not be null")).matches()) {
            throw new IllegalArgumentException("release store keyspace must be a plain lower-case CQL identifier, was '" + keyspace + "'");
        }
        String ks = keyspace + ".";
        session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + ks
                + "released_aggregates (decision_id uuid PRIMARY KEY, released_at timestamp, tenant_id text, metric text, resolution text,"
                + " from_ts timestamp, to_ts timestamp, group_kind text, merged boolean, cells blob, payload_hash text, policy_revision text,"
                + " tenant_policy text)").setTimeout(SCHEMA_TIMEOUT));
        session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + ks
                + "policy_revisions (revision text PRIMARY KEY, rules text, first_seen timestamp)").setTimeout(SCHEMA_TIMEOUT));
        session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + ks
                + "tenant_policies (tenant_id text, fingerprint text, policy text, first_seen timestamp, PRIMARY KEY ((tenant_id), fingerprint))")
                .setTimeout(SCHEMA_TIMEOUT));
        return new ReleaseStore(session, keyspace);
    }

    public String keyspace() {
        return keyspace;
    }

    /**
     * Stores a release, and the rules and tenant policy it was decided under when this store has not stored them yet.
     * Blocking: one write per release, plus a read and a write per revision or tenant policy new to this process.
     *
     * @throws RuntimeException from the driver when a write fails: then the release must not go out
     */
    public void record(Release release, PolicyRules rules, TenantResidencyPolicy tenant) {
        if (!rules.revision().equals(release.policyRevision()) || !tenant.fingerprint().equals(release.tenantPolicyFingerprint())) {
            throw new IllegalArgumentException("a release must name the revision and tenant policy it is stored with, was "
                    + release.policyRevision() + " and " + release.tenantPolicyFingerprint());
        }
        String revisionKey = "r:" + rules.revision();
        if (!stored.contains(revisionKey)) {
            // read first, so a restart does not move first_seen; a plain write, as two nodes writing it race harmlessly
            if (session.execute(selectRevision.bind(rules.revision()).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one() == null) {
                session.execute(insertRevision.bind(rules.revision(), PolicyForms.rules(rules), release.releasedAt())
                        .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
            }
            stored.add(revisionKey);
        }
        String tenantKey = "t:" + tenant.tenantId() + "\u0000" + tenant.fingerprint();
        if (!stored.contains(tenantKey)) {
            if (session.execute(selectTenantPolicy.bind(tenant.tenantId(), tenant.fingerprint()).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))
                    .one() == null) {
                session.execute(insertTenantPolicy.bind(tenant.tenantId(), tenant.fingerprint(), PolicyForms.tenant(tenant), release.releasedAt())
                        .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
            }
            stored.add(tenantKey);
        }
        session.execute(insertRelease.bind(release.decisionId(), release.releasedAt(), release.tenantId(), release.metric(),
                release.resolution().toString(), release.from(), release.to(), release.group().orElse(null), release.merged(),
                ByteBuffer.wrap(release.cells()), release.payloadHash(), release.policyRevision(), release.tenantPolicyFingerprint())
                .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
    }

    /** The stored releases of these decisions, read in parallel; a decision without one is absent from the map. */
    public Map<UUID, Release> releases(Collection<UUID> decisionIds) {
        List<CompletableFuture<Optional<Release>>> reads = new ArrayList<>();
        for (UUID id : decisionIds) {
            CompletionStage<AsyncResultSet> rs = session.executeAsync(selectRelease.bind(id).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
            reads.add(rs.thenApply(r -> Optional.ofNullable(r.one()).map(ReleaseStore::release)).toCompletableFuture());
        }
        Map<UUID, Release> out = new HashMap<>();
        for (CompletableFuture<Optional<Release>> f : reads) {
            f.join().ifPresent(r -> out.put(r.decisionId(), r));
        }
        return out;
    }

    /** A stored policy revision. */
    public Optional<StoredForm> revision(String revision) {
        Row row = session.execute(selectRevision.bind(revision).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one();
        return row == null ? Optional.empty() : Optional.of(new StoredForm(row.getString("revision"), row.getString("rules"),
                row.getInstant("first_seen")));
    }

    /** A stored tenant policy. */
    public Optional<StoredForm> tenantPolicy(String tenantId, String fingerprint) {
        Row row = session.execute(selectTenantPolicy.bind(tenantId, fingerprint).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one();
        return row == null ? Optional.empty() : Optional.of(new StoredForm(row.getString("fingerprint"), row.getString("policy"),
                row.getInstant("first_seen")));
    }

    private static Release release(Row row) {
        try {
            return readRelease(row);
        } catch (RuntimeException e) {
            // a row with columns deleted or mangled by hand: kept as a release that cannot hash to its decision's payload,
            // so the audit reports HASH_MISMATCH for it instead of failing the whole page
            return new Release(row.getUuid("decision_id"), Instant.EPOCH, "", "", Duration.ofHours(1), Instant.EPOCH, Instant.EPOCH,
                    Optional.empty(), false, new byte[0], "", "", "");
        }
    }

    private static Release readRelease(Row row) {
        ByteBuffer cells = row.getByteBuffer("cells");
        byte[] bytes = new byte[cells == null ? 0 : cells.remaining()];
        if (cells != null) {
            cells.duplicate().get(bytes);
        }
        return new Release(row.getUuid("decision_id"), row.getInstant("released_at"), row.getString("tenant_id"), row.getString("metric"),
                Duration.parse(row.getString("resolution")), row.getInstant("from_ts"), row.getInstant("to_ts"),
                Optional.ofNullable(row.getString("group_kind")), row.getBoolean("merged"), bytes, row.getString("payload_hash"),
                row.getString("policy_revision"), row.getString("tenant_policy"));
    }
}
