package io.meridian.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.policy.model.DataCategory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Check 3: ledgers match decisions. Every RECEIVED or EXPORTED entry of every gateway's ledger must name an ALLOW or
 * PARTIAL decision of its source region with the same payload hash, tenant and sequence, for a destination that fits
 * the gateway (its jurisdiction, its region). Every release of an audited region must be received by some ledger or be
 * explained; the explanations are counted. Each ledger's own verification is judged too.
 */
final class LedgerCheck {

    /** Explanations of a release no ledger received. */
    static final String SAME_JURISDICTION = "SAME_JURISDICTION";
    static final String DIRECT_CALLER = "DIRECT_CALLER";
    static final String NOT_LEDGERED_CATEGORY = "NOT_LEDGERED_CATEGORY";
    static final String GATEWAY_NOT_AUDITED = "GATEWAY_NOT_AUDITED";

    /** More unexplained releases of one region than this are summed up in one finding, not listed one by one. */
    static final int MAX_LISTED = 100;

    /** The rows, the reconciliation and, per decision id, how many RECEIVED entries matched it (for the matrix). */
    record Result(List<CheckRow> rows, AuditReport.Reconciliation reconciliation, Map<UUID, Integer> receipts) {
    }

    private LedgerCheck() {
    }

    /**
     * @param decisions region -&gt; its decisions, for every audited region whose log could be read
     * @param logErrors region -&gt; why its log could not be read
     * @param ledgers   every gateway's ledger as read
     */
    static Result run(AuditScope scope, AuditTargets targets, Map<String, List<LoggedDecision>> decisions, Map<String, String> logErrors,
            List<LedgerReader.Ledger> ledgers, Findings findings) {
        Map<String, Map<UUID, LoggedDecision>> byId = new HashMap<>();
        decisions.forEach((region, list) -> {
            Map<UUID, LoggedDecision> m = new HashMap<>(list.size() * 2);
            list.forEach(d -> m.put(d.decisionId(), d));
            byId.put(region, m);
        });
        Map<String, Integer> violations = new HashMap<>();
        Map<String, Long> entriesPerGateway = new HashMap<>();
        Map<String, String> ledgerErrors = new TreeMap<>();
        Set<UUID> received = new HashSet<>();
        Map<UUID, Integer> receipts = new HashMap<>();
        long entries = 0;
        long matched = 0;

        for (LedgerReader.Ledger ledger : ledgers) {
            String gw = ledger.gateway();
            if (ledger.error().isPresent()) {
                ledgerErrors.put(gw, ledger.error().get());
                continue;
            }
            String gwJurisdiction = targets.region(gw).jurisdiction().code();
            JsonNode v = ledger.verification().orElseThrow();
            if (!v.path("intact").asBoolean(false)) {
                JsonNode b = v.path("firstBreak");
                Map<String, Object> evidence = new LinkedHashMap<>();
                evidence.put("gateway", gw);
                evidence.put("sequence", b.path("sequence").asLong());
                evidence.put("kind", b.path("kind").asText("UNKNOWN"));
                evidence.put("lastGoodSequence", v.path("lastGood").asLong());
                findings.add(Findings.Check.LEDGER, Findings.VIOLATION, gw, "transfer ledger of the gateway of " + gw + " broken at entry "
                        + b.path("sequence").asLong() + " (" + evidence.get("kind") + ")", evidence, Controls.CHAIN);
                violations.merge(gw, 1, Integer::sum);
            }
            for (LedgerEntry e : ledger.entries()) {
                if (!scope.covers(e.at())) {
                    continue;
                }
                entries++;
                entriesPerGateway.merge(gw, 1L, Long::sum);
                if (!scope.regions().contains(e.sourceRegion()) || !byId.containsKey(e.sourceRegion())) {
                    // a source outside the audit, or one whose log could not be read (that region's row is ERROR)
                    continue;
                }
                LoggedDecision d;
                try {
                    d = byId.get(e.sourceRegion()).get(UUID.fromString(e.sourceDecisionId()));
                } catch (IllegalArgumentException ex) {
                    d = null;
                }
                List<String> problems = problems(e, d, gw, gwJurisdiction);
                if (problems.isEmpty()) {
                    matched++;
                    received.add(d.decisionId());
                    if (e.kind().equals("RECEIVED")) {
                        receipts.merge(d.decisionId(), 1, Integer::sum);
                    }
                    continue;
                }
                Map<String, Object> evidence = new LinkedHashMap<>();
                evidence.put("gateway", gw);
                evidence.put("ledgerSequence", e.sequence());
                evidence.put("ledgerHash", e.hash());
                evidence.put("kind", e.kind());
                evidence.put("sourceRegion", e.sourceRegion());
                evidence.put("sourceDecisionId", e.sourceDecisionId());
                evidence.put("sourceDecisionSequence", e.sourceDecisionSequence());
                evidence.put("payloadHash", e.payloadHash());
                if (d != null) {
                    evidence.put("decisionSequence", d.sequence());
                    evidence.put("decisionOutcome", d.outcome());
                    evidence.put("decisionPayloadHash", d.payloadHash());
                    evidence.put("decisionDestination", d.destinationKey());
                }
                evidence.put("problems", problems);
                findings.add(Findings.Check.LEDGER, Findings.VIOLATION, gw, d == null
                        ? "ledger entry " + e.sequence() + " of the gateway of " + gw + " names no decision of " + e.sourceRegion()
                        : "ledger entry " + e.sequence() + " of the gateway of " + gw + " does not match decision " + d.sequence() + " of "
                                + e.sourceRegion(), evidence, Controls.LEDGER_MATCH);
                violations.merge(gw, 1, Integer::sum);
            }
        }

        // every release of an audited region: received somewhere, or explained
        Map<String, Long> explained = new TreeMap<>();
        Map<String, long[]> perRegion = new HashMap<>(); // releases, received, explained, unexplained
        long releases = 0;
        long receivedCount = 0;
        long unexplained = 0;
        for (String region : scope.regions()) {
            List<LoggedDecision> list = decisions.get(region);
            if (list == null) {
                continue;
            }
            String sourceJurisdiction = targets.region(region).jurisdiction().code();
            long[] counts = perRegion.computeIfAbsent(region, r -> new long[5]);
            int listed = 0;
            long notListed = 0;
            for (LoggedDecision d : list) {
                if (!d.released() || !scope.covers(d.time())) {
                    continue;
                }
                releases++;
                counts[0]++;
                boolean raw = isRaw(d.category());
                if (raw && (!d.destinationJurisdiction().equals(sourceJurisdiction)
                        || d.destinationRegion() != null && !d.destinationRegion().equals(region))) {
                    Map<String, Object> evidence = new LinkedHashMap<>();
                    evidence.put("decisionId", d.decisionId().toString());
                    evidence.put("sequence", d.sequence());
                    evidence.put("category", d.category());
                    evidence.put("outcome", d.outcome());
                    evidence.put("destination", d.destinationKey());
                    findings.add(Findings.Check.LEDGER, Findings.VIOLATION, region, "raw " + d.category() + " released to "
                            + d.destinationKey() + " by decision " + d.sequence(), evidence, Controls.TRANSFERS);
                    violations.merge(region, 1, Integer::sum);
                }
                if (received.contains(d.decisionId())) {
                    receivedCount++;
                    counts[1]++;
                    continue;
                }
                String why = explanation(d, raw, sourceJurisdiction, targets);
                if (why != null) {
                    explained.merge(why, 1L, Long::sum);
                    counts[2]++;
                    continue;
                }
                if (d.ledgerRegion() != null && ledgerErrors.containsKey(d.ledgerRegion())) {
                    // cannot be judged: that gateway's ledger could not be read, which makes the row ERROR
                    counts[4]++;
                    continue;
                }
                unexplained++;
                counts[3]++;
                if (listed < MAX_LISTED) {
                    listed++;
                    Map<String, Object> evidence = new LinkedHashMap<>();
                    evidence.put("decisionId", d.decisionId().toString());
                    evidence.put("sequence", d.sequence());
                    evidence.put("outcome", d.outcome());
                    evidence.put("destination", d.destinationKey());
                    evidence.put("releasedCells", d.releasedCells());
                    if (d.payloadHash() != null) {
                        evidence.put("payloadHash", d.payloadHash());
                    }
                    findings.add(Findings.Check.LEDGER, Findings.WARNING, region, "release " + d.sequence() + " of " + region + " to "
                            + d.destinationKey() + " is in no ledger and not explained", evidence, Controls.ACCOUNTABILITY);
                } else {
                    notListed++;
                }
            }
            if (notListed > 0) {
                findings.add(Findings.Check.LEDGER, Findings.WARNING, region, notListed + " more releases of " + region
                        + " are in no ledger and not explained", Map.of("count", notListed), Controls.ACCOUNTABILITY);
            }
        }

        List<CheckRow> rows = new ArrayList<>();
        for (String region : scope.regions()) {
            if (logErrors.containsKey(region)) {
                rows.add(CheckRow.error(Findings.Check.LEDGER, region, "the decision log cannot be read: " + logErrors.get(region)));
                continue;
            }
            if (ledgerErrors.containsKey(region)) {
                rows.add(CheckRow.error(Findings.Check.LEDGER, region, "the gateway's ledger cannot be read: " + ledgerErrors.get(region)));
                continue;
            }
            long[] c = perRegion.getOrDefault(region, new long[5]);
            long gwEntries = entriesPerGateway.getOrDefault(region, 0L);
            String summary = (targets.gateways().containsKey(region) ? gwEntries + " entries of its gateway's ledger read; " : "no gateway ledger read; ")
                    + c[0] + " releases: " + c[1] + " received, " + c[2] + " explained, " + c[3] + " unexplained"
                    + (c[4] == 0 ? "" : "; " + c[4] + " not judged because these ledgers cannot be read: " + ledgerErrors);
            String status;
            if (violations.getOrDefault(region, 0) > 0) {
                status = CheckRow.FAIL;
            } else if (c[4] > 0) {
                status = CheckRow.ERROR;
            } else {
                status = CheckRow.PASS;
            }
            rows.add(new CheckRow(Findings.Check.LEDGER, region, status, gwEntries + c[0], summary));
        }
        // a gateway outside the audited regions whose ledger is broken still fails the audit, through its finding
        return new Result(rows, new AuditReport.Reconciliation(ledgers.stream().map(LedgerReader.Ledger::gateway).sorted().toList(), entries,
                matched, releases, receivedCount, explained, unexplained), receipts);
    }

