package io.meridian.regions;

import io.meridian.policy.model.RegionId;
import java.util.List;
import java.util.Objects;

/**
 * The services that exist once per local federation, not once per region: their loopback ports, and
 * the regions {@code ./meridian up} starts by default.
 *
 * @param keycloak       Keycloak's HTTP port
 * @param catalog        the global catalog's HTTP port
 * @param s3             the S3 stand-in's HTTP port
 * @param kinesis        the Kinesis stand-in's HTTP port
 * @param defaultRegions the regions started when none are named, each defined in {@code regions/}
 */
public record LocalServices(int keycloak, int catalog, int s3, int kinesis, List<RegionId> defaultRegions) {

    public LocalServices {
        Objects.requireNonNull(defaultRegions, "defaultRegions must not be null");
        defaultRegions = List.copyOf(defaultRegions);
        if (defaultRegions.isEmpty()) {
            throw new IllegalArgumentException("defaultRegions must name at least one region, was empty");
        }
    }
}
