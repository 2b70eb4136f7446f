package io.meridian.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report: every section present, self-contained, and every text escaped however hostile. */
class HtmlReportTest {

    static final String HOSTILE = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>&amp;";

    static AuditReport report(String text) {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("sequence", 42);
        evidence.put(text, text);
        return new AuditReport(AuditReport.FORMAT, "run-" + text, "2026-11-24T12:00:00Z", "2026-11-24T12:01:00Z",
                new AuditReport.Scope(List.of("eu-central", text), null, "2026-11-24T12:00:00Z"), "FAIL",
                List.of(new AuditReport.Check("decision-chain", 2, "eu-central", "FAIL", 812, "summary " + text),
                        new AuditReport.Check("infrastructure-in-region", 6, text, text, 0, "skipped")),
                List.of(new AuditReport.Finding("F-0001", "decision-chain", "VIOLATION", "eu-central", "title " + text, evidence,
                        "GDPR Art. 5(2) accountability " + text)),
                List.of(new AuditReport.Transfer("eu-central", text, 10, 2, 1, 5, 12), new AuditReport.Transfer("eu-central", "us-east", 3, 0, 0, 0, 3)),
                List.of(new AuditReport.PolicyRevision("a".repeat(64), List.of("eu-central"), "2026-11-24T11:00:00Z", Map.of("defaultK", 10, text, text))),
                List.of(new AuditReport.RegionStatus("eu-central", "EU", "FAIL", 1), new AuditReport.RegionStatus(text, text, text, 0)),
                new AuditReport.Reconciliation(List.of("eu-central", text), 12, 12, 13, 12, Map.of("SAME_JURISDICTION", 1L, text, 2L), 0));
    }

    @Test
    void hostileStrings_areEscapedEverywhere() {
        String html = HtmlReport.render(report(HOSTILE));
        assertFalse(html.contains("<script"), "no script element may appear");
        assertFalse(html.contains("<img"), "no injected element may appear");
        assertFalse(html.contains("onerror=alert(1)>"), "no injected attribute may close a tag");
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;"), html);
        // the only tags are the report's own
        Matcher tags = Pattern.compile("<([a-zA-Z][a-zA-Z0-9]*)").matcher(html);
        List<String> allowed = List.of("html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "code", "section", "span", "table",
                "caption", "thead", "tbody", "tr", "th", "td", "pre");
        while (tags.find()) {
            assertTrue(allowed.contains(tags.group(1)), "unexpected element <" + tags.group(1) + ">");
        }
    }

    @Test
    void thePage_isSelfContained_accessible_andHasEverySection() {
        String html = HtmlReport.render(report("x"));
        assertTrue(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
        assertTrue(html.contains("<meta charset=\"utf-8\">"));
        for (String section : List.of("<h2 id=\"verdict\">Verdict</h2>", "<h2 id=\"regions\">Regions</h2>", "<h2 id=\"findings\">Findings</h2>",
                "<h2 id=\"transfers\">Transfers</h2>", "<h2 id=\"policy\">Policy revisions in force</h2>", "<h2 id=\"checks\">Checks</h2>")) {
            assertTrue(html.contains(section), section);
        }
        assertTrue(html.contains("<span class=\"verdict FAIL\">FAIL</span>"));
        assertTrue(html.contains("<th scope=\"col\">"), "tables have header cells");
        assertTrue(html.contains("F-0001") && html.contains("GDPR Art. 5(2) accountability"));
        // the matrix: eu-central -> us-east cell with allow/partial/deny and receipts
        assertTrue(html.contains("3 / 0 / 0 (3)"), html);
        assertTrue(html.contains("10 / 2 / 1 (12)"));
        assertTrue(html.contains("a".repeat(64)));
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("src=") || html.contains("<link"),
                "the page fetches nothing");
    }

    @Test
    void reportFiles_writeBothFiles_andTheJsonReadsBack(@TempDir Path dir) throws Exception {
        AuditReport r = report(HOSTILE);
        ReportFiles.Written w = ReportFiles.write(r, dir.resolve("out"));
        assertEquals(r, AuditReport.fromJson(Files.readString(w.json())));
        assertEquals(HtmlReport.render(r), Files.readString(w.html()));
        assertEquals(List.of("audit-report.html", "audit-report.json"), Files.list(dir.resolve("out")).map(p -> p.getFileName().toString()).sorted().toList());
    }
}
