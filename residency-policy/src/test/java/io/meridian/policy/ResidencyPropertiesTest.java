package io.meridian.policy;

import static io.meridian.policy.Requests.ENGINE;
import static io.meridian.policy.Requests.TENANT;
import static io.meridian.policy.model.TestRules.RULES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.policy.TransferRequest.Cell;
import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.Identifiers;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyDefaults;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.policy.model.TestRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Properties over generated requests and tenant policies, including tenant policies that were never
 * validated and so try to loosen the defaults.
 */
class ResidencyPropertiesTest {

    private static final List<RegionId> REGIONS = List.of(TestRules.EU_CENTRAL, TestRules.EU_WEST,
            TestRules.GB_LONDON, TestRules.US_EAST, TestRules.ZA_NORTH, TestRules.BR_SOUTH);
    private static final List<Jurisdiction> JURISDICTIONS = List.of(TestRules.EU, TestRules.GB, TestRules.US,
            TestRules.ZA, TestRules.BR);
    private static final List<Jurisdiction> DEFINED = List.of(TestRules.EU, TestRules.GB, TestRules.US, TestRules.ZA);
    private static final List<String> LABEL_KEYS = List.of("site", "metric", "geohash", "floor", "deviceId", "user_id");
    private static final List<String> LABEL_VALUES = List.of("berlin", "temp", "u33d", "u33dbfc", "jane@example.org",
            "356938035643809", "3");

    // --- no raw category ever crosses a region border

    @Property(tries = 2000)
    @StatisticsReport(onFailureOnly = true)
    void rawData_isNeverReleasedOutsideItsRegion(
            @ForAll("rawRequests") TransferRequest request, @ForAll("tenantPolicies") ExportPolicy export) {
        Decision d = ENGINE.decide(request, TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(), export));

