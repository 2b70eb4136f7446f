package io.meridian.region.audit;

import io.meridian.policy.ChainHead;
import io.meridian.policy.Decision;
import io.meridian.policy.DecisionLog;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.Outcome;
import io.meridian.policy.ResidencyPolicy;
import io.meridian.policy.Rule;
import io.meridian.policy.TransferRequest;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.region.api.AggregateReader;
import io.meridian.region.egress.LabelDeviceIds;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Check 4, "transferred cells satisfied the policy in force", for one page of the region's decision log: every ALLOW or
 * PARTIAL aggregate decision that released cells is matched with its stored release ({@link ReleaseStore}); the stored
 * cells must hash to the decision's payload hash; each cell is decided again by residency-policy under the stored
 * policy revision and tenant policy; and each is compared with the region's stored aggregate for the same query, whose
 * count and distinct devices must be at least the released ones (late data only adds). Evidence is cell references,
 * rule ids and counts, never values. Blocking; thread-safe.
 */
public final class ReleaseAudit {

    /** The largest page. */
    public static final int MAX_LIMIT = 1000;

    /** The outcome of re-checking one release. */
    public enum Status { VERIFIED, NO_RELEASE_RECORD, HASH_MISMATCH, POLICY_UNKNOWN }

    /**
     * One released cell that the stored policy would not have let out, or that stored data does not back.
     *
     * @param deviceRef for an A9 violation whose label value is a device id of the tenant, that device's reference (never
     *                  the id); null otherwise
     */
    public record Violation(String cellRef, String rule, String detail, String deviceRef) {
        public Violation(String cellRef, String rule, String detail) {
            this(cellRef, rule, detail, null);
        }

        JsonObject toJson() {
            JsonObject json = new JsonObject().put("cellRef", cellRef).put("rule", rule).put("detail", detail);
            if (deviceRef != null) {
                json.put("deviceRef", deviceRef);
            }
            return json;
        }
    }

    /** How the released cells compare with the stored aggregates. */
    public record AggregateMatch(int matched, int grown, int missing, int expired) {
        JsonObject toJson() {
            return new JsonObject().put("matched", matched).put("grown", grown).put("missing", missing).put("expired", expired);
        }
    }

    /** The judgement of one release. */
    public record Verdict(Status status, List<Violation> violations, Optional<AggregateMatch> aggregates) {
        public Verdict {
            violations = List.copyOf(violations);
        }
    }

    /** A stored aggregate query, the key under which re-reads are shared within a page. */
    public record Query(String tenantId, String metric, Duration resolution, Instant from, Instant to, Optional<String> group, boolean merged) {
    }

    private final RegionId region;
    private final DecisionLog log;
    private final ReleaseStore store;
    private final AggregateReader aggregates;
    private final Function<String, Duration> retention;
    private final LabelDeviceIds deviceIds;
    private final java.time.Clock clock;

