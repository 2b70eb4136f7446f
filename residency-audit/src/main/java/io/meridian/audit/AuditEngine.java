package io.meridian.audit;

import io.meridian.regions.RegionConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the six residency checks of issue 8 for a scope and returns the report. A client only: it reads regions, the
 * catalog (through the regions) and gateways over HTTP with one bearer token, and never writes anything.
 *
 * <p>Regions and gateways are asked in parallel, each over large pages. A region or gateway that cannot answer makes the
 * checks that needed it ERROR (verdict INCOMPLETE), never the run fail. {@link #run} throws only when interrupted.
 */
public final class AuditEngine {

    private static final Logger LOG = LoggerFactory.getLogger(AuditEngine.class);
    /** Parallel calls at most: enough to ask every region and gateway of a federation at once. */
    static final int MAX_PARALLEL = 12;

    private final AuditTargets targets;
    private final AuditHttp http;
    private final Clock clock;

    /**
     * @param targets where the regions, gateways and infrastructure are
     * @param token   the auditor's token: a compliance officer or a gateway's service client
     * @param http    the client all calls go through
     * @param clock   for the run's start and end times
     */
    public AuditEngine(AuditTargets targets, BearerToken token, HttpClient http, Clock clock) {
        this.targets = Objects.requireNonNull(targets, "targets must not be null");
        this.http = new AuditHttp(http, token);
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /** An HTTP client suited to the engine: HTTP/1.1, a short connect timeout. */
    public static HttpClient httpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * Runs the audit.
     *
     * @param scope    the regions (each must have a data API in the targets) and the time range
     * @param progress told after every step
     * @throws IllegalArgumentException when a region of the scope has no data API in the targets
     * @throws InterruptedException     when the calling thread is interrupted; the calls under way are abandoned
     */
    public AuditReport run(AuditScope scope, AuditProgress progress) throws InterruptedException {
        return run(UUID.randomUUID(), scope, progress);
    }

    /** As {@link #run(AuditScope, AuditProgress)} with the run id the caller chose (the gateway stores runs by it). */
    public AuditReport run(UUID runId, AuditScope scope, AuditProgress progress) throws InterruptedException {
        Objects.requireNonNull(scope, "scope must not be null");
        Objects.requireNonNull(progress, "progress must not be null");
        for (String r : scope.regions()) {
            targets.region(r);
            if (!targets.dataApis().containsKey(r)) {
                throw new IllegalArgumentException("audit region " + r + " must have a data API to ask, the targets know " + targets.dataApis().keySet());
            }
        }
        Instant started = clock.instant();
        Findings findings = new Findings();
        List<String> gateways = targets.gateways().keySet().stream().sorted().toList();
        int total = scope.regions().size() * 3 + gateways.size() + 3; // + infrastructure, reconciliation, report
        AtomicInteger done = new AtomicInteger();

        ExecutorService pool = Executors.newFixedThreadPool(Math.min(MAX_PARALLEL, total), r -> {
            Thread t = new Thread(r, "audit-" + runId.toString().substring(0, 8));
            t.setDaemon(true);
            return t;
        });
        try {
            Map<String, Future<List<CheckRow>>> storage = new LinkedHashMap<>();
            Map<String, Future<DecisionChainCheck.Result>> chains = new LinkedHashMap<>();
            Map<String, Future<ReleasesCheck.Answer>> releases = new LinkedHashMap<>();
            Map<String, Future<LedgerReader.Ledger>> ledgers = new LinkedHashMap<>();
            for (String r : scope.regions()) {
                URI api = targets.dataApis().get(r);
                chains.put(r, pool.submit(step(() -> DecisionChainCheck.run(http, r, api, targets.requestTimeout(), findings),
                        "decision log " + r, done, total, progress)));
                releases.put(r, pool.submit(step(() -> ReleasesCheck.fetch(http, r, api, scope, targets.requestTimeout()),
                        "releases " + r, done, total, progress)));
                storage.put(r, pool.submit(step(() -> StorageCheck.run(http, r, api, targets.storageTimeout(), findings),
                        "storage " + r, done, total, progress)));
            }
            for (String g : gateways) {
                ledgers.put(g, pool.submit(step(() -> LedgerReader.read(http, g, targets.gateways().get(g), targets.requestTimeout()),
                        "ledger of gateway " + g, done, total, progress)));
            }
            List<RegionConfig> audited = scope.regions().stream().map(targets::region).toList();
            Future<List<CheckRow>> infra = pool.submit(step(() -> targets.infrastructure()
                    .map(dir -> InfrastructureCheck.run(dir, audited, targets.configs().regions(), findings))
                    .orElseGet(() -> skippedInfrastructure(scope)), "infrastructure", done, total, progress));

            List<CheckRow> rows = new ArrayList<>();
            Map<String, List<LoggedDecision>> decisions = new LinkedHashMap<>();
            Map<String, String> logErrors = new TreeMap<>();
            for (String r : scope.regions()) {
                rows.addAll(get(storage.get(r)));
                DecisionChainCheck.Result chain = get(chains.get(r));
                rows.add(chain.row());
                if (chain.readable()) {
                    decisions.put(r, chain.decisions());
                } else {
                    logErrors.put(r, chain.row().summary());
                }
            }
            List<ReleasesCheck.Answer> answers = new ArrayList<>();
            for (String r : scope.regions()) {
                ReleasesCheck.Answer a = get(releases.get(r));
                answers.add(a);
                rows.add(ReleasesCheck.judge(a, decisions.get(r), scope, findings));
            }
            List<LedgerReader.Ledger> read = new ArrayList<>();
            for (String g : gateways) {
                read.add(get(ledgers.get(g)));
            }
            LedgerCheck.Result ledger = LedgerCheck.run(scope, targets, decisions, logErrors, read, findings);
            rows.addAll(ledger.rows());
            rows.addAll(get(infra));
            progress.step("reconciliation", done.incrementAndGet(), total);

            List<AuditReport.Finding> numbered = findings.numbered();
            rows.sort(Comparator.comparingInt((CheckRow c) -> c.check().number).thenComparing(c -> scopeIndex(scope, c.region())));
            List<AuditReport.Check> checks = rows.stream().map(CheckRow::toReport).toList();
            String verdict = verdict(numbered, checks);
            List<AuditReport.RegionStatus> regionStatus = new ArrayList<>();
            for (String r : scope.regions()) {
                int n = (int) numbered.stream().filter(f -> f.region().equals(r)).count();
                boolean violation = numbered.stream().anyMatch(f -> f.region().equals(r) && f.severity().equals(Findings.VIOLATION));
                boolean error = checks.stream().anyMatch(c -> c.region().equals(r) && c.status().equals(CheckRow.ERROR));
                regionStatus.add(new AuditReport.RegionStatus(r, targets.region(r).jurisdiction().code(),
                        violation ? "FAIL" : error ? "INCOMPLETE" : "PASS", n));
            }
            AuditReport report = new AuditReport(AuditReport.FORMAT, runId.toString(), started.toString(), clock.instant().toString(),
                    new AuditReport.Scope(scope.regions(), scope.from().map(Instant::toString).orElse(null), scope.to().map(Instant::toString).orElse(null)),
                    verdict, checks, numbered, transfers(scope, decisions, ledger.receipts()), ReleasesCheck.revisions(answers), regionStatus,
                    ledger.reconciliation());
            progress.step("report", done.incrementAndGet(), total);
            LOG.info("audit {} of {}: {} ({} findings)", runId, scope.regions(), verdict, numbered.size());
            return report;
        } finally {
            pool.shutdownNow();
        }
    }

    /** FAIL on any violation; else INCOMPLETE when a check could not run; else PASS. */
    static String verdict(List<AuditReport.Finding> findings, List<AuditReport.Check> checks) {
        if (findings.stream().anyMatch(f -> f.severity().equals(Findings.VIOLATION))) {
            return "FAIL";
        }
        if (checks.stream().anyMatch(c -> c.status().equals(CheckRow.ERROR))) {
            return "INCOMPLETE";
        }
        return "PASS";
    }

    private List<CheckRow> skippedInfrastructure(AuditScope scope) {
        List<CheckRow> rows = new ArrayList<>();
        scope.regions().forEach(r -> rows.add(new CheckRow(Findings.Check.INFRASTRUCTURE, r, CheckRow.SKIPPED, 0, targets.noInfraReason())));
        return rows;
    }

    /** The from-&gt;to matrix of the decisions in the time range, with the ledgers' RECEIVED entries that matched them. */
    static List<AuditReport.Transfer> transfers(AuditScope scope, Map<String, List<LoggedDecision>> decisions, Map<UUID, Integer> receipts) {
        Map<String, long[]> cells = new TreeMap<>();
        Map<String, String[]> keys = new HashMap<>();
        decisions.forEach((region, list) -> {
            for (LoggedDecision d : list) {
                if (!scope.covers(d.time())) {
                    continue;
                }
                String key = region + "\u0000" + d.destinationKey();
                keys.putIfAbsent(key, new String[] {region, d.destinationKey()});
                long[] c = cells.computeIfAbsent(key, k -> new long[5]);
                switch (d.outcome()) {
                    case "ALLOW" -> c[0]++;
                    case "PARTIAL" -> c[1]++;
                    default -> c[2]++;
                }
                c[3] += d.suppressedCells();
                c[4] += receipts.getOrDefault(d.decisionId(), 0);
            }
        });
        List<AuditReport.Transfer> out = new ArrayList<>();
        cells.forEach((key, c) -> out.add(new AuditReport.Transfer(keys.get(key)[0], keys.get(key)[1], c[0], c[1], c[2], c[3], c[4])));
        return out;
    }

    private static int scopeIndex(AuditScope scope, String region) {
        int i = scope.regions().indexOf(region);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    private static <T> Callable<T> step(Callable<T> work, String name, AtomicInteger done, int total, AuditProgress progress) {
        return () -> {
            T result = work.call();
            progress.step(name, done.incrementAndGet(), total);
            return result;
        };
    }

    private static <T> T get(Future<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            // the checks turn every expected failure into an ERROR row; anything else is a defect worth its stack trace
            throw new IllegalStateException("an audit check failed unexpectedly: " + e.getCause(), e.getCause());
        }
    }
}
