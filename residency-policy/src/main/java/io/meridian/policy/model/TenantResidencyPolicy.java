package io.meridian.policy.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One tenant's residency policy: where its devices are placed and what aggregates may leave their
 * regions. It can only make the platform's rules stricter.
 *
 * <p>Instances are immutable. {@link #fingerprint()} is a stable SHA-256 over a canonical encoding, so a
 * decision can name the exact tenant policy it was made under.
 */
public final class TenantResidencyPolicy {

    private final String tenantId;
    private final AllocationPolicy allocation;
    private final ExportPolicy export;
    private final String fingerprint;

    private TenantResidencyPolicy(String tenantId, AllocationPolicy allocation, ExportPolicy export) {
        this.tenantId = tenantId;
        this.allocation = allocation;
        this.export = export;
        this.fingerprint = computeFingerprint();
    }

    /**
     * Creates a tenant policy. Use {@link #validateAgainst(PolicyRules)} before accepting it from a
     * tenant.
     *
     * @param tenantId   1-128 characters, no control characters; not null
     * @param allocation not null
     * @param export     not null
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when the tenant id is blank, too long or holds a control character
     */
    public static TenantResidencyPolicy of(String tenantId, AllocationPolicy allocation, ExportPolicy export) {
        requireTenantId(tenantId);
        Objects.requireNonNull(allocation, "allocation must not be null");
        Objects.requireNonNull(export, "export must not be null");
        return new TenantResidencyPolicy(tenantId, allocation, export);
    }

    /** Proximity allocation, and nothing but the defaults for exports: no foreign destination, no labels. */
    public static TenantResidencyPolicy defaults(String tenantId) {
        return of(tenantId, AllocationPolicy.proximity(), ExportPolicy.none());
    }

    /**
     * Checks a tenant id: 1-128 characters without control characters.
     *
     * @throws NullPointerException     when the id is null
     * @throws IllegalArgumentException otherwise, naming the id
     */
    public static String requireTenantId(String tenantId) {
        Objects.requireNonNull(tenantId, "tenant id must not be null");
        if (tenantId.isBlank() || tenantId.length() > 128 || tenantId.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(
                    "tenant id must be 1-128 characters without control characters, was '" + tenantId + "'");
        }
        return tenantId;
    }

    /**
     * Checks this policy against the loaded rules: every limit tightens the defaults, and every
     * jurisdiction and region it names is defined.
     *
     * @return this policy
     * @throws IllegalArgumentException naming the first problem; for a loosening limit the message names
     *                                  the setting, the default and the value
     */
    public TenantResidencyPolicy validateAgainst(PolicyRules rules) {
        Objects.requireNonNull(rules, "rules must not be null");
        export.requireTightens(rules.defaults());
        for (Jurisdiction j : export.allowedDestinations()) {
            requireKnown(rules, j, "allowedDestinations");
        }
        for (Jurisdiction j : export.sccsInPlace()) {
            requireKnown(rules, j, "sccsInPlace");
        }
        if (allocation instanceof AllocationPolicy.PinnedJurisdiction pinned) {
            for (Jurisdiction j : pinned.jurisdictions()) {
                requireKnown(rules, j, "pinned jurisdictions");
            }
        } else if (allocation instanceof AllocationPolicy.Static fixed) {
            for (RegionId region : fixed.regions()) {
                if (rules.jurisdictionOf(region).isEmpty()) {
                    throw new IllegalArgumentException("static regions of tenant " + tenantId
                            + " must be defined regions " + rules.regions().keySet() + ", was " + region);
                }
            }
        }
        return this;
    }

    private void requireKnown(PolicyRules rules, Jurisdiction j, String setting) {
        if (!rules.knows(j)) {
            throw new IllegalArgumentException(setting + " of tenant " + tenantId
                    + " must name defined jurisdictions " + rules.laws().keySet() + ", was " + j);
        }
    }

    public String tenantId() {
        return tenantId;
    }

    public AllocationPolicy allocation() {
        return allocation;
    }

    public ExportPolicy export() {
        return export;
    }

    /** A SHA-256 (64 lower-case hex characters) over the canonical encoding of this policy. */
    public String fingerprint() {
        return fingerprint;
    }

    private String computeFingerprint() {
        StringBuilder c = new StringBuilder("meridian-tenant-policy/v1\n");
        c.append("tenant ").append(tenantId.length()).append(':').append(tenantId).append('\n');
        c.append("allocation ").append(allocation.kind());
        if (allocation instanceof AllocationPolicy.PinnedJurisdiction pinned) {
            pinned.jurisdictions().forEach(j -> c.append(' ').append(j));
        } else if (allocation instanceof AllocationPolicy.Static fixed) {
            fixed.regions().forEach(r -> c.append(' ').append(r));
        }
        c.append('\n');
        c.append("allowed");
        export.allowedDestinations().forEach(j -> c.append(' ').append(j));
        c.append("\nsccs");
        export.sccsInPlace().forEach(j -> c.append(' ').append(j));
        c.append("\nk ").append(export.minDistinctDevices().isPresent() ? export.minDistinctDevices().getAsInt() : "-");
        c.append("\nwindow ").append(export.minWindow().map(Object::toString).orElse("-"));
        c.append("\nprecision ")
                .append(export.maxGeohashPrecision().isPresent() ? export.maxGeohashPrecision().getAsInt() : "-");
        c.append("\nlabels");
        export.allowedLabels().forEach(l -> c.append(' ').append(l.length()).append(':').append(l));
        c.append('\n');
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(c.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 must be available in every Java runtime", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TenantResidencyPolicy other && tenantId.equals(other.tenantId)
                && allocation.equals(other.allocation) && export.equals(other.export);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenantId, allocation, export);
    }

    @Override
    public String toString() {
        return "TenantResidencyPolicy[tenant=" + tenantId + ", allocation=" + allocation + ", export=" + export
                + ", fingerprint=" + fingerprint.substring(0, 12) + "]";
    }
}
