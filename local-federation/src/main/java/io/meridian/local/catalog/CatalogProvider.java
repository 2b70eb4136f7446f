package io.meridian.local.catalog;

import io.meridian.local.service.BackingService;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceProvider;
import io.meridian.regions.RegionConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * The federation's global catalog ({@value #KIND}), on the port {@code local-services.yaml} names. It needs Keycloak,
 * a Cassandra and the region nodes to be ready, so {@code ./meridian up} starts it in a third stage.
 */
public final class CatalogProvider implements ServiceProvider {

    public static final String KIND = "catalog";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean perRegion() {
        return false;
    }

    @Override
    public BackingService create(ServiceContext context, Optional<RegionConfig> region) {
        context.requireProcessBackend(KIND);
        return new CatalogProcess(KIND, context.port("catalog.http", context.configs().localServices().catalog()), context);
    }

    @Override
    public Duration startTimeout() {
        return Duration.ofMinutes(2);
    }

    /** After the region nodes, whose ports it is given. */
    @Override
    public int startRank() {
        return 300;
    }
}
