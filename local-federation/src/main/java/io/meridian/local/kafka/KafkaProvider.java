package io.meridian.local.kafka;

import io.meridian.local.service.BackingService;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceProvider;
import io.meridian.regions.LocalPorts;
import io.meridian.regions.RegionConfig;
import java.util.Optional;

/** One KRaft Kafka broker per region: {@code kafka-<region>}, ports from the region's {@link LocalPorts}. */
public final class KafkaProvider implements ServiceProvider {

    static final int MAX_HEAP_MB = 512;

    @Override
    public String kind() {
        return "kafka";
    }

    @Override
    public boolean perRegion() {
        return true;
    }

    @Override
    public BackingService create(ServiceContext context, Optional<RegionConfig> region) {
        RegionConfig r = region.orElseThrow(() -> new IllegalArgumentException("kafka needs a region"));
        String name = "kafka-" + r.id().value();
        return switch (context.backend()) {
            case CONTAINER -> new KafkaContainerService(name, context.state().logFile(name));
            case PROCESS -> {
                LocalPorts p = r.localPorts();
                yield new KafkaProcess(new KafkaSettings(name,
                        context.port(name + ".broker", p.kafka()),
                        context.port(name + ".controller", p.kafkaController()),
                        MAX_HEAP_MB, context.freshData()), context.state());
            }
        };
    }
}
