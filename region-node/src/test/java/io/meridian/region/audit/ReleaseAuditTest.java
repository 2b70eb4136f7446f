package io.meridian.region.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.policy.AppendContext;
import io.meridian.policy.ChainHead;
import io.meridian.policy.Decision;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.ResidencyPolicy;
import io.meridian.policy.TransferRequest;
import io.meridian.policy.model.AllocationPolicy;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.ExportPolicy;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.region.api.AggregateReader;
import io.meridian.regions.RegionConfigs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ReleaseAuditTest {

    private static final PolicyRules RULES = RegionConfigs.loadDefault().policyRules();
    private static final RegionId EU = RegionId.of("eu-central");
    private static final String TENANT = "audit-unit";
    private static final TenantResidencyPolicy POLICY = TenantResidencyPolicy.defaults(TENANT);
    private static final Instant HOUR = Instant.parse("2026-11-24T10:00:00Z");
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final Duration RETENTION = Duration.ofDays(30);

    /** A cell as the data API's answer carries it (the fields the audit reads). */
    private static JsonObject cell(Instant start, long count, long distinct) {
        String key = start + "/PT1H/all";
        return new JsonObject().put("key", key).put("windowStart", start.toString()).put("window", "PT1H")
                .put("group", new JsonObject().put("kind", "all")).put("count", count).put("distinctDevices", distinct);
    }

    /** The registry of a tenant without devices. */
    private static final Function<Collection<String>, Set<String>> NO_DEVICES = values -> Set.of();

    /** A cell of a label group, as the data API's answer carries it. */
    private static JsonObject labelCell(Instant start, String label, String value, long count, long distinct) {
        String key = start + "/PT1H/label:" + label + "=" + value;
        return new JsonObject().put("key", key).put("windowStart", start.toString()).put("window", "PT1H")
                .put("group", new JsonObject().put("kind", "label:" + label).put("value", value)).put("count", count)
                .put("distinctDevices", distinct);
    }

    private static AggregateReader.Cell storedLabel(Instant start, String label, String value, long count, long distinct) {
        return new AggregateReader.Cell(start, Duration.ofHours(1), "label:" + label, value, count, 1.0, 0.0, 1.0, distinct, Map.of(),
                new byte[0]);
    }

    private static AggregateReader.Cell stored(Instant start, long count, long distinct) {
        return new AggregateReader.Cell(start, Duration.ofHours(1), "all", "", count, 1.0, 0.0, 1.0, distinct, Map.of(), new byte[0]);
    }

    /** A decision the gate made on cells that claimed {@code decidedDistinct} devices, logged with the hash of {@code released}. */
    private static DecisionRecord decided(long decidedDistinct, byte[] released, List<JsonObject> cells) {
        List<TransferRequest.Cell> asked = cells.stream().map(c -> TransferRequest.Cell.of(c.getString("key"), decidedDistinct, Duration.ofHours(1),
                Map.of())).toList();
        Decision d = ResidencyPolicy.of(RULES).decide(TransferRequest.builder().source(EU).destination(Jurisdiction.of("EU"), EU)
                .requester("client:gateway-eu-central").tenant(TENANT).category(DataCategory.AGGREGATE).cells(asked).build(), POLICY);
        assertTrue(d.permits(), d.toString());
        return DecisionRecord.next(ChainHead.GENESIS, d, AppendContext.released(Refs.sha256(released)));
    }

    private static ReleaseStore.Release release(DecisionRecord r, byte[] cells) {
        return new ReleaseStore.Release(r.decisionId(), r.time(), TENANT, "temp", Duration.ofHours(1), HOUR, HOUR.plus(Duration.ofHours(2)),
                Optional.of("all"), false, cells, Refs.sha256(cells), r.policyRevision(), r.tenantPolicyFingerprint());
    }

    private static byte[] bytes(List<JsonObject> cells) {
        return new JsonArray(List.copyOf(cells)).encode().getBytes(StandardCharsets.UTF_8);
    }

    private static Function<ReleaseAudit.Query, Map<String, AggregateReader.Cell>> rows(AggregateReader.Cell... cells) {
        Map<String, AggregateReader.Cell> byKey = new HashMap<>();
        for (AggregateReader.Cell c : cells) {
            byKey.put(ReleaseAudit.cellKey(c), c);
        }
        return q -> byKey;
    }

    @Test
    void aReleaseThatMatchesItsHashPolicyAndStoredRows_isVerifiedWithoutViolations() {
        List<JsonObject> cells = List.of(cell(HOUR, 120, 12), cell(HOUR.plus(Duration.ofHours(1)), 130, 13));
        byte[] b = bytes(cells);
        DecisionRecord r = decided(12, b, cells);
        ReleaseAudit.Verdict v = ReleaseAudit.judge(r, Optional.of(release(r, b)), Optional.of(RULES), Optional.of(POLICY),
                rows(stored(HOUR, 120, 12), stored(HOUR.plus(Duration.ofHours(1)), 131, 13)), RETENTION, NOW, NO_DEVICES);
        assertEquals(ReleaseAudit.Status.VERIFIED, v.status());
        assertEquals(List.of(), v.violations());
        assertEquals(new ReleaseAudit.AggregateMatch(1, 1, 0, 0), v.aggregates().orElseThrow(), "one equal, one grown by late data");
    }

    @Test
    void aCellBelowK_releasedByAGateBug_isAnA4Violation_namedByCellRef() {
        List<JsonObject> cells = List.of(cell(HOUR, 30, 3));
        byte[] b = bytes(cells);
        DecisionRecord r = decided(12, b, cells); // the gate believed 12 devices
        ReleaseAudit.Verdict v = ReleaseAudit.judge(r, Optional.of(release(r, b)), Optional.of(RULES), Optional.of(POLICY),
                rows(stored(HOUR, 30, 3)), RETENTION, NOW, NO_DEVICES);
        assertEquals(ReleaseAudit.Status.VERIFIED, v.status());
        assertEquals(1, v.violations().size(), v.violations().toString());
        ReleaseAudit.Violation x = v.violations().get(0);
        assertEquals("A4", x.rule());
        assertEquals(Refs.cellRef(HOUR + "/PT1H/all"), x.cellRef());
        assertEquals("3 distinct devices, below k = " + RULES.defaults().minDistinctDevices(), x.detail());
    }

    @Test
    void editedCells_areAHashMismatch_andAMissingRecordIsSaid() {
        List<JsonObject> cells = List.of(cell(HOUR, 120, 12));
        byte[] b = bytes(cells);
        DecisionRecord r = decided(12, b, cells);
        byte[] edited = bytes(List.of(cell(HOUR, 121, 12)));
        ReleaseStore.Release tampered = new ReleaseStore.Release(r.decisionId(), r.time(), TENANT, "temp", Duration.ofHours(1), HOUR,
                HOUR.plus(Duration.ofHours(1)), Optional.empty(), false, edited, Refs.sha256(b), r.policyRevision(), r.tenantPolicyFingerprint());
        assertEquals(ReleaseAudit.Status.HASH_MISMATCH, ReleaseAudit.judge(r, Optional.of(tampered), Optional.of(RULES), Optional.of(POLICY),
                rows(), RETENTION, NOW, NO_DEVICES).status());
        assertEquals(ReleaseAudit.Status.NO_RELEASE_RECORD, ReleaseAudit.judge(r, Optional.empty(), Optional.of(RULES), Optional.of(POLICY),
                rows(), RETENTION, NOW, NO_DEVICES).status());
    }

    @Test
    void anUnknownRevisionOrTenantPolicy_isPolicyUnknown() {
        List<JsonObject> cells = List.of(cell(HOUR, 120, 12));
        byte[] b = bytes(cells);
        DecisionRecord r = decided(12, b, cells);
        assertEquals(ReleaseAudit.Status.POLICY_UNKNOWN, ReleaseAudit.judge(r, Optional.of(release(r, b)), Optional.empty(), Optional.of(POLICY),
                rows(stored(HOUR, 120, 12)), RETENTION, NOW, NO_DEVICES).status());
        assertEquals(ReleaseAudit.Status.POLICY_UNKNOWN, ReleaseAudit.judge(r, Optional.of(release(r, b)), Optional.of(RULES), Optional.empty(),
                rows(stored(HOUR, 120, 12)), RETENTION, NOW, NO_DEVICES).status());
    }

    @Test
    void storedRows_missingExpiredOrSmaller_areCountedOrReported() {
        Instant old = NOW.minus(Duration.ofDays(40)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
        List<JsonObject> cells = List.of(cell(HOUR, 120, 12), cell(old, 100, 10), cell(HOUR.plus(Duration.ofHours(1)), 150, 15));
        byte[] b = bytes(cells);
        DecisionRecord r = decided(15, b, cells);
        ReleaseAudit.Verdict v = ReleaseAudit.judge(r, Optional.of(release(r, b)), Optional.of(RULES), Optional.of(POLICY),
                rows(stored(HOUR.plus(Duration.ofHours(1)), 150, 11)), RETENTION, NOW, NO_DEVICES);
        assertEquals(new ReleaseAudit.AggregateMatch(0, 0, 1, 1), v.aggregates().orElseThrow());
        assertEquals(List.of("STORED_AGGREGATE_SMALLER"), v.violations().stream().map(ReleaseAudit.Violation::rule).toList());
        assertEquals("released 150 values of 15 distinct devices; the stored aggregate holds 150 of 11", v.violations().get(0).detail());
    }

    @Test
    void aStoredPolicyForm_roundTrips_andAnEditedOneIsRefused() {
        assertEquals(RULES.revision(), PolicyForms.rules(PolicyForms.rules(RULES), RULES.revision()).revision());
        TenantResidencyPolicy tight = TenantResidencyPolicy.of(TENANT, io.meridian.policy.model.AllocationPolicy.pinnedTo(
                java.util.Set.of(Jurisdiction.of("EU"))), io.meridian.policy.model.ExportPolicy.none().allowingWithSccs(Jurisdiction.of("US"))
                        .withMinDistinctDevices(20).withAllowedLabels("model"));
        assertEquals(tight.fingerprint(), PolicyForms.tenant(PolicyForms.tenant(tight), tight.fingerprint()).fingerprint());
        String edited = PolicyForms.rules(RULES).replace("\"k\":" + RULES.defaults().minDistinctDevices(), "\"k\":2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PolicyForms.rules(edited, RULES.revision()));
        assertTrue(e.getMessage().contains("not the " + RULES.revision()), e.getMessage());
        String editedTenant = PolicyForms.tenant(tight).replace("\"k\":20", "\"k\":5");
        assertThrows(IllegalArgumentException.class, () -> PolicyForms.tenant(editedTenant, tight.fingerprint()));
    }

    @Test
    void aReleasedCellWhoseLabelValueIsADeviceIdOfTheTenant_isAnA9Violation_namedByDeviceRef_neverByTheId() {
        // a stored release planted with a batch cell whose value is lamp-17, a device of the tenant, beside a harmless one:
        // the gate that decided it knew nothing of the registry, so the decision released both
        JsonObject named = labelCell(HOUR, "batch", "lamp-17", 120, 12);
        JsonObject plain = labelCell(HOUR, "batch", "spring", 130, 13);
        List<JsonObject> cells = List.of(named, plain);
        byte[] b = bytes(cells);
        DecisionRecord r = decided(12, b, cells);
        TenantResidencyPolicy batchAllowed = TenantResidencyPolicy.of(TENANT, AllocationPolicy.proximity(),
                ExportPolicy.none().withAllowedLabels("batch"));
        List<List<String>> asked = new ArrayList<>();
        Function<Collection<String>, Set<String>> registry = values -> {
            asked.add(List.copyOf(values));
            return values.contains("lamp-17") ? Set.of("lamp-17") : Set.of();
        };
        Function<ReleaseAudit.Query, Map<String, AggregateReader.Cell>> rows = rows(storedLabel(HOUR, "batch", "lamp-17", 120, 12),
                storedLabel(HOUR, "batch", "spring", 130, 13));

        ReleaseAudit.Verdict v = ReleaseAudit.judge(r, Optional.of(release(r, b)), Optional.of(RULES), Optional.of(batchAllowed), rows,
                RETENTION, NOW, registry);

        assertEquals(ReleaseAudit.Status.VERIFIED, v.status());
        assertEquals(1, v.violations().size(), v.violations().toString());
        ReleaseAudit.Violation x = v.violations().get(0);
        assertEquals("A9", x.rule());
        assertEquals(Refs.cellRef(named.getString("key")), x.cellRef());
        assertEquals(Refs.deviceRef(TENANT, "lamp-17"), x.deviceRef());
        assertTrue(x.detail().contains("deviceRef " + Refs.deviceRef(TENANT, "lamp-17")), x.detail());
        assertFalse(x.toJson().encode().contains("lamp-17"), x.toJson().encode());
        assertEquals(Refs.deviceRef(TENANT, "lamp-17"), x.toJson().getString("deviceRef"));
        assertEquals(List.of(List.of("lamp-17", "spring")), asked, "the registry is asked once, about the released label values");

        // the same release where the registry knows no such device: lamp-17 does not look like an identifier, nothing is found
        assertEquals(List.of(), ReleaseAudit.judge(r, Optional.of(release(r, b)), Optional.of(RULES), Optional.of(batchAllowed), rows,
                RETENTION, NOW, NO_DEVICES).violations());
    }

    @Test
    void onlyAggregateAllowsAndPartialsThatReleasedCells_areReleases() {
        List<JsonObject> cells = List.of(cell(HOUR, 120, 12));
        DecisionRecord r = decided(12, bytes(cells), cells);
        assertTrue(ReleaseAudit.isRelease(r));
        Decision deny = ResidencyPolicy.of(RULES).decide(TransferRequest.builder().source(EU).destination(Jurisdiction.of("US"))
                .requester("user:x").tenant(TENANT).category(DataCategory.AGGREGATE).cells(List.of(TransferRequest.Cell.of("k", 12,
                        Duration.ofHours(1), Map.of()))).build(), POLICY);
        assertTrue(!ReleaseAudit.isRelease(DecisionRecord.next(ChainHead.GENESIS, deny, AppendContext.nothingReleased())));
    }
}
