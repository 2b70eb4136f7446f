package io.meridian.region.audit;

import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyDefaults;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.policy.model.TransferBasis;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * The stored forms of the platform's policy rules and of a tenant's residency policy: JSON with keys in a fixed
 * order, so one policy always gives the same text. Read back, a form is rebuilt through residency-policy's own
 * factories and must give the revision (or fingerprint) it is stored under; a form edited after the fact does not,
 * and is refused.
 */
public final class PolicyForms {

    static final int FORMAT = 1;

    private PolicyForms() {
    }

    /** The rules as stored in {@code policy_revisions}. */
    public static String rules(PolicyRules rules) {
        JsonObject regions = new JsonObject();
        rules.regions().forEach((r, j) -> regions.put(r.value(), j.code()));
        JsonObject laws = new JsonObject();
        rules.laws().forEach((j, law) -> laws.put(j.code(), law));
        JsonObject bases = new JsonObject();
        for (Jurisdiction from : rules.laws().keySet()) {
            JsonObject row = new JsonObject();
            for (Jurisdiction to : rules.laws().keySet()) {
                if (!from.equals(to)) {
                    row.put(to.code(), rules.basis(from, to).name());
                }
            }
            bases.put(from.code(), row);
        }
        PolicyDefaults d = rules.defaults();
        return new JsonObject().put("format", FORMAT).put("regions", regions).put("laws", laws).put("bases", bases)
                .put("defaults", new JsonObject().put("k", d.minDistinctDevices()).put("minWindow", d.minWindow().toString())
                        .put("geohashPrecision", d.maxGeohashPrecision()))
                .encode();
    }

    /**
     * Rebuilds stored rules.
     *
     * @throws IllegalArgumentException when the form is malformed or its revision is not {@code revision}
     */
    public static PolicyRules rules(String form, String revision) {
        try {
            JsonObject json = new JsonObject(form);
            requireFormat(json);
            Map<RegionId, Jurisdiction> regions = new TreeMap<>();
            json.getJsonObject("regions").forEach(e -> regions.put(RegionId.of(e.getKey()), Jurisdiction.of((String) e.getValue())));
            Map<Jurisdiction, String> laws = new TreeMap<>();
            json.getJsonObject("laws").forEach(e -> laws.put(Jurisdiction.of(e.getKey()), (String) e.getValue()));
            Map<Jurisdiction, Map<Jurisdiction, TransferBasis>> bases = new TreeMap<>();
            json.getJsonObject("bases").forEach(e -> {
                Map<Jurisdiction, TransferBasis> row = new TreeMap<>();
                ((JsonObject) e.getValue()).forEach(t -> row.put(Jurisdiction.of(t.getKey()), TransferBasis.valueOf((String) t.getValue())));
                bases.put(Jurisdiction.of(e.getKey()), row);
            });
            JsonObject d = json.getJsonObject("defaults");
            PolicyRules rules = PolicyRules.of(regions, laws, bases, new PolicyDefaults(d.getInteger("k"), Duration.parse(d.getString("minWindow")),
                    d.getInteger("geohashPrecision")));
            if (!rules.revision().equals(revision)) {
                throw new IllegalArgumentException("the stored rules give revision " + rules.revision() + ", not the " + revision
                        + " they are stored under");
            }
            return rules;
        } catch (RuntimeException e) {
            throw e instanceof IllegalArgumentException iae && iae.getMessage() != null && iae.getMessage().startsWith("the stored") ? iae
                    : new IllegalArgumentException("stored policy rules " + revision + " are not readable: " + e.getMessage(), e);
        }
    }

    /** What the audit report shows of a revision. */
    public static JsonObject summary(PolicyRules rules) {
        PolicyDefaults d = rules.defaults();
        return new JsonObject().put("defaultK", d.minDistinctDevices()).put("minimumWindow", d.minWindow().toString())
                .put("geohashPrecision", d.maxGeohashPrecision());
    }

