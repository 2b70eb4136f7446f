package io.meridian.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of one audit, in the shape of {@code audit-report.json} (docs/audit-contract.md, format {@value #FORMAT}).
 * Every evidence value is a record key, a count or a hash, never a payload value or a raw device id. Times are ISO-8601
 * instants as text, so that the JSON is the same whatever reads it.
 *
 * @param format          {@value #FORMAT}
 * @param runId           the run's id (a UUID)
 * @param startedAt       when the run started
 * @param finishedAt      when it finished
 * @param scope           the regions and the time range audited
 * @param verdict         {@code PASS}, {@code FAIL} (any violation) or {@code INCOMPLETE} (no violation, but a check could
 *                        not run)
 * @param checks          one row per check and region (the global infrastructure stack has region {@code global})
 * @param findings        every finding, numbered {@code F-0001}...
 * @param transfers       the from-&gt;to matrix of the decision logs, with the ledgers' receipts
 * @param policyRevisions the policy revisions in force in the audited releases
 * @param regions         each audited region's status
 * @param ledger          how the ledgers and the releases were reconciled (check 3), with the explanations counted
 */
@JsonPropertyOrder({"format", "runId", "startedAt", "finishedAt", "scope", "verdict", "checks", "findings", "transfers",
        "policyRevisions", "regions", "ledger"})
public record AuditReport(int format, String runId, String startedAt, String finishedAt, Scope scope, String verdict,
        List<Check> checks, List<Finding> findings, List<Transfer> transfers, List<PolicyRevision> policyRevisions,
        List<RegionStatus> regions, Reconciliation ledger) {

    /** The report format this class writes. */
    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public AuditReport {
        Objects.requireNonNull(runId, "runId must not be null");
        Objects.requireNonNull(scope, "scope must not be null");
        Objects.requireNonNull(verdict, "verdict must not be null");
        checks = List.copyOf(checks);
        findings = List.copyOf(findings);
        transfers = List.copyOf(transfers);
        policyRevisions = List.copyOf(policyRevisions);
        regions = List.copyOf(regions);
        Objects.requireNonNull(ledger, "ledger must not be null");
    }

    /** The audited scope: regions, and the time range ({@code null} ends are open). */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Scope(List<String> regions, String from, String to) {
        public Scope {
            regions = List.copyOf(regions);
        }
    }

    /**
     * One check for one region.
     *
     * @param id      {@code storage-home-only}, {@code decision-chain}, {@code ledger-matches-decisions},
     *                {@code transferred-cells-policy}, {@code cassandra-in-region} or {@code infrastructure-in-region}
     * @param number  1-6
     * @param region  the region, or {@code global} for the global infrastructure stack
     * @param status  {@code PASS}, {@code FAIL}, {@code ERROR} or {@code SKIPPED}
     * @param checked how many items were checked (records, entries, releases, keyspaces, resources)
     * @param summary one sentence; for ERROR and SKIPPED the reason
     */
    @JsonPropertyOrder({"id", "number", "region", "status", "checked", "summary"})
    public record Check(String id, int number, String region, String status, long checked, String summary) {
    }

    /**
     * One finding.
     *
     * @param id       {@code F-0001}...
     * @param check    the check id
     * @param severity {@code VIOLATION}, {@code WARNING} or {@code INFO}
     * @param region   the region the finding is about
     * @param title    one line
     * @param evidence keys, counts and hashes only
     * @param control  the GDPR article or control the finding evidences
     */
    @JsonPropertyOrder({"id", "check", "severity", "region", "title", "evidence", "control"})
    public record Finding(String id, String check, String severity, String region, String title, Map<String, Object> evidence,
            String control) {
    }

    /** One cell of the transfer matrix: decisions of {@code from} for {@code to} (a region, else a jurisdiction code). */
    @JsonPropertyOrder({"from", "to", "allow", "partial", "deny", "suppressedCells", "receivedInLedger"})
    public record Transfer(String from, String to, long allow, long partial, long deny, long suppressedCells, long receivedInLedger) {
    }

    /** A policy revision some audited release was decided under, the regions that used it and when it was first seen. */
    @JsonPropertyOrder({"revision", "regions", "firstSeen", "summary"})
    public record PolicyRevision(String revision, List<String> regions, String firstSeen, Map<String, Object> summary) {
        public PolicyRevision {
            regions = List.copyOf(regions);
        }
    }

    /** An audited region: {@code PASS}, {@code FAIL} or {@code INCOMPLETE}, and its number of findings. */
    @JsonPropertyOrder({"region", "jurisdiction", "status", "findings"})
    public record RegionStatus(String region, String jurisdiction, String status, int findings) {
    }

    /**
     * Check 3's reconciliation in numbers.
     *
     * @param gateways    the gateways whose ledgers were read
     * @param entries     ledger entries read (in the time range)
     * @param matched     entries that matched a release decision at their source
     * @param releases    ALLOW/PARTIAL decisions of the audited regions in the time range
     * @param received    releases some ledger received
     * @param explained   releases no ledger received, by explanation ({@code SAME_JURISDICTION}, {@code DIRECT_CALLER},
     *                    {@code NOT_LEDGERED_CATEGORY}, {@code GATEWAY_NOT_AUDITED})
     * @param unexplained releases neither received nor explained (each is a finding)
     */
    @JsonPropertyOrder({"gateways", "entries", "matched", "releases", "received", "explained", "unexplained"})
    public record Reconciliation(List<String> gateways, long entries, long matched, long releases, long received,
            Map<String, Long> explained, long unexplained) {
        public Reconciliation {
            gateways = List.copyOf(gateways);
            explained = Map.copyOf(explained);
        }
    }

    /** The number of findings of this severity. */
    public long count(String severity) {
        return findings.stream().filter(f -> f.severity().equals(severity)).count();
    }

    /** This report as {@code audit-report.json}. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an audit report must always serialize: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a report written by {@link #toJson()}.
     *
     * @throws IllegalArgumentException when the text is not such a report
     */
    public static AuditReport fromJson(String json) {
        try {
            AuditReport report = JSON.readValue(json, AuditReport.class);
            if (report.format() != FORMAT) {
                throw new IllegalArgumentException("audit report format must be " + FORMAT + ", was " + report.format());
            }
            return report;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("text is not an audit report: " + e.getOriginalMessage(), e);
        }
    }
}
