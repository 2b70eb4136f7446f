package io.meridian.policy.model;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a tenant allows to leave its regions as {@link DataCategory#AGGREGATE} data. Raw categories are
 * not governed here: they never leave their region, whatever this policy says.
 *
 * <p>An empty limit means "the platform default". A set limit may only tighten that default; see
 * {@link #requireTightens(PolicyDefaults)}. The residency engine applies the stricter of tenant and
 * default in any case (the {@code effective...} methods), so a policy that was never validated still
 * cannot loosen anything.
 *
 * @param allowedDestinations jurisdictions outside the source region's own to which aggregates may go
 * @param sccsInPlace         destinations for which the tenant declares standard contractual clauses (or
 *                            the local equivalent) in place; a subset of {@code allowedDestinations}
 * @param minDistinctDevices  k, the fewest distinct devices an exported cell may cover, or empty
 * @param minWindow           the finest window an exported cell may have, or empty
 * @param maxGeohashPrecision the finest location (geohash characters) an exported cell may have, or empty
 * @param allowedLabels       group-label keys a cell may carry; identifier keys are never allowed
 */
public record ExportPolicy(
        Set<Jurisdiction> allowedDestinations,
        Set<Jurisdiction> sccsInPlace,
        OptionalInt minDistinctDevices,
        Optional<Duration> minWindow,
        OptionalInt maxGeohashPrecision,
        Set<String> allowedLabels) {

    private static final ExportPolicy NONE = new ExportPolicy(
            Set.of(), Set.of(), OptionalInt.empty(), Optional.empty(), OptionalInt.empty(), Set.of());

    /**
     * Validates and copies; sets are held sorted and unmodifiable.
     *
     * @throws NullPointerException     when an argument or an element is null
     * @throws IllegalArgumentException when k is below 2, the window below one minute, the precision
     *                                  outside 1-12, SCCs are declared for a destination that is not
     *                                  allowed, or a label is blank or an identifier key
     */
    public ExportPolicy {
        allowedDestinations = sortedCopy(allowedDestinations, "allowedDestinations");
        sccsInPlace = sortedCopy(sccsInPlace, "sccsInPlace");
        Objects.requireNonNull(minDistinctDevices, "minDistinctDevices must not be null");
        Objects.requireNonNull(minWindow, "minWindow must not be null");
        Objects.requireNonNull(maxGeohashPrecision, "maxGeohashPrecision must not be null");
        allowedLabels = sortedCopy(allowedLabels, "allowedLabels");
        if (minDistinctDevices.isPresent() && minDistinctDevices.getAsInt() < 2) {
            throw new IllegalArgumentException(
                    "minDistinctDevices (k) must be at least 2, was " + minDistinctDevices.getAsInt());
        }
        if (minWindow.isPresent() && minWindow.get().compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("minWindow must be at least PT1M, was " + minWindow.get());
        }
        if (maxGeohashPrecision.isPresent()
                && (maxGeohashPrecision.getAsInt() < 1 || maxGeohashPrecision.getAsInt() > 12)) {
            throw new IllegalArgumentException(
                    "maxGeohashPrecision must be between 1 and 12, was " + maxGeohashPrecision.getAsInt());
        }
        if (!allowedDestinations.containsAll(sccsInPlace)) {
            SortedSet<Jurisdiction> stray = new TreeSet<>(sccsInPlace);
            stray.removeAll(allowedDestinations);
            throw new IllegalArgumentException("sccsInPlace must name only allowedDestinations " + allowedDestinations
                    + ", was " + sccsInPlace + " (not allowed: " + stray + ")");
        }
        for (String label : allowedLabels) {
            if (label.isBlank()) {
                throw new IllegalArgumentException("allowedLabels must not contain a blank key, was '" + label + "'");
            }
            if (Identifiers.isIdentifierKey(label)) {
                throw new IllegalArgumentException(
                        "allowedLabels must not contain an identifier key, was '" + label + "'");
            }
        }
    }

    /** Nothing leaves the source jurisdiction, all limits are the defaults, and no label is allowed. */
    public static ExportPolicy none() {
        return NONE;
    }

    /** A copy that also allows the given destinations. */
    public ExportPolicy allowing(Jurisdiction... destinations) {
        return new ExportPolicy(union(allowedDestinations, destinations), sccsInPlace,
                minDistinctDevices, minWindow, maxGeohashPrecision, allowedLabels);
    }

    /** A copy that also allows the given destinations and declares SCCs in place for them. */
    public ExportPolicy allowingWithSccs(Jurisdiction... destinations) {
        return new ExportPolicy(union(allowedDestinations, destinations), union(sccsInPlace, destinations),
                minDistinctDevices, minWindow, maxGeohashPrecision, allowedLabels);
    }

    /** A copy with k set; see {@link #ExportPolicy} for what is thrown. */
    public ExportPolicy withMinDistinctDevices(int k) {
        return new ExportPolicy(allowedDestinations, sccsInPlace, OptionalInt.of(k), minWindow,
                maxGeohashPrecision, allowedLabels);
    }

    /** A copy with the minimum window set; see {@link #ExportPolicy} for what is thrown. */
    public ExportPolicy withMinWindow(Duration window) {
        return new ExportPolicy(allowedDestinations, sccsInPlace, minDistinctDevices,
                Optional.of(Objects.requireNonNull(window, "minWindow must not be null")),
                maxGeohashPrecision, allowedLabels);
    }

    /** A copy with the maximum geohash precision set; see {@link #ExportPolicy} for what is thrown. */
    public ExportPolicy withMaxGeohashPrecision(int precision) {
        return new ExportPolicy(allowedDestinations, sccsInPlace, minDistinctDevices, minWindow,
                OptionalInt.of(precision), allowedLabels);
    }

    /** A copy that also allows the given label keys; see {@link #ExportPolicy} for what is thrown. */
    public ExportPolicy withAllowedLabels(String... labels) {
        return new ExportPolicy(allowedDestinations, sccsInPlace, minDistinctDevices, minWindow,
                maxGeohashPrecision, union(allowedLabels, labels));
    }

    /**
     * Checks that every set limit tightens the defaults.
     *
     * @throws IllegalArgumentException naming the setting, the default and the value of the first limit
     *                                  that would loosen a default
     */
    public void requireTightens(PolicyDefaults defaults) {
        Objects.requireNonNull(defaults, "defaults must not be null");
        if (minDistinctDevices.isPresent() && minDistinctDevices.getAsInt() < defaults.minDistinctDevices()) {
            throw new IllegalArgumentException("minDistinctDevices (k) must not be below the default "
                    + defaults.minDistinctDevices() + ", was " + minDistinctDevices.getAsInt());
        }
        if (minWindow.isPresent() && minWindow.get().compareTo(defaults.minWindow()) < 0) {
            throw new IllegalArgumentException("minWindow must not be finer than the default "
                    + defaults.minWindow() + ", was " + minWindow.get());
        }
        if (maxGeohashPrecision.isPresent() && maxGeohashPrecision.getAsInt() > defaults.maxGeohashPrecision()) {
            throw new IllegalArgumentException("maxGeohashPrecision must not be finer than the default "
                    + defaults.maxGeohashPrecision() + ", was " + maxGeohashPrecision.getAsInt());
        }
    }

    /** The larger of the tenant's k and the default k. */
    public int effectiveMinDistinctDevices(PolicyDefaults defaults) {
        return Math.max(defaults.minDistinctDevices(), minDistinctDevices.orElse(0));
    }

    /** The coarser of the tenant's minimum window and the default one. */
    public Duration effectiveMinWindow(PolicyDefaults defaults) {
        Duration floor = defaults.minWindow();
        return minWindow.isPresent() && minWindow.get().compareTo(floor) > 0 ? minWindow.get() : floor;
    }

    /** The smaller (coarser) of the tenant's maximum geohash precision and the default one. */
    public int effectiveMaxGeohashPrecision(PolicyDefaults defaults) {
        return Math.min(defaults.maxGeohashPrecision(), maxGeohashPrecision.orElse(12));
    }

    @SafeVarargs
    private static <T extends Comparable<? super T>> Set<T> union(Set<T> set, T... more) {
        SortedSet<T> copy = new TreeSet<>(set);
        copy.addAll(Arrays.asList(more));
        return copy;
    }

    private static <T extends Comparable<? super T>> Set<T> sortedCopy(Set<T> given, String name) {
        Objects.requireNonNull(given, name + " must not be null");
        SortedSet<T> copy = new TreeSet<>();
        for (T element : given) {
            copy.add(Objects.requireNonNull(element, name + " must not contain null"));
        }
        return Collections.unmodifiableSortedSet(copy);
    }
}
