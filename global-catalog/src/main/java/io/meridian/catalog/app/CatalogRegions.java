package io.meridian.catalog.app;

import io.meridian.catalog.region.RegionDirectory;
import io.meridian.catalog.region.RegionEndpoints;
import io.meridian.catalog.region.RegionRegistryClient;
import io.meridian.catalog.region.RegistryCallException;
import io.meridian.catalog.region.TenantSync;
import io.meridian.catalog.service.Regions;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * The catalog's region side over the health-polled {@link RegionDirectory} and the {@link RegionRegistryClient}.
 * A region counts as down for allocation unless its last checks found it UP: a region not checked yet is not
 * offered to a device.
 */
public final class CatalogRegions implements RegionSide {

    private final RegionDirectory directory;
    private final RegionRegistryClient registry;
    private final java.time.Duration catchUpPeriod;
    private TenantSync sync;

    /**
     * @param catchUpPeriod how often every region that is up is checked for tenants it lacks
     */
    public CatalogRegions(RegionDirectory directory, RegionRegistryClient registry, java.time.Duration catchUpPeriod) {
        this.directory = Objects.requireNonNull(directory, "directory must not be null");
        this.registry = Objects.requireNonNull(registry, "registry must not be null");
        this.catchUpPeriod = Objects.requireNonNull(catchUpPeriod, "catchUpPeriod must not be null");
    }

    public RegionDirectory directory() {
        return directory;
    }

    @Override
    public Set<RegionId> down() {
        return directory.snapshot().entrySet().stream().filter(e -> e.getValue().status() != RegionDirectory.Status.UP).map(Map.Entry::getKey)
                .collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public DeviceEndpoints endpoints(RegionId region) {
        RegionEndpoints e = directory.endpoints(region);
        return new DeviceEndpoints(e.mqttHost(), e.mqttPort(), e.mqttTlsPort(), e.httpAdapter().toString(), e.caPem());
    }

    @Override
    public CompletionStage<Void> upsertTenant(RegionId region, String tenantId, JsonObject honoTenant) {
        return mapped(registry.upsertTenant(region, tenantId, honoTenant)).thenApply(x -> null);
    }

    @Override
    public CompletionStage<Boolean> createDevice(RegionId region, String tenantId, String deviceId, JsonObject device) {
        return mapped(registry.createDevice(region, tenantId, deviceId, device)).thenApply(c -> c == RegionRegistryClient.Creation.CREATED);
    }

    @Override
    public CompletionStage<Void> setCredentials(RegionId region, String tenantId, String deviceId, JsonArray credentials) {
        return mapped(registry.setCredentials(region, tenantId, deviceId, credentials));
    }

    @Override
    public CompletionStage<Void> deleteDevice(RegionId region, String tenantId, String deviceId) {
        return mapped(registry.deleteDevice(region, tenantId, deviceId));
    }

    /** The registry client's failures, as the service's. */
    private static <T> CompletionStage<T> mapped(CompletableFuture<T> call) {
        return call.exceptionallyCompose(e -> {
            Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (t instanceof RegistryCallException r) {
                return CompletableFuture.failedFuture(new RegionCallException(r.region(), r.status(), r.getMessage(), r));
            }
            return CompletableFuture.failedFuture(t);
        });
    }

    @Override
    public JsonArray regions() {
        JsonArray out = new JsonArray();
        directory.snapshot().forEach((id, health) -> {
            RegionConfig config = directory.region(id);
            // coordinates, city and country place the region on the console's map (from its region-configs file)
            JsonObject one = new JsonObject().put("id", id.value()).put("name", config.displayName()).put("jurisdiction", config.jurisdiction().code())
                    .put("city", config.city()).put("country", config.country())
                    .put("coordinates", new JsonObject().put("latitude", config.location().latitude()).put("longitude", config.location().longitude()))
                    .put("status", health.status().name()).put("since", health.since().toString())
                    .put("endpoints", endpoints(id).toJson());
            health.lastCheck().ifPresent(c -> one.put("last-check", c.toString()));
            health.lastError().ifPresent(err -> one.put("last-error", err));
            out.add(one);
        });
        return out;
    }

    @Override
    public List<RegionId> ids() {
        return directory.regions().stream().map(RegionConfig::id).toList();
    }

    @Override
    public synchronized void startCatchUp(TenantSync.TenantSource tenants) {
        if (sync != null) {
            throw new IllegalStateException("the tenants' catch-up must be started once");
        }
        sync = new TenantSync(directory, registry, tenants, catchUpPeriod, java.time.Clock.systemUTC());
        sync.start();
    }

    @Override
    public synchronized void close() {
        if (sync != null) {
            sync.close();
        }
        directory.close();
    }
}
