package io.meridian.catalog.assignment;

import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.GeoPoint;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Picks the region a device is assigned to, from its tenant's allocation policy and its location:
 * <ul>
 * <li>{@code PROXIMITY}: the nearest region (great-circle distance from the device, the stand-in for latency);</li>
 * <li>{@code PINNED_JURISDICTION}: the nearest region inside one of the tenant's jurisdictions;</li>
 * <li>{@code STATIC}: the nearest of the tenant's named regions.</li>
 * </ul>
 * Regions that are down are skipped. Regions within {@link #TIE_KM} of the nearest count as tied, and a tie goes
 * to the higher region weight (then the lower region id, so the answer never depends on iteration order).
 * Immutable and thread-safe.
 */
public final class RegionAllocator {

    /** Two regions closer to each other's distance than this are equally near for a device. */
    public static final double TIE_KM = 50.0;

    private final List<RegionConfig> regions;

    /**
     * @param regions the region directory (region-configs); not empty
     * @throws IllegalArgumentException when no region is given
     */
    public RegionAllocator(List<RegionConfig> regions) {
        this.regions = List.copyOf(Objects.requireNonNull(regions, "regions must not be null"));
        if (this.regions.isEmpty()) {
            throw new IllegalArgumentException("the region directory must hold at least one region");
        }
    }

    /**
     * The decision and why.
     *
     * @param region      the region chosen
     * @param distanceKm  its distance from the device
     * @param skippedDown permitted regions that were nearer but down
     * @param candidates  how many regions the policy permits
     */
    public record Allocation(RegionId region, double distanceKm, List<RegionId> skippedDown, int candidates) {
        public Allocation {
            Objects.requireNonNull(region, "region must not be null");
            skippedDown = List.copyOf(skippedDown);
        }
    }

    /** No region the policy permits is up (or the policy names none of the directory's regions). */
    public static final class NoRegionAvailableException extends IllegalStateException {
        NoRegionAvailableException(String message) {
            super(message);
        }
    }

    /**
     * @param policy the tenant's allocation policy
     * @param device where the device is (declared coordinates, or its country's reference point)
     * @param down   regions currently down
     * @throws NoRegionAvailableException naming the policy and the regions that were down
     */
    public Allocation allocate(AllocationPolicy policy, GeoPoint device, Set<RegionId> down) {
        Objects.requireNonNull(policy, "policy must not be null");
        Objects.requireNonNull(device, "device location must not be null");
        Objects.requireNonNull(down, "down must not be null");
        List<RegionConfig> permitted = new ArrayList<>();
        for (RegionConfig r : regions) {
            if (permits(policy, r)) {
                permitted.add(r);
            }
        }
        if (permitted.isEmpty()) {
            throw new NoRegionAvailableException("allocation policy " + policy + " permits none of the regions "
                    + regions.stream().map(r -> r.id().value()).toList());
        }
        permitted.sort(Comparator.comparingDouble((RegionConfig r) -> r.location().distanceKm(device))
                .thenComparing(r -> r.id().value()));
        List<RegionId> skipped = new ArrayList<>();
        List<RegionConfig> up = new ArrayList<>();
        for (RegionConfig r : permitted) {
            if (down.contains(r.id())) {
                if (up.isEmpty()) {
                    skipped.add(r.id());
                }
            } else {
                up.add(r);
            }
        }
        if (up.isEmpty()) {
            throw new NoRegionAvailableException("every region that allocation policy " + policy + " permits is down: " + skipped);
        }
        double nearest = up.get(0).location().distanceKm(device);
        RegionConfig chosen = up.get(0);
        for (RegionConfig r : up) {
            double d = r.location().distanceKm(device);
            if (d - nearest > TIE_KM) {
                break;
            }
            if (r.weight() > chosen.weight()) {
                chosen = r;
            }
        }
        return new Allocation(chosen.id(), chosen.location().distanceKm(device), skipped, permitted.size());
    }

    /**
     * Whether a policy lets a device live in a region (re-homing checks this).
     *
     * @throws IllegalArgumentException when the region is not one of the allocator's
     */
    public boolean permits(AllocationPolicy policy, RegionId region) {
        Objects.requireNonNull(policy, "policy must not be null");
        return permits(policy, regions.stream().filter(r -> r.id().equals(region)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown region " + region)));
    }

    private static boolean permits(AllocationPolicy policy, RegionConfig region) {
        if (policy instanceof AllocationPolicy.PinnedJurisdiction pinned) {
            return pinned.jurisdictions().contains(region.jurisdiction());
        }
        if (policy instanceof AllocationPolicy.Static fixed) {
            return fixed.regions().contains(region.id());
        }
        return true;
    }
}
