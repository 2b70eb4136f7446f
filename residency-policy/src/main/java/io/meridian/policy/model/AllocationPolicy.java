package io.meridian.policy.model;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * How the global catalog assigns a tenant's devices to a region. The residency engine does not use
 * this (it decides transfers, not placement); it lives here because it is part of a tenant's residency
 * policy and the catalog codes against it.
 */
public sealed interface AllocationPolicy
        permits AllocationPolicy.Proximity, AllocationPolicy.PinnedJurisdiction, AllocationPolicy.Static {

    /** The three allocation strategies of ARCHITECTURE.md. */
    enum Kind { PROXIMITY, PINNED_JURISDICTION, STATIC }

    /** Which strategy this is. */
    Kind kind();

    /** The lowest-latency region by the device's reported or observed location. */
    static AllocationPolicy proximity() {
        return Proximity.INSTANCE;
    }

    /**
     * The nearest region inside one of the given jurisdictions.
     *
     * @throws IllegalArgumentException when the set is empty
     * @throws NullPointerException     when the set or an element is null
     */
    static AllocationPolicy pinnedTo(Set<Jurisdiction> jurisdictions) {
        return new PinnedJurisdiction(jurisdictions);
    }

    /**
     * Always the named regions, in order of preference.
     *
     * @throws IllegalArgumentException when the list is empty or names a region twice
     * @throws NullPointerException     when the list or an element is null
     */
    static AllocationPolicy staticRegions(List<RegionId> regions) {
        return new Static(regions);
    }

    /** See {@link AllocationPolicy#proximity()}. */
    record Proximity() implements AllocationPolicy {
        static final Proximity INSTANCE = new Proximity();

        @Override
        public Kind kind() {
            return Kind.PROXIMITY;
        }
    }

    /** See {@link AllocationPolicy#pinnedTo(Set)}; the jurisdictions are held sorted and unmodifiable. */
    record PinnedJurisdiction(Set<Jurisdiction> jurisdictions) implements AllocationPolicy {
        public PinnedJurisdiction {
            jurisdictions = Collections.unmodifiableSortedSet(sorted(jurisdictions));
            if (jurisdictions.isEmpty()) {
                throw new IllegalArgumentException("pinned jurisdictions must not be empty, was " + jurisdictions);
            }
        }

        private static SortedSet<Jurisdiction> sorted(Set<Jurisdiction> given) {
            Objects.requireNonNull(given, "pinned jurisdictions must not be null");
            SortedSet<Jurisdiction> copy = new TreeSet<>();
            for (Jurisdiction j : given) {
                copy.add(Objects.requireNonNull(j, "pinned jurisdiction must not be null"));
            }
            return copy;
        }

        @Override
        public Kind kind() {
            return Kind.PINNED_JURISDICTION;
        }
    }

    /** See {@link AllocationPolicy#staticRegions(List)}. */
    record Static(List<RegionId> regions) implements AllocationPolicy {
        public Static {
            Objects.requireNonNull(regions, "static regions must not be null");
            regions = List.copyOf(regions);
            if (regions.isEmpty()) {
                throw new IllegalArgumentException("static regions must not be empty, was " + regions);
            }
            if (Set.copyOf(regions).size() != regions.size()) {
                throw new IllegalArgumentException("static regions must be distinct, was " + regions);
            }
        }

        @Override
        public Kind kind() {
            return Kind.STATIC;
        }
    }
}
