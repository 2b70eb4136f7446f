package io.meridian.compliance;

import static io.meridian.compliance.SuiteFederation.JSON;
import static io.meridian.compliance.SuiteFederation.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.audit.AuditEngine;
import io.meridian.audit.AuditProgress;
import io.meridian.audit.AuditReport;
import io.meridian.audit.AuditScope;
import io.meridian.audit.AuditTargets;
import io.meridian.audit.BearerToken;
import io.meridian.audit.ReportFiles;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.local.sim.SimDevice;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The audit over the suite's federation: first clean (verdict PASS, no finding at all), then after tampering directly in
 * Cassandra, each tamper detected by the check that owns it and the report rendered in headless Chromium, then everything
 * restored and the audit clean again.
 *
 * <p>This class runs before the suite's other classes (failsafe's alphabetical run order, set in the pom). They call
 * region data APIs directly with gateway credentials, and such a release, which no gateway's ledger received, is rightly
 * a finding of check 3; the clean scenario is the federation as its users use it.
 */
@MeridianServices(cassandra = {"eu-central", "af-south", "us-east"}, kafka = {"eu-central", "af-south", "us-east"}, keycloak = true, s3 = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditIT {

    private static final Path OUT = Path.of("target", "audit");
    private static final String DECISION_LOG = "meridian_egress.decision_log";
    private static final String LEDGER = "meridian_gateway.transfer_ledger";
    private static final String TELEMETRY = "meridian_data.telemetry";
    private static final String CHROMIUM = "/usr/bin/chromium";

    private static SuiteFederation suite;
    /** What puts the tampered rows back, run in order by the last test and, should it not get there, after all. */
    private static final List<Restore> RESTORE = new ArrayList<>();

    interface Restore {
        void run() throws Exception;
    }

    @BeforeAll
    static void federation(Federation federation, KeycloakService keycloak) throws Exception {
        suite = SuiteFederation.get(federation, keycloak);
    }

    @AfterAll
    static void restoreWhatIsLeft() throws Exception {
        restore();
    }

    @Test
    @Order(1)
    void theUntamperedFederation_passes_withNoFinding() throws Exception {
        crossBorderQueries(3);
        AuditReport clean = audit("clean");
        assertEquals(List.of(), clean.findings(), "findings of the clean audit");
        assertEquals("PASS", clean.verdict());
        assertEquals(SuiteFederation.REGIONS.size(), clean.regions().size(), clean.regions().toString());
        for (AuditReport.RegionStatus r : clean.regions()) {
            assertEquals("PASS", r.status(), r.toString());
        }
        for (AuditReport.Check c : clean.checks()) {
            // the suite hands the engine no synthesized infrastructure: check 6 says so instead of passing
            assertEquals(c.number() == 6 ? "SKIPPED" : "PASS", c.status(), c.toString());
            if (c.number() == 1 || c.number() == 2 || (c.number() == 4 && c.region().equals("eu-central"))) {
                // every region stores and decides; only eu-central holds lampco's anonymity fleet, so only its releases carry cells
                assertTrue(c.checked() > 0, "check " + c.number() + " checked nothing in " + c.region() + ": " + c);
            }
        }
        // the lampco queries through us-east: each foreign part is in the matrix and received in us-east's ledger
        AuditReport.Transfer euToUs = transfer(clean, "eu-central", "us-east");
        assertTrue(euToUs.partial() + euToUs.allow() >= 3, euToUs.toString());
        assertTrue(euToUs.receivedInLedger() >= 3, euToUs.toString());
        assertTrue(euToUs.suppressedCells() >= 3, "the rare group is suppressed in every answer: " + euToUs);
        assertFalse(clean.policyRevisions().isEmpty(), "the policy revisions in force are listed");
    }

    @Test
    @Order(2)
    void tamperedLogsLedgerAndStorage_areEachDetected_byTheCheckThatOwnsIt() throws Exception {
        crossBorderQueries(2);
        long euHead = suite.head("eu-central");
        long edited = Math.max(2, euHead / 2);
        assertTrue(suite.head("us-east") >= 3 && suite.head("af-south") >= 3, "every region logged a few decisions");
        SimDevice foreign = suite.fleet.stream().filter(d -> d.region().equals("us-east")).findFirst()
                .orElseThrow(() -> new AssertionError("the fleet has no device in us-east: " + suite.fleet));
        JsonNode ledgerEntry = firstLedgerEntry("us-east");
        String chain = ledgerEntry.get("chain").asText();
        long entry = ledgerEntry.get("sequence").asLong();

        try (CqlSession eu = cql("eu-central"); CqlSession us = cql("us-east"); CqlSession af = cql("af-south")) {
            // eu-central's log: one field of one record edited
            String euRow = rowJson(eu, DECISION_LOG, "region", "eu-central", edited);
            RESTORE.add(() -> withSession("eu-central", s -> s.execute("INSERT INTO " + DECISION_LOG + " JSON ?", euRow)));
            eu.execute("UPDATE " + DECISION_LOG + " SET requester = 'user:someone-else' WHERE region = 'eu-central' AND sequence = ?", edited);
            // us-east's log: one record deleted
            String usRow = rowJson(us, DECISION_LOG, "region", "us-east", 2);
            RESTORE.add(() -> withSession("us-east", s -> s.execute("INSERT INTO " + DECISION_LOG + " JSON ?", usRow)));
            us.execute("DELETE FROM " + DECISION_LOG + " WHERE region = 'us-east' AND sequence = 2");
            // af-south's log: records 1 and 2 swapped
            String first = rowJson(af, DECISION_LOG, "region", "af-south", 1);
            String second = rowJson(af, DECISION_LOG, "region", "af-south", 2);
            RESTORE.add(() -> withSession("af-south", s -> {
                s.execute("INSERT INTO " + DECISION_LOG + " JSON ?", first);
                s.execute("INSERT INTO " + DECISION_LOG + " JSON ?", second);
            }));
            af.execute("INSERT INTO " + DECISION_LOG + " JSON ?", withSequence(second, 1));
            af.execute("INSERT INTO " + DECISION_LOG + " JSON ?", withSequence(first, 2));
            // us-east's gateway ledger: the payload hash of a received aggregate rewritten
            String ledgerRow = rowJson(us, LEDGER, "ledger", chain, entry);
            RESTORE.add(() -> withSession("us-east", s -> s.execute("INSERT INTO " + LEDGER + " JSON ?", ledgerRow)));
            us.execute("UPDATE " + LEDGER + " SET payload_hash = ? WHERE ledger = ? AND sequence = ?", "0".repeat(64), chain, entry);
            // eu-central's raw table: a row of a device the catalog assigns to us-east
            Instant ts = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            LocalDate day = LocalDate.ofInstant(ts, ZoneOffset.UTC);
            RESTORE.add(() -> withSession("eu-central", s -> s.execute("DELETE FROM " + TELEMETRY
                    + " WHERE tenant_id = ? AND device_id = ? AND day = ?", foreign.tenant(), foreign.deviceId(), day)));
            eu.execute("INSERT INTO " + TELEMETRY + " (tenant_id, device_id, day, ts, kafka_partition, kafka_offset, arrived, content_type,"
                    + " payload) VALUES (?, ?, ?, ?, -1, -1, ?, 'application/json', ?)", foreign.tenant(), foreign.deviceId(), day, ts, ts,
                    ByteBuffer.wrap("{\"planted\":1}".getBytes(StandardCharsets.UTF_8)));
        }

        AuditReport tampered = audit("tampered");
        assertEquals("FAIL", tampered.verdict());
        // check 2 names each log's first broken record
        assertChainBreak(tampered, "eu-central", edited, "HASH_MISMATCH");
        assertChainBreak(tampered, "us-east", 2, "SEQUENCE_GAP");
        assertChainBreak(tampered, "af-south", 1, "HASH_MISMATCH");
        // check 3: the ledger's own chain breaks at the entry, and the entry no longer matches its source decision
        List<AuditReport.Finding> ledger = findings(tampered, "ledger-matches-decisions", "VIOLATION");
        assertTrue(ledger.stream().anyMatch(f -> f.title().contains("broken")), "a ledger chain break among " + ledger);
        assertTrue(ledger.size() >= 2, "the break and the mismatch with the source decision: " + ledger);
        // check 1: the planted row, named by device reference only
        String ref = Evidence.deviceRef(foreign.tenant(), foreign.deviceId());
        List<AuditReport.Finding> storage = findings(tampered, "storage-home-only", "VIOLATION");
        assertTrue(storage.stream().anyMatch(f -> f.region().equals("eu-central") && ref.equals(f.evidence().get("deviceRef"))
                && "us-east".equals(f.evidence().get("assignedRegion"))), "the planted row among " + storage);
        // no finding repeats a raw device id or the planted payload
        String json = tampered.toJson();
        assertFalse(json.contains(foreign.deviceId()), "a raw device id in the report");
        assertFalse(json.contains("planted"), "a payload value in the report");
        for (AuditReport.RegionStatus r : tampered.regions()) {
            assertEquals("FAIL", r.status(), r.toString());
        }

        renderedInChromium(OUT.resolve("tampered"), tampered, edited);
    }

    @Test
    @Order(3)
    void restored_theAuditIsCleanAgain() throws Exception {
        restore();
        AuditReport again = audit("restored");
        assertEquals(List.of(), again.findings(), "findings after every tampered row was put back");
        assertEquals("PASS", again.verdict());
    }

    /** The HTML report as a browser shows it: its text, dumped by headless Chromium, and a screenshot kept as an artifact. */
    private static void renderedInChromium(Path dir, AuditReport report, long edited) throws Exception {
        Path html = dir.resolve(ReportFiles.HTML_FILE).toAbsolutePath();
        Path screenshot = dir.resolve("audit-report.png").toAbsolutePath();
        String dom = chromium(List.of("--dump-dom", html.toUri().toString()), dir.resolve("chromium-dom.log"));
        String text = dom.replaceAll("<[^>]+>", " ").replaceAll("\\s+", " ");
        assertTrue(text.contains("FAIL"), "the verdict is shown");
        for (String region : SuiteFederation.REGIONS) {
            assertTrue(text.contains(region), region + " is shown");
        }
        assertTrue(text.contains("decision log chain broken at sequence " + edited), "eu-central's break is shown: " + text);
        AuditReport.Transfer euToUs = transfer(report, "eu-central", "us-east");
        assertTrue(dom.contains(Long.toString(euToUs.partial())), "the matrix count is shown");
        assertTrue(text.contains("Art."), "findings name the article or control they evidence");
        chromium(List.of("--screenshot=" + screenshot, "--window-size=1280,2400", html.toUri().toString()), dir.resolve("chromium-shot.log"));
        assertTrue(Files.size(screenshot) > 10_000, "a screenshot of the report in " + screenshot);
    }

    private static String chromium(List<String> args, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--user-data-dir=" + Files.createTempDirectory("audit-chromium")));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish within 2 minutes: " + cmd);
        assertEquals(0, p.exitValue(), "chromium failed: " + cmd + "\n" + Files.readString(log));
        return new String(out, StandardCharsets.UTF_8);
    }

    private static void assertChainBreak(AuditReport report, String region, long sequence, String kind) {
        List<AuditReport.Finding> chain = findings(report, "decision-chain", "VIOLATION").stream().filter(f -> f.region().equals(region)).toList();
        assertTrue(chain.stream().anyMatch(f -> f.evidence().get("sequence") instanceof Number n && n.longValue() == sequence
                && kind.equals(f.evidence().get("kind"))), region + "'s log broken at " + sequence + " (" + kind + ") among " + chain);
    }

    private static List<AuditReport.Finding> findings(AuditReport report, String check, String severity) {
        return report.findings().stream().filter(f -> f.check().equals(check) && f.severity().equals(severity)).toList();
    }

    private static AuditReport.Transfer transfer(AuditReport report, String from, String to) {
        return report.transfers().stream().filter(t -> t.from().equals(from) && t.to().equals(to)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + from + " -> " + to + " transfers in " + report.transfers()));
    }

    private static AuditReport audit(String name) throws Exception {
        Map<String, URI> dataApis = new LinkedHashMap<>();
        Map<String, URI> gateways = new LinkedHashMap<>();
        for (String r : SuiteFederation.REGIONS) {
            dataApis.put(r, URI.create(suite.dataApi(r)));
            gateways.put(r, URI.create(suite.gatewayApi(r)));
        }
        AuditTargets targets = AuditTargets.of(RegionConfigs.loadDefault(), dataApis, gateways, Optional.empty(),
                "the compliance suite gives the audit no synthesized infrastructure (the terraform module's own tests and"
                        + " residency-audit's InfrastructureCheck tests cover check 6)");
        BearerToken auditor = () -> {
            try {
                return suite.userToken(MeridianRealm.AUDITOR);
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("no auditor token: " + e.getMessage(), e);
            }
        };
        long t0 = System.nanoTime();
        AuditReport report = new AuditEngine(targets, auditor, AuditEngine.httpClient(), Clock.systemUTC())
                .run(new AuditScope(SuiteFederation.REGIONS, Optional.empty(), Optional.empty()), AuditProgress.NONE);
        ReportFiles.write(report, OUT.resolve(name));
        System.out.printf("AuditIT: the %s audit took %.1f s: verdict %s, %d findings%n", name, (System.nanoTime() - t0) / 1e9,
                report.verdict(), report.findings().size());
        return report;
    }

    /** Aggregates of lampco through the us-east gateway, so that every region logs releases that cross a border. */
    private static void crossBorderQueries(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            JsonNode answer = JSON.readTree(ok(suite.send("GET", suite.gatewayApi("us-east") + "/tenants/lampco/aggregates?"
                    + suite.anonQuery("PT1H", "label:model"), suite.userToken(MeridianRealm.LAMP_ANALYST), null)).body());
            // a region the gateway gave up on may still have released its part: no ledger would hold it, and the clean
            // audit would rightly warn; say so here, where it happened
            assertFalse(answer.path("partial").asBoolean(), "the gateway gave up on a region: " + answer.path("unavailableRegions"));
        }
    }

    private static JsonNode firstLedgerEntry(String region) throws Exception {
        JsonNode page = JSON.readTree(ok(suite.send("GET", suite.gatewayApi(region) + "/audit/ledger?from=1&limit=1",
                suite.userToken(MeridianRealm.AUDITOR), null)).body());
        JsonNode items = page.path("entries");
        assertTrue(items.size() == 1, region + "'s gateway ledger is empty: " + page);
        return items.get(0);
    }

    private static CqlSession cql(String region) {
        CassandraService c = suite.federation.cassandra(region);
        return CqlSession.builder().addContactPoint(c.cqlAddress()).withLocalDatacenter(c.localDatacenter()).build();
    }

    interface SessionWork {
        void run(CqlSession s) throws Exception;
    }

    private static void withSession(String region, SessionWork work) throws Exception {
        try (CqlSession s = cql(region)) {
            work.run(s);
        }
    }

    private static void restore() throws Exception {
        while (!RESTORE.isEmpty()) {
            RESTORE.remove(RESTORE.size() - 1).run();
        }
    }

    /** A row as JSON, so that it can be put back exactly. */
    private static String rowJson(CqlSession s, String table, String keyColumn, String key, long sequence) {
        Row row = s.execute("SELECT JSON * FROM " + table + " WHERE " + keyColumn + " = ? AND sequence = ?", key, sequence).one();
        assertTrue(row != null, "no row " + sequence + " of " + key + " in " + table);
        return row.getString(0);
    }

    private static String withSequence(String rowJson, long sequence) throws IOException {
        ObjectNode n = (ObjectNode) JSON.readTree(rowJson);
        n.put("sequence", sequence);
        return n.toString();
    }
}
