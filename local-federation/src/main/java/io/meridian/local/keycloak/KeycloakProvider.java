package io.meridian.local.keycloak;

import io.meridian.local.service.Backend;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceProvider;
import io.meridian.local.service.ServiceStartException;
import io.meridian.regions.RegionConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * Provides the federation's one Keycloak ({@value #KIND}) on the port {@code local-services.yaml} names,
 * with a gateway client for every loaded region.
 */
public final class KeycloakProvider implements ServiceProvider {

    /** The kind this provider creates. */
    public static final String KIND = "keycloak";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean perRegion() {
        return false;
    }

    /** The first start after a build augments Quarkus: 30-70 s alone, well over a minute next to other JVMs. */
    @Override
    public Duration startTimeout() {
        return Duration.ofMinutes(5);
    }

    /** Keycloak is the slowest service, so it starts first. */
    @Override
    public int startRank() {
        return 0;
    }

    /**
     * @throws ServiceStartException when the context's backend is not {@link Backend#PROCESS}
     */
    @Override
    public BackingService create(ServiceContext context, Optional<RegionConfig> region) {
        context.requireProcessBackend(KIND);
        int port = context.port("keycloak.http", context.configs().localServices().keycloak());
        KeycloakSettings settings = KeycloakSettings.of(port,
                context.configs().regions().stream().map(r -> r.id().value()).toList())
                .withFreshData(context.freshData());
        return new KeycloakService(context.state(), settings);
    }
}
