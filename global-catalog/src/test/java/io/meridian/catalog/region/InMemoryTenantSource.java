package io.meridian.catalog.region;

import io.meridian.policy.model.RegionId;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Tenants kept in memory, for tests: the latest revision of each, and which revision each region holds. */
final class InMemoryTenantSource implements TenantSync.TenantSource {

    private final Map<String, TenantSync.PendingPush> latest = new LinkedHashMap<>();
    private final Map<RegionId, Map<String, Long>> delivered = new HashMap<>();

    /** Writes a new revision of a tenant; returns the revision. */
    synchronized long put(String tenantId, JsonObject honoTenant) {
        TenantSync.PendingPush before = latest.get(tenantId);
        long revision = before == null ? 1 : before.revision() + 1;
        latest.put(tenantId, new TenantSync.PendingPush(tenantId, revision, honoTenant.copy()));
        return revision;
    }

    /** The revision of the tenant that the region holds, 0 when none. */
    synchronized long delivered(RegionId region, String tenantId) {
        return delivered.getOrDefault(region, Map.of()).getOrDefault(tenantId, 0L);
    }

    @Override
    public synchronized CompletionStage<List<TenantSync.PendingPush>> pending(RegionId region) {
        List<TenantSync.PendingPush> pending = new ArrayList<>();
        for (TenantSync.PendingPush p : latest.values()) {
            if (p.revision() > delivered(region, p.tenantId())) {
                pending.add(p);
            }
        }
        return CompletableFuture.completedFuture(pending);
    }

    @Override
    public synchronized CompletionStage<Void> pushed(String tenantId, RegionId region, long revision) {
        delivered.computeIfAbsent(region, r -> new HashMap<>()).merge(tenantId, revision, Math::max);
        return CompletableFuture.completedFuture(null);
    }
}
