package io.meridian.region.egress;

import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.ExportPolicySettings;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.region.ingest.TenantDataSettings;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads a tenant's export policy from its registry entry (Hono's Tenant JSON, {@code ext.meridian.export}), in
 * residency-policy's {@link ExportPolicySettings} form, which the catalog pushes:
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
        ExportPolicy policy = ExportPolicySettings.read(export.getMap());
        return TenantResidencyPolicy.of(tenantId, AllocationPolicy.proximity(), policy).validateAgainst(rules);
    }
}
