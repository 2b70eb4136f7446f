package io.meridian.regions;

import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyDefaults;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TransferBasis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything in a {@code region-configs} directory, loaded and validated: the regions, the jurisdiction
 * table, the policy defaults and the local service ports. Instances are immutable.
 *
 * <p>Load with {@link #load(Path)}; find the directory of the checkout with {@link #locate()}.
 */
public final class RegionConfigs {

    /** System property that names the region-configs directory. */
    public static final String DIR_PROPERTY = "meridian.config.dir";
    /** Environment variable that names the region-configs directory. */
    public static final String DIR_ENV = "MERIDIAN_CONFIG_DIR";

    private final Path directory;
    private final List<RegionConfig> regions;
    private final Map<RegionId, RegionConfig> byId;
    private final List<JurisdictionConfig> jurisdictions;
    private final List<TransferFact> transfers;
    private final String disclaimer;
    private final PolicyDefaults policyDefaults;
    private final TenantDefaults tenantDefaults;
    private final LocalServices localServices;
    private final PolicyRules policyRules;

    RegionConfigs(
            Path directory,
            List<RegionConfig> regions,
            List<JurisdictionConfig> jurisdictions,
            List<TransferFact> transfers,
            String disclaimer,
            PolicyDefaults policyDefaults,
            TenantDefaults tenantDefaults,
            LocalServices localServices) {
        this.directory = directory;
        this.regions = List.copyOf(regions);
        Map<RegionId, RegionConfig> ids = new LinkedHashMap<>();
        regions.forEach(r -> ids.put(r.id(), r));
        this.byId = Map.copyOf(ids);
        this.jurisdictions = List.copyOf(jurisdictions);
        this.transfers = List.copyOf(transfers);
        this.disclaimer = disclaimer;
        this.policyDefaults = policyDefaults;
        this.tenantDefaults = tenantDefaults;
        this.localServices = localServices;
        this.policyRules = buildRules();
    }

    /**
     * Loads and validates a region-configs directory.
     *
     * @param directory the directory holding {@code regions/}, {@code jurisdictions.yaml},
     *                  {@code policy-defaults.yaml} and {@code local-services.yaml}; not null
     * @throws RegionConfigException naming the file, the line and the field of the first problem found
     */
    public static RegionConfigs load(Path directory) {
        return new RegionConfigLoader().load(directory);
    }

    /**
     * Finds the region-configs directory: the system property {@value #DIR_PROPERTY}, else the
     * environment variable {@value #DIR_ENV}, else the nearest {@code region-configs} directory at or
     * above the working directory.
     *
     * @throws IllegalStateException when none of these names an existing directory
     */
    public static Path locate() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(DIR_ENV);
        }
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException("region-configs directory must exist, was " + dir);
            }
            return dir;
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("region-configs");
            if (Files.isDirectory(candidate.resolve("regions"))) {
                return candidate;
            }
            if (p.getFileName() != null && p.getFileName().toString().equals("region-configs")
                    && Files.isDirectory(p.resolve("regions"))) {
                return p;
            }
        }
        throw new IllegalStateException("no region-configs directory found above " + Path.of("").toAbsolutePath()
                + "; set -D" + DIR_PROPERTY + " or " + DIR_ENV);
    }

    /** Loads the directory found by {@link #locate()}. */
    public static RegionConfigs loadDefault() {
        return load(locate());
    }

    /** The directory these configs were loaded from. */
    public Path directory() {
        return directory;
    }

    /** All regions, ordered by id. */
    public List<RegionConfig> regions() {
        return regions;
    }

    /** The region with this id, or empty. */
    public Optional<RegionConfig> region(RegionId id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * The region with this id.
     *
     * @throws IllegalArgumentException naming the known regions when there is none with this id
     */
    public RegionConfig require(String id) {
        RegionConfig region = byId.get(RegionId.of(id));
        if (region == null) {
            throw new IllegalArgumentException("region must be one of " + new TreeMap<>(byId).keySet() + ", was " + id);
        }
        return region;
    }

    /** The jurisdictions with their laws and sources, ordered by code. */
    public List<JurisdictionConfig> jurisdictions() {
        return jurisdictions;
    }

    /** The recorded transfer basis for every ordered pair of distinct jurisdictions. */
    public List<TransferFact> transfers() {
        return transfers;
    }

    /** The statement that the jurisdiction table is configuration, not legal advice. */
    public String disclaimer() {
        return disclaimer;
    }

    /** The platform floor for aggregate exports. */
    public PolicyDefaults policyDefaults() {
        return policyDefaults;
    }

    /** What a new tenant gets by default. */
    public TenantDefaults tenantDefaults() {
        return tenantDefaults;
    }

    /** Loopback ports of the once-per-federation services. */
    public LocalServices localServices() {
        return localServices;
    }

    /** The residency rules these configs define, ready for the residency-policy engine. */
    public PolicyRules policyRules() {
        return policyRules;
    }

    private PolicyRules buildRules() {
        Map<RegionId, Jurisdiction> regionJurisdictions = new TreeMap<>();
        regions.forEach(r -> regionJurisdictions.put(r.id(), r.jurisdiction()));
        Map<Jurisdiction, String> laws = new TreeMap<>();
        jurisdictions.forEach(j -> laws.put(j.code(), j.law()));
        Map<Jurisdiction, Map<Jurisdiction, TransferBasis>> bases = new TreeMap<>();
        transfers.forEach(t -> bases.computeIfAbsent(t.from(), k -> new TreeMap<>()).put(t.to(), t.basis()));
        return PolicyRules.of(regionJurisdictions, laws, bases, policyDefaults);
    }

    @Override
    public String toString() {
        return "RegionConfigs[" + directory + ", regions=" + byId.keySet() + ", rules=" + policyRules.revision().substring(0, 12) + "]";
    }
}
