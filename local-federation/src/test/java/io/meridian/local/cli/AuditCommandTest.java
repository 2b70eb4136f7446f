package io.meridian.local.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.meridian.local.process.PidFile;
import io.meridian.local.process.StateDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./meridian audit} end to end in this JVM: a state directory that records a live "region node" (this JVM's own
 * PID) whose data API is a stub answering the audit contract's JSON, a token file, and hand-made infrastructure. The exit
 * code follows the verdict; both reports are written; usage and configuration errors exit 2.
 */
class AuditCommandTest {

    @TempDir
    Path tmp;
    HttpServer stub;
    final Map<String, String> answers = new ConcurrentHashMap<>();
    final Map<String, Integer> statuses = new ConcurrentHashMap<>();
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream savedOut;
    PrintStream savedErr;

    @BeforeEach
    void start() throws Exception {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/", x -> {
            try (x) {
                String path = x.getRequestURI().getPath();
                String body = answers.getOrDefault(path, "{\"status\": 404, \"detail\": \"no " + path + "\"}");
                int status = statuses.getOrDefault(path, answers.containsKey(path) ? 200 : 404);
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                x.sendResponseHeaders(status, b.length);
                x.getResponseBody().write(b);
            }
        });
        stub.start();
        String zero = "0".repeat(64);
        answers.put("/v1/decisions", "{\"region\": \"eu-central\", \"items\": [], \"head\": {\"sequence\": 0, \"hash\": \"" + zero + "\"}}");
        answers.put("/v1/decisions/verify", "{\"region\": \"eu-central\", \"intact\": true, \"recordsChecked\": 0, \"head\": {\"sequence\": 0, \"hash\": \""
                + zero + "\"}, \"lastGood\": {\"sequence\": 0, \"hash\": \"" + zero + "\"}}");
        answers.put("/v1/audit/releases", "{\"region\": \"eu-central\", \"head\": {\"sequence\": 0, \"hash\": \"" + zero
                + "\"}, \"policyRevisions\": [], \"releases\": []}");
        answers.put("/v1/audit/storage", storage("[]"));
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        System.setOut(savedOut);
        System.setErr(savedErr);
        stub.stop(0);
    }

    static String storage(String findings) {
        return "{\"region\": \"eu-central\", \"checkedAt\": \"2026-11-24T12:00:00Z\", \"sources\": [{\"source\": \"cassandra:telemetry\", \"unit\": "
                + "\"partitions\", \"checked\": 12, \"devices\": 4}], \"findings\": " + findings + ", \"keyspaces\": [{\"keyspace\": \"meridian_raw\", "
                + "\"role\": \"raw\", \"replication\": {\"class\": \"SimpleStrategy\"}, \"dataCenters\": [\"datacenter1\"], \"inRegion\": true, "
                + "\"reason\": \"one data centre\"}], \"otherKeyspaces\": []}";
    }

    /** A state directory where eu-central's node "runs" (this JVM) with the stub as its data API. */
    Path stateWithRunningRegion() throws Exception {
        Path root = tmp.resolve("state");
        StateDirectory state = StateDirectory.at(root);
        Files.createDirectories(state.runDirectory());
        PidFile.describe("region-node-eu-central", ProcessHandle.current(), "test", state.logFile("region-node-eu-central"))
                .write(state.pidFile("region-node-eu-central"));
        Properties p = new Properties();
        p.setProperty("region-node-eu-central.data-api", "http://127.0.0.1:" + stub.getAddress().getPort() + "/v1");
        try (var w = Files.newBufferedWriter(root.resolve("endpoints.properties"))) {
            p.store(w, "test");
        }
        return root;
    }

    Path infrastructure() throws Exception {
        Path dir = tmp.resolve("infra");
        Files.createDirectories(dir.resolve("stacks/region-eu-central"));
        Files.createDirectories(dir.resolve("stacks/global"));
        Files.writeString(dir.resolve("manifest.json"), "{\"stacks\": {\"region-eu-central\": {\"synthesizedStackPath\": "
                + "\"stacks/region-eu-central/cdk.tf.json\"}, \"global\": {\"synthesizedStackPath\": \"stacks/global/cdk.tf.json\"}}}");
        Files.writeString(dir.resolve("stacks/region-eu-central/cdk.tf.json"), "{\"provider\": {\"aws\": [{\"alias\": \"eu-central\", \"region\": "
                + "\"eu-central-1\"}]}, \"resource\": {\"aws_s3_bucket\": {\"raw\": {\"provider\": \"aws.eu-central\"}}}}");
        Files.writeString(dir.resolve("stacks/global/cdk.tf.json"), "{\"resource\": {}}");
        return dir;
    }

    int audit(Path state, String... args) throws Exception {
        Path token = tmp.resolve("token");
        Files.writeString(token, "stub-token\n");
        String[] all = new String[args.length + 5];
        all[0] = "--state";
        all[1] = state.toString();
        all[2] = "audit";
        all[3] = "--token-file";
        all[4] = token.toString();
        System.arraycopy(args, 0, all, 5, args.length);
        return new CommandLine(new MeridianCli()).execute(all);
    }

    @Test
    void aCleanRegion_exits0_andWritesBothReports() throws Exception {
        Path outDir = tmp.resolve("out");
        int code = audit(stateWithRunningRegion(), "--out", outDir.toString(), "--infra", infrastructure().toString());
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, printed + err.toString(StandardCharsets.UTF_8));
        assertTrue(printed.contains("verdict: PASS"), printed);
        assertTrue(printed.contains("json: " + outDir.toAbsolutePath().resolve("audit-report.json")), printed);
        assertTrue(Files.readString(outDir.resolve("audit-report.html")).contains("<span class=\"verdict PASS\">PASS</span>"));
        assertTrue(Files.readString(outDir.resolve("audit-report.json")).contains("\"verdict\" : \"PASS\""));
    }

    @Test
    void aViolation_exits1() throws Exception {
        answers.put("/v1/audit/storage", storage("[{\"source\": \"cassandra:telemetry\", \"tenant\": \"lampco\", \"deviceRef\": \"0123456789abcdef\", "
                + "\"assignedRegion\": \"us-east\", \"count\": 3}]"));
        int code = audit(stateWithRunningRegion(), "--out", tmp.resolve("out").toString(), "--infra", infrastructure().toString());
        assertEquals(1, code, out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("verdict: FAIL"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("FAIL storage-home-only eu-central"));
    }

    @Test
    void aRegionThatCannotAnswer_exits3() throws Exception {
        statuses.put("/v1/audit/storage", 502);
        answers.put("/v1/audit/storage", "{\"status\": 502, \"detail\": \"the catalog at http://127.0.0.1:1 is unreachable\"}");
        int code = audit(stateWithRunningRegion(), "--out", tmp.resolve("out").toString(), "--infra", infrastructure().toString());
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(3, code, printed);
        assertTrue(printed.contains("verdict: INCOMPLETE"));
        assertTrue(printed.contains("ERROR storage-home-only eu-central: region eu-central answered 502 to GET /v1/audit/storage: the catalog"), printed);
    }

    @Test
    void usageAndConfigurationErrors_exit2_namingTheProblem() throws Exception {
        Path state = stateWithRunningRegion();
        assertEquals(2, audit(state), "--out is required");
        assertEquals(2, audit(tmp.resolve("empty"), "--out", tmp.resolve("o").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no region node runs"));
        assertEquals(2, audit(state, "--out", tmp.resolve("o").toString(), "--regions", "us-east"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--regions must name running regions [eu-central], had 'us-east'"));
        assertEquals(2, audit(state, "--out", tmp.resolve("o").toString(), "--from", "yesterday"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--from must be an ISO-8601 instant"));
        assertEquals(2, audit(state, "--out", tmp.resolve("o").toString(), "--infra", tmp.resolve("nowhere").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--infra must name a directory"));
    }
}
