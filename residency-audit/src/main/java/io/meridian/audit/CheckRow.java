package io.meridian.audit;

/** One check's outcome for one region, before it becomes a row of the report. */
record CheckRow(Findings.Check check, String region, String status, long checked, String summary) {

    static final String PASS = "PASS";
    static final String FAIL = "FAIL";
    static final String ERROR = "ERROR";
    static final String SKIPPED = "SKIPPED";

    static CheckRow error(Findings.Check check, String region, String reason) {
        return new CheckRow(check, region, ERROR, 0, reason);
    }

    AuditReport.Check toReport() {
        return new AuditReport.Check(check.id, check.number, region, status, checked, summary);
    }
}
