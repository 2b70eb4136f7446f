package io.meridian.region.audit;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import io.meridian.policy.model.RegionId;
import io.meridian.region.ingest.LatestState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Check 1, "storage holds only home data", and check 5, "Cassandra stays in-region", answered inside the region.
 *
 * <p>Check 1 enumerates every (tenant, device) with stored data in each source: the raw tables by their partition keys
 * ({@code SELECT DISTINCT}, paged, so a million rows cost only their partitions), the node's latest-state cache, the
 * S3 archive as its manifest and the raw-hours index say (an object per tenant, kind and hour; which devices it holds
 * is what {@code raw_hours} lists for that hour), and the registry's devices table. It asks the catalog where each
 * device is assigned, and reports every one assigned elsewhere or nowhere, by {@link Refs#deviceRef}, never by id.
 *
 * <p>Check 5 reads every keyspace's replication from {@code system_schema.keyspaces} and the cluster's data centres
 * from {@code system.local} and {@code system.peers_v2}, and judges the region's own keyspaces with
 * {@link KeyspacePlacement#judge}. Blocking; thread-safe.
 */
public final class StorageAudit {

    static final int PAGE = 5000;
    static final Duration PAGE_TIMEOUT = Duration.ofSeconds(30);
    /** Days or object keys named in one finding's evidence, at most. */
    static final int EVIDENCE_ITEMS = 10;

    /**
     * Which keyspaces are the region's and what they hold.
     *
     * @param dataKeyspace      raw tables, aggregates, raw-hours index
     * @param archiveKeyspace   the archive manifest (the data keyspace unless configured apart)
     * @param registryKeyspace  the device registry
     * @param egressKeyspace    the decision log and release records
     * @param gatewayKeyspace   the federation gateway's, judged when it exists in this cluster
     * @param dataCenters       this region's data centres
     */
    public record Settings(RegionId region, String dataKeyspace, String archiveKeyspace, String registryKeyspace, String egressKeyspace,
            String gatewayKeyspace, Set<String> dataCenters) {
        public Settings {
            Objects.requireNonNull(region, "region must not be null");
            Objects.requireNonNull(dataKeyspace, "dataKeyspace must not be null");
            Objects.requireNonNull(archiveKeyspace, "archiveKeyspace must not be null");
            Objects.requireNonNull(registryKeyspace, "registryKeyspace must not be null");
            Objects.requireNonNull(egressKeyspace, "egressKeyspace must not be null");
            Objects.requireNonNull(gatewayKeyspace, "gatewayKeyspace must not be null");
            dataCenters = Set.copyOf(dataCenters);
            if (dataCenters.isEmpty()) {
                throw new IllegalArgumentException("a region must name at least one data centre of its own");
            }
        }

        /** Keyspace to roles, the main role first, in the order the answer lists them. */
        Map<String, List<String>> roles() {
            Map<String, List<String>> roles = new LinkedHashMap<>();
            roles.computeIfAbsent(dataKeyspace, k -> new ArrayList<>()).addAll(List.of("raw", "aggregates"));
            roles.computeIfAbsent(archiveKeyspace, k -> new ArrayList<>()).add("archive-manifest");
            roles.computeIfAbsent(registryKeyspace, k -> new ArrayList<>()).add("registry");
            roles.computeIfAbsent(egressKeyspace, k -> new ArrayList<>()).addAll(List.of("decision-log", "release-records"));
            roles.computeIfAbsent(gatewayKeyspace, k -> new ArrayList<>()).add("gateway");
            return roles;
        }
    }

    record DeviceKey(String tenant, String device) {
    }

    /** What one source holds per device. */
    static final class Source {
        final String name;
        final String unit;
        long checked;
        final Map<DeviceKey, Long> counts = new HashMap<>();
        final Map<DeviceKey, SortedSet<String>> evidence = new HashMap<>();
        final String evidencePrefix;

        Source(String name, String unit, String evidencePrefix) {
            this.name = name;
            this.unit = unit;
            this.evidencePrefix = evidencePrefix;
        }

        void add(String tenant, String device, long units, String item) {
            DeviceKey key = new DeviceKey(tenant, device);
            counts.merge(key, units, Long::sum);
            if (item != null) {
                SortedSet<String> items = evidence.computeIfAbsent(key, k -> new TreeSet<>());
                if (items.size() < EVIDENCE_ITEMS) {
                    items.add(item);
                }
            }
        }
    }

    private final Settings settings;
    private final CqlSession session;
    private final LatestState state;
    private final CatalogAssignments catalog;
    private final Clock clock;

    public StorageAudit(Settings settings, CqlSession session, LatestState state, CatalogAssignments catalog, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings must not be null");
        this.session = Objects.requireNonNull(session, "session must not be null");
        this.state = Objects.requireNonNull(state, "state must not be null");
        this.catalog = Objects.requireNonNull(catalog, "catalog must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /**
     * Runs both checks.
     *
     * @param bearerToken the auditor's token, forwarded to the catalog
     * @throws CatalogAssignments.Unavailable when the catalog cannot be asked
     */
    public JsonObject run(String bearerToken) {
        Instant checkedAt = clock.instant();
        List<Source> sources = new ArrayList<>();
        sources.add(rawPartitions("telemetry"));
        sources.add(rawPartitions("events"));
        sources.add(latestState());
        sources.add(archive());
        sources.add(registry());
        // one question per tenant for the union of its devices over every source
        Map<String, SortedSet<String>> perTenant = new TreeMap<>();
        sources.forEach(s -> s.counts.keySet().forEach(k -> perTenant.computeIfAbsent(k.tenant(), t -> new TreeSet<>()).add(k.device())));
        Map<DeviceKey, Optional<String>> assigned = new HashMap<>();
        perTenant.forEach((tenant, devices) -> catalog.assignments(tenant, List.copyOf(devices), bearerToken)
                .forEach((device, region) -> assigned.put(new DeviceKey(tenant, device), region)));
        JsonArray sourceJson = new JsonArray();
        JsonArray findings = new JsonArray();
        for (Source s : sources) {
            sourceJson.add(new JsonObject().put("source", s.name).put("unit", s.unit).put("checked", s.checked).put("devices", s.counts.size()));
            List<DeviceKey> keys = new ArrayList<>(s.counts.keySet());
            keys.sort(java.util.Comparator.comparing(DeviceKey::tenant).thenComparing(k -> Refs.deviceRef(k.tenant(), k.device())));
            for (DeviceKey k : keys) {
                Optional<String> region = assigned.getOrDefault(k, Optional.empty());
                if (region.isPresent() && region.get().equals(settings.region().value())) {
                    continue;
                }
                SortedSet<String> items = s.evidence.getOrDefault(k, new TreeSet<>());
                findings.add(new JsonObject().put("source", s.name).put("tenant", k.tenant()).put("deviceRef", Refs.deviceRef(k.tenant(), k.device()))
                        .put("assignedRegion", region.orElse(null)).put("count", s.counts.get(k))
                        .put("evidence", s.evidencePrefix + (items.isEmpty() ? "" : " " + String.join(", ", items))));
            }
        }
        JsonObject body = new JsonObject().put("region", settings.region().value()).put("checkedAt", checkedAt.toString())
                .put("sources", sourceJson).put("findings", findings);
        keyspaces(body);
        return body;
    }

    private Source rawPartitions(String table) {
        Source s = new Source("cassandra:" + table, "partitions", table + " partitions (tenant, device, day) for days");
        for (Row row : session.execute(SimpleStatement.newInstance("SELECT DISTINCT tenant_id, device_id, day FROM " + settings.dataKeyspace()
                + "." + table).setPageSize(PAGE).setTimeout(PAGE_TIMEOUT).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            s.checked++;
            s.add(row.getString("tenant_id"), row.getString("device_id"), 1, String.valueOf(row.getLocalDate("day")));
        }
        return s;
    }

    private Source latestState() {
        Source s = new Source("infinispan:latest-state", "entries", "a latest-state entry in this node's cache");
        state.forEachDevice((tenant, device) -> {
            s.checked++;
            s.add(tenant, device, 1, null);
        });
        return s;
    }

    private Source archive() {
        Source s = new Source("s3:archive", "objects", "archive objects");
        Map<Instant, List<Row>> manifest = new TreeMap<>();
        try {
            for (Row row : session.execute(SimpleStatement.newInstance("SELECT hour, tenant_id, kind, object_key FROM " + settings.archiveKeyspace()
                    + ".archive_manifest").setPageSize(PAGE).setTimeout(PAGE_TIMEOUT).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
                manifest.computeIfAbsent(row.getInstant("hour"), h -> new ArrayList<>()).add(row);
            }
        } catch (InvalidQueryException e) {
            // no archive_manifest table: this node never archived, so the archive holds nothing of it
            return s;
        }
        var perHour = session.prepare("SELECT tenant_id, kind, device_id FROM " + settings.dataKeyspace() + ".raw_hours WHERE hour = ?");
        for (Map.Entry<Instant, List<Row>> hour : manifest.entrySet()) {
            Map<String, String> objects = new HashMap<>();
            for (Row m : hour.getValue()) {
                s.checked++;
                objects.put(m.getString("tenant_id") + "\u0000" + m.getString("kind"), m.getString("object_key"));
            }
            for (Row r : session.execute(perHour.bind(hour.getKey()).setPageSize(PAGE).setTimeout(PAGE_TIMEOUT)
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
                String object = objects.get(r.getString("tenant_id") + "\u0000" + r.getString("kind"));
                if (object != null) {
                    // the object key names tenant, kind and hour, never a device
                    s.add(r.getString("tenant_id"), r.getString("device_id"), 1, object);
                }
            }
        }
        return s;
    }

    private Source registry() {
        Source s = new Source("registry:devices", "devices", "a device registered in this region's registry");
        for (Row row : session.execute(SimpleStatement.newInstance("SELECT tenant_id, device_id FROM " + settings.registryKeyspace() + ".devices")
                .setPageSize(PAGE).setTimeout(PAGE_TIMEOUT).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            s.checked++;
            s.add(row.getString("tenant_id"), row.getString("device_id"), 1, null);
        }
        return s;
    }

    private void keyspaces(JsonObject body) {
        Set<String> clusterDcs = new TreeSet<>();
        Row local = session.execute("SELECT data_center FROM system.local").one();
        if (local != null && local.getString("data_center") != null) {
            clusterDcs.add(local.getString("data_center"));
        }
        for (Row peer : session.execute("SELECT data_center FROM system.peers_v2")) {
            if (peer.getString("data_center") != null) {
                clusterDcs.add(peer.getString("data_center"));
            }
        }
        Map<String, Map<String, String>> replication = new TreeMap<>();
        for (Row row : session.execute("SELECT keyspace_name, replication FROM system_schema.keyspaces")) {
            replication.put(row.getString("keyspace_name"), row.getMap("replication", String.class, String.class));
        }
        Map<String, List<String>> roles = settings.roles();
        JsonArray judged = new JsonArray();
        roles.forEach((keyspace, r) -> {
            Map<String, String> map = replication.get(keyspace);
            if (map == null) {
                return; // not created in this cluster (the gateway's, where no gateway runs)
            }
            KeyspacePlacement p = KeyspacePlacement.judge(keyspace, r, map, clusterDcs, settings.dataCenters());
            judged.add(new JsonObject().put("keyspace", keyspace).put("role", r.get(0)).put("roles", new JsonArray(r))
                    .put("replication", new JsonObject(new LinkedHashMap<>(new TreeMap<String, Object>(map))))
                    .put("dataCenters", new JsonArray(List.copyOf(p.dataCenters()))).put("inRegion", p.inRegion()).put("reason", p.reason()));
        });
        JsonArray others = new JsonArray();
        replication.keySet().stream().filter(k -> !k.startsWith("system") && !roles.containsKey(k)).forEach(others::add);
        body.put("keyspaces", judged).put("otherKeyspaces", others);
    }
}
