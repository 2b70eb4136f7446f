package io.meridian.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.Outcome;
import io.meridian.policy.model.DataCategory;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine against stub regions and gateways that answer the audit contract's JSON: a clean federation passes with no
 * finding, and each kind of tampering or misbehaviour gives its finding (or an ERROR row) and the right verdict.
 */
class AuditEngineTest {

    static final List<String> REGIONS = List.of("eu-central", "af-south", "us-east");
    static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();

    StubFederation stub;
    DecisionRecord euToUs;
    DecisionRecord euToZa;
    DecisionRecord usToEu;

    @BeforeEach
    void cleanFederation() throws Exception {
        stub = new StubFederation();
        euToUs = stub.aggregate("eu-central", "us-east", "US", Outcome.ALLOW, 5);
        stub.receive("us-east", "US", "EU", euToUs, "RECEIVED");
        euToZa = stub.aggregate("eu-central", "af-south", "ZA", Outcome.PARTIAL, 3);
        stub.receive("af-south", "ZA", "EU", euToZa, "RECEIVED");
        stub.aggregate("eu-central", "us-east", "US", Outcome.DENY, 0);
        // raw telemetry to the region's own gateway: same jurisdiction, never ledgered
        stub.decide("eu-central", "lampco", DataCategory.TELEMETRY, Outcome.ALLOW, "EU", "eu-central", "client:gateway-eu-central", 0, Map.of(),
                StubFederation.T0.plusSeconds(30));
        // an auditor asking a region directly, declaring the destination jurisdiction
        stub.decide("eu-central", "lampco", DataCategory.AGGREGATE, Outcome.ALLOW, "US", null, "user:auditor", 2, Map.of(),
                StubFederation.T0.plusSeconds(31));
        // device counts for another region's gateway: operational data, not ledgered
        stub.decide("eu-central", "lampco", DataCategory.OPERATIONAL, Outcome.ALLOW, "US", "us-east", "client:gateway-us-east", 0, Map.of(),
                StubFederation.T0.plusSeconds(32));
        usToEu = stub.aggregate("us-east", "eu-central", "EU", Outcome.ALLOW, 4);
        stub.receive("eu-central", "EU", "US", usToEu, "RECEIVED");
        stub.receive("eu-central", "EU", "US", usToEu, "EXPORTED");
        for (String r : REGIONS) {
            stub.cleanStorage(r);
            stub.cleanReleases(r);
        }
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    AuditReport audit() throws Exception {
        return audit(AuditProgress.NONE);
    }

    AuditReport audit(AuditProgress progress) throws Exception {
        Map<String, URI> apis = new LinkedHashMap<>();
        Map<String, URI> gateways = new LinkedHashMap<>();
        for (String r : REGIONS) {
            apis.put(r, stub.dataApi(r));
            gateways.put(r, stub.gateway(r));
        }
        AuditTargets targets = AuditTargets.of(CONFIGS, apis, gateways, Optional.empty(), "no synthesized infrastructure was given")
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
        return new AuditEngine(targets, BearerToken.fixed("t"), AuditEngine.httpClient(), Clock.systemUTC())
                .run(new AuditScope(REGIONS, Optional.empty(), Optional.empty()), progress);
    }

    static List<AuditReport.Finding> findings(AuditReport r, String check) {
        return r.findings().stream().filter(f -> f.check().equals(check)).toList();
    }

    static AuditReport.Check row(AuditReport r, String check, String region) {
        return r.checks().stream().filter(c -> c.id().equals(check) && c.region().equals(region)).findFirst().orElseThrow();
    }

    @Test
    void cleanFederation_passesWithNoFinding_andCountsEverything() throws Exception {
        List<String> steps = new CopyOnWriteArrayList<>();
        AtomicInteger lastTotal = new AtomicInteger();
        AuditReport r = audit((step, done, total) -> {
            steps.add(step);
            lastTotal.set(total);
        });
        assertEquals(List.of(), r.findings(), r.toJson());
        assertEquals("PASS", r.verdict(), r.toJson());
        // 3 regions x (storage, decisions, releases) + 3 ledgers + infrastructure + reconciliation + report
        assertEquals(3 * 3 + 3 + 1 + 2, steps.size());
        assertEquals(steps.size(), lastTotal.get());
        // infrastructure was not given: SKIPPED with the reason, which does not make the verdict incomplete
        assertEquals("SKIPPED", row(r, "infrastructure-in-region", "eu-central").status());
        assertEquals("no synthesized infrastructure was given", row(r, "infrastructure-in-region", "eu-central").summary());
        for (String region : REGIONS) {
            for (String check : List.of("storage-home-only", "decision-chain", "ledger-matches-decisions", "transferred-cells-policy",
                    "cassandra-in-region")) {
                assertEquals("PASS", row(r, check, region).status(), check + " " + region + ": " + row(r, check, region).summary());
            }
        }
        assertEquals(6, row(r, "decision-chain", "eu-central").checked());
        assertEquals(50, row(r, "storage-home-only", "eu-central").checked());
        // the matrix: eu-central -> us-east 1 allow + 1 deny (+ operational allow), received once
        AuditReport.Transfer euUs = r.transfers().stream().filter(t -> t.from().equals("eu-central") && t.to().equals("us-east")).findFirst().orElseThrow();
        assertEquals(2, euUs.allow());
        assertEquals(1, euUs.deny());
        assertEquals(1, euUs.receivedInLedger());
        AuditReport.Transfer euZa = r.transfers().stream().filter(t -> t.from().equals("eu-central") && t.to().equals("af-south")).findFirst().orElseThrow();
        assertEquals(1, euZa.partial());
        assertEquals(2, euZa.suppressedCells());
        AuditReport.Transfer direct = r.transfers().stream().filter(t -> t.from().equals("eu-central") && t.to().equals("US")).findFirst().orElseThrow();
        assertEquals(1, direct.allow());
        // reconciliation: 6 releases, 3 received, 3 explained, each explanation counted
        assertEquals(6, r.ledger().releases());
        assertEquals(3, r.ledger().received());
        assertEquals(Map.of("SAME_JURISDICTION", 1L, "DIRECT_CALLER", 1L, "NOT_LEDGERED_CATEGORY", 1L), r.ledger().explained());
        assertEquals(0, r.ledger().unexplained());
        assertEquals(4, r.ledger().entries());
        assertEquals(4, r.ledger().matched());
        assertEquals(1, r.policyRevisions().size());
        assertEquals(List.of("eu-central", "us-east"), r.policyRevisions().get(0).regions());
        assertEquals(10, ((Number) r.policyRevisions().get(0).summary().get("defaultK")).intValue());
        r.regions().forEach(s -> assertEquals("PASS", s.status()));
        // the JSON reads back to the same report
        assertEquals(r, AuditReport.fromJson(r.toJson()));
    }

    @Test
    void storedDataOfAnotherRegionsDevice_andOfAnUnknownDevice_areViolations_andARawIdIsNeverRepeated() throws Exception {
        ArrayNode f = (ArrayNode) stub.storage.get("eu-central").get("findings");
        f.addObject().put("source", "cassandra:telemetry").put("tenant", "lampco").put("deviceRef", "0123456789abcdef")
                .put("assignedRegion", "us-east").put("count", 3).put("evidence", "telemetry partitions (tenant, device, day) for days 2026-11-24");
        f.addObject().put("source", "s3:archive").put("tenant", "lampco").put("deviceRef", "lamp-0042").putNull("assignedRegion").put("count", 1);
        AuditReport r = audit();
        assertEquals("FAIL", r.verdict());
        assertEquals("FAIL", row(r, "storage-home-only", "eu-central").status());
        List<AuditReport.Finding> storage = findings(r, "storage-home-only");
        assertEquals(2, storage.size(), r.toJson());
        assertEquals("VIOLATION", storage.get(0).severity());
        assertEquals("0123456789abcdef", storage.get(0).evidence().get("deviceRef"));
        assertTrue(storage.get(0).control().contains("Art. 44"));
        assertTrue(storage.get(1).title().contains("does not know"));
        assertFalse(r.toJson().contains("lamp-0042"), "a raw device id must never reach the report");
        assertEquals("FAIL", r.regions().get(0).status());
        assertEquals("PASS", r.regions().get(1).status());
    }

    @Test
    void aKeyspaceReplicatingOutsideTheRegion_isAViolationOfCheck5() throws Exception {
        ObjectNode ks = (ObjectNode) stub.storage.get("us-east").get("keyspaces").get(0);
        ks.put("inRegion", false).put("reason", "NetworkTopologyStrategy replicates to dc-eu, not this region's");
        ((ArrayNode) ks.get("dataCenters")).add("dc-eu");
        AuditReport r = audit();
        assertEquals("FAIL", row(r, "cassandra-in-region", "us-east").status());
        List<AuditReport.Finding> f = findings(r, "cassandra-in-region");
        assertEquals(1, f.size());
        assertEquals("meridian_raw", f.get(0).evidence().get("keyspace"));
        assertEquals(List.of("datacenter1", "dc-eu"), f.get(0).evidence().get("dataCenters"));
        assertEquals("FAIL", r.verdict());
    }

    @Test
    void anEditedRecord_isCaughtByTheAudit_whenTheRegionsVerifyLies() throws Exception {
        List<DecisionRecord> log = stub.logs.get("eu-central");
        DecisionRecord second = log.get(1);
        // an edited row: the payload hash changed, the stored hash kept
        log.set(1, new DecisionRecord(1, second.sequence(), second.decisionId(), second.time(), second.requester(), second.tenantId(),
                second.sourceRegion(), second.destinationJurisdiction(), second.destinationRegion(), second.categories(), second.policyRevision(),
                second.tenantPolicyFingerprint(), second.outcome(), second.ruleIds(), second.suppressedCounts(), 30, second.payloadHash(),
                second.previousHash(), second.hash()));
        AuditReport r = audit();
        assertEquals("FAIL", r.verdict());
        assertEquals("FAIL", row(r, "decision-chain", "eu-central").status());
        List<AuditReport.Finding> f = findings(r, "decision-chain");
        assertEquals(1, f.size(), r.toJson());
        assertEquals(2L, ((Number) f.get(0).evidence().get("sequence")).longValue());
        assertEquals("HASH_MISMATCH", f.get(0).evidence().get("kind"));
        assertEquals(second.hash(), f.get(0).evidence().get("storedHash"));
        assertTrue(f.get(0).title().contains("although the region's verify reports it intact"), f.get(0).title());
    }

    @Test
    void aDeletedRecord_isASequenceGap_andTheRegionsOwnBreakIsReportedToo() throws Exception {
        List<DecisionRecord> log = stub.logs.get("eu-central");
        DecisionRecord removed = log.remove(2);
        ObjectNode verify = StubFederation.JSON.createObjectNode().put("region", "eu-central").put("intact", false).put("recordsChecked", 2);
        verify.putObject("head").put("sequence", log.get(log.size() - 1).sequence()).put("hash", log.get(log.size() - 1).hash());
        verify.putObject("lastGood").put("sequence", 2).put("hash", log.get(1).hash());
        verify.putObject("firstBreak").put("sequence", removed.sequence()).put("kind", "SEQUENCE_GAP").put("detail", "record 3 is missing");
        stub.verifyAnswers.put("eu-central", verify);
        AuditReport r = audit();
        List<AuditReport.Finding> f = findings(r, "decision-chain");
        // both saw the same break: reported once, by the region, naming the first broken record
        assertEquals(1, f.size(), r.toJson());
        assertEquals(3L, ((Number) f.get(0).evidence().get("sequence")).longValue());
        assertEquals("SEQUENCE_GAP", f.get(0).evidence().get("kind"));
        assertTrue(f.get(0).title().startsWith("decision log chain broken at sequence 3"));
        assertEquals("FAIL", r.verdict());
    }

    @Test
    void ledgerEntries_thatMatchNoRelease_areViolations_eachNamingWhatIsWrong() throws Exception {
        // a forged entry naming no decision, one with another payload hash, one for a denied decision, one whose destination
        // is not the gateway's jurisdiction, and an export to a jurisdiction the source never decided for
        ObjectNode forged = stub.receive("us-east", "US", "EU", euToUs, "RECEIVED");
        forged.put("sourceDecisionId", java.util.UUID.randomUUID().toString());
        ObjectNode otherHash = stub.receive("us-east", "US", "EU", euToUs, "RECEIVED");
        otherHash.put("payloadHash", StubFederation.sha("other"));
        DecisionRecord denied = stub.logs.get("eu-central").get(2);
        stub.receive("us-east", "US", "EU", denied, "RECEIVED").put("payloadHash", euToUs.payloadHash().get());
        stub.receive("af-south", "ZA", "EU", euToUs, "RECEIVED");
        stub.receive("us-east", "US", "EU", euToUs, "EXPORTED").put("destination", "ZA");
        AuditReport r = audit();
        List<AuditReport.Finding> f = findings(r, "ledger-matches-decisions");
        assertEquals(5, f.size(), r.toJson());
        f.forEach(x -> assertEquals("VIOLATION", x.severity()));
        assertEquals(List.of("NO_SUCH_DECISION"), problems(f, "us-east", 2));
        assertEquals(List.of("PAYLOAD_HASH_MISMATCH"), problems(f, "us-east", 3));
        assertTrue(problems(f, "us-east", 4).contains("DECISION_IS_DENY"), f.toString());
        assertEquals(List.of("DECIDED_FOR_ANOTHER_REGION", "DESTINATION_NOT_THE_GATEWAYS_JURISDICTION"), problems(f, "af-south", 2));
        assertEquals(List.of("EXPORTED_TO_A_JURISDICTION_NOT_DECIDED"), problems(f, "us-east", 5));
        assertEquals("FAIL", row(r, "ledger-matches-decisions", "us-east").status());
        assertEquals("FAIL", r.verdict());
    }

    @SuppressWarnings("unchecked")
    private static List<String> problems(List<AuditReport.Finding> f, String gateway, long sequence) {
        return f.stream().filter(x -> gateway.equals(x.evidence().get("gateway")) && ((Number) x.evidence().get("ledgerSequence")).longValue() == sequence)
                .map(x -> (List<String>) x.evidence().get("problems")).findFirst().orElseThrow(() -> new AssertionError("no finding for " + gateway + " " + sequence));
    }

    @Test
    void aReleaseDecidedForAGatewaysExportSink_mustBeInThatGatewaysLedger_asExportedThere() throws Exception {
        // EU cells that the us-east gateway exports on to a ZA sink: decided for ZA, with no destination region
        DecisionRecord exported = stub.decide("eu-central", "lampco", DataCategory.AGGREGATE, Outcome.ALLOW, "ZA", null, "client:gateway-us-east", 2,
                Map.of(), StubFederation.T0.plusSeconds(40));
        DecisionRecord lost = stub.decide("eu-central", "lampco", DataCategory.AGGREGATE, Outcome.ALLOW, "ZA", null, "client:gateway-us-east", 2,
                Map.of(), StubFederation.T0.plusSeconds(41));
        stub.cleanReleases("eu-central");
        stub.receive("us-east", "US", "EU", exported, "EXPORTED").put("destination", "ZA");
        // the same kind of release claimed by another gateway's ledger
        stub.receive("af-south", "ZA", "EU", exported, "EXPORTED").put("destination", "ZA");
        AuditReport r = audit();
        List<AuditReport.Finding> f = findings(r, "ledger-matches-decisions");
        assertEquals(List.of("DECIDED_FOR_ANOTHER_REGION"), problems(f, "af-south", 2), f.toString());
        // the release that no ledger holds is not explained away as a direct caller's: the us-east gateway asked
        AuditReport.Finding unexplained = f.stream().filter(x -> lost.decisionId().toString().equals(x.evidence().get("decisionId"))).findFirst()
                .orElseThrow(() -> new AssertionError("the unledgered export release is not reported: " + f));
        assertEquals("WARNING", unexplained.severity());
        assertEquals(2, f.size(), f.toString());
    }

    @Test
    void aBrokenLedgerChain_isAViolation() throws Exception {
        stub.ledgerVerify.put("us-east", StubFederation.JSON.createObjectNode().put("intact", false).put("entriesChecked", 1).put("lastGood", 0)
                .set("firstBreak", StubFederation.JSON.createObjectNode().put("sequence", 1).put("kind", "HASH_MISMATCH").put("detail", "edited")));
        AuditReport r = audit();
        List<AuditReport.Finding> f = findings(r, "ledger-matches-decisions");
        assertEquals(1, f.size(), r.toJson());
        assertEquals("us-east", f.get(0).region());
        assertEquals("HASH_MISMATCH", f.get(0).evidence().get("kind"));
        assertEquals("FAIL", r.verdict());
    }

    @Test
    void aReleaseNoLedgerReceived_isAWarning_andDoesNotFailTheAudit() throws Exception {
        DecisionRecord lost = stub.aggregate("af-south", "us-east", "US", Outcome.ALLOW, 2);
        stub.cleanReleases("af-south");
        AuditReport r = audit();
        List<AuditReport.Finding> f = findings(r, "ledger-matches-decisions");
        assertEquals(1, f.size(), r.toJson());
        assertEquals("WARNING", f.get(0).severity());
        assertEquals(lost.decisionId().toString(), f.get(0).evidence().get("decisionId"));
        assertEquals(1, r.ledger().unexplained());
        assertEquals("PASS", r.verdict());
    }

    @Test
    void rawDataReleasedAcrossABorder_isAViolation() throws Exception {
        stub.decide("af-south", "lampco", DataCategory.TELEMETRY, Outcome.ALLOW, "EU", "eu-central", "client:gateway-eu-central", 0, Map.of(),
                StubFederation.T0.plusSeconds(40));
        AuditReport r = audit();
        List<AuditReport.Finding> f = findings(r, "ledger-matches-decisions").stream().filter(x -> x.severity().equals("VIOLATION")).toList();
        assertEquals(1, f.size(), r.toJson());
        assertTrue(f.get(0).title().startsWith("raw TELEMETRY released to eu-central"));
        assertEquals("FAIL", r.verdict());
    }

    @Test
    void releasesTheRegionRejects_areFindings_perStatus() throws Exception {
        ArrayNode rel = stub.releases.get("eu-central");
        ((ObjectNode) rel.get(0)).put("status", "HASH_MISMATCH");
        ObjectNode second = (ObjectNode) rel.get(1);
        ((ArrayNode) second.get("violations")).addObject().put("cellRef", "fedcba9876543210").put("rule", "A4")
                .put("detail", "3 distinct devices, below k = 10");
        ((ObjectNode) second.get("aggregates")).put("missing", 1);
        ((ObjectNode) rel.get(2)).put("status", "NO_RELEASE_RECORD");
        // and us-east leaves its only release out of its answer
        stub.releases.put("us-east", StubFederation.JSON.createArrayNode());
        AuditReport r = audit();
        List<AuditReport.Finding> f = findings(r, "transferred-cells-policy");
        assertEquals(5, f.size(), r.toJson());
        assertTrue(f.stream().anyMatch(x -> x.severity().equals("VIOLATION") && x.title().contains("does not hash")));
        AuditReport.Finding cells = f.stream().filter(x -> x.title().contains("break the policy in force (A4)")).findFirst().orElseThrow();
        assertEquals("VIOLATION", cells.severity());
        assertTrue(cells.evidence().get("cells").toString().contains("fedcba9876543210"));
        assertTrue(f.stream().anyMatch(x -> x.severity().equals("VIOLATION") && x.title().contains("no stored aggregate")));
        assertTrue(f.stream().anyMatch(x -> x.severity().equals("WARNING") && x.title().contains("no stored release record")));
        AuditReport.Finding left = f.stream().filter(x -> x.region().equals("us-east")).findFirst().orElseThrow();
        assertEquals("WARNING", left.severity());
        assertEquals(usToEu.decisionId().toString(), left.evidence().get("decisionId"));
        assertEquals("FAIL", row(r, "transferred-cells-policy", "eu-central").status());
        assertEquals("FAIL", r.verdict());
    }

    @Test
    void aReleasedCellWhoseLabelValueIsADeviceId_isAnA9Finding_withTheDevicesReferenceAsEvidence() throws Exception {
        ObjectNode second = (ObjectNode) stub.releases.get("eu-central").get(1);
        ((ArrayNode) second.get("violations")).addObject().put("cellRef", "0011223344556677").put("rule", "A9")
                .put("detail", "the value of label batch is the id of a device of the tenant registered in this region (deviceRef 89abcdef01234567)")
                .put("deviceRef", "89abcdef01234567");
        AuditReport r = audit();
        AuditReport.Finding cells = findings(r, "transferred-cells-policy").stream()
                .filter(x -> x.title().contains("break the policy in force (A9)")).findFirst().orElseThrow(() -> new AssertionError(r.toJson()));
        assertEquals("VIOLATION", cells.severity());
        String evidence = cells.evidence().get("cells").toString();
        assertTrue(evidence.contains("deviceRef=89abcdef01234567"), evidence);
        assertEquals("FAIL", r.verdict());
    }

    @Test
    void aRegionThatIsDown_makesItsChecksError_andTheVerdictIncomplete() throws Exception {
        stub.failing.put("/r/af-south/", 503);
        AuditReport r = audit();
        for (String check : List.of("storage-home-only", "decision-chain", "ledger-matches-decisions", "transferred-cells-policy", "cassandra-in-region")) {
            AuditReport.Check c = row(r, check, "af-south");
            assertEquals("ERROR", c.status(), check);
        }
        assertTrue(row(r, "decision-chain", "af-south").summary().contains("region af-south answered 503"), row(r, "decision-chain", "af-south").summary());
        assertEquals("INCOMPLETE", r.verdict());
        assertEquals("INCOMPLETE", r.regions().get(1).status());
        assertEquals("PASS", r.regions().get(0).status());
    }

    @Test
    void aGatewayThatIsDown_leavesReleasesToItUnjudged_andTheVerdictIncomplete() throws Exception {
        stub.failing.put("/g/us-east/", 503);
        AuditReport r = audit();
        assertEquals("ERROR", row(r, "ledger-matches-decisions", "us-east").status());
        // eu-central released to us-east; that cannot be judged without us-east's ledger
        assertEquals("ERROR", row(r, "ledger-matches-decisions", "eu-central").status(), row(r, "ledger-matches-decisions", "eu-central").summary());
        assertEquals(List.of(), r.findings());
        assertEquals("INCOMPLETE", r.verdict());
    }

    @Test
    void aRefusedToken_isRenewedOnce() throws Exception {
        stub.requiredToken = "fresh";
        List<String> rejected = new ArrayList<>();
        AtomicInteger issued = new AtomicInteger();
        BearerToken token = new BearerToken() {
            volatile String current = "stale";

            @Override
            public String get() {
                issued.incrementAndGet();
                return current;
            }

            @Override
            public void rejected(String t) {
                rejected.add(t);
                current = "fresh";
            }
        };
        Map<String, URI> apis = Map.of("eu-central", stub.dataApi("eu-central"));
        AuditTargets targets = AuditTargets.of(CONFIGS, apis, Map.of(), Optional.empty(), "none");
        AuditReport r = new AuditEngine(targets, token, AuditEngine.httpClient(), Clock.systemUTC())
                .run(new AuditScope(List.of("eu-central"), Optional.empty(), Optional.empty()), AuditProgress.NONE);
        assertTrue(rejected.contains("stale"));
        assertEquals("PASS", row(r, "decision-chain", "eu-central").status(), r.toJson());
    }

    @Test
    void aTimeRange_limitsTheMatrixAndTheReconciliation_butNotTheChain() throws Exception {
        Map<String, URI> apis = new LinkedHashMap<>();
        Map<String, URI> gateways = new LinkedHashMap<>();
        for (String r : REGIONS) {
            apis.put(r, stub.dataApi(r));
            gateways.put(r, stub.gateway(r));
        }
        AuditTargets targets = AuditTargets.of(CONFIGS, apis, gateways, Optional.empty(), "none");
        AuditReport r = new AuditEngine(targets, BearerToken.fixed("t"), AuditEngine.httpClient(), Clock.systemUTC())
                .run(new AuditScope(REGIONS, Optional.of(StubFederation.T0.plusSeconds(30)), Optional.of(StubFederation.T0.plusSeconds(32))),
                        AuditProgress.NONE);
        assertEquals(2, r.ledger().releases(), r.toJson());
        assertEquals(6, row(r, "decision-chain", "eu-central").checked());
        assertEquals(StubFederation.T0.plusSeconds(30).toString(), r.scope().from());
        assertEquals(2, r.transfers().stream().mapToLong(t -> t.allow() + t.partial() + t.deny()).sum());
    }
}
