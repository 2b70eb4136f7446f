package io.meridian.catalog.app;

import io.meridian.catalog.api.CatalogApi;
import io.meridian.catalog.service.Regions;
import io.meridian.policy.model.RegionId;
import java.util.function.Consumer;

/** Everything the catalog needs of its regions in one object: registry calls, health, and the directory it shows. */
public interface RegionSide extends Regions, CatalogApi.Directory, AutoCloseable {

    /** Calls the listener whenever a region comes back up (the tenants' catch-up starts there). */
    void onUp(Consumer<RegionId> listener);

    @Override
    void close();
}
