package io.meridian.policy;

import static io.meridian.policy.Requests.ENGINE;
import static io.meridian.policy.Requests.NOW;
import static io.meridian.policy.Requests.TENANT;
import static io.meridian.policy.Requests.aggregate;
import static io.meridian.policy.Requests.goodCell;
import static io.meridian.policy.Requests.toJurisdiction;
import static io.meridian.policy.Requests.toRegion;
import static io.meridian.policy.model.TestRules.BR;
import static io.meridian.policy.model.TestRules.BR_SOUTH;
import static io.meridian.policy.model.TestRules.EU;
import static io.meridian.policy.model.TestRules.EU_CENTRAL;
import static io.meridian.policy.model.TestRules.EU_WEST;
import static io.meridian.policy.model.TestRules.GB;
import static io.meridian.policy.model.TestRules.GB_LONDON;
import static io.meridian.policy.model.TestRules.RULES;
import static io.meridian.policy.model.TestRules.US;
import static io.meridian.policy.model.TestRules.US_EAST;
import static io.meridian.policy.model.TestRules.ZA;
import static io.meridian.policy.model.TestRules.ZA_NORTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.policy.Decision.SuppressedCell;
import io.meridian.policy.TransferRequest.Cell;
import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.TenantResidencyPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResidencyPolicyTest {

    private static final TenantResidencyPolicy DEFAULTS = TenantResidencyPolicy.defaults(TENANT);
    /** Allows every other jurisdiction, with SCCs, and the labels site and geohash. */
    private static final TenantResidencyPolicy OPEN = TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(),
            ExportPolicy.none().allowingWithSccs(EU, GB, US, ZA).withAllowedLabels("site", "geohash", "note"));

    private static void assertDecision(Decision d, Outcome outcome, String... ruleIds) {
        assertEquals(outcome, d.outcome(), d::toString);
        assertEquals(List.of(ruleIds), d.ruleIds(), d::toString);
    }

    // --- R1: raw categories never leave their region

    @Test
    void rawTelemetry_euToUs_isDenied() {
        assertDecision(ENGINE.decide(toRegion(DataCategory.TELEMETRY, EU_CENTRAL, US, US_EAST), OPEN),
                Outcome.DENY, "R1");
    }

    @Test
    void rawTelemetry_toItsOwnRegion_isAllowed() {
        assertDecision(ENGINE.decide(toRegion(DataCategory.TELEMETRY, EU_CENTRAL, EU, EU_CENTRAL), DEFAULTS),
                Outcome.ALLOW, "R1");
    }

    @Test
    void rawTelemetry_toAnotherRegionOfTheSameJurisdiction_isDenied() {
        assertDecision(ENGINE.decide(toRegion(DataCategory.TELEMETRY, EU_CENTRAL, EU, EU_WEST), OPEN),
                Outcome.DENY, "R1");
    }

    @Test
    void rawTelemetry_withoutADestinationRegion_isDeniedEvenInsideItsJurisdiction() {
        assertDecision(ENGINE.decide(toJurisdiction(DataCategory.TELEMETRY, EU_CENTRAL, EU), OPEN),
                Outcome.DENY, "R1");
    }

    @ParameterizedTest
    @EnumSource(value = DataCategory.class, names = {"TELEMETRY", "EVENT", "LOCATION", "DEVICE_IDENTITY",
        "CREDENTIAL", "USER_IDENTITY"})
    void everyRawCategory_zaToEu_isDeniedWhateverTheTenantAllows(DataCategory raw) {
        TransferRequest request = TransferRequest.builder().source(ZA_NORTH).destination(EU, EU_CENTRAL)
                .requester("svc").tenant(TENANT).category(raw).cell(goodCell("c1")).build();

        Decision d = ENGINE.decide(request, OPEN);

        assertDecision(d, Outcome.DENY, "R1");
        assertTrue(d.released().isEmpty());
    }

    // --- O1: operational and audit data

    @ParameterizedTest
    @EnumSource(value = DataCategory.class, names = {"OPERATIONAL", "AUDIT"})
    void operationalAndAudit_euToUs_areAllowedWithoutTenantPermission(DataCategory category) {
        assertDecision(ENGINE.decide(toJurisdiction(category, EU_CENTRAL, US), DEFAULTS), Outcome.ALLOW, "O1");
    }

    @ParameterizedTest
    @EnumSource(value = DataCategory.class, names = {"OPERATIONAL", "AUDIT"})
    void operationalAndAudit_gbToZa_areDeniedWhereTheBasisIsNone(DataCategory category) {
        assertDecision(ENGINE.decide(toJurisdiction(category, GB_LONDON, ZA), OPEN), Outcome.DENY, "O1");
    }

    // --- A1-A3: request-level aggregate rules

    @Test
    void aggregate_euToUs_notAllowedByTenant_isDenied() {
        assertDecision(ENGINE.decide(aggregate(EU_CENTRAL, US, goodCell("c1")), DEFAULTS), Outcome.DENY, "A1");
    }

    @Test
    void aggregate_withinItsJurisdiction_needsNoTenantPermission() {
        TenantResidencyPolicy labels = TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(),
                ExportPolicy.none().withAllowedLabels("site"));

        assertDecision(ENGINE.decide(aggregate(EU_CENTRAL, EU, goodCell("c1")), labels), Outcome.ALLOW, "A1", "A2");
    }

    @Test
    void aggregate_zaToUs_isDeniedWhereTheBasisIsNone_evenWhenTheTenantAllowsIt() {
        assertDecision(ENGINE.decide(aggregate(ZA_NORTH, US, goodCell("c1")), OPEN), Outcome.DENY, "A2");
    }

    @Test
    void aggregate_euToUs_withoutDeclaredSccs_isDenied() {
        TenantResidencyPolicy noSccs = TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(),
                ExportPolicy.none().allowing(US).withAllowedLabels("site"));

        assertDecision(ENGINE.decide(aggregate(EU_CENTRAL, US, goodCell("c1")), noSccs), Outcome.DENY, "A3");
    }

    @Test
    void aggregate_euToUs_withDeclaredSccs_isAllowed() {
        Decision d = ENGINE.decide(aggregate(EU_CENTRAL, US, goodCell("c1"), goodCell("c2")), OPEN);

        assertDecision(d, Outcome.ALLOW, "A1", "A2", "A3");
        assertEquals(List.of("c1", "c2"), d.released().stream().map(Cell::key).toList());
    }

    @Test
    void aggregate_euToGb_underAdequacy_needsNoSccs() {
        TenantResidencyPolicy gbOnly = TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(),
                ExportPolicy.none().allowing(GB).withAllowedLabels("site"));

        assertDecision(ENGINE.decide(aggregate(EU_CENTRAL, GB, goodCell("c1")), gbOnly), Outcome.ALLOW, "A1", "A2");
    }

    @Test
    void aggregate_withNoCells_isAnAllowOfNothing() {
        Decision d = ENGINE.decide(aggregate(EU_CENTRAL, US), OPEN);

        assertDecision(d, Outcome.ALLOW, "A1", "A2", "A3");
        assertTrue(d.released().isEmpty() && d.suppressed().isEmpty());
    }

    @Test
    void aggregate_withNoCells_isStillDeniedByARequestRule() {
        assertDecision(ENGINE.decide(aggregate(EU_CENTRAL, US), DEFAULTS), Outcome.DENY, "A1");
    }

    // --- A4-A9: cell rules

    private static Decision decideOne(Cell cell, TenantResidencyPolicy tenant) {
        return ENGINE.decide(aggregate(EU_CENTRAL, US, goodCell("ok"), cell), tenant);
    }

    private static void assertSuppressed(Decision d, String cellKey, Rule rule) {
        assertDecision(d, Outcome.PARTIAL, "A1", "A2", "A3", rule.id());
        assertEquals(List.of(new SuppressedCell(cellKey, rule)), d.suppressed());
        assertEquals(Map.of(rule, 1), d.suppressedCounts());
        assertEquals(List.of("ok"), d.released().stream().map(Cell::key).toList());
    }

    @Test
    void cellOfNineDevices_isSuppressedUnderDefaultK_andTenDevicesPass() {
        assertSuppressed(decideOne(Cell.of("c9", 9, Duration.ofHours(1), Map.of()), OPEN), "c9", Rule.CELL_MIN_DEVICES);
        assertDecision(decideOne(Cell.of("c10", 10, Duration.ofHours(1), Map.of()), OPEN),
                Outcome.ALLOW, "A1", "A2", "A3");
    }

    @Test
    void tenantK_ofTwenty_suppressesACellOfFifteenDevices() {
        TenantResidencyPolicy k20 = TenantResidencyPolicy.of(TENANT, OPEN.allocation(),
                OPEN.export().withMinDistinctDevices(20));
        Cell fifteen = Cell.of("c15", 15, Duration.ofHours(1), Map.of());

        assertDecision(decideOne(fifteen, OPEN), Outcome.ALLOW, "A1", "A2", "A3");
        Decision d = ENGINE.decide(aggregate(EU_CENTRAL, US, Cell.of("ok", 20, Duration.ofHours(1), Map.of()), fifteen), k20);
        assertSuppressed(d, "c15", Rule.CELL_MIN_DEVICES);
    }

    @Test
    void unvalidatedLooseTenantK_stillCannotGoBelowTheDefault() {
        TenantResidencyPolicy loose = TenantResidencyPolicy.of(TENANT, OPEN.allocation(),
                OPEN.export().withMinDistinctDevices(3));

        assertSuppressed(decideOne(Cell.of("c5", 5, Duration.ofHours(1), Map.of()), loose), "c5", Rule.CELL_MIN_DEVICES);
    }

    @Test
    void windowFinerThanFifteenMinutes_isSuppressed_andFifteenMinutesPass() {
        assertSuppressed(decideOne(Cell.of("w14", 50, Duration.ofMinutes(14), Map.of()), OPEN), "w14", Rule.CELL_MIN_WINDOW);
        assertDecision(decideOne(Cell.of("w15", 50, Duration.ofMinutes(15), Map.of()), OPEN),
                Outcome.ALLOW, "A1", "A2", "A3");
    }

    @Test
    void tenantWindowOfOneHour_suppressesAThirtyMinuteCell() {
        TenantResidencyPolicy hourly = TenantResidencyPolicy.of(TENANT, OPEN.allocation(),
                OPEN.export().withMinWindow(Duration.ofHours(1)));

        assertSuppressed(decideOne(Cell.of("w30", 50, Duration.ofMinutes(30), Map.of()), hourly), "w30", Rule.CELL_MIN_WINDOW);
    }

    @Test
    void geohashPrecisionSix_isSuppressed_andFivePasses() {
        Cell six = Cell.of("g6", 50, Duration.ofHours(1), Map.of()).withGeohashPrecision(6);
        Cell five = Cell.of("g5", 50, Duration.ofHours(1), Map.of()).withGeohashPrecision(5);

        assertSuppressed(decideOne(six, OPEN), "g6", Rule.CELL_MAX_PRECISION);
        assertDecision(decideOne(five, OPEN), Outcome.ALLOW, "A1", "A2", "A3");
    }

    @Test
    void geohashLabelLongerThanThePrecision_isSuppressedEvenWithoutADeclaredPrecision() {
        Cell label = Cell.of("gl", 50, Duration.ofHours(1), Map.of("geohash", "u33dbf"));

        assertSuppressed(decideOne(label, OPEN), "gl", Rule.CELL_MAX_PRECISION);
    }

    @Test
    void tenantPrecisionThree_suppressesAFourCharacterGeohash() {
        TenantResidencyPolicy coarse = TenantResidencyPolicy.of(TENANT, OPEN.allocation(),
                OPEN.export().withMaxGeohashPrecision(3));

        assertSuppressed(decideOne(Cell.of("g4", 50, Duration.ofHours(1), Map.of()).withGeohashPrecision(4), coarse),
                "g4", Rule.CELL_MAX_PRECISION);
    }

    @ParameterizedTest
    @ValueSource(strings = {"deviceId", "user_id", "imei"})
    void identifierLabelKey_isSuppressed(String key) {
        assertSuppressed(decideOne(Cell.of("id", 50, Duration.ofHours(1), Map.of(key, "x")), OPEN),
                "id", Rule.CELL_IDENTIFIER_LABEL);
    }

    @Test
    void labelKeyNotOnTheAllowList_isSuppressed() {
        assertSuppressed(decideOne(Cell.of("fl", 50, Duration.ofHours(1), Map.of("floor", "3")), OPEN),
                "fl", Rule.CELL_LABEL_NOT_ALLOWED);
    }

    @Test
    void labelsAreNotAllowedByDefault() {
        TenantResidencyPolicy noLabels = TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(),
                ExportPolicy.none().allowingWithSccs(US));

        Decision d = ENGINE.decide(aggregate(EU_CENTRAL, US, Cell.of("bare", 50, Duration.ofHours(1), Map.of()),
                goodCell("site")), noLabels);

        assertEquals(List.of(new SuppressedCell("site", Rule.CELL_LABEL_NOT_ALLOWED)), d.suppressed());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jane@example.org", "356938035643809", "3f2b8c1e-9d4a-4f6b-8e2a-1c3d5e7f9a0b"})
    void identifierLikeValue_onAnAllowedLabel_isSuppressed(String value) {
        assertSuppressed(decideOne(Cell.of("v", 50, Duration.ofHours(1), Map.of("note", value)), OPEN),
                "v", Rule.CELL_IDENTIFIER_VALUE);
    }

    @Test
    void labelValueNamingADeviceOfTheTenant_onAnAllowedLabel_isSuppressedUnderA9_thoughItDoesNotLookLikeAnIdentifier() {
        Cell plain = Cell.of("batch", 50, Duration.ofHours(1), Map.of("note", "lamp-17"));
        assertDecision(decideOne(plain, OPEN), Outcome.ALLOW, "A1", "A2", "A3");

        assertSuppressed(decideOne(plain.withLabelNamingDevice(true), OPEN), "batch", Rule.CELL_IDENTIFIER_VALUE);
    }

    @Test
    void labelNamingADevice_losesToALowerLabelRule_andTheFlagSurvivesTheGeohashCopy() {
        Cell notAllowed = Cell.of("fl", 50, Duration.ofHours(1), Map.of("floor", "lamp-17")).withLabelNamingDevice(true);
        assertSuppressed(decideOne(notAllowed, OPEN), "fl", Rule.CELL_LABEL_NOT_ALLOWED);

        Cell few = Cell.of("few", 3, Duration.ofHours(1), Map.of("note", "lamp-17")).withLabelNamingDevice(true);
        assertSuppressed(decideOne(few, OPEN), "few", Rule.CELL_MIN_DEVICES);

        Cell located = Cell.of("g", 50, Duration.ofHours(1), Map.of("geohash", "u33d")).withLabelNamingDevice(true)
                .withGeohashPrecision(4);
        assertTrue(located.labelNamesDevice());
        assertSuppressed(decideOne(located, OPEN), "g", Rule.CELL_IDENTIFIER_VALUE);
    }

    @Test
    void aCellWithoutLabels_cannotNameADevice_soTheFlagAloneDoesNotSuppressIt() {
        Cell bare = Cell.of("all", 50, Duration.ofHours(1), Map.of()).withLabelNamingDevice(true);
        assertDecision(decideOne(bare, OPEN), Outcome.ALLOW, "A1", "A2", "A3");
    }

    @Test
    void onlyTheFlaggedCell_isSuppressed_theDecisionIsPartialAndCountsA9() {
        Decision d = ENGINE.decide(aggregate(EU_CENTRAL, US,
                Cell.of("named", 50, Duration.ofHours(1), Map.of("site", "lamp-17")).withLabelNamingDevice(true),
                Cell.of("spring", 50, Duration.ofHours(1), Map.of("site", "spring-lot"))), OPEN);

        assertDecision(d, Outcome.PARTIAL, "A1", "A2", "A3", "A9");
        assertEquals(List.of("spring"), d.released().stream().map(Cell::key).toList());
        assertEquals(List.of(new SuppressedCell("named", Rule.CELL_IDENTIFIER_VALUE)), d.suppressed());
        assertEquals(Map.of(Rule.CELL_IDENTIFIER_VALUE, 1), d.suppressedCounts());
    }

    @Test
    void cellFailingSeveralLabelRules_isSuppressedByTheLowestNumberedRule_whateverTheLabelOrder() {
        Cell cell = Cell.of("many", 50, Duration.ofHours(1),
                Map.of("note", "jane@example.org", "floor", "3", "deviceId", "d-1", "geohash", "u33dbfc"));

        assertSuppressed(decideOne(cell, OPEN), "many", Rule.CELL_MAX_PRECISION);
    }

    @Test
    void mixedCells_givePartial_namingEverySuppressedCellAndCountingPerRule() {
        Decision d = ENGINE.decide(aggregate(EU_CENTRAL, US,
                goodCell("a"),
                Cell.of("few1", 3, Duration.ofHours(1), Map.of()),
                goodCell("b"),
                Cell.of("few2", 4, Duration.ofHours(1), Map.of()),
                Cell.of("fine", 50, Duration.ofMinutes(5), Map.of())), OPEN);

        assertDecision(d, Outcome.PARTIAL, "A1", "A2", "A3", "A4", "A5");
        assertEquals(List.of("a", "b"), d.released().stream().map(Cell::key).toList());
        assertEquals(List.of(new SuppressedCell("few1", Rule.CELL_MIN_DEVICES),
                new SuppressedCell("few2", Rule.CELL_MIN_DEVICES),
                new SuppressedCell("fine", Rule.CELL_MIN_WINDOW)), d.suppressed());
        assertEquals(Map.of(Rule.CELL_MIN_DEVICES, 2, Rule.CELL_MIN_WINDOW, 1), d.suppressedCounts());
    }

    @Test
    void everyCellSuppressed_givesDeny_namingTheSuppressingRules() {
        Decision d = ENGINE.decide(aggregate(EU_CENTRAL, US,
                Cell.of("few", 3, Duration.ofHours(1), Map.of()),
                Cell.of("dev", 50, Duration.ofHours(1), Map.of("device_id", "d-7"))), OPEN);

        assertDecision(d, Outcome.DENY, "A4", "A7");
        assertTrue(d.released().isEmpty());
        assertEquals(2, d.suppressed().size());
    }

    // --- E1-E4: evaluation errors are DENY decisions, not exceptions

    @Test
    void unknownSourceRegion_isDeniedWithE1AndTheErrorText() {
        Decision d = ENGINE.decide(toJurisdiction(DataCategory.OPERATIONAL, BR_SOUTH, EU), OPEN);

        assertDecision(d, Outcome.DENY, "E1");
        assertTrue(d.errors().get(0).contains("was br-south"), d.errors()::toString);
    }

    @Test
    void unknownDestinationJurisdiction_isDeniedWithE2() {
        Decision d = ENGINE.decide(toJurisdiction(DataCategory.AGGREGATE, EU_CENTRAL, BR), OPEN);

        assertDecision(d, Outcome.DENY, "E2");
        assertTrue(d.errors().get(0).contains("was BR"), d.errors()::toString);
    }

    @Test
    void tenantPolicyOfAnotherTenant_isDeniedWithE3() {
        Decision d = ENGINE.decide(aggregate(EU_CENTRAL, EU, goodCell("c")), TenantResidencyPolicy.defaults("other"));

        assertDecision(d, Outcome.DENY, "E3");
    }

    @Test
    void destinationRegionOutsideTheDestinationJurisdiction_isDeniedWithE4() {
        assertDecision(ENGINE.decide(toRegion(DataCategory.TELEMETRY, EU_CENTRAL, US, EU_CENTRAL), OPEN),
                Outcome.DENY, "E4");
        assertDecision(ENGINE.decide(toRegion(DataCategory.OPERATIONAL, EU_CENTRAL, US, BR_SOUTH), OPEN),
                Outcome.DENY, "E4");
    }

    @Test
    void nullRequest_cannotBeEvaluatedAndThrows() {
        assertThrows(NullPointerException.class, () -> ENGINE.decide(null, OPEN));
        assertThrows(NullPointerException.class,
                () -> ENGINE.decide(toJurisdiction(DataCategory.AUDIT, EU_CENTRAL, EU), null));
    }

    // --- what every decision carries

    @Test
    void decision_carriesRevisionFingerprintClockTimeAndATimeOrderedId() {
        Decision d = ENGINE.decide(aggregate(EU_CENTRAL, US, goodCell("c")), OPEN);
        Decision again = ENGINE.decide(aggregate(EU_CENTRAL, US, goodCell("c")), OPEN);

        assertEquals(RULES.revision(), d.policyRevision());
        assertEquals(OPEN.fingerprint(), d.tenantPolicyFingerprint());
        assertEquals(NOW, d.time());
        assertEquals(7, d.id().version());
        assertEquals(NOW.toEpochMilli(), d.id().getMostSignificantBits() >>> 16);
        assertNotEquals(d.id(), again.id());
    }

    @Test
    void duplicateCellKeys_areRejectedWhenTheRequestIsBuilt() {
        assertThrows(IllegalArgumentException.class, () -> aggregate(EU_CENTRAL, US, goodCell("c"), goodCell("c")));
    }

    @Test
    void pinnedAllocation_doesNotChangeExportDecisions() {
        TenantResidencyPolicy pinned = TenantResidencyPolicy.of(TENANT, AllocationPolicy.pinnedTo(Set.of(EU)),
                OPEN.export());

        assertEquals(ENGINE.decide(aggregate(EU_CENTRAL, US, goodCell("c")), OPEN).outcome(),
                ENGINE.decide(aggregate(EU_CENTRAL, US, goodCell("c")), pinned).outcome());
    }
}
