package io.meridian.catalog.app;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.auth.TokenValidator;
import io.meridian.catalog.api.CatalogApi;
import io.meridian.catalog.assignment.DeviceKeys;
import io.meridian.catalog.assignment.DeviceLocations;
import io.meridian.catalog.assignment.RegionAllocator;
import io.meridian.catalog.region.TenantSync;
import io.meridian.catalog.service.CatalogService;
import io.meridian.catalog.store.CatalogStore;
import io.meridian.catalog.store.NearCache;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfigs;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog, composed: its store and near cache, the service, the API, and two background jobs — the repair of
 * half-done registrations, and the push of tenants to regions that lack their current revision ({@link TenantSync}:
 * periodically, and at once when a region comes back up). {@link CatalogApp} starts it as a process; tests start it in their JVM.
 */
public final class Catalog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);

    private final Vertx vertx;
    private final CatalogStore store;
    private final NearCache near;
    private final CatalogService service;
    private final CatalogApi api;
    private final RegionSide regions;
    private final long repairTimer;
    private final AtomicBoolean repairing = new AtomicBoolean();

    private Catalog(Vertx vertx, CatalogConfig config, CatalogStore store, NearCache near, CatalogService service, CatalogApi api, RegionSide regions) {
        this.vertx = vertx;
        this.store = store;
        this.near = near;
        this.service = service;
        this.api = api;
        this.regions = regions;
        regions.startCatchUp(new TenantSync.TenantSource() {
            @Override
            public java.util.concurrent.CompletionStage<java.util.List<TenantSync.PendingPush>> pending(RegionId region) {
                return service.pendingPushes(region);
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> pushed(String tenantId, RegionId region, long revision) {
                return service.pushed(tenantId, region, revision);
            }
        });
        this.repairTimer = vertx.setPeriodic(config.repairPeriod().toMillis(), id -> repair());
    }

    /**
     * Starts the catalog (blocking: schema, cache, API).
     *
     * @param regions the region side; closed with the catalog
     */
    public static Catalog start(Vertx vertx, CatalogConfig config, CqlSession session, RegionConfigs configs, DeviceKeys keys,
            DeviceLocations locations, RegionSide regions, TokenValidator tokens, MeterRegistry meters, Clock clock) throws Exception {
        Objects.requireNonNull(vertx, "vertx must not be null");
        Objects.requireNonNull(config, "config must not be null");
        CatalogStore store = CatalogStore.open(session, config.keyspace(), config.replication());
        NearCache near = NearCache.start(store, config.nearCacheLifespan(), config.nearCacheMax());
        try {
            CatalogService service = new CatalogService(store, near, keys, new RegionAllocator(configs.regions()), locations, regions,
                    configs.policyRules(), configs.tenantDefaults().retention(), clock);
            CatalogApi api = CatalogApi.deploy(vertx, new CatalogApi(service, regions, tokens, meters, config.bindAddress(), config.port()));
            return new Catalog(vertx, config, store, near, service, api, regions);
        } catch (Exception | Error e) {
            near.close();
            throw e;
        }
    }

    /** Runs the repair job now (it also runs on its period); one run at a time. */
    public void repair() {
        if (!repairing.compareAndSet(false, true)) {
            return;
        }
        service.repair().whenComplete((n, e) -> {
            repairing.set(false);
            if (e != null) {
                LOG.warn("repair run failed: {}", e.toString());
            } else if (n > 0) {
                LOG.info("repair settled {} operations", n);
            }
        });
    }

    public int port() {
        return api.port();
    }

    public CatalogService service() {
        return service;
    }

    public CatalogStore store() {
        return store;
    }

    public NearCache nearCache() {
        return near;
    }

    @Override
    public void close() {
        vertx.cancelTimer(repairTimer);
        try {
            vertx.undeploy(api.deploymentID()).toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("catalog API undeploy: {}", e.toString());
        }
        regions.close();
        near.close();
    }
}
