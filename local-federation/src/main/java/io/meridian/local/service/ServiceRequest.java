package io.meridian.local.service;

import java.util.Objects;
import java.util.Optional;

/**
 * One service a test or {@code ./meridian up} asks for.
 *
 * @param kind   a {@link ServiceProvider#kind()}, for example {@code cassandra}
 * @param region the region id for per-region kinds, empty for federation-wide ones
 */
public record ServiceRequest(String kind, Optional<String> region) {

    public ServiceRequest {
        Objects.requireNonNull(kind, "kind must not be null");
        Objects.requireNonNull(region, "region must not be null");
    }

    public static ServiceRequest of(String kind) {
        return new ServiceRequest(kind, Optional.empty());
    }

    public static ServiceRequest of(String kind, String region) {
        return new ServiceRequest(kind, Optional.of(region));
    }

    /** The service name this request yields, {@code kind-region} or {@code kind}. */
    public String serviceName() {
        return region.map(r -> kind + "-" + r).orElse(kind);
    }
}
