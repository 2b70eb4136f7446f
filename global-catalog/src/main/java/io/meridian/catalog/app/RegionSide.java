package io.meridian.catalog.app;

import io.meridian.catalog.api.CatalogApi;
import io.meridian.catalog.region.TenantSync;
import io.meridian.catalog.service.Regions;

/** Everything the catalog needs of its regions in one object: registry calls, health, and the directory it shows. */
public interface RegionSide extends Regions, CatalogApi.Directory, AutoCloseable {

    /**
     * Starts pushing the tenants each region lacks: when a region comes up, and periodically to every region that is
     * up. Stopped by {@link #close()}.
     */
    void startCatchUp(TenantSync.TenantSource tenants);

    @Override
    void close();
}
