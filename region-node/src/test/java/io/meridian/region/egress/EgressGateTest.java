package io.meridian.region.egress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.policy.AppendContext;
import io.meridian.policy.ChainHead;
import io.meridian.policy.Decision;
import io.meridian.policy.DecisionLog;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.Outcome;
import io.meridian.policy.ResidencyPolicy;
import io.meridian.policy.Rule;
import io.meridian.policy.TransferRequest.Cell;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.regions.RegionConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EgressGateTest {

    private static final PolicyRules RULES = RegionConfigs.loadDefault().policyRules();
    private static final RegionId EU = RegionId.of("eu-central");
    private static final RegionId ZA = RegionId.of("af-south");

    private final DecisionLog log = DecisionLog.inMemory(EU);
    private final EgressGate gate = new EgressGate(EU, ResidencyPolicy.of(RULES), log, new SimpleMeterRegistry());

    private static TenantResidencyPolicy exportingTo(String json) {
        return TenantExportPolicy.read("lampco", Optional.of(new JsonObject("{\"ext\":{\"meridian\":{\"export\":" + json + "}}}")), RULES);
    }

    private static Cell cell(String key, long devices) {
        return Cell.of(key, devices, Duration.ofMinutes(15), Map.of());
    }

    private EgressGate.Requester gatewayOf(RegionId region) {
        return new EgressGate.Requester("client:gateway-" + region.value(), Optional.of(region), RULES.jurisdictionOf(region).orElseThrow());
    }

    @Test
    void smallCell_isSuppressed_theRestReleased_andTheHashOfExactlyTheReleasedBytesIsLogged() {
        TenantResidencyPolicy tenant = exportingTo("{\"allowed-destinations\":[\"ZA\"],\"sccs-in-place\":[\"ZA\"],\"k\":10}");
        List<Cell> cells = List.of(cell("w1/all", 12), cell("w2/all", 3), cell("w3/all", 10));
        EgressGate.Outcome out = gate.aggregate(gatewayOf(ZA), "lampco", tenant, cells,
                released -> String.join(",", released.stream().map(Cell::key).toList()).getBytes(StandardCharsets.UTF_8));
        Decision d = out.decision();
        assertEquals(Outcome.PARTIAL, d.outcome());
        assertEquals(Map.of(Rule.CELL_MIN_DEVICES, 1), d.suppressedCounts());
        assertEquals(List.of("w1/all", "w3/all"), d.released().stream().map(Cell::key).toList());
        assertArrayEquals("w1/all,w3/all".getBytes(StandardCharsets.UTF_8), out.payload().orElseThrow());
        DecisionRecord record = out.record().orElseThrow();
        assertEquals(Optional.of(EgressGate.sha256("w1/all,w3/all".getBytes(StandardCharsets.UTF_8))), record.payloadHash());
        assertEquals(1, log.head().sequence());
        assertEquals("ZA", record.destinationJurisdiction().code());
    }

    @Test
    void aDestinationTheTenantDoesNotAllow_isDenied_andNothingIsEncoded() {
        EgressGate.Outcome out = gate.aggregate(gatewayOf(RegionId.of("us-east")), "lampco", exportingTo("{\"allowed-destinations\":[\"ZA\"]}"),
                List.of(cell("w1/all", 50)), released -> {
                    throw new AssertionError("nothing may be encoded for a DENY");
                });
        assertEquals(Outcome.DENY, out.decision().outcome());
        assertEquals(List.of("A1"), out.decision().ruleIds());
        assertTrue(out.payload().isEmpty());
        assertEquals(Optional.empty(), out.record().orElseThrow().payloadHash());
    }

    @Test
    void anExportOnwardToAJurisdictionTheTenantDoesNotAllow_isDeniedForThatJurisdiction_thoughTheGatewaysOwnIsAllowed() {
        // EU data through the af-south gateway (ZA allowed) on to a US sink (not allowed): the decision is for the US
        TenantResidencyPolicy tenant = exportingTo("{\"allowed-destinations\":[\"ZA\"],\"sccs-in-place\":[\"ZA\"]}");
        EgressGate.Outcome out = gate.aggregate(gatewayOf(ZA), Optional.of(Jurisdiction.of("US")), "lampco", tenant, List.of(cell("w1/all", 50)),
                released -> {
                    throw new AssertionError("nothing may be encoded for a DENY");
                });
        assertEquals(Outcome.DENY, out.decision().outcome());
        assertEquals(List.of("A1"), out.decision().ruleIds());
        DecisionRecord record = out.record().orElseThrow();
        assertEquals("US", record.destinationJurisdiction().code(), "logged for where the data would have ended up");
        assertEquals(Optional.empty(), record.destinationRegion(), "a sink is not a region");

        // the same query without onward goes to the gateway, as before
        EgressGate.Outcome plain = gate.aggregate(gatewayOf(ZA), "lampco", tenant, List.of(cell("w1/all", 50)), released -> new byte[] {1});
        assertEquals(Outcome.ALLOW, plain.decision().outcome());
        assertEquals(Optional.of(ZA), plain.record().orElseThrow().destinationRegion());
    }

    @Test
    void anExportOnwardToAnAllowedJurisdiction_isReleasedAndLoggedForIt_andARefusedFirstLegIsWhatIsLogged() {
        TenantResidencyPolicy tenant = exportingTo("{\"allowed-destinations\":[\"US\",\"ZA\"],\"sccs-in-place\":[\"US\",\"ZA\"]}");
        EgressGate.Outcome out = gate.aggregate(gatewayOf(ZA), Optional.of(Jurisdiction.of("US")), "lampco", tenant,
                List.of(cell("w1/all", 50), cell("w2/all", 1)), released -> "x".getBytes(StandardCharsets.UTF_8));
        assertEquals(Outcome.PARTIAL, out.decision().outcome(), "the cell limits apply to the onward leg as to any other");
        assertEquals("US", out.record().orElseThrow().destinationJurisdiction().code());
        assertEquals(Optional.of(EgressGate.sha256("x".getBytes(StandardCharsets.UTF_8))), out.record().orElseThrow().payloadHash());

        // onward to the US is allowed, but the gateway's own ZA is not: the data would pass through ZA, so ZA's refusal is logged
        TenantResidencyPolicy usOnly = exportingTo("{\"allowed-destinations\":[\"US\"],\"sccs-in-place\":[\"US\"]}");
        EgressGate.Outcome transit = gate.aggregate(gatewayOf(ZA), Optional.of(Jurisdiction.of("US")), "lampco", usOnly,
                List.of(cell("w1/all", 50)), released -> {
                    throw new AssertionError("nothing may be encoded for a DENY");
                });
        assertEquals(Outcome.DENY, transit.decision().outcome());
        assertEquals("ZA", transit.record().orElseThrow().destinationJurisdiction().code());
        assertEquals(Optional.of(ZA), transit.record().orElseThrow().destinationRegion());
    }

    @Test
    void raw_forThisRegion_isServedUnlogged_andForAnyoneElse_isDeniedAndLogged() {
        TenantResidencyPolicy tenant = TenantResidencyPolicy.defaults("lampco");
        EgressGate.Outcome home = gate.raw(gatewayOf(EU), "lampco", DataCategory.TELEMETRY, tenant);
        assertTrue(home.decision().permits());
        assertTrue(home.record().isEmpty());
        assertEquals(ChainHead.GENESIS, log.head());

        EgressGate.Outcome away = gate.raw(gatewayOf(ZA), "lampco", DataCategory.LOCATION, tenant);
        assertEquals(Outcome.DENY, away.decision().outcome());
        assertEquals(List.of("R1"), away.decision().ruleIds());
        assertEquals(1, away.record().orElseThrow().sequence());

        EgressGate.Outcome user = gate.raw(new EgressGate.Requester("user:lamp-admin", Optional.empty(), Jurisdiction.of("EU")), "lampco",
                DataCategory.TELEMETRY, tenant);
        assertFalse(user.decision().permits(), "a caller without a region is not a caller of this region");
        assertEquals(2, log.head().sequence());
    }

    @Test
    void aDecisionThatCannotBeLogged_releasesNothing() {
        DecisionLog failing = new DecisionLog() {
            @Override
            public DecisionRecord append(Decision decision, AppendContext context) {
                throw new IllegalStateException("Cassandra is down");
            }

            @Override
            public List<DecisionRecord> read(long fromSequence, int limit) {
                return List.of();
            }

            @Override
            public ChainHead head() {
                return ChainHead.GENESIS;
            }

            @Override
            public RegionId region() {
                return EU;
            }
        };
        EgressGate broken = new EgressGate(EU, ResidencyPolicy.of(RULES), failing, new SimpleMeterRegistry());
        assertThrows(IllegalStateException.class, () -> broken.aggregate(gatewayOf(EU), "lampco", TenantResidencyPolicy.defaults("lampco"),
                List.of(cell("w1/all", 50)), released -> new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new EgressGate(ZA, ResidencyPolicy.of(RULES), log, new SimpleMeterRegistry()));
    }

    @Test
    void exportPolicy_isReadFromTheTenantDocument_andALooseningOneIsRefused() {
        TenantResidencyPolicy p = exportingTo("{\"allowed-destinations\":[\"ZA\",\"US\"],\"sccs-in-place\":[\"US\"],\"k\":20,"
                + "\"min-window\":\"PT1H\",\"max-geohash-precision\":4,\"allowed-labels\":[\"model\"]}");
        assertEquals(20, p.export().minDistinctDevices().getAsInt());
        assertEquals(Duration.ofHours(1), p.export().minWindow().orElseThrow());
        assertEquals(List.of("model"), List.copyOf(p.export().allowedLabels()));
        assertEquals(TenantResidencyPolicy.defaults("t"), TenantExportPolicy.read("t", Optional.empty(), RULES));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> exportingTo("{\"k\":3}")).getMessage()
                .contains("must not be below the default"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> exportingTo("{\"min-window\":\"soon\"}")).getMessage()
                .contains("min-window must be an ISO-8601 duration"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> exportingTo("{\"allowed-destinations\":[\"XX\"]}")).getMessage()
                .contains("must name defined jurisdictions"));
    }
}
