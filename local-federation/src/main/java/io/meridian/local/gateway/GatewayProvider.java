package io.meridian.local.gateway;

import io.meridian.local.service.BackingService;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceProvider;
import io.meridian.regions.RegionConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * One federation gateway per region ({@code gateway-<region>}): the Camel application of {@code federation-gateway}, run
 * from that module's build. It calls the catalog, Keycloak and every running region node's data API, so
 * {@code ./meridian up} starts the gateways in a fourth stage, after the catalog.
 */
public final class GatewayProvider implements ServiceProvider {

    public static final String KIND = "gateway";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean perRegion() {
        return true;
    }

    @Override
    public BackingService create(ServiceContext context, Optional<RegionConfig> region) {
        RegionConfig r = region.orElseThrow(() -> new IllegalArgumentException("a gateway needs a region"));
        context.requireProcessBackend(KIND);
        return new GatewayProcess(KIND + "-" + r.id().value(), r.id().value(), port(context, r), context);
    }

    /**
     * The port of {@code region}'s gateway in this federation. Every gateway is told every other gateway's URL (the
     * {@code Link} of a 451) before those start, which works because the context hands out the same port for a key.
     */
    static int port(ServiceContext context, RegionConfig region) {
        return context.port(KIND + "-" + region.id().value() + ".http", region.localPorts().gateway());
    }

    @Override
    public Duration startTimeout() {
        return Duration.ofMinutes(2);
    }

    /** After the catalog, whose URL it is given, and the region nodes, whose data APIs it calls. */
    @Override
    public int startRank() {
        return 400;
    }
}
