package io.meridian.local.region;

import io.meridian.local.service.BackingService;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceProvider;
import io.meridian.regions.LocalPorts;
import io.meridian.regions.RegionConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * One region node per region ({@code region-node-<region>}): the JVM that serves the region's device registry
 * and protocol adapters, run from the {@code region-node} module's build. It needs its region's Cassandra and
 * Kafka and the federation's Keycloak to be ready first, so {@code ./meridian up} starts it in a second stage.
 */
public final class RegionNodeProvider implements ServiceProvider {

    public static final String KIND = "region-node";

    /** Heap of one node: the budget for 20,000 idle device connections. */
    static final int MAX_HEAP_MB = 1024;

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
        RegionConfig r = region.orElseThrow(() -> new IllegalArgumentException("a region node needs a region"));
        context.requireProcessBackend(KIND);
        String name = KIND + "-" + r.id().value();
        LocalPorts p = r.localPorts();
        return new RegionNodeProcess(new RegionNodeProcess.Settings(name, r.id().value(),
                context.port(name + ".registry", p.registryApi()),
                context.port(name + ".mqtt", p.mqtt()),
                context.port(name + ".mqtt-tls", p.mqttTls()),
                context.port(name + ".http", p.httpAdapter()),
                context.port(name + ".https", p.httpsAdapter()),
                context.port(name + ".management", p.nodeManagement()),
                context.port(name + ".data-api", p.dataApi()),
                MAX_HEAP_MB), context);
    }

    @Override
    public Duration startTimeout() {
        return Duration.ofMinutes(3);
    }

    /** After the backing services: a node cannot start without its Cassandra, Kafka and Keycloak. */
    @Override
    public int startRank() {
        return 200;
    }
}
