package io.meridian.regions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.meridian.policy.Decision;
import io.meridian.policy.Outcome;
import io.meridian.policy.ResidencyPolicy;
import io.meridian.policy.Rule;
import io.meridian.policy.TransferRequest;
import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.policy.model.TransferBasis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every data category, from every shipped region, to every shipped jurisdiction: the engine loaded with
 * the real configuration decides what the residency model says it must.
 */
class ShippedPolicyMatrixTest {

    private static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();
    private static final ResidencyPolicy POLICY = ResidencyPolicy.of(CONFIGS.policyRules());

    /** A tenant that allows every destination and declares SCCs everywhere: the most permissive there is. */
    private static final TenantResidencyPolicy OPEN_TENANT = TenantResidencyPolicy.of("lampco",
            AllocationPolicy.proximity(),
            ExportPolicy.none().allowingWithSccs(CONFIGS.jurisdictions().stream()
                    .map(JurisdictionConfig::code).toArray(Jurisdiction[]::new)));

    /** A tenant with the default export policy: its aggregates stay in its jurisdiction. */
    private static final TenantResidencyPolicy HOME_ONLY_TENANT = TenantResidencyPolicy.defaults("carehome");

    private static TransferRequest request(RegionConfig source, Jurisdiction to, DataCategory category, String tenant) {
        TransferRequest.Builder b = TransferRequest.builder()
                .source(source.id())
                .requester("gateway-test")
                .tenant(tenant)
                .category(category)
                .cell(TransferRequest.Cell.of("lamp-model=a1", 25, Duration.ofHours(1), Map.of()));
        // Name a destination region when one exists in that jurisdiction, to show that raw data is refused
        // even region-to-region; otherwise an external receiver.
        CONFIGS.regions().stream()
                .filter(r -> r.jurisdiction().equals(to) && !r.id().equals(source.id()))
                .findFirst()
                .ifPresentOrElse(r -> b.destination(to, r.id()), () -> b.destination(to));
        return b.build();
    }

    @TestFactory
    Stream<DynamicTest> everyCategory_fromEveryRegion_toEveryJurisdiction() {
        List<DynamicTest> tests = new ArrayList<>();
        for (RegionConfig source : CONFIGS.regions()) {
            for (JurisdictionConfig destination : CONFIGS.jurisdictions()) {
                Jurisdiction to = destination.code();
                TransferBasis basis = CONFIGS.policyRules().basis(source.jurisdiction(), to);
                for (DataCategory category : DataCategory.values()) {
                    String name = category + " " + source.id() + " -> " + to + " (" + basis + ")";
                    tests.add(DynamicTest.dynamicTest(name, () -> {
                        Decision open = POLICY.decide(request(source, to, category, "lampco"), OPEN_TENANT);
                        Decision home = POLICY.decide(request(source, to, category, "carehome"), HOME_ONLY_TENANT);
                        if (category.isRaw()) {
                            // Raw data never leaves its region, whatever the tenant allows.
                            assertEquals(Outcome.DENY, open.outcome(), name + " " + open);
                            assertEquals(List.of(Rule.RAW_STAYS_IN_REGION), open.rules(), name);
                            assertEquals(Outcome.DENY, home.outcome(), name);
                        } else if (category == DataCategory.AGGREGATE) {
                            Outcome expectedOpen = basis == TransferBasis.NONE ? Outcome.DENY : Outcome.ALLOW;
                            assertEquals(expectedOpen, open.outcome(), name + " " + open);
                            Outcome expectedHome = to.equals(source.jurisdiction()) ? Outcome.ALLOW : Outcome.DENY;
                            assertEquals(expectedHome, home.outcome(), name + " " + home);
                        } else {
                            Outcome expected = basis == TransferBasis.NONE ? Outcome.DENY : Outcome.ALLOW;
                            assertEquals(expected, open.outcome(), name + " " + open);
                            assertEquals(expected, home.outcome(), name + " " + home);
                        }
                        assertEquals(CONFIGS.policyRules().revision(), open.policyRevision(), name);
                    }));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void rawTelemetry_toItsOwnRegion_isAllowed() {
        RegionConfig eu = CONFIGS.require("eu-central");
        TransferRequest own = TransferRequest.builder().source(eu.id()).destination(eu.jurisdiction(), eu.id())
                .requester("region-api").tenant("lampco").category(DataCategory.TELEMETRY).build();
        assertEquals(Outcome.ALLOW, POLICY.decide(own, OPEN_TENANT).outcome());
    }

    @Test
    void aggregate_euToUs_withoutDeclaredSccs_isDenied() {
        // EU -> US needs SCCs in the shipped table; allowing the destination alone is not enough.
        TenantResidencyPolicy allowsUsOnly = TenantResidencyPolicy.of("lampco", AllocationPolicy.proximity(),
                ExportPolicy.none().allowing(Jurisdiction.of("US")));
        Decision d = POLICY.decide(request(CONFIGS.require("eu-central"), Jurisdiction.of("US"),
                DataCategory.AGGREGATE, "lampco"), allowsUsOnly);
        assertEquals(Outcome.DENY, d.outcome(), d.toString());
        assertEquals(List.of(Rule.SCCS_DECLARED), d.rules());
    }

    @Test
    void aggregate_euToGb_underAdequacy_needsNoSccs() {
        TenantResidencyPolicy allowsGb = TenantResidencyPolicy.of("lampco", AllocationPolicy.proximity(),
                ExportPolicy.none().allowing(Jurisdiction.of("GB")));
        Decision d = POLICY.decide(request(CONFIGS.require("eu-central"), Jurisdiction.of("GB"),
                DataCategory.AGGREGATE, "lampco"), allowsGb);
        assertEquals(Outcome.ALLOW, d.outcome(), d.toString());
        assertFalse(d.rules().contains(Rule.SCCS_DECLARED));
    }
}
