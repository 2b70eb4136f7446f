package io.meridian.local.cli;

import io.meridian.audit.AuditEngine;
import io.meridian.audit.AuditReport;
import io.meridian.audit.AuditScope;
import io.meridian.audit.AuditTargets;
import io.meridian.audit.BearerToken;
import io.meridian.audit.ReportFiles;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.process.PidReaper;
import io.meridian.local.process.ServerRuntime;
import io.meridian.local.process.StateDirectory;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code ./meridian audit}: runs the residency audit (residency-audit's engine) against the running local federation,
 * whose state files name what runs where, and writes {@code audit-report.json} and {@code audit-report.html}.
 * Exit codes: 0 PASS, 1 FAIL, 3 INCOMPLETE, 2 usage or configuration error.
 */
@Command(name = "audit", description = "Run the residency audit against the running federation and write its reports.")
final class AuditCommand implements Callable<Integer> {

    static final int PASS = 0;
    static final int FAIL = 1;
    static final int USAGE = 2;
    static final int INCOMPLETE = 3;
    /** The environment variable a token may come from instead of the auditor's password grant. */
    static final String TOKEN_ENV = "MERIDIAN_TOKEN";
    /** Synthesis may take a minute on a cold jsii cache; a bound so that a hung node does not hold the audit forever. */
    static final long SYNTH_TIMEOUT_MINUTES = 10;

    @ParentCommand
    MeridianCli cli;

    @Option(names = "--regions", split = ",", description = "regions to audit (default: every region whose node runs)")
    List<String> regions;

    @Option(names = "--from", description = "first instant of decisions, releases and ledger entries audited (ISO-8601)")
    String from;

    @Option(names = "--to", description = "first instant not audited (ISO-8601)")
    String to;

    @Option(names = "--out", required = true, description = "directory for audit-report.json and audit-report.html")
    Path out;

    @Option(names = "--infra", description = "synthesized Terraform JSON to check (default: synthesize into <state>/infra)")
    Path infra;

    @Option(names = "--token-file", description = "a file holding a compliance officer's access token (default: $" + TOKEN_ENV
            + ", else the demo auditor's password grant)")
    Path tokenFile;

    private final PrintStream stdout = System.out;
    private final PrintStream stderr = System.err;

    @Override
    public Integer call() throws Exception {
        StateDirectory state = cli.state();
        RegionConfigs configs = RegionConfigs.loadDefault();
        Map<String, Map<String, String>> endpoints = StateFiles.readEndpoints(state);
        Set<String> alive = new TreeSet<>();
        PidReaper.list(state).stream().filter(PidReaper.Recorded::alive).forEach(r -> alive.add(r.record().service()));
        Map<String, URI> dataApis = new LinkedHashMap<>();
        Map<String, URI> gateways = new LinkedHashMap<>();
        for (var r : configs.regions()) {
            String id = r.id().value();
            String api = endpoints.getOrDefault("region-node-" + id, Map.of()).get("data-api");
            if (api != null && alive.contains("region-node-" + id)) {
                dataApis.put(id, URI.create(api));
            }
            String gw = endpoints.getOrDefault("gateway-" + id, Map.of()).get("api");
            if (gw != null && alive.contains("gateway-" + id)) {
                gateways.put(id, URI.create(gw));
            }
        }
        if (dataApis.isEmpty()) {
            stderr.println("meridian audit: no region node runs (no live region-node-* in " + state.runDirectory() + "); start one with ./meridian up");
            return USAGE;
        }
        List<String> scopeRegions = regions == null || regions.isEmpty() ? new ArrayList<>(dataApis.keySet()) : regions;
        for (String r : scopeRegions) {
            if (!dataApis.containsKey(r)) {
                stderr.println("meridian audit: --regions must name running regions " + dataApis.keySet() + ", had '" + r + "'");
                return USAGE;
            }
        }
        AuditScope scope;
        try {
            scope = new AuditScope(scopeRegions, instant("--from", from), instant("--to", to));
        } catch (IllegalArgumentException e) {
            stderr.println("meridian audit: " + e.getMessage());
            return USAGE;
        }
        BearerToken token;
        try {
            token = token(endpoints);
        } catch (IllegalArgumentException | IOException e) {
            stderr.println("meridian audit: " + e.getMessage());
            return USAGE;
        }
        Optional<Path> infrastructure;
        String noInfra = "no synthesized infrastructure was given";
        if (infra != null) {
            if (!Files.isDirectory(infra)) {
                stderr.println("meridian audit: --infra must name a directory of synthesized infrastructure, was " + infra);
                return USAGE;
            }
            infrastructure = Optional.of(infra.toAbsolutePath());
        } else {
            Path dir = state.root().resolve("infra");
            infrastructure = Optional.of(dir);
            synthesize(dir, configs.directory());
        }

        AuditTargets targets = AuditTargets.of(configs, dataApis, gateways, infrastructure, noInfra);
        stderr.println("meridian audit: regions " + scope.regions() + ", ledgers of " + gateways.keySet() + ", infrastructure "
                + infrastructure.map(Path::toString).orElse("(none)"));
        long t0 = System.nanoTime();
        AuditReport report = new AuditEngine(targets, token, AuditEngine.httpClient(), Clock.systemUTC())
                .run(scope, (step, done, total) -> stderr.printf("  [%d/%d] %s%n", done, total, step));
        ReportFiles.Written written;
        try {
            written = ReportFiles.write(report, out.toAbsolutePath());
        } catch (IOException e) {
            stderr.println("meridian audit: cannot write the reports into " + out + ": " + e.getMessage());
            return USAGE;
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Map<String, Long> statuses = new LinkedHashMap<>();
        for (String s : List.of("PASS", "FAIL", "ERROR", "SKIPPED")) {
            statuses.put(s, report.checks().stream().filter(c -> c.status().equals(s)).count());
        }
        stdout.println("verdict: " + report.verdict());
        stdout.println("findings: " + report.count("VIOLATION") + " violations, " + report.count("WARNING") + " warnings, " + report.count("INFO")
                + " notes");
        stdout.println("checks: " + statuses.get("PASS") + " pass, " + statuses.get("FAIL") + " fail, " + statuses.get("ERROR") + " error, "
                + statuses.get("SKIPPED") + " skipped (" + ms + " ms)");
        report.checks().stream().filter(c -> c.status().equals("ERROR") || c.status().equals("FAIL"))
                .forEach(c -> stdout.println("  " + c.status() + " " + c.id() + " " + c.region() + ": " + c.summary()));
        stdout.println("json: " + written.json());
        stdout.println("html: " + written.html());
        return switch (report.verdict()) {
            case "PASS" -> PASS;
            case "FAIL" -> FAIL;
            default -> INCOMPLETE;
        };
    }

    private static Optional<Instant> instant(String option, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value.trim()));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(option + " must be an ISO-8601 instant such as 2026-11-24T12:00:00Z, was '" + value + "'");
        }
    }

    /** --token-file, else $MERIDIAN_TOKEN, else the demo auditor's password grant at the local Keycloak. */
    private BearerToken token(Map<String, Map<String, String>> endpoints) throws IOException {
        if (tokenFile != null) {
            if (!Files.isRegularFile(tokenFile)) {
                throw new IllegalArgumentException("--token-file must name a readable file, was " + tokenFile);
            }
            return BearerToken.fixed(Files.readString(tokenFile, StandardCharsets.UTF_8));
        }
        String env = System.getenv(TOKEN_ENV);
        if (env != null && !env.isBlank()) {
            return BearerToken.fixed(env);
        }
        String endpoint = endpoints.getOrDefault("keycloak", Map.of()).get("token");
        if (endpoint == null) {
            throw new IllegalArgumentException("no token: give --token-file or $" + TOKEN_ENV + ", or run Keycloak with ./meridian up");
        }
        return new PasswordGrantToken(URI.create(endpoint), MeridianRealm.CLI_CLIENT, MeridianRealm.AUDITOR.username(),
                MeridianRealm.AUDITOR.password(), AuditEngine.httpClient());
    }

    /**
     * Synthesizes the infrastructure into {@code dir} with terraform's {@code InfraMain} in a child JVM, as the
     * {@code meridian} script's infra branch does (building terraform first when its classes are missing). A failure is
     * reported; the audit then finds no manifest in {@code dir} and says so in check 6.
     */
    private void synthesize(Path dir, Path configDir) throws InterruptedException {
        Path root = ServerRuntime.repoRoot();
        Path tf = root.resolve("terraform");
        Path classes = tf.resolve("target/classes");
        Path classpath = tf.resolve("target/classpath.txt");
        try {
            if (!Files.isRegularFile(classes.resolve("io/meridian/terraform/app/InfraMain.class")) || !Files.isRegularFile(classpath)) {
                stderr.println("meridian audit: building terraform (first run)...");
                run(List.of(root.resolve("mvnw").toString(), "-B", "-q", "-DskipTests", "install", "-pl", "terraform", "-am"), root);
            }
            stderr.println("meridian audit: synthesizing the infrastructure into " + dir + " ...");
            deleteTree(dir);
            String cp = classes + java.io.File.pathSeparator + Files.readString(classpath, StandardCharsets.UTF_8).trim();
            run(List.of(ServerRuntime.javaExecutable(), "-cp", cp, "io.meridian.terraform.app.InfraMain", "synth", "--out", dir.toString(),
                    "--config-dir", configDir.toString()), root);
        } catch (IOException e) {
            stderr.println("meridian audit: could not synthesize the infrastructure: " + e.getMessage());
        }
    }

    private void run(List<String> command, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putIfAbsent("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(SYNTH_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(command.get(0) + " did not finish within " + SYNTH_TIMEOUT_MINUTES + " minutes");
        }
        if (p.exitValue() != 0) {
            String text = new String(output, StandardCharsets.UTF_8).strip();
            throw new IOException(Path.of(command.get(0)).getFileName() + " ended with " + p.exitValue() + ": "
                    + (text.length() > 800 ? text.substring(text.length() - 800) : text));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
