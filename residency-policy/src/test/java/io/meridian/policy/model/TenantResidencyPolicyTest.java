package io.meridian.policy.model;

import static io.meridian.policy.model.TestRules.BR;
import static io.meridian.policy.model.TestRules.BR_SOUTH;
import static io.meridian.policy.model.TestRules.EU;
import static io.meridian.policy.model.TestRules.EU_CENTRAL;
import static io.meridian.policy.model.TestRules.GB;
import static io.meridian.policy.model.TestRules.RULES;
import static io.meridian.policy.model.TestRules.US;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TenantResidencyPolicyTest {

    private static TenantResidencyPolicy tenant(ExportPolicy export) {
        return TenantResidencyPolicy.of("acme", AllocationPolicy.proximity(), export);
    }

    private static void assertRejected(ExportPolicy export, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tenant(export).validateAgainst(RULES));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' should name " + fragment);
        }
    }

    @Test
    void tighterSettings_areAccepted() {
        TenantResidencyPolicy policy = tenant(ExportPolicy.none()
                .allowingWithSccs(US).allowing(GB)
                .withMinDistinctDevices(25)
                .withMinWindow(Duration.ofHours(1))
                .withMaxGeohashPrecision(3)
                .withAllowedLabels("site", "metric"));

        assertSame(policy, policy.validateAgainst(RULES));
    }

    @Test
    void settingsEqualToTheDefaults_areAccepted() {
        TenantResidencyPolicy policy = tenant(ExportPolicy.none()
                .withMinDistinctDevices(10).withMinWindow(Duration.ofMinutes(15)).withMaxGeohashPrecision(5));

        assertSame(policy, policy.validateAgainst(RULES));
    }

    @Test
    void kBelowDefault_isRejectedNamingSettingDefaultAndValue() {
        assertRejected(ExportPolicy.none().withMinDistinctDevices(9), "minDistinctDevices", "10", "was 9");
    }

    @Test
    void windowFinerThanDefault_isRejectedNamingSettingDefaultAndValue() {
        assertRejected(ExportPolicy.none().withMinWindow(Duration.ofMinutes(14)), "minWindow", "PT15M", "was PT14M");
    }

    @Test
    void geohashPrecisionFinerThanDefault_isRejectedNamingSettingDefaultAndValue() {
        assertRejected(ExportPolicy.none().withMaxGeohashPrecision(6), "maxGeohashPrecision", "5", "was 6");
    }

    @Test
    void unknownAllowedDestination_isRejected() {
        assertRejected(ExportPolicy.none().allowing(BR), "allowedDestinations", "was BR");
    }

    @Test
    void unknownSccDestination_isRejected() {
        assertRejected(ExportPolicy.none().allowingWithSccs(BR), "was BR");
    }

    @Test
    void unknownPinnedJurisdiction_isRejected() {
        TenantResidencyPolicy policy = TenantResidencyPolicy.of("acme",
                AllocationPolicy.pinnedTo(Set.of(EU, BR)), ExportPolicy.none());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> policy.validateAgainst(RULES));
        assertTrue(e.getMessage().contains("pinned jurisdictions") && e.getMessage().contains("was BR"), e.getMessage());
    }

    @Test
    void unknownStaticRegion_isRejected() {
        TenantResidencyPolicy policy = TenantResidencyPolicy.of("acme",
                AllocationPolicy.staticRegions(List.of(EU_CENTRAL, BR_SOUTH)), ExportPolicy.none());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> policy.validateAgainst(RULES));
        assertTrue(e.getMessage().contains("static regions") && e.getMessage().contains("was br-south"), e.getMessage());
    }

    @Test
    void identifierKeyInLabelAllowList_isRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExportPolicy.none().withAllowedLabels("site", "device_id"));
        assertTrue(e.getMessage().contains("'device_id'"), e.getMessage());
    }

    @Test
    void sccsForADestinationNotAllowed_isRejectedNamingBothSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ExportPolicy(
                Set.of(GB), Set.of(US), ExportPolicy.none().minDistinctDevices(), ExportPolicy.none().minWindow(),
                ExportPolicy.none().maxGeohashPrecision(), Set.of()));
        assertTrue(e.getMessage().contains("sccsInPlace") && e.getMessage().contains("allowedDestinations"),
                e.getMessage());
    }

    @Test
    void kBelowTwo_isRejectedEvenBeforeValidation() {
        assertThrows(IllegalArgumentException.class, () -> ExportPolicy.none().withMinDistinctDevices(1));
    }

    @Test
    void effectiveLimits_areTheStricterOfTenantAndDefault_evenWhenUnvalidated() {
        PolicyDefaults d = PolicyDefaults.STANDARD;
        ExportPolicy looser = ExportPolicy.none().withMinDistinctDevices(3)
                .withMinWindow(Duration.ofMinutes(1)).withMaxGeohashPrecision(9);
        ExportPolicy tighter = ExportPolicy.none().withMinDistinctDevices(30)
                .withMinWindow(Duration.ofHours(2)).withMaxGeohashPrecision(2);

        assertEquals(10, looser.effectiveMinDistinctDevices(d));
        assertEquals(Duration.ofMinutes(15), looser.effectiveMinWindow(d));
        assertEquals(5, looser.effectiveMaxGeohashPrecision(d));
        assertEquals(30, tighter.effectiveMinDistinctDevices(d));
        assertEquals(Duration.ofHours(2), tighter.effectiveMinWindow(d));
        assertEquals(2, tighter.effectiveMaxGeohashPrecision(d));
    }

    @Test
    void fingerprint_isStableForEqualPolicies_andChangesWithAnySetting() {
        TenantResidencyPolicy a = tenant(ExportPolicy.none().allowing(GB).withAllowedLabels("site"));
        TenantResidencyPolicy same = tenant(ExportPolicy.none().withAllowedLabels("site").allowing(GB));

        assertEquals(a, same);
        assertEquals(a.fingerprint(), same.fingerprint());
        assertNotEquals(a.fingerprint(), tenant(ExportPolicy.none().allowing(GB)).fingerprint());
        assertNotEquals(a.fingerprint(), tenant(a.export().withMinDistinctDevices(11)).fingerprint());
        assertNotEquals(a.fingerprint(), TenantResidencyPolicy.of("acme2", a.allocation(), a.export()).fingerprint());
        assertNotEquals(a.fingerprint(),
                TenantResidencyPolicy.of("acme", AllocationPolicy.pinnedTo(Set.of(EU)), a.export()).fingerprint());
    }

    @Test
    void malformedTenantId_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> TenantResidencyPolicy.defaults(" "));
        assertThrows(IllegalArgumentException.class, () -> TenantResidencyPolicy.defaults("a\nb"));
    }

    @Test
    void staticAllocation_withRepeatedRegion_isRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> AllocationPolicy.staticRegions(List.of(EU_CENTRAL, EU_CENTRAL)));
    }
}
