package io.meridian.local.aws;

import io.meridian.local.service.Backend;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceProvider;
import io.meridian.local.service.ServiceStartException;
import io.meridian.regions.RegionConfig;
import java.util.Optional;

/** Provides the federation's Kinesis stand-in ({@value #KIND}) on the port {@code local-services.yaml} names. */
public final class KinesaliteProvider implements ServiceProvider {

    /** The kind this provider creates. */
    public static final String KIND = "kinesis";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean perRegion() {
        return false;
    }

    /**
     * @throws ServiceStartException when the context's backend is not {@link Backend#PROCESS}
     */
    @Override
    public BackingService create(ServiceContext context, Optional<RegionConfig> region) {
        context.requireProcessBackend(KIND);
        int port = context.port("kinesis.http", context.configs().localServices().kinesis());
        return new KinesaliteService(context.state(), KinesaliteSettings.of(port, context.freshData()));
    }
}