        Statistics.label("outcome").collect(d.outcome());
        Statistics.label("outcome").coverage(c -> c.check(Outcome.ALLOW).count(n -> n > 0));
        boolean sameRegion = request.destinationRegion().equals(Optional.of(request.source()));
        if (!sameRegion) {
            assertEquals(Outcome.DENY, d.outcome(), d::toString);
        }
        assertTrue(d.released().isEmpty(), d::toString);
        assertTrue(d.outcome() != Outcome.PARTIAL, d::toString);
    }

    @Provide
    Arbitrary<TransferRequest> rawRequests() {
        Arbitrary<DataCategory> raw = Arbitraries.of(Arrays.stream(DataCategory.values()).filter(DataCategory::isRaw).toList());
        Arbitrary<RegionId> source = Arbitraries.of(REGIONS);
        Arbitrary<Optional<RegionId>> destinationRegion = Arbitraries.of(REGIONS).optional(0.8);
        // Half the time the jurisdiction matches the destination region's, so that E4 does not hide R1.
        Arbitrary<Boolean> consistent = Arbitraries.of(true, false);
        Arbitrary<Jurisdiction> jurisdiction = Arbitraries.of(JURISDICTIONS);
        Arbitrary<Boolean> sendHome = Arbitraries.of(true, false);
        return Combinators.combine(raw, source, destinationRegion, consistent, jurisdiction, sendHome, cells())
                .as((category, src, dstRegion, matching, j, home, cells) -> {
                    Optional<RegionId> region = home ? Optional.of(src) : dstRegion;
                    Jurisdiction dst = matching && region.isPresent()
                            ? RULES.jurisdictionOf(region.get()).orElse(j) : j;
                    return new TransferRequest(src, dst, region, "svc", TENANT, category, cells);
                });
    }

    // --- every released aggregate cell satisfies k, window, precision and the identifier rules

    @Property(tries = 2000)
    @StatisticsReport(onFailureOnly = true)
    void releasedCells_satisfyEveryCellRule_andNoPassingCellIsSuppressed(
            @ForAll("aggregateRequests") TransferRequest request, @ForAll("tenantPolicies") ExportPolicy export) {
        Decision d = ENGINE.decide(request, TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(), export));

        Statistics.label("outcome").collect(d.outcome());
        Statistics.label("outcome").coverage(c -> {
            c.check(Outcome.ALLOW).count(n -> n > 0);
            c.check(Outcome.PARTIAL).count(n -> n > 0);
            c.check(Outcome.DENY).count(n -> n > 0);
        });

        PolicyDefaults defaults = RULES.defaults();
        long k = Math.max(defaults.minDistinctDevices(), export.minDistinctDevices().orElse(0));
        Duration window = export.minWindow().filter(w -> w.compareTo(defaults.minWindow()) > 0)
                .orElse(defaults.minWindow());
        int precision = Math.min(defaults.maxGeohashPrecision(), export.maxGeohashPrecision().orElse(12));
        List<Cell> passing = new ArrayList<>();
        for (Cell cell : request.cells()) {
            if (passes(cell, k, window, precision, export.allowedLabels())) {
                passing.add(cell);
            }
        }
        for (Cell released : d.released()) {
            assertTrue(passes(released, k, window, precision, export.allowedLabels()),
                    () -> "released " + released + " under " + export);
        }
        switch (d.outcome()) {
            case ALLOW -> assertEquals(request.cells(), d.released());
            case PARTIAL -> {
                assertEquals(passing, d.released());
                assertFalse(d.suppressed().isEmpty());
            }
            case DENY -> assertTrue(d.released().isEmpty());
        }
        if (d.permits()) {
            assertEquals(passing, d.released(), "a cell that passes every rule is released");
            assertEquals(request.cells().size(), d.released().size() + d.suppressed().size());
        }
    }

    /** The cell rules, written out independently of the engine. */
    private static boolean passes(Cell cell, long k, Duration window, int precision, Set<String> allowed) {
        if (cell.distinctDevices() < k || cell.window().compareTo(window) < 0) {
            return false;
        }
        if (cell.geohashPrecision().isPresent() && cell.geohashPrecision().getAsInt() > precision) {
            return false;
        }
        for (Map.Entry<String, String> label : cell.labels().entrySet()) {
            String key = label.getKey();
            String value = label.getValue();
            if (!allowed.contains(key) || key.equals("deviceId") || key.equals("user_id")) {
                return false;
            }
            if (key.equals("geohash") && value.length() > precision) {
                return false;
            }
            if (value.contains("@") || value.chars().filter(Character::isDigit).count() >= 10
                    || Identifiers.looksLikeIdentifier(value)) {
                return false;
            }
        }
        // a label value the caller found among the tenant's device ids
        return !(cell.labelNamesDevice() && !cell.labels().isEmpty());
    }

    @Provide
    Arbitrary<TransferRequest> aggregateRequests() {
        Arbitrary<RegionId> source = Arbitraries.of(REGIONS.subList(0, 5));
        Arbitrary<Jurisdiction> destination = Arbitraries.of(DEFINED);
        return Combinators.combine(source, destination, cells())
                .as((src, dst, cells) -> new TransferRequest(src, dst, Optional.empty(), "svc", TENANT,
                        DataCategory.AGGREGATE, cells));
    }

    // --- generators shared by both properties

    /**
     * Any export policy the constructor accepts, including limits looser than the defaults (k from 2,
     * windows from one minute, precision up to 12), as an unvalidated tenant policy could hold.
     */
    @Provide
    Arbitrary<ExportPolicy> tenantPolicies() {
        Arbitrary<Set<Jurisdiction>> allowed = Arbitraries.of(DEFINED).set();
        Arbitrary<Boolean> declareSccs = Arbitraries.of(true, false);
        Arbitrary<OptionalInt> k = Arbitraries.integers().between(2, 30).optional(0.6)
                .map(o -> o.map(OptionalInt::of).orElse(OptionalInt.empty()));
        Arbitrary<Optional<Duration>> window = Arbitraries.integers().between(1, 90).map(m -> Duration.ofMinutes(m))
                .optional(0.6);
        Arbitrary<OptionalInt> precision = Arbitraries.integers().between(1, 12).optional(0.6)
                .map(o -> o.map(OptionalInt::of).orElse(OptionalInt.empty()));
        Arbitrary<Set<String>> labels = Arbitraries.of("site", "metric", "geohash", "floor").set();
        return Combinators.combine(allowed, declareSccs, k, window, precision, labels)
                .as((a, sccs, kk, w, p, l) -> new ExportPolicy(a, sccs ? a : Set.of(), kk, w, p, l));
    }

    private static Arbitrary<List<Cell>> cells() {
        Arbitrary<Map<String, String>> labels = Arbitraries.maps(Arbitraries.of(LABEL_KEYS), Arbitraries.of(LABEL_VALUES))
                .ofMaxSize(3);
        Arbitrary<Cell> cell = Combinators.combine(
                        Arbitraries.longs().between(0, 40),
                        labels,
                        Arbitraries.integers().between(1, 120),
                        Arbitraries.integers().between(1, 12).optional(0.5),
                        Arbitraries.frequency(Tuple.of(4, false), Tuple.of(1, true)))
                .as((devices, l, minutes, precision, namesDevice) -> new Cell("cell", devices, l, Duration.ofMinutes(minutes),
                        precision.map(OptionalInt::of).orElse(OptionalInt.empty()), namesDevice));
        return cell.list().ofMaxSize(8).map(list -> {
            List<Cell> keyed = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                Cell c = list.get(i);
                keyed.add(new Cell("cell-" + i, c.distinctDevices(), c.labels(), c.window(), c.geohashPrecision(),
                        c.labelNamesDevice()));
            }
            return keyed;
        });
    }
}