    /** A tenant policy as stored in {@code tenant_policies}. */
    public static String tenant(TenantResidencyPolicy policy) {
        AllocationPolicy a = policy.allocation();
        JsonObject allocation = new JsonObject().put("kind", a.kind().name());
        if (a instanceof AllocationPolicy.PinnedJurisdiction p) {
            allocation.put("jurisdictions", new JsonArray(p.jurisdictions().stream().map(Jurisdiction::code).toList()));
        } else if (a instanceof AllocationPolicy.Static s) {
            allocation.put("regions", new JsonArray(s.regions().stream().map(RegionId::value).toList()));
        }
        ExportPolicy x = policy.export();
        JsonObject export = new JsonObject()
                .put("allowedDestinations", new JsonArray(x.allowedDestinations().stream().map(Jurisdiction::code).toList()))
                .put("sccsInPlace", new JsonArray(x.sccsInPlace().stream().map(Jurisdiction::code).toList()))
                .put("k", x.minDistinctDevices().isPresent() ? x.minDistinctDevices().getAsInt() : null)
                .put("minWindow", x.minWindow().map(Duration::toString).orElse(null))
                .put("geohashPrecision", x.maxGeohashPrecision().isPresent() ? x.maxGeohashPrecision().getAsInt() : null)
                .put("allowedLabels", new JsonArray(List.copyOf(x.allowedLabels())));
        return new JsonObject().put("format", FORMAT).put("tenant", policy.tenantId()).put("allocation", allocation).put("export", export)
                .encode();
    }

    /**
     * Rebuilds a stored tenant policy.
     *
     * @throws IllegalArgumentException when the form is malformed or its fingerprint is not {@code fingerprint}
     */
    public static TenantResidencyPolicy tenant(String form, String fingerprint) {
        TenantResidencyPolicy policy;
        try {
            JsonObject json = new JsonObject(form);
            requireFormat(json);
            JsonObject a = json.getJsonObject("allocation");
            AllocationPolicy allocation = switch (AllocationPolicy.Kind.valueOf(a.getString("kind"))) {
                case PROXIMITY -> AllocationPolicy.proximity();
                case PINNED_JURISDICTION -> AllocationPolicy.pinnedTo(jurisdictions(a.getJsonArray("jurisdictions")));
                case STATIC -> AllocationPolicy.staticRegions(a.getJsonArray("regions").stream().map(r -> RegionId.of((String) r)).toList());
            };
            JsonObject x = json.getJsonObject("export");
            ExportPolicy export = new ExportPolicy(jurisdictions(x.getJsonArray("allowedDestinations")), jurisdictions(x.getJsonArray("sccsInPlace")),
                    x.getInteger("k") == null ? OptionalInt.empty() : OptionalInt.of(x.getInteger("k")),
                    Optional.ofNullable(x.getString("minWindow")).map(Duration::parse),
                    x.getInteger("geohashPrecision") == null ? OptionalInt.empty() : OptionalInt.of(x.getInteger("geohashPrecision")),
                    new LinkedHashSet<>(x.getJsonArray("allowedLabels").stream().map(String.class::cast).toList()));
            policy = TenantResidencyPolicy.of(json.getString("tenant"), allocation, export);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("stored tenant policy " + fingerprint + " is not readable: " + e.getMessage(), e);
        }
        if (!policy.fingerprint().equals(fingerprint)) {
            throw new IllegalArgumentException("the stored tenant policy gives fingerprint " + policy.fingerprint() + ", not the " + fingerprint
                    + " it is stored under");
        }
        return policy;
    }

    private static Set<Jurisdiction> jurisdictions(JsonArray codes) {
        Set<Jurisdiction> out = new LinkedHashSet<>();
        codes.forEach(c -> out.add(Jurisdiction.of((String) c)));
        return out;
    }

    private static void requireFormat(JsonObject json) {
        if (!Integer.valueOf(FORMAT).equals(json.getInteger("format"))) {
            throw new IllegalArgumentException("stored policy form version must be " + FORMAT + ", was " + json.getValue("format"));
        }
    }
}
