package io.meridian.local.keycloak;

import io.meridian.policy.model.RegionId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How to run the local Keycloak. Immutable; validated on construction.
 *
 * @param distribution  the unpacked {@code keycloak-quarkus-dist} (holding {@code bin/kc.sh} and {@code lib/})
 * @param httpPort      the loopback HTTP port
 * @param regions       region ids; each gets a gateway client in the rendered realm; at least one
 * @param adminUser     the bootstrap admin of the master realm
 * @param adminPassword its password (a local development value)
 * @param freshData     whether to wipe Keycloak's data (its H2 database) before starting; when false an
 *                      existing realm is kept and the import skips it
 */
public record KeycloakSettings(
        Path distribution, int httpPort, List<String> regions, String adminUser, String adminPassword, boolean freshData) {

    /** The bootstrap admin of the master realm, a documented local development value. */
    public static final String DEFAULT_ADMIN_USER = "admin";
    /** The bootstrap admin's password, a documented local development value. */
    public static final String DEFAULT_ADMIN_PASSWORD = "admin-dev-password";

    public KeycloakSettings {
        Objects.requireNonNull(distribution, "distribution must not be null");
        if (!Files.isRegularFile(distribution.resolve("bin").resolve("kc.sh"))) {
            throw new IllegalArgumentException("keycloak distribution must hold bin/kc.sh, was " + distribution);
        }
        if (httpPort < 1 || httpPort > 65535) {
            throw new IllegalArgumentException("keycloak http port must be between 1 and 65535, was " + httpPort);
        }
        Objects.requireNonNull(regions, "regions must not be null");
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("keycloak regions must name at least one region, was empty");
        }
        regions = regions.stream().map(r -> RegionId.of(r).value()).toList();
        Objects.requireNonNull(adminUser, "adminUser must not be null");
        Objects.requireNonNull(adminPassword, "adminPassword must not be null");
        if (adminUser.isBlank() || adminPassword.isBlank()) {
            throw new IllegalArgumentException("keycloak admin user and password must not be blank");
        }
    }

    /**
     * Settings with the distribution built by {@code local-federation/runtime-keycloak}, the default admin
     * and kept data.
     *
     * @throws IllegalStateException when the distribution has not been built
     */
    public static KeycloakSettings of(int httpPort, List<String> regions) {
        return new KeycloakSettings(KeycloakDistribution.locate(), httpPort, regions,
                DEFAULT_ADMIN_USER, DEFAULT_ADMIN_PASSWORD, false);
    }

    /** These settings with data wiped before the start ({@code true}) or kept ({@code false}). */
    public KeycloakSettings withFreshData(boolean fresh) {
        return new KeycloakSettings(distribution, httpPort, regions, adminUser, adminPassword, fresh);
    }

    @Override
    public String toString() {
        return "KeycloakSettings[distribution=" + distribution + ", httpPort=" + httpPort + ", regions=" + regions
                + ", adminUser=" + adminUser + ", adminPassword=****, freshData=" + freshData + "]";
    }
}
