package io.meridian.policy.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The loaded law of a Meridian deployment: which region sits in which jurisdiction, each jurisdiction's
 * data-protection law, the transfer basis for every ordered pair of distinct jurisdictions, and the
 * platform defaults for aggregate exports.
 *
 * <p>Instances are immutable and complete: every region's jurisdiction is known and every ordered pair
 * of distinct jurisdictions has a basis. {@link #revision()} is a stable SHA-256 over a canonical
 * encoding, so two deployments with the same rules report the same revision.
 */
public final class PolicyRules {

    private final SortedMap<RegionId, Jurisdiction> regions;
    private final SortedMap<Jurisdiction, String> laws;
    private final SortedMap<Jurisdiction, SortedMap<Jurisdiction, TransferBasis>> bases;
    private final PolicyDefaults defaults;
    private final String revision;

    private PolicyRules(
            SortedMap<RegionId, Jurisdiction> regions,
            SortedMap<Jurisdiction, String> laws,
            SortedMap<Jurisdiction, SortedMap<Jurisdiction, TransferBasis>> bases,
            PolicyDefaults defaults) {
        this.regions = regions;
        this.laws = laws;
        this.bases = bases;
        this.defaults = defaults;
        this.revision = computeRevision();
    }

    /**
     * Creates validated rules.
     *
     * @param regions  each region's jurisdiction; not null, not empty
     * @param laws     each jurisdiction's law, for example {@code EU -> GDPR}; not null, not empty
     * @param bases    from -> to -> basis for every ordered pair of distinct jurisdictions in {@code laws}
     * @param defaults the platform defaults; not null
     * @throws IllegalArgumentException when a region names an unknown jurisdiction, or a pair lacks a basis
     */
    public static PolicyRules of(
            Map<RegionId, Jurisdiction> regions,
            Map<Jurisdiction, String> laws,
            Map<Jurisdiction, Map<Jurisdiction, TransferBasis>> bases,
            PolicyDefaults defaults) {
        Objects.requireNonNull(regions, "regions must not be null");
        Objects.requireNonNull(laws, "laws must not be null");
        Objects.requireNonNull(bases, "bases must not be null");
        Objects.requireNonNull(defaults, "defaults must not be null");
        if (laws.isEmpty()) {
            throw new IllegalArgumentException("at least one jurisdiction must be defined, was none");
        }
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("at least one region must be defined, was none");
        }
        SortedMap<RegionId, Jurisdiction> r = new TreeMap<>();
        regions.forEach((region, j) -> {
            if (!laws.containsKey(j)) {
                throw new IllegalArgumentException(
                        "region " + region + " names jurisdiction " + j + ", which is not defined; defined are " + laws.keySet());
            }
            r.put(region, j);
        });
        SortedMap<Jurisdiction, SortedMap<Jurisdiction, TransferBasis>> b = new TreeMap<>();
        for (Jurisdiction from : laws.keySet()) {
            SortedMap<Jurisdiction, TransferBasis> row = new TreeMap<>();
            Map<Jurisdiction, TransferBasis> given = bases.getOrDefault(from, Map.of());
            for (Jurisdiction to : given.keySet()) {
                if (!laws.containsKey(to)) {
                    throw new IllegalArgumentException(
                            "transfer basis " + from + " -> " + to + " names an undefined jurisdiction " + to);
                }
            }
            for (Jurisdiction to : laws.keySet()) {
                if (from.equals(to)) {
                    continue;
                }
                TransferBasis basis = given.get(to);
                if (basis == null) {
                    throw new IllegalArgumentException("transfer basis " + from + " -> " + to + " must be defined, was missing");
                }
                row.put(to, basis);
            }
            b.put(from, Collections.unmodifiableSortedMap(row));
        }
        for (Jurisdiction from : bases.keySet()) {
            if (!laws.containsKey(from)) {
                throw new IllegalArgumentException("transfer bases name an undefined source jurisdiction " + from);
            }
        }
        return new PolicyRules(
                Collections.unmodifiableSortedMap(r),
                Collections.unmodifiableSortedMap(new TreeMap<>(laws)),
                Collections.unmodifiableSortedMap(b),
                defaults);
    }

    /** Each region's jurisdiction, ordered by region id. */
    public SortedMap<RegionId, Jurisdiction> regions() {
        return regions;
    }

    /** Each jurisdiction's law, ordered by code. */
    public SortedMap<Jurisdiction, String> laws() {
        return laws;
    }

    /** The platform defaults that tenant policies may only tighten. */
    public PolicyDefaults defaults() {
        return defaults;
    }

    /** The jurisdiction of a region, or empty when the region is unknown. */
    public Optional<Jurisdiction> jurisdictionOf(RegionId region) {
        return Optional.ofNullable(regions.get(region));
    }

    /** Whether the jurisdiction is defined in these rules. */
    public boolean knows(Jurisdiction jurisdiction) {
        return laws.containsKey(jurisdiction);
    }

    /**
     * The basis for moving derived data from one jurisdiction to another. Within one jurisdiction the
     * answer is {@link TransferBasis#NOT_RESTRICTED}.
     *
     * @throws IllegalArgumentException when either jurisdiction is not defined
     */
    public TransferBasis basis(Jurisdiction from, Jurisdiction to) {
        if (!laws.containsKey(from)) {
            throw new IllegalArgumentException("source jurisdiction must be defined, was " + from);
        }
        if (!laws.containsKey(to)) {
            throw new IllegalArgumentException("destination jurisdiction must be defined, was " + to);
        }
        if (from.equals(to)) {
            return TransferBasis.NOT_RESTRICTED;
        }
        return bases.get(from).get(to);
    }

    /** A stable SHA-256 (hex) over the canonical encoding of these rules. */
    public String revision() {
        return revision;
    }

    private String computeRevision() {
        StringBuilder canonical = new StringBuilder("meridian-policy-rules/v1\n");
        regions.forEach((region, j) -> canonical.append("region ").append(region).append(' ').append(j).append('\n'));
        laws.forEach((j, law) -> canonical.append("law ").append(j).append(' ').append(law.length()).append(':').append(law).append('\n'));
        bases.forEach((from, row) -> row.forEach((to, basis) ->
                canonical.append("basis ").append(from).append(' ').append(to).append(' ').append(basis).append('\n')));
        canonical.append("defaults ").append(defaults.minDistinctDevices()).append(' ')
                .append(defaults.minWindow()).append(' ').append(defaults.maxGeohashPrecision()).append('\n');
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 must be available in every Java runtime", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PolicyRules other && revision.equals(other.revision);
    }

    @Override
    public int hashCode() {
        return revision.hashCode();
    }

    @Override
    public String toString() {
        return "PolicyRules[regions=" + regions.size() + ", jurisdictions=" + laws.keySet()
                + ", revision=" + revision.substring(0, 12) + "]";
    }
}