    static boolean isRaw(String category) {
        try {
            return DataCategory.valueOf(category).isRaw();
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    /** Why a release needs no ledger entry, or null. */
    private static String explanation(LoggedDecision d, boolean raw, String sourceJurisdiction, AuditTargets targets) {
        if (!raw && !d.category().equals(DataCategory.AGGREGATE.name())) {
            return NOT_LEDGERED_CATEGORY;
        }
        if (d.destinationJurisdiction().equals(sourceJurisdiction)) {
            return SAME_JURISDICTION;
        }
        if (!d.byGateway() || d.ledgerRegion() == null) {
            return DIRECT_CALLER;
        }
        if (!targets.gateways().containsKey(d.ledgerRegion())) {
            return GATEWAY_NOT_AUDITED;
        }
        return null;
    }

    /** What is wrong with an entry against its decision (null: none found); empty when they match. */
    static List<String> problems(LedgerEntry e, LoggedDecision d, String gateway, String gatewayJurisdiction) {
        List<String> p = new ArrayList<>();
        if (d == null) {
            p.add("NO_SUCH_DECISION");
            return p;
        }
        if (!d.released()) {
            p.add("DECISION_IS_" + d.outcome());
        }
        if (d.payloadHash() == null || !d.payloadHash().equals(e.payloadHash())) {
            p.add("PAYLOAD_HASH_MISMATCH");
        }
        if (d.sequence() != e.sourceDecisionSequence()) {
            p.add("SEQUENCE_MISMATCH");
        }
        if (!d.tenant().equals(e.tenant())) {
            p.add("TENANT_MISMATCH");
        }
        if (d.ledgerRegion() != null && !d.ledgerRegion().equals(gateway)) {
            p.add("DECIDED_FOR_ANOTHER_REGION");
        }
        if (e.kind().equals("RECEIVED")) {
            if (!e.destination().equals(gatewayJurisdiction) || !d.destinationJurisdiction().equals(gatewayJurisdiction)) {
                p.add("DESTINATION_NOT_THE_GATEWAYS_JURISDICTION");
            }
        } else if (e.kind().equals("EXPORTED")) {
            if (!e.destination().equals(d.destinationJurisdiction())) {
                p.add("EXPORTED_TO_A_JURISDICTION_NOT_DECIDED");
            }
        } else {
            p.add("UNKNOWN_ENTRY_KIND");
        }
        return p;
    }
}
