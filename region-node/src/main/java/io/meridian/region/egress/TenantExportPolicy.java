package io.meridian.region.egress;

import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.region.ingest.TenantDataSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads a tenant's export policy from its registry entry (Hono's Tenant JSON, {@code ext.meridian.export}), the
 * form the catalog pushes:
 *
 * <pre>
 * "export": { "allowed-destinations": ["ZA"], "sccs-in-place": [], "k": 20, "min-window": "PT1H",
 *             "max-geohash-precision": 4, "allowed-labels": ["model"] }
 * </pre>
 *
 * A tenant without one gets {@link ExportPolicy#none()}: nothing leaves its jurisdiction. A policy that cannot
 * be read, or that would loosen a platform default, is refused with an {@link IllegalArgumentException}; the gate
 * then applies {@code none()} and says why, so a broken setting can only make the answer stricter.
 */
public final class TenantExportPolicy {

    private TenantExportPolicy() {
    }

    /**
     * @param tenantId       the tenant
     * @param tenantDocument its registry document, or empty when the registry does not know it
     * @throws IllegalArgumentException naming the setting when it is malformed or loosens a default
     */
    public static TenantResidencyPolicy read(String tenantId, Optional<JsonObject> tenantDocument, PolicyRules rules) {
        Objects.requireNonNull(rules, "rules must not be null");
        JsonObject export = tenantDocument.map(d -> TenantDataSettings.object(TenantDataSettings.object(TenantDataSettings.object(d, "ext"), "meridian"), "export")).orElse(null);
        if (export == null) {
            return TenantResidencyPolicy.defaults(tenantId);
        }
        ExportPolicy policy = new ExportPolicy(jurisdictions(export, "allowed-destinations"), jurisdictions(export, "sccs-in-place"),
                integer(export, "k"), duration(export, "min-window"), integer(export, "max-geohash-precision"),
                strings(export, "allowed-labels"));
        return TenantResidencyPolicy.of(tenantId, AllocationPolicy.proximity(), policy).validateAgainst(rules);
    }

    private static Set<Jurisdiction> jurisdictions(JsonObject export, String field) {
        Set<Jurisdiction> out = new LinkedHashSet<>();
        for (String code : strings(export, field)) {
            out.add(Jurisdiction.of(code));
        }
        return out;
    }

    private static Set<String> strings(JsonObject export, String field) {
        Object value = export.getValue(field);
        if (value == null) {
            return Set.of();
        }
        if (!(value instanceof JsonArray array)) {
            throw new IllegalArgumentException("export setting " + field + " must be an array of strings, was " + value);
        }
        Set<String> out = new LinkedHashSet<>();
        for (Object v : array) {
            if (!(v instanceof String s)) {
                throw new IllegalArgumentException("export setting " + field + " must hold only strings, was " + v);
            }
            out.add(s);
        }
        return out;
    }

    private static OptionalInt integer(JsonObject export, String field) {
        Object value = export.getValue(field);
        if (value == null) {
            return OptionalInt.empty();
        }
        if (value instanceof Integer || value instanceof Long) {
            return OptionalInt.of(Math.toIntExact(((Number) value).longValue()));
        }
        throw new IllegalArgumentException("export setting " + field + " must be an integer, was " + value);
    }

    private static Optional<Duration> duration(JsonObject export, String field) {
        Object value = export.getValue(field);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.parse(String.valueOf(value)));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("export setting " + field + " must be an ISO-8601 duration such as PT15M, was " + value);
        }
    }
}
