package io.meridian.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Check 4: transferred cells satisfied the policy in force. The region re-checks, inside the region, every released
 * aggregate against the stored policy revision, tenant policy and aggregate rows ({@code GET /v1/audit/releases}); this
 * judges its answers, and cross-checks them against the decision log the audit read itself, so that a release the region
 * leaves out is noticed.
 */
final class ReleasesCheck {

    static final int PAGE = 1000;
    static final int MAX_PAGES = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A region's answers: every release, and the policy revisions it names; or why it could not be asked. */
    record Answer(String region, List<JsonNode> releases, List<JsonNode> policyRevisions, String error) {
    }

    private ReleasesCheck() {
    }

    static Answer fetch(AuditHttp http, String region, URI dataApi, AuditScope scope, Duration timeout) throws InterruptedException {
        List<JsonNode> releases = new ArrayList<>();
        List<JsonNode> revisions = new ArrayList<>();
        StringBuilder range = new StringBuilder();
        scope.from().ifPresent(f -> range.append("&from=").append(URLEncoder.encode(f.toString(), StandardCharsets.UTF_8)));
        scope.to().ifPresent(t -> range.append("&to=").append(URLEncoder.encode(t.toString(), StandardCharsets.UTF_8)));
        long from = 1;
        try {
            for (int page = 0; page < MAX_PAGES; page++) {
                JsonNode body = http.get(URI.create(dataApi + "/audit/releases?fromSequence=" + from + "&limit=" + PAGE + range), "region " + region,
                        timeout);
                body.path("releases").forEach(releases::add);
                body.path("policyRevisions").forEach(revisions::add);
                JsonNode next = body.get("next");
                if (next == null || next.isNull()) {
                    break;
                }
                if (next.asLong() <= from) {
                    throw new AuditHttp.CallFailed("region " + region + " answered a releases page whose next (" + next.asLong()
                            + ") does not advance past " + from);
                }
                from = next.asLong();
            }
        } catch (AuditHttp.CallFailed e) {
            return new Answer(region, List.of(), List.of(), e.getMessage());
        }
        return new Answer(region, releases, revisions, null);
    }

