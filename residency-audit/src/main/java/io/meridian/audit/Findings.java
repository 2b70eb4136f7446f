package io.meridian.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects findings from the checks, which run on several threads, and numbers them in a stable order: by check number,
 * then region, then the order each check reported them.
 */
final class Findings {

    static final String VIOLATION = "VIOLATION";
    static final String WARNING = "WARNING";
    static final String INFO = "INFO";

    private record Pending(int number, String check, String severity, String region, String title, Map<String, Object> evidence,
            String control, long order) {
    }

    private final List<Pending> pending = new ArrayList<>();
    private long order;

    /**
     * @param evidence keys, counts and hashes only: never a payload value or a raw device id
     */
    synchronized void add(Check check, String severity, String region, String title, Map<String, Object> evidence, String control) {
        pending.add(new Pending(check.number, check.id, severity, region, title, new LinkedHashMap<>(evidence), control, order++));
    }

    /** The findings, numbered {@code F-0001}... */
    synchronized List<AuditReport.Finding> numbered() {
        List<Pending> sorted = new ArrayList<>(pending);
        sorted.sort(Comparator.comparingInt(Pending::number).thenComparing(Pending::region).thenComparingLong(Pending::order));
        List<AuditReport.Finding> out = new ArrayList<>(sorted.size());
        for (int i = 0; i < sorted.size(); i++) {
            Pending p = sorted.get(i);
            out.add(new AuditReport.Finding(String.format("F-%04d", i + 1), p.check(), p.severity(), p.region(), p.title(), p.evidence(),
                    p.control()));
        }
        return out;
    }

    /** The six checks: their ids and numbers as the contract names them. */
    enum Check {
        STORAGE("storage-home-only", 1),
        CHAIN("decision-chain", 2),
        LEDGER("ledger-matches-decisions", 3),
        RELEASES("transferred-cells-policy", 4),
        KEYSPACES("cassandra-in-region", 5),
        INFRASTRUCTURE("infrastructure-in-region", 6);

        final String id;
        final int number;

        Check(String id, int number) {
            this.id = id;
            this.number = number;
        }
    }
}
