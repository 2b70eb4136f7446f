package io.meridian.catalog.tenant;

import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.ExportPolicySettings;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A tenant as the catalog holds it and as customers write it through {@code PUT /v1/tenants/{id}}:
 *
 * <pre>
 * { "home-jurisdiction": "EU",
 *   "allocation": { "policy": "PINNED_JURISDICTION", "jurisdictions": ["EU"] },
 *   "export": { "allowed-destinations": ["ZA"], "k": 20, "allowed-labels": ["model"] },
 *   "retention": "P30D",
 *   "data": { "payload": { "metrics": { "temperature": "/env/temp" } }, "geohash-precision": 5, "group-labels": ["model"] } }
 * </pre>
 *
 * <p>Only {@code home-jurisdiction} is required. The allocation defaults to {@code PROXIMITY}, the export policy
 * to the platform defaults (nothing leaves the jurisdiction), the retention to region-configs'
 * {@code tenantDefaults.retention}. The export policy may only tighten the platform's rules: residency-policy
 * checks it. {@code data} is handed to the regions as it is, after a check of its shape here, so that a setting a
 * region would refuse is refused at once with 400 rather than left to fail in the background push.
 *
 * <p>{@link #toHonoTenant} is what every region's registry gets: Hono's Tenant JSON with the settings under
 * {@code ext.meridian}, the form the region node's ingest and egress gate read.
 */
public record TenantSpec(String id, Jurisdiction home, AllocationPolicy allocation, ExportPolicy export, Duration retention,
        JsonObject data) {

    /** Retention bounds: a day to ten years, in whole days (the region's TTL is per day). */
    public static final Duration MIN_RETENTION = Duration.ofDays(1);
    public static final Duration MAX_RETENTION = Duration.ofDays(3650);

    private static final Set<String> FIELDS = Set.of("home-jurisdiction", "allocation", "export", "retention", "data");
    private static final Set<String> DATA_FIELDS = Set.of("payload", "geohash-precision", "group-labels");
    private static final Set<String> PAYLOAD_FIELDS = Set.of("metrics", "location", "time");

    public TenantSpec {
        TenantResidencyPolicy.requireTenantId(id);
        Objects.requireNonNull(home, "home must not be null");
        Objects.requireNonNull(allocation, "allocation must not be null");
        Objects.requireNonNull(export, "export must not be null");
        Objects.requireNonNull(retention, "retention must not be null");
        data = Objects.requireNonNull(data, "data must not be null").copy();
    }

    /**
     * Reads and validates a tenant document.
     *
     * @param defaultRetention region-configs' {@code tenantDefaults.retention}
     * @throws InvalidTenantException naming the field (a JSON Pointer) and what is wrong with it
     */
    public static TenantSpec fromJson(String id, JsonObject doc, PolicyRules rules, Duration defaultRetention) {
        Objects.requireNonNull(doc, "doc must not be null");
        Objects.requireNonNull(rules, "rules must not be null");
        try {
            TenantResidencyPolicy.requireTenantId(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidTenantException("/id", e.getMessage());
        }
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            // it becomes part of Kafka topic names and URLs in every region
            throw new InvalidTenantException("/id", "a tenant id must be 1-64 of A-Z a-z 0-9 . _ - and start with a letter or digit, was '" + id + "'");
        }
        for (String key : doc.fieldNames()) {
            if (!FIELDS.contains(key)) {
                throw new InvalidTenantException("/" + key, "unknown field; known are " + new java.util.TreeSet<>(FIELDS));
            }
        }
        Jurisdiction home = jurisdiction(doc.getValue("home-jurisdiction"), "/home-jurisdiction", rules, true);
        AllocationPolicy allocation = allocation(doc.getValue("allocation"), rules);
        ExportPolicy export = export(doc.getValue("export"));
        Duration retention = retention(doc.getValue("retention"), defaultRetention);
        JsonObject data = data(doc.getValue("data"));
        try {
            TenantResidencyPolicy.of(id, allocation, export).validateAgainst(rules);
        } catch (IllegalArgumentException e) {
            String pointer = allocation.kind() != AllocationPolicy.Kind.PROXIMITY && e.getMessage().contains("regions")
                    || e.getMessage().contains("pinned") ? "/allocation" : "/export";
            throw new InvalidTenantException(pointer, e.getMessage());
        }
        if (allocation instanceof AllocationPolicy.PinnedJurisdiction pinned
                && pinned.jurisdictions().stream().noneMatch(j -> rules.regions().containsValue(j))) {
            throw new InvalidTenantException("/allocation/jurisdictions", "no region serves any of " + pinned.jurisdictions()
                    + "; regions serve " + new java.util.TreeSet<>(rules.regions().values()));
        }
        return new TenantSpec(id, home, allocation, export, retention, data);
    }

    /** The tenant document, as {@link #fromJson} reads it; every default made explicit. */
    public JsonObject toJson() {
        return new JsonObject()
                .put("home-jurisdiction", home.code())
                .put("allocation", allocationJson(allocation))
                .put("export", new JsonObject(ExportPolicySettings.write(export)))
                .put("retention", retention.toString())
                .put("data", data.copy());
    }

    /** The residency policy the catalog allocates by. */
    public TenantResidencyPolicy policy() {
        return TenantResidencyPolicy.of(id, allocation, export);
    }

    /**
     * Hono's Tenant JSON for the regions' registries: enabled, with the settings under {@code ext.meridian}.
     *
     * @param revision the catalog's revision of this tenant, so a region's copy can be told stale
     */
    public JsonObject toHonoTenant(long revision) {
        JsonObject meridian = data.copy()
                .put("retention-days", retention.toDays())
                .put("export", new JsonObject(ExportPolicySettings.write(export)))
                .put("home-jurisdiction", home.code())
                .put("catalog-revision", revision);
        return new JsonObject().put("enabled", true).put("ext", new JsonObject().put("meridian", meridian));
    }

    static JsonObject allocationJson(AllocationPolicy allocation) {
        JsonObject out = new JsonObject().put("policy", allocation.kind().name());
        if (allocation instanceof AllocationPolicy.PinnedJurisdiction pinned) {
            out.put("jurisdictions", new JsonArray(pinned.jurisdictions().stream().map(Jurisdiction::code).toList()));
        } else if (allocation instanceof AllocationPolicy.Static fixed) {
            out.put("regions", new JsonArray(fixed.regions().stream().map(RegionId::value).toList()));
        }
        return out;
    }

    private static Jurisdiction jurisdiction(Object value, String pointer, PolicyRules rules, boolean required) {
        if (value == null) {
            throw new InvalidTenantException(pointer, required ? "is required, a jurisdiction code such as EU" : "must not be null");
        }
        if (!(value instanceof String code)) {
            throw new InvalidTenantException(pointer, "must be a jurisdiction code such as EU, was " + value);
        }
        Jurisdiction j;
        try {
            j = Jurisdiction.of(code);
        } catch (IllegalArgumentException e) {
            throw new InvalidTenantException(pointer, e.getMessage());
        }
        if (!rules.knows(j)) {
            throw new InvalidTenantException(pointer, "unknown jurisdiction " + code + "; known are " + rules.laws().keySet());
        }
        return j;
    }

    private static AllocationPolicy allocation(Object value, PolicyRules rules) {
        if (value == null) {
            return AllocationPolicy.proximity();
        }
        if (!(value instanceof JsonObject a)) {
            throw new InvalidTenantException("/allocation", "must be an object such as {\"policy\":\"PROXIMITY\"}, was " + value);
        }
        Object policy = a.getValue("policy");
        AllocationPolicy.Kind kind;
        try {
            kind = AllocationPolicy.Kind.valueOf(String.valueOf(policy));
        } catch (IllegalArgumentException e) {
            throw new InvalidTenantException("/allocation/policy", "must be one of " + List.of(AllocationPolicy.Kind.values()) + ", was " + policy);
        }
        Set<String> allowed = switch (kind) {
            case PROXIMITY -> Set.of("policy");
            case PINNED_JURISDICTION -> Set.of("policy", "jurisdictions");
            case STATIC -> Set.of("policy", "regions");
        };
        for (String key : a.fieldNames()) {
            if (!allowed.contains(key)) {
                throw new InvalidTenantException("/allocation/" + key, "is not a setting of " + kind);
            }
        }
        return switch (kind) {
            case PROXIMITY -> AllocationPolicy.proximity();
            case PINNED_JURISDICTION -> {
                List<String> codes = strings(a.getValue("jurisdictions"), "/allocation/jurisdictions", true);
                Set<Jurisdiction> js = new LinkedHashSet<>();
                for (int i = 0; i < codes.size(); i++) {
                    js.add(jurisdiction(codes.get(i), "/allocation/jurisdictions/" + i, rules, true));
                }
                yield AllocationPolicy.pinnedTo(js);
            }
            case STATIC -> {
                List<String> ids = strings(a.getValue("regions"), "/allocation/regions", true);
                List<RegionId> regions = new ArrayList<>();
                for (int i = 0; i < ids.size(); i++) {
                    RegionId r;
                    try {
                        r = RegionId.of(ids.get(i));
                    } catch (IllegalArgumentException e) {
                        throw new InvalidTenantException("/allocation/regions/" + i, e.getMessage());
                    }
                    if (!rules.regions().containsKey(r)) {
                        throw new InvalidTenantException("/allocation/regions/" + i, "unknown region " + ids.get(i) + "; regions are "
                                + rules.regions().keySet());
                    }
                    if (regions.contains(r)) {
                        throw new InvalidTenantException("/allocation/regions/" + i, "region " + r + " is named twice");
                    }
                    regions.add(r);
                }
                yield AllocationPolicy.staticRegions(regions);
            }
        };
    }

    private static ExportPolicy export(Object value) {
        if (value == null) {
            return ExportPolicy.none();
        }
        if (!(value instanceof JsonObject e)) {
            throw new InvalidTenantException("/export", "must be an object, was " + value);
        }
        try {
            return ExportPolicySettings.read(e.getMap());
        } catch (IllegalArgumentException ex) {
            throw new InvalidTenantException("/export", ex.getMessage());
        }
    }

    private static Duration retention(Object value, Duration defaultRetention) {
        if (value == null) {
            return Objects.requireNonNull(defaultRetention, "defaultRetention must not be null");
        }
        Duration d;
        try {
            d = Duration.parse(String.valueOf(value));
        } catch (DateTimeParseException e) {
            // Duration.parse does not read P30D's calendar form in every JDK; accept PnD explicitly
            String text = String.valueOf(value);
            if (!text.matches("P\\d{1,5}D")) {
                throw new InvalidTenantException("/retention", "must be an ISO-8601 duration in whole days such as P30D, was " + value);
            }
            d = Duration.ofDays(Long.parseLong(text.substring(1, text.length() - 1)));
        }
        if (!d.equals(Duration.ofDays(d.toDays()))) {
            throw new InvalidTenantException("/retention", "must be whole days, was " + value);
        }
        if (d.compareTo(MIN_RETENTION) < 0 || d.compareTo(MAX_RETENTION) > 0) {
            throw new InvalidTenantException("/retention", "must be between " + MIN_RETENTION + " and " + MAX_RETENTION + ", was " + value);
        }
        return d;
    }

    private static JsonObject data(Object value) {
        if (value == null) {
            return new JsonObject();
        }
        if (!(value instanceof JsonObject d)) {
            throw new InvalidTenantException("/data", "must be an object, was " + value);
        }
        for (String key : d.fieldNames()) {
            if (!DATA_FIELDS.contains(key)) {
                throw new InvalidTenantException("/data/" + key, "unknown setting; known are " + new java.util.TreeSet<>(DATA_FIELDS));
            }
        }
        Object precision = d.getValue("geohash-precision");
        if (precision != null && !(precision instanceof Integer p && p >= 1 && p <= 12)) {
            throw new InvalidTenantException("/data/geohash-precision", "must be an integer from 1 to 12, was " + precision);
        }
        if (d.containsKey("group-labels")) {
            strings(d.getValue("group-labels"), "/data/group-labels", false);
        }
        Object payload = d.getValue("payload");
        if (payload != null) {
            if (!(payload instanceof JsonObject p)) {
                throw new InvalidTenantException("/data/payload", "must be an object, was " + payload);
            }
            for (String key : p.fieldNames()) {
                if (!PAYLOAD_FIELDS.contains(key)) {
                    throw new InvalidTenantException("/data/payload/" + key, "unknown setting; known are " + new java.util.TreeSet<>(PAYLOAD_FIELDS));
                }
            }
            Object metrics = p.getValue("metrics");
            if (metrics != null) {
                if (!(metrics instanceof JsonObject m) || m.isEmpty()) {
                    throw new InvalidTenantException("/data/payload/metrics", "must be a non-empty object of metric name to JSON Pointer, was " + metrics);
                }
                for (String name : m.fieldNames()) {
                    if (!name.matches("[A-Za-z][A-Za-z0-9_.-]{0,63}")) {
                        throw new InvalidTenantException("/data/payload/metrics/" + name, "a metric name must be 1-64 of A-Z a-z 0-9 _ . - starting with a letter");
                    }
                    pointer(m.getValue(name), "/data/payload/metrics/" + name);
                }
            }
            Object location = p.getValue("location");
            if (location != null) {
                if (!(location instanceof JsonObject l) || !l.fieldNames().equals(Set.of("lat", "lon"))) {
                    throw new InvalidTenantException("/data/payload/location", "must be {\"lat\": pointer, \"lon\": pointer}, was " + location);
                }
                pointer(l.getValue("lat"), "/data/payload/location/lat");
                pointer(l.getValue("lon"), "/data/payload/location/lon");
            }
            if (p.containsKey("time")) {
                pointer(p.getValue("time"), "/data/payload/time");
            }
        }
        return d;
    }

    private static void pointer(Object value, String where) {
        if (!(value instanceof String s) || !s.startsWith("/")) {
            throw new InvalidTenantException(where, "must be a JSON Pointer such as \"/env/temp\", was " + value);
        }
    }

    private static List<String> strings(Object value, String pointer, boolean nonEmpty) {
        if (!(value instanceof JsonArray array)) {
            throw new InvalidTenantException(pointer, "must be an array of strings, was " + value);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            if (!(array.getValue(i) instanceof String s) || s.isBlank()) {
                throw new InvalidTenantException(pointer + "/" + i, "must be a non-blank string, was " + array.getValue(i));
            }
            out.add(s);
        }
        if (nonEmpty && out.isEmpty()) {
            throw new InvalidTenantException(pointer, "must not be empty");
        }
        return out;
    }

    /** A tenant document that cannot be accepted; {@link #pointer()} says where (RFC 6901). */
    public static final class InvalidTenantException extends IllegalArgumentException {
        private final String pointer;

        public InvalidTenantException(String pointer, String message) {
            super(pointer + ": " + message);
            this.pointer = pointer;
        }

        public String pointer() {
            return pointer;
        }
    }
}
