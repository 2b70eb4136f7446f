package io.meridian.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes {@code audit-report.json} and {@code audit-report.html} into a directory. */
public final class ReportFiles {

    public static final String JSON_FILE = "audit-report.json";
    public static final String HTML_FILE = "audit-report.html";

    private ReportFiles() {
    }

    /** Where the two files went. */
    public record Written(Path json, Path html) {
    }

    /**
     * Writes both files, each through a temporary file moved into place, so that a reader never sees half a report.
     *
     * @throws IOException when the directory cannot be created or written
     */
    public static Written write(AuditReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path json = dir.resolve(JSON_FILE);
        Path html = dir.resolve(HTML_FILE);
        replace(json, report.toJson());
        replace(html, HtmlReport.render(report));
        return new Written(json.toAbsolutePath(), html.toAbsolutePath());
    }

    private static void replace(Path target, String text) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
