package io.meridian.policy.model;

import java.util.Map;

/**
 * A small, complete jurisdiction table for tests: EU, GB, US and ZA with every kind of basis, so that
 * no test depends on region-configs (which depends on this module).
 */
public final class TestRules {

    public static final Jurisdiction EU = Jurisdiction.of("EU");
    public static final Jurisdiction GB = Jurisdiction.of("GB");
    public static final Jurisdiction US = Jurisdiction.of("US");
    public static final Jurisdiction ZA = Jurisdiction.of("ZA");
    /** Well-formed but not defined in {@link #RULES}. */
    public static final Jurisdiction BR = Jurisdiction.of("BR");

    public static final RegionId EU_CENTRAL = RegionId.of("eu-central");
    public static final RegionId EU_WEST = RegionId.of("eu-west");
    public static final RegionId GB_LONDON = RegionId.of("gb-london");
    public static final RegionId US_EAST = RegionId.of("us-east");
    public static final RegionId ZA_NORTH = RegionId.of("za-north");
    /** Well-formed but not defined in {@link #RULES}. */
    public static final RegionId BR_SOUTH = RegionId.of("br-south");

    /**
     * EU -> GB adequacy, EU -> US and EU -> ZA SCCs; ZA -> EU and ZA -> GB adequacy, ZA -> US none;
     * US -> anywhere unrestricted; GB -> EU adequacy, GB -> US SCCs, GB -> ZA none. Defaults: k = 10,
     * 15 minutes, geohash 5.
     */
    public static final PolicyRules RULES = PolicyRules.of(
            Map.of(EU_CENTRAL, EU, EU_WEST, EU, GB_LONDON, GB, US_EAST, US, ZA_NORTH, ZA),
            Map.of(EU, "GDPR", GB, "UK GDPR", US, "none", ZA, "POPIA"),
            Map.of(
                    EU, Map.of(GB, TransferBasis.ADEQUACY, US, TransferBasis.SCCS_REQUIRED, ZA, TransferBasis.SCCS_REQUIRED),
                    ZA, Map.of(EU, TransferBasis.ADEQUACY, GB, TransferBasis.ADEQUACY, US, TransferBasis.NONE),
                    US, Map.of(EU, TransferBasis.NOT_RESTRICTED, GB, TransferBasis.NOT_RESTRICTED, ZA, TransferBasis.NOT_RESTRICTED),
                    GB, Map.of(EU, TransferBasis.ADEQUACY, US, TransferBasis.SCCS_REQUIRED, ZA, TransferBasis.NONE)),
            PolicyDefaults.STANDARD);

    private TestRules() {
    }
}
