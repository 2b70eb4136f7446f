package io.meridian.local.cassandra;

import io.meridian.local.service.BackingService;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceProvider;
import io.meridian.regions.LocalPorts;
import io.meridian.regions.RegionConfig;
import java.util.Optional;

/**
 * One Cassandra cluster per region: {@code cassandra-<region>}, cluster name {@code meridian-<region>},
 * CQL and storage ports from the region's {@link LocalPorts} (or free ones in test mode).
 */
public final class CassandraProvider implements ServiceProvider {

    /** Maximum heap of each Cassandra JVM. */
    static final int MAX_HEAP_MB = 512;

    @Override
    public String kind() {
        return "cassandra";
    }

    @Override
    public boolean perRegion() {
        return true;
    }

    @Override
    public BackingService create(ServiceContext context, Optional<RegionConfig> region) {
        RegionConfig r = region.orElseThrow(() -> new IllegalArgumentException("cassandra needs a region"));
        String name = "cassandra-" + r.id().value();
        String cluster = "meridian-" + r.id().value();
        return switch (context.backend()) {
            case CONTAINER -> new CassandraContainerService(name, cluster, context.state().logFile(name));
            case PROCESS -> {
                LocalPorts p = r.localPorts();
                yield new CassandraProcess(new CassandraSettings(name, cluster,
                        context.port(name + ".cql", p.cassandraCql()),
                        context.port(name + ".storage", p.cassandraStorage()),
                        // not a named port of the block; the offset after storage is free in every block
                        context.port(name + ".ssl-storage", p.cassandraStorage() + 1),
                        MAX_HEAP_MB, context.freshData()), context.state());
            }
        };
    }
}