    /**
     * @param retention each tenant's raw retention, which is also its aggregates' (a stored row older than it has expired)
     * @param deviceIds which released group values are device ids of the tenant in this region's registry (A9), asked now
     */
    public ReleaseAudit(RegionId region, DecisionLog log, ReleaseStore store, AggregateReader aggregates, Function<String, Duration> retention,
            LabelDeviceIds deviceIds, java.time.Clock clock) {
        this.deviceIds = Objects.requireNonNull(deviceIds, "deviceIds must not be null");
        this.region = Objects.requireNonNull(region, "region must not be null");
        this.log = Objects.requireNonNull(log, "log must not be null");
        this.store = Objects.requireNonNull(store, "store must not be null");
        this.aggregates = Objects.requireNonNull(aggregates, "aggregates must not be null");
        this.retention = Objects.requireNonNull(retention, "retention must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /**
     * One page: decisions {@code fromSequence} to at most {@code fromSequence + limit - 1}, the releases among them
     * (time within {@code [from, to)} when given) and their verdicts.
     *
     * @throws IllegalArgumentException when {@code fromSequence} is below 1 or {@code limit} outside 1-{@value #MAX_LIMIT}
     * @throws LabelDeviceIds.Unavailable when the registry cannot say which released group values are device ids: the
     *                                    page is not answered rather than answered without A9
     */
    public JsonObject page(long fromSequence, int limit, Optional<Instant> from, Optional<Instant> to) {
        if (fromSequence < 1) {
            throw new IllegalArgumentException("fromSequence must be at least 1, was " + fromSequence);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
        }
        ChainHead head = log.head();
        List<DecisionRecord> records = log.read(fromSequence, limit);
        List<DecisionRecord> releases = records.stream().filter(r -> isRelease(r) && from.map(f -> !r.time().isBefore(f)).orElse(true)
                && to.map(t -> r.time().isBefore(t)).orElse(true)).toList();
        Map<UUID, ReleaseStore.Release> stored = store.releases(releases.stream().map(DecisionRecord::decisionId).toList());
        Map<String, Optional<PolicyRules>> rules = new HashMap<>();
        Map<String, Optional<TenantResidencyPolicy>> tenants = new HashMap<>();
        Map<String, Optional<Instant>> firstSeen = new LinkedHashMap<>();
        Map<Query, Map<String, AggregateReader.Cell>> reread = new HashMap<>();
        // per tenant, the group values already looked up in the registry on this page, and whether each is a device id
        Map<String, Map<String, Boolean>> known = new HashMap<>();
        Instant now = clock.instant();
        JsonArray items = new JsonArray();
        for (DecisionRecord r : releases) {
            Optional<PolicyRules> ruleSet = rules.computeIfAbsent(r.policyRevision(), rev -> store.revision(rev).flatMap(f -> {
                firstSeen.putIfAbsent(rev, Optional.of(f.firstSeen()));
                return readable(() -> PolicyForms.rules(f.form(), rev));
            }));
            Optional<TenantResidencyPolicy> tenant = tenants.computeIfAbsent(r.tenantId() + "\u0000" + r.tenantPolicyFingerprint(),
                    k -> store.tenantPolicy(r.tenantId(), r.tenantPolicyFingerprint()).flatMap(f -> readable(() -> PolicyForms.tenant(f.form(),
                            r.tenantPolicyFingerprint()))));
            Optional<ReleaseStore.Release> release = Optional.ofNullable(stored.get(r.decisionId()));
            Verdict v = judge(r, release, ruleSet, tenant, q -> reread.computeIfAbsent(q, this::read), retention.apply(r.tenantId()), now,
                    values -> namingDevices(known, r.tenantId(), values));
            JsonObject item = new JsonObject().put("decisionId", r.decisionId().toString()).put("sequence", r.sequence())
                    .put("time", r.time().toString()).put("tenant", r.tenantId()).put("outcome", r.outcome().name())
                    .put("destinationJurisdiction", r.destinationJurisdiction().code())
                    .put("destinationRegion", r.destinationRegion().map(RegionId::value).orElse(null))
                    .put("policyRevision", r.policyRevision()).put("tenantPolicyFingerprint", r.tenantPolicyFingerprint())
                    .put("releasedCells", r.releasedCells()).put("status", v.status().name())
                    .put("violations", new JsonArray(v.violations().stream().map(Violation::toJson).toList()));
            v.aggregates().ifPresent(a -> item.put("aggregates", a.toJson()));
            items.add(item);
        }
        JsonArray revisions = new JsonArray();
        rules.forEach((rev, set) -> set.ifPresent(s -> revisions.add(new JsonObject().put("revision", rev)
                .put("firstSeen", firstSeen.getOrDefault(rev, Optional.empty()).map(Instant::toString).orElse(null))
                .put("summary", PolicyForms.summary(s)))));
        JsonObject body = new JsonObject().put("region", region.value())
                .put("head", new JsonObject().put("sequence", head.sequence()).put("hash", head.hash()))
                .put("policyRevisions", revisions).put("releases", items);
        if (!records.isEmpty() && records.get(records.size() - 1).sequence() < head.sequence()) {
            body.put("next", records.get(records.size() - 1).sequence() + 1);
        }
        return body;
    }

    /** The values that are device ids of the tenant, asking the registry only about values not yet looked up on this page. */
    private Set<String> namingDevices(Map<String, Map<String, Boolean>> known, String tenantId, Collection<String> values) {
        Map<String, Boolean> seen = known.computeIfAbsent(tenantId, t -> new HashMap<>());
        List<String> ask = values.stream().filter(v -> !seen.containsKey(v)).distinct().toList();
        if (!ask.isEmpty()) {
            Set<String> found = deviceIds.among(tenantId, ask);
            ask.forEach(v -> seen.put(v, found.contains(v)));
        }
        Set<String> out = new java.util.HashSet<>();
        values.forEach(v -> {
            if (Boolean.TRUE.equals(seen.get(v))) {
                out.add(v);
            }
        });
        return out;
    }

    /** Whether a record let aggregate cells out: what check 4 looks at. */
    static boolean isRelease(DecisionRecord r) {
        return r.categories().contains(DataCategory.AGGREGATE) && (r.outcome() == Outcome.ALLOW || r.outcome() == Outcome.PARTIAL)
                && r.releasedCells() > 0;
    }

    private Map<String, AggregateReader.Cell> read(Query q) {
        Map<String, AggregateReader.Cell> byKey = new HashMap<>();
        try {
            for (AggregateReader.Cell c : aggregates.read(q.tenantId(), q.metric(), q.resolution(), q.from(), q.to(), q.group(), q.merged())) {
                byKey.put(cellKey(c), c);
            }
        } catch (IllegalArgumentException e) {
            // a query the reader refuses today holds no comparable rows: each cell then counts as missing or expired
        }
        return byKey;
    }

    /** The key the data API gives a cell in its answer. */
    public static String cellKey(AggregateReader.Cell c) {
        return c.windowStart() + "/" + c.window() + "/" + c.groupKind() + (c.groupValue().isEmpty() ? "" : "=" + c.groupValue());
    }

    /**
     * Judges one release decision. Pure but for {@code stored}, which answers a query with the stored aggregate cells by key.
     *
     * @param release   what was stored for the decision, if anything
     * @param rules     the stored policy revision the decision names, if stored and readable
     * @param tenant    the stored tenant policy the decision names, if stored and readable
     * @param retention the tenant's retention: a stored cell whose window ended longer ago has expired
     * @param deviceIds which of the given group values are device ids of the record's tenant (asked of the registry now, so a
     *                  device registered after the release counts, one deleted since does not)
     */
    public static Verdict judge(DecisionRecord record, Optional<ReleaseStore.Release> release, Optional<PolicyRules> rules,
            Optional<TenantResidencyPolicy> tenant, Function<Query, Map<String, AggregateReader.Cell>> stored, Duration retention, Instant now,
            Function<Collection<String>, Set<String>> deviceIds) {
        if (release.isEmpty()) {
            return new Verdict(Status.NO_RELEASE_RECORD, List.of(), Optional.empty());
        }
        ReleaseStore.Release rel = release.get();
        String hash = Refs.sha256(rel.cells());
        if (record.payloadHash().isEmpty() || !record.payloadHash().get().equals(hash) || !rel.payloadHash().equals(hash)
                || !rel.tenantId().equals(record.tenantId())) {
            return new Verdict(Status.HASH_MISMATCH, List.of(), Optional.empty());
        }
        List<ReleasedCell> cells;
        try {
            cells = ReleasedCell.parse(rel.cells());
        } catch (RuntimeException e) {
            // the hash matched, so these are the bytes that went out: a gate that let out unreadable cells is a violation
            return new Verdict(Status.VERIFIED, List.of(new Violation(null, "CELLS_UNREADABLE", "the released cells cannot be read: "
                    + e.getMessage())), Optional.empty());
        }
        List<Violation> violations = new ArrayList<>();
        if (cells.size() != record.releasedCells()) {
            violations.add(new Violation(null, "RELEASED_COUNT", "the decision logged " + record.releasedCells() + " released cells, the release holds "
                    + cells.size()));
        }
        Optional<AggregateMatch> match = Optional.of(compare(rel, cells, stored, retention, now, violations));
        if (rules.isEmpty() || tenant.isEmpty()) {
            return new Verdict(Status.POLICY_UNKNOWN, violations, match);
        }
        violations.addAll(policyViolations(record, cells, rules.get(), tenant.get(), deviceIds));
        return new Verdict(Status.VERIFIED, violations, match);
    }

    /** Each released cell decided again under the stored rules and tenant policy. */
    static List<Violation> policyViolations(DecisionRecord record, List<ReleasedCell> cells, PolicyRules rules, TenantResidencyPolicy tenant,
            Function<Collection<String>, Set<String>> deviceIds) {
        List<Violation> out = new ArrayList<>();
        Map<String, ReleasedCell> byKey = new LinkedHashMap<>();
        cells.forEach(c -> byKey.put(c.key(), c));
        // as the gate does at release time: a group value that is one of the tenant's device ids fails A9
        Set<String> naming = deviceIds.apply(byKey.values().stream().filter(ReleasedCell::hasLabel).map(ReleasedCell::groupValue).toList());
        TransferRequest.Builder request = TransferRequest.builder().source(record.sourceRegion()).requester(record.requester())
                .tenant(record.tenantId()).category(DataCategory.AGGREGATE)
                .cells(byKey.values().stream().map(c -> c.policyCell(naming.contains(c.groupValue()))).toList());
        if (record.destinationRegion().isPresent()) {
            request.destination(record.destinationJurisdiction(), record.destinationRegion().get());
        } else {
            request.destination(record.destinationJurisdiction());
        }
        Decision again;
        try {
            again = ResidencyPolicy.of(rules).decide(request.build(), tenant);
        } catch (RuntimeException e) {
            out.add(new Violation(null, "E5", "the stored policy cannot decide the released cells again: " + e.getMessage()));
            return out;
        }
        if (!again.permits() && again.suppressed().isEmpty()) {
            // denied as a whole (destination, basis, SCCs): every released cell went out against the policy
            String rule = again.ruleIds().get(0);
            String detail = "the stored policy denies the whole transfer (" + String.join(", ", again.ruleIds()) + ")";
            byKey.keySet().forEach(k -> out.add(new Violation(Refs.cellRef(k), rule, detail)));
            return out;
        }
        for (Decision.SuppressedCell s : again.suppressed()) {
            ReleasedCell c = byKey.get(s.cellKey());
            if (s.rule() == Rule.CELL_IDENTIFIER_VALUE && naming.contains(c.groupValue())) {
                // the device is named by its reference, which an auditor who knows the id can recompute; never the id
                String ref = Refs.deviceRef(record.tenantId(), c.groupValue());
                out.add(new Violation(Refs.cellRef(s.cellKey()), s.rule().id(), "the value of label " + c.labelKey()
                        + " is the id of a device of the tenant registered in this region (deviceRef " + ref + ")", ref));
            } else {
                out.add(new Violation(Refs.cellRef(s.cellKey()), s.rule().id(), detail(s.rule(), c, rules, tenant)));
            }
        }
        return out;
    }

    private static String detail(Rule rule, ReleasedCell c, PolicyRules rules, TenantResidencyPolicy tenant) {
        var export = tenant.export();
        return switch (rule) {
            case CELL_MIN_DEVICES -> c.distinctDevices() + " distinct devices, below k = " + export.effectiveMinDistinctDevices(rules.defaults());
            case CELL_MIN_WINDOW -> "window " + c.window() + ", finer than the minimum " + export.effectiveMinWindow(rules.defaults());
            case CELL_MAX_PRECISION -> "geohash precision " + c.groupValue().length() + ", finer than the maximum "
                    + export.effectiveMaxGeohashPrecision(rules.defaults());
            case CELL_IDENTIFIER_LABEL -> "label key " + c.labelKey() + " is an identifier key";
            case CELL_LABEL_NOT_ALLOWED -> "label key " + c.labelKey() + " is not on the tenant's allow-list";
            // never the value itself: it may be an identifier
            case CELL_IDENTIFIER_VALUE -> "the value of label " + c.labelKey() + " looks like an identifier";
            default -> rule.description();
        };
    }

    private static AggregateMatch compare(ReleaseStore.Release rel, List<ReleasedCell> cells, Function<Query, Map<String, AggregateReader.Cell>> stored,
            Duration retention, Instant now, List<Violation> violations) {
        Map<String, AggregateReader.Cell> rows = stored.apply(new Query(rel.tenantId(), rel.metric(), rel.resolution(), rel.from(), rel.to(),
                rel.group(), rel.merged()));
        int matched = 0;
        int grown = 0;
        int missing = 0;
        int expired = 0;
        for (ReleasedCell c : cells) {
            AggregateReader.Cell row = rows.get(c.key());
            if (row == null) {
                if (!c.windowStart().plus(c.window()).plus(retention).isAfter(now)) {
                    expired++;
                } else {
                    missing++;
                }
            } else if (row.count() == c.count() && row.distinctDevices() == c.distinctDevices()) {
                matched++;
            } else if (row.count() >= c.count() && row.distinctDevices() >= c.distinctDevices()) {
                grown++;
            } else {
                violations.add(new Violation(Refs.cellRef(c.key()), "STORED_AGGREGATE_SMALLER", "released " + c.count() + " values of "
                        + c.distinctDevices() + " distinct devices; the stored aggregate holds " + row.count() + " of " + row.distinctDevices()));
            }
        }
        return new AggregateMatch(matched, grown, missing, expired);
    }

    private static <T> Optional<T> readable(java.util.function.Supplier<T> read) {
        try {
            return Optional.of(read.get());
        } catch (IllegalArgumentException e) {
            // a form that does not rebuild to its own revision is as good as unknown: POLICY_UNKNOWN says so
            return Optional.empty();
        }
    }

    /** A released cell as the answer carried it: what the policy and the comparison need. */
    record ReleasedCell(String key, Instant windowStart, Duration window, String groupKind, String groupValue, long count, long distinctDevices) {

        static List<ReleasedCell> parse(byte[] cells) {
            JsonArray array = new JsonArray(new String(cells, StandardCharsets.UTF_8));
            List<ReleasedCell> out = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                JsonObject c = array.getJsonObject(i);
                JsonObject group = c.getJsonObject("group");
                out.add(new ReleasedCell(c.getString("key"), Instant.parse(c.getString("windowStart")), Duration.parse(c.getString("window")),
                        group.getString("kind"), group.getString("value", ""), c.getLong("count"), c.getLong("distinctDevices")));
            }
            return out;
        }

        /** Whether the policy sees a label on this cell (a label group, or a geohash group with a value). */
        boolean hasLabel() {
            return !groupValue.isEmpty() && (groupKind.startsWith("label:") || groupKind.equals("geohash"));
        }

        String labelKey() {
            return groupKind.startsWith("label:") ? groupKind.substring("label:".length()) : groupKind;
        }

        /**
         * The policy's view of the cell, built as the data API builds it at release time.
         *
         * @param namesDevice whether the group value is a device id of the tenant
         */
        TransferRequest.Cell policyCell(boolean namesDevice) {
            Map<String, String> labels = new LinkedHashMap<>();
            if (groupKind.startsWith("label:")) {
                labels.put(labelKey(), groupValue);
            } else if (groupKind.equals("geohash")) {
                labels.put("geohash", groupValue);
            }
            TransferRequest.Cell cell = TransferRequest.Cell.of(key, distinctDevices, window, labels)
                    .withLabelNamingDevice(!labels.isEmpty() && namesDevice);
            return groupKind.equals("geohash") && !groupValue.isEmpty() ? cell.withGeohashPrecision(Math.min(12, groupValue.length())) : cell;
        }
    }
}
