package io.meridian.local.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A device to register: tenant, id, declared country (the catalog maps it to that country's largest city and
 * allocates by the tenant's policy) and device labels.
 */
public record DevicePlan(String tenant, String deviceId, String country, Map<String, String> labels) {

    public DevicePlan {
        Objects.requireNonNull(tenant, "tenant must not be null");
        Objects.requireNonNull(deviceId, "deviceId must not be null");
        if (country == null || !country.matches("[A-Z]{2}")) {
            throw new IllegalArgumentException("country must be an ISO 3166 alpha-2 code, was " + country);
        }
        labels = Map.copyOf(labels);
    }

    /** The models the default fleet spreads over; a few per country keep most cells above k. */
    static final List<String> MODELS = List.of("classic", "classic", "classic", "pro");

    /**
     * {@code devices} devices spread round-robin over the tenants and the countries, named
     * {@code sim-<run>-<country>-<n>} in lower case, with a {@code model} label.
     */
    public static List<DevicePlan> fleet(String run, int devices, List<SimTenant> tenants, List<String> countries) {
        if (devices < 1) {
            throw new IllegalArgumentException("devices must be at least 1, was " + devices);
        }
        if (tenants.isEmpty() || countries.isEmpty()) {
            throw new IllegalArgumentException("a fleet needs at least one tenant and one country, was " + tenants + " and " + countries);
        }
        List<DevicePlan> out = new ArrayList<>(devices);
        for (int i = 0; i < devices; i++) {
            String country = countries.get(i % countries.size());
            String tenant = tenants.get((i / countries.size()) % tenants.size()).id();
            out.add(new DevicePlan(tenant, "sim-" + run + "-" + country.toLowerCase() + "-" + i, country,
                    Map.of("model", MODELS.get((i / (countries.size() * tenants.size())) % MODELS.size()))));
        }
        return out;
    }
}
