package io.meridian.regions;

import io.meridian.policy.model.GeoPoint;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.util.Objects;

/**
 * One region, as declared by its file in {@code region-configs/regions/}.
 *
 * @param id          the region id, equal to the file name without {@code .yaml}
 * @param displayName a human name, for example "Frankfurt (EU Central)"
 * @param city        the city the region's data centres serve from
 * @param country     ISO 3166-1 alpha-2 code of the country the data is stored in
 * @param location    the coordinates of the city, used for proximity routing
 * @param jurisdiction the jurisdiction whose law governs the data stored here
 * @param cloudRegion the cloud provider's region code, for example {@code eu-central-1}
 * @param weight      allocation weight: ties in proximity routing go to the higher weight
 * @param localPorts  the loopback port block for local runs
 * @param endpoints   the production endpoints
 */
public record RegionConfig(
        RegionId id,
        String displayName,
        String city,
        String country,
        GeoPoint location,
        Jurisdiction jurisdiction,
        String cloudRegion,
        int weight,
        LocalPorts localPorts,
        Endpoints endpoints) {

    public RegionConfig {
        Objects.requireNonNull(id, "id must not be null");
        Objects.requireNonNull(displayName, "displayName must not be null");
        Objects.requireNonNull(city, "city must not be null");
        Objects.requireNonNull(country, "country must not be null");
        Objects.requireNonNull(location, "location must not be null");
        Objects.requireNonNull(jurisdiction, "jurisdiction must not be null");
        Objects.requireNonNull(cloudRegion, "cloudRegion must not be null");
        Objects.requireNonNull(localPorts, "localPorts must not be null");
        Objects.requireNonNull(endpoints, "endpoints must not be null");
        if (weight < 1 || weight > 1000) {
            throw new IllegalArgumentException("weight must be between 1 and 1000, was " + weight);
        }
    }
}