    /**
     * Judges one region's answer.
     *
     * @param decisions the region's decisions as the audit read them, or null when its log could not be read
     */
    static CheckRow judge(Answer answer, List<LoggedDecision> decisions, AuditScope scope, Findings findings) {
        String region = answer.region();
        if (answer.error() != null) {
            return CheckRow.error(Findings.Check.RELEASES, region, answer.error());
        }
        int bad = 0;
        long cells = 0;
        long verified = 0;
        long grown = 0;
        long expired = 0;
        Set<String> seen = new HashSet<>();
        for (JsonNode r : answer.releases()) {
            seen.add(r.path("decisionId").asText());
            cells += r.path("releasedCells").asLong();
            String status = r.path("status").asText("");
            Map<String, Object> base = new LinkedHashMap<>();
            base.put("decisionId", r.path("decisionId").asText());
            base.put("sequence", r.path("sequence").asLong());
            base.put("policyRevision", r.path("policyRevision").asText());
            base.put("tenantPolicyFingerprint", r.path("tenantPolicyFingerprint").asText());
            base.put("destination", r.path("destinationRegion").isTextual() ? r.path("destinationRegion").asText()
                    : r.path("destinationJurisdiction").asText());
            switch (status) {
                case "VERIFIED" -> verified++;
                case "HASH_MISMATCH" -> {
                    bad++;
                    findings.add(Findings.Check.RELEASES, Findings.VIOLATION, region, "stored release of decision " + r.path("sequence").asLong()
                            + " of " + region + " does not hash to the decision's payload hash", base, Controls.CHAIN);
                }
                case "NO_RELEASE_RECORD" -> findings.add(Findings.Check.RELEASES, Findings.WARNING, region, "release of decision "
                        + r.path("sequence").asLong() + " of " + region + " has no stored release record to re-check", base, Controls.ACCOUNTABILITY);
                case "POLICY_UNKNOWN" -> findings.add(Findings.Check.RELEASES, Findings.WARNING, region, "release of decision "
                        + r.path("sequence").asLong() + " of " + region + " names a policy revision or tenant policy the region did not store",
                        base, Controls.ACCOUNTABILITY);
                default -> {
                    bad++;
                    Map<String, Object> evidence = new LinkedHashMap<>(base);
                    evidence.put("status", status);
                    findings.add(Findings.Check.RELEASES, Findings.VIOLATION, region, "release of decision " + r.path("sequence").asLong()
                            + " of " + region + " has an unknown re-check status", evidence, Controls.ACCOUNTABILITY);
                }
            }
            JsonNode violations = r.path("violations");
            if (violations.isArray() && !violations.isEmpty()) {
                bad++;
                Map<String, Object> evidence = new LinkedHashMap<>(base);
                List<Map<String, Object>> list = new ArrayList<>();
                Set<String> rules = new java.util.TreeSet<>();
                for (JsonNode v : violations) {
                    Map<String, Object> cell = new LinkedHashMap<>();
                    cell.put("cellRef", v.path("cellRef").asText());
                    cell.put("rule", v.path("rule").asText());
                    cell.put("detail", v.path("detail").asText());
                    if (v.hasNonNull("deviceRef")) {
                        // an A9 cell whose label value is a device id: the region names the device only by its reference
                        cell.put("deviceRef", v.get("deviceRef").asText());
                    }
                    rules.add(v.path("rule").asText());
                    list.add(cell);
                }
                evidence.put("cells", list);
                findings.add(Findings.Check.RELEASES, Findings.VIOLATION, region, "decision " + r.path("sequence").asLong() + " of " + region
                        + " released " + list.size() + " cells that break the policy in force (" + String.join(", ", rules) + ")", evidence,
                        Controls.ANONYMITY);
            }
            JsonNode agg = r.path("aggregates");
            grown += agg.path("grown").asLong();
            expired += agg.path("expired").asLong();
            long missing = agg.path("missing").asLong();
            if (missing > 0) {
                bad++;
                Map<String, Object> evidence = new LinkedHashMap<>(base);
                evidence.put("matched", agg.path("matched").asLong());
                evidence.put("missing", missing);
                findings.add(Findings.Check.RELEASES, Findings.VIOLATION, region, "decision " + r.path("sequence").asLong() + " of " + region
                        + " released " + missing + " cells with no stored aggregate behind them", evidence, Controls.ANONYMITY);
            }
        }
        int unchecked = 0;
        if (decisions != null) {
            for (LoggedDecision d : decisions) {
                if (d.released() && d.category().equals("AGGREGATE") && d.releasedCells() > 0 && scope.covers(d.time())
                        && !seen.contains(d.decisionId().toString())) {
                    unchecked++;
                    Map<String, Object> evidence = new LinkedHashMap<>();
                    evidence.put("decisionId", d.decisionId().toString());
                    evidence.put("sequence", d.sequence());
                    evidence.put("releasedCells", d.releasedCells());
                    if (unchecked <= LedgerCheck.MAX_LISTED) {
                        findings.add(Findings.Check.RELEASES, Findings.WARNING, region, "release " + d.sequence() + " of " + region
                                + " is in the decision log but the region did not re-check it", evidence, Controls.ACCOUNTABILITY);
                    }
                }
            }
        }
        String summary = answer.releases().size() + " releases (" + cells + " cells) re-checked: " + verified + " verified"
                + (grown > 0 ? ", " + grown + " cells grown since" : "") + (expired > 0 ? ", " + expired + " cells past retention" : "")
                + (bad > 0 ? "; " + bad + " releases break the policy in force or their record" : "")
                + (unchecked > 0 ? "; " + unchecked + " releases of the log were not re-checked" : "");
        return new CheckRow(Findings.Check.RELEASES, region, bad > 0 ? CheckRow.FAIL : CheckRow.PASS, answer.releases().size(), summary);
    }

    /** The policy revisions in force, merged over the regions' answers: each with its regions and earliest first use. */
    static List<AuditReport.PolicyRevision> revisions(List<Answer> answers) {
        Map<String, List<String>> regions = new java.util.TreeMap<>();
        Map<String, String> firstSeen = new java.util.HashMap<>();
        Map<String, Map<String, Object>> summaries = new java.util.HashMap<>();
        for (Answer a : answers) {
            for (JsonNode p : a.policyRevisions()) {
                String rev = p.path("revision").asText();
                List<String> rs = regions.computeIfAbsent(rev, k -> new ArrayList<>());
                if (!rs.contains(a.region())) {
                    rs.add(a.region());
                }
                String seen = p.path("firstSeen").asText(null);
                if (seen != null && (firstSeen.get(rev) == null || seen.compareTo(firstSeen.get(rev)) < 0)) {
                    firstSeen.put(rev, seen);
                }
                if (p.path("summary").isObject()) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> s = JSON.convertValue(p.path("summary"), Map.class);
                    summaries.putIfAbsent(rev, s);
                }
            }
        }
        List<AuditReport.PolicyRevision> out = new ArrayList<>();
        regions.forEach((rev, rs) -> out.add(new AuditReport.PolicyRevision(rev, rs.stream().sorted().toList(), firstSeen.get(rev),
                summaries.getOrDefault(rev, Map.of()))));
        return out;
    }
}
