package io.meridian.local.service;

import io.meridian.regions.RegionConfig;
import java.util.Optional;

/**
 * Creates one kind of backing service. Providers are found with {@link java.util.ServiceLoader}: list the
 * implementation in {@code META-INF/services/io.meridian.local.service.ServiceProvider}, and
 * {@link ServiceRegistry}, the JUnit extension and {@code ./meridian up} pick it up with no other change.
 *
 * <p>Implementations need a public no-argument constructor and must not start anything when created.
 */
public interface ServiceProvider {

    /** The kind this provider creates, for example {@code cassandra}, {@code kafka}, {@code keycloak}. */
    String kind();

    /** Whether there is one service per region ({@code cassandra}, {@code kafka}) or one per federation. */
    boolean perRegion();

    /**
     * Creates (does not start) the service.
     *
     * @param context the federation's context; its {@link ServiceContext#backend()} says whether to run a
     *                process or a container
     * @param region  the region, present exactly when {@link #perRegion()} is true
     * @throws ServiceStartException when the provider cannot run on the context's backend; never silently
     *                               falls back to another backend
     */
    BackingService create(ServiceContext context, Optional<RegionConfig> region);

    /** How long one start may take before it fails; generous, because several JVMs start at once on 2 cores. */
    default java.time.Duration startTimeout() {
        return java.time.Duration.ofMinutes(3);
    }

    /** Services with a lower rank start first; the slowest (Keycloak) should have the lowest. */
    default int startRank() {
        return 100;
    }
}
