package io.meridian.local.aws;

import io.meridian.local.process.FreePorts;
import io.meridian.local.service.Backend;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceProvider;
import io.meridian.local.service.ServiceStartException;
import io.meridian.regions.RegionConfig;
import java.util.Optional;

/**
 * Provides the federation's S3 stand-in ({@value #KIND}) on the port {@code local-services.yaml} names.
 * s3mock's unused HTTPS connector gets a free ephemeral port.
 */
public final class S3MockProvider implements ServiceProvider {

    /** The kind this provider creates. */
    public static final String KIND = "s3";

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
        int http = context.port("s3.http", context.configs().localServices().s3());
        int https = context.ephemeralPorts() ? context.port("s3.https", 0) : FreePorts.allocate();
        return new S3MockService(context.state(), S3MockSettings.of(http, https, context.freshData()));
    }
}
