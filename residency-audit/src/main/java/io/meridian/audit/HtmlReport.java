package io.meridian.audit;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The audit report for people: one self-contained HTML page (inline CSS, no script, nothing fetched) with the verdict,
 * each region's status, the findings with their evidence and control, the transfer matrix, the policy revisions in force
 * and the checks. Every text from the report is escaped, whatever a region, a gateway or a file put into it.
 */
public final class HtmlReport {

    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1a1a1a;background:#fff;line-height:1.45}
            h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #1a1a1a}
            table{border-collapse:collapse;margin:.5rem 0;width:100%}caption{text-align:left;font-weight:600;padding:.3rem 0}
            th,td{border:1px solid #767676;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#e8e8e8}
            td.n{text-align:right;font-variant-numeric:tabular-nums}
            .verdict{display:inline-block;padding:.3rem .8rem;font-weight:700;font-size:1.2rem;border:2px solid currentColor}
            .PASS{color:#0b5d1e}.FAIL,.VIOLATION{color:#a10000}.INCOMPLETE,.ERROR,.WARNING{color:#7a4b00}.SKIPPED,.INFO{color:#3d3d3d}
            code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}pre{white-space:pre-wrap;word-break:break-all;margin:0}
            .meta{color:#3d3d3d}
            """;

    private HtmlReport() {
    }

    /** The page for {@code report}. */
    public static String render(AuditReport report) {
        Objects.requireNonNull(report, "report must not be null");
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Meridian residency audit ").append(esc(report.runId())).append(": ").append(esc(report.verdict())).append("</title>\n")
                .append("<style>").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
        h.append("<h1>Meridian residency audit</h1>\n");
        h.append("<p class=\"meta\">Run <code>").append(esc(report.runId())).append("</code>, started ").append(esc(report.startedAt()))
                .append(", finished ").append(esc(report.finishedAt())).append(". Regions: ").append(esc(String.join(", ", report.scope().regions())))
                .append(". Time range: ").append(esc(report.scope().from() == null ? "from the beginning" : "from " + report.scope().from()))
                .append(' ').append(esc(report.scope().to() == null ? "to now" : "to " + report.scope().to())).append(".</p>\n");

        h.append("<section aria-labelledby=\"verdict\">\n<h2 id=\"verdict\">Verdict</h2>\n<p><span class=\"verdict ")
                .append(cls(report.verdict())).append("\">").append(esc(report.verdict())).append("</span> ")
                .append(report.count(Findings.VIOLATION)).append(" violations, ").append(report.count(Findings.WARNING)).append(" warnings, ")
                .append(report.count(Findings.INFO)).append(" notes; ").append(report.checks().size()).append(" checks.</p>\n</section>\n");

        h.append("<section aria-labelledby=\"regions\">\n<h2 id=\"regions\">Regions</h2>\n<table>\n<caption>Status per region</caption>\n")
                .append("<thead><tr><th scope=\"col\">Region</th><th scope=\"col\">Jurisdiction</th><th scope=\"col\">Status</th>")
                .append("<th scope=\"col\">Findings</th></tr></thead>\n<tbody>\n");
        for (AuditReport.RegionStatus r : report.regions()) {
            h.append("<tr><th scope=\"row\">").append(esc(r.region())).append("</th><td>").append(esc(r.jurisdiction())).append("</td><td class=\"")
                    .append(cls(r.status())).append("\">").append(esc(r.status())).append("</td><td class=\"n\">").append(r.findings()).append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n</section>\n");

        h.append("<section aria-labelledby=\"findings\">\n<h2 id=\"findings\">Findings</h2>\n");
        if (report.findings().isEmpty()) {
            h.append("<p>No findings.</p>\n");
        } else {
            h.append("<table>\n<caption>").append(report.findings().size()).append(" findings, each with its evidence (keys and hashes only)")
                    .append(" and the control it evidences</caption>\n<thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Severity</th>")
                    .append("<th scope=\"col\">Check</th><th scope=\"col\">Region</th><th scope=\"col\">Finding</th><th scope=\"col\">Evidence</th>")
                    .append("<th scope=\"col\">Control</th></tr></thead>\n<tbody>\n");
            for (AuditReport.Finding f : report.findings()) {
                h.append("<tr><th scope=\"row\">").append(esc(f.id())).append("</th><td class=\"").append(cls(f.severity())).append("\">")
                        .append(esc(f.severity())).append("</td><td>").append(esc(f.check())).append("</td><td>").append(esc(f.region()))
                        .append("</td><td>").append(esc(f.title())).append("</td><td>").append(evidence(f.evidence())).append("</td><td>")
                        .append(esc(f.control())).append("</td></tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }
        h.append("</section>\n");

        h.append("<section aria-labelledby=\"transfers\">\n<h2 id=\"transfers\">Transfers</h2>\n");
        transferMatrix(h, report.transfers());
        h.append("<table>\n<caption>Every source and destination, from the decision logs and the gateways' ledgers</caption>\n<thead><tr>")
                .append("<th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Allow</th><th scope=\"col\">Partial</th>")
                .append("<th scope=\"col\">Deny</th><th scope=\"col\">Suppressed cells</th><th scope=\"col\">Received in a ledger</th></tr></thead>\n<tbody>\n");
        for (AuditReport.Transfer t : report.transfers()) {
            h.append("<tr><th scope=\"row\">").append(esc(t.from())).append("</th><td>").append(esc(t.to())).append("</td><td class=\"n\">")
                    .append(t.allow()).append("</td><td class=\"n\">").append(t.partial()).append("</td><td class=\"n\">").append(t.deny())
                    .append("</td><td class=\"n\">").append(t.suppressedCells()).append("</td><td class=\"n\">").append(t.receivedInLedger())
                    .append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n");
        AuditReport.Reconciliation l = report.ledger();
        h.append("<p>Ledgers read: ").append(esc(l.gateways().isEmpty() ? "none" : String.join(", ", l.gateways()))).append(". ")
                .append(l.entries()).append(" entries, ").append(l.matched()).append(" matched a release at their source. ")
                .append(l.releases()).append(" releases: ").append(l.received()).append(" received, ")
                .append(l.explained().values().stream().mapToLong(Long::longValue).sum()).append(" explained")
                .append(l.explained().isEmpty() ? "" : " (" + esc(new java.util.TreeMap<>(l.explained()).toString()) + ")")
                .append(", ").append(l.unexplained()).append(" unexplained.</p>\n</section>\n");

        h.append("<section aria-labelledby=\"policy\">\n<h2 id=\"policy\">Policy revisions in force</h2>\n");
        if (report.policyRevisions().isEmpty()) {
            h.append("<p>No audited release named a policy revision.</p>\n");
        } else {
            h.append("<table>\n<caption>Revisions the audited releases were decided under</caption>\n<thead><tr><th scope=\"col\">Revision</th>")
                    .append("<th scope=\"col\">Regions</th><th scope=\"col\">First seen</th><th scope=\"col\">Summary</th></tr></thead>\n<tbody>\n");
            for (AuditReport.PolicyRevision p : report.policyRevisions()) {
                h.append("<tr><th scope=\"row\"><code>").append(esc(p.revision())).append("</code></th><td>").append(esc(String.join(", ", p.regions())))
                        .append("</td><td>").append(esc(p.firstSeen())).append("</td><td>").append(evidence(p.summary())).append("</td></tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }
        h.append("</section>\n");

        h.append("<section aria-labelledby=\"checks\">\n<h2 id=\"checks\">Checks</h2>\n<table>\n<caption>Each check per region</caption>\n<thead><tr>")
                .append("<th scope=\"col\">#</th><th scope=\"col\">Check</th><th scope=\"col\">Region</th><th scope=\"col\">Status</th>")
                .append("<th scope=\"col\">Checked</th><th scope=\"col\">Summary</th></tr></thead>\n<tbody>\n");
        for (AuditReport.Check c : report.checks()) {
            h.append("<tr><td class=\"n\">").append(c.number()).append("</td><th scope=\"row\">").append(esc(c.id())).append("</th><td>")
                    .append(esc(c.region())).append("</td><td class=\"").append(cls(c.status())).append("\">").append(esc(c.status()))
                    .append("</td><td class=\"n\">").append(c.checked()).append("</td><td>").append(esc(c.summary())).append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n</section>\n</main>\n</body>\n</html>\n");
        return h.toString();
    }

    /** The from-&gt;to matrix: sources as rows, destinations as columns, "allow/partial/deny" in each cell. */
    private static void transferMatrix(StringBuilder h, List<AuditReport.Transfer> transfers) {
        if (transfers.isEmpty()) {
            h.append("<p>No decisions in the audited range.</p>\n");
            return;
        }
        TreeSet<String> from = new TreeSet<>();
        TreeSet<String> to = new TreeSet<>();
        transfers.forEach(t -> {
            from.add(t.from());
            to.add(t.to());
        });
        h.append("<table>\n<caption>From-to matrix: allowed / partial / denied decisions (received in a ledger)</caption>\n<thead><tr>")
                .append("<th scope=\"col\">From \\ To</th>");
        to.forEach(t -> h.append("<th scope=\"col\">").append(esc(t)).append("</th>"));
        h.append("</tr></thead>\n<tbody>\n");
        for (String f : from) {
            h.append("<tr><th scope=\"row\">").append(esc(f)).append("</th>");
            for (String t : to) {
                AuditReport.Transfer cell = transfers.stream().filter(x -> x.from().equals(f) && x.to().equals(t)).findFirst().orElse(null);
                h.append("<td class=\"n\">").append(cell == null ? "&ndash;" : cell.allow() + " / " + cell.partial() + " / " + cell.deny()
                        + " (" + cell.receivedInLedger() + ")").append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private static String evidence(Map<String, Object> evidence) {
        if (evidence == null || evidence.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("<pre>");
        evidence.forEach((k, v) -> b.append(esc(k)).append(": ").append(esc(String.valueOf(v))).append('\n'));
        return b.append("</pre>").toString();
    }

    /** A CSS class for a status or severity, only from the known words, so that no text becomes markup. */
    private static String cls(String status) {
        return switch (status == null ? "" : status) {
            case "PASS", "FAIL", "INCOMPLETE", "ERROR", "SKIPPED", "VIOLATION", "WARNING", "INFO" -> status;
            default -> "other";
        };
    }

    /** Escapes text for HTML element content and double-quoted attributes. */
    static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t') {
                        b.append("&#xFFFD;");
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
