package io.meridian.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.audit.CassandraAuditRuns;
import io.meridian.gateway.export.CassandraExportSchedules;
import io.meridian.gateway.ledger.CassandraTransferLedger;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.keycloak.KeycloakService;
import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceRequest;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The audit runs over real components: Keycloak, eu-central's Cassandra (the runs and the ledger) and its region node,
 * audited by the eu-central gateway in this JVM, which reads its own ledger over HTTP with its own client token. The
 * second region of the run, af-south, is a stub that answers 503 after a few seconds: the run lasts long enough to be
 * seen RUNNING and to refuse a second run, and it ends INCOMPLETE (af-south's checks ERROR).
 */
@MeridianServices(cassandra = "eu-central", kafka = "eu-central", keycloak = true)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayAuditRunsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String KEYSPACE = "gw_audit_runs_it";
    /** How long the af-south stub takes to fail, so that a run is under way long enough. */
    private static final long STUB_DELAY_MS = 4000;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private KeycloakService keycloak;
    private CqlSession session;
    private HttpServer stub;
    private ExecutorService stubThreads;
    private GatewayConfig config;
    private TokenValidator tokens;
    private Gateway gateway;
    private String base;

    @BeforeAll
    void start(Federation federation, KeycloakService keycloak) throws Exception {
        this.keycloak = keycloak;
        federation.start(List.of(ServiceRequest.of("region-node", "eu-central")), Federation.Listener.NONE);
        CassandraService cassandra = federation.cassandra("eu-central");
        session = CqlSession.builder().addContactPoint(cassandra.cqlAddress()).withLocalDatacenter(cassandra.localDatacenter())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder().withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                        .build())
                .build();
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/", x -> {
            try (x) {
                try {
                    Thread.sleep(STUB_DELAY_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                byte[] body = "{\"status\": 503, \"detail\": \"af-south stub is down\"}".getBytes(StandardCharsets.UTF_8);
                x.getResponseHeaders().add("Content-Type", "application/problem+json");
                x.sendResponseHeaders(503, body.length);
                x.getResponseBody().write(body);
            }
        });
        stubThreads = Executors.newFixedThreadPool(8);
        stub.setExecutor(stubThreads);
        stub.start();
        String stubBase = "http://127.0.0.1:" + stub.getAddress().getPort();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> props = new HashMap<>(Map.of(GatewayConfig.REGION, "eu-central", GatewayConfig.PORT, String.valueOf(port),
                GatewayConfig.ISSUER, keycloak.issuer().toString(), GatewayConfig.KEYSPACE, KEYSPACE,
                GatewayConfig.CASSANDRA_CONTACT_POINTS, cassandra.cqlAddress().getHostString() + ":" + cassandra.cqlAddress().getPort(),
                GatewayConfig.CASSANDRA_DATACENTER, cassandra.localDatacenter(), GatewayConfig.REGIONS, "eu-central,af-south"));
        props.put(GatewayConfig.REGION_PREFIX + "eu-central.dataApi", federation.service("region-node-eu-central").orElseThrow().endpoints().get("data-api"));
        // the gateway reads its own ledger over HTTP, as it reads every other gateway's
        props.put(GatewayConfig.REGION_PREFIX + "eu-central.gateway", "http://127.0.0.1:" + port + "/v1");
        props.put(GatewayConfig.REGION_PREFIX + "af-south.dataApi", stubBase + "/af/v1");
        props.put(GatewayConfig.REGION_PREFIX + "af-south.gateway", stubBase + "/af-gateway/v1");
        config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get,
                Map.of(GatewayConfig.CLIENT_SECRET_ENV, MeridianRealm.gatewaySecret("eu-central"))::get);
        tokens = new TokenValidator(config.jwksUri(), config.issuer().toString(), GatewayConfig.AUDIENCE, Clock.systemUTC());
        gateway = startGateway();
        base = "http://127.0.0.1:" + gateway.port() + "/v1";
    }

    private Gateway startGateway() throws Exception {
        CassandraTransferLedger ledger = CassandraTransferLedger.open(session, KEYSPACE,
                CassandraTransferLedger.localReplication(config.cassandra().datacenter()), "eu-central");
        return Gateway.start(config, tokens, Clock.systemUTC(), ledger, CassandraExportSchedules.open(session, KEYSPACE),
                CassandraAuditRuns.open(session, KEYSPACE, "eu-central"));
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (stub != null) {
            stub.stop(0);
            stubThreads.shutdownNow();
        }
        if (session != null) {
            session.close();
        }
    }

    @Test
    void aRun_isAccepted_showsProgress_refusesASecond_reports_andSurvivesARestart() throws Exception {
        String auditor = userToken(MeridianRealm.AUDITOR);
        HttpResponse<String> accepted = send("POST", "/audit/runs", auditor, "{\"regions\": [\"eu-central\", \"af-south\"]}");
        assertEquals(202, accepted.statusCode(), accepted.body());
        JsonNode run = JSON.readTree(accepted.body());
        String id = run.get("runId").asText();
        assertEquals("RUNNING", run.get("status").asText());
        assertEquals("/v1/audit/runs/" + id, accepted.headers().firstValue("Location").orElse(null));
        assertEquals(List.of("eu-central", "af-south"), texts(run.get("scope").get("regions")));
        assertTrue(run.get("progress").has("done") && run.get("progress").has("total"), run.toString());

        // one run at a time: the second is refused and pointed at the first
        HttpResponse<String> second = send("POST", "/audit/runs", auditor, null);
        assertEquals(409, second.statusCode(), second.body());
        assertEquals("/v1/audit/runs/" + id, second.headers().firstValue("Location").orElse(null));

        // progress while it runs: some steps done, not all (af-south takes seconds to fail)
        JsonNode during = waitFor(id, auditor, r -> r.get("progress").get("done").asInt() > 0 || !r.get("status").asText().equals("RUNNING"));
        assertEquals("RUNNING", during.get("status").asText(), during.toString());
        assertTrue(during.get("progress").get("done").asInt() < during.get("progress").get("total").asInt(), during.toString());
        HttpResponse<String> notYet = send("GET", "/audit/runs/" + id + "/report.html", auditor, null);
        assertEquals(409, notYet.statusCode(), notYet.body());

        JsonNode done = waitFor(id, auditor, r -> !r.get("status").asText().equals("RUNNING"));
        assertEquals("DONE", done.get("status").asText(), done.toString());
        assertEquals("INCOMPLETE", done.get("verdict").asText(), done.toString());
        JsonNode report = done.get("report");
        assertEquals(id, report.get("runId").asText());
        assertEquals("INCOMPLETE", report.get("verdict").asText());
        // the real region's chain, verified by the engine from its records
        assertEquals("PASS", check(report, "decision-chain", "eu-central").get("status").asText(), report.toString());
        JsonNode af = check(report, "decision-chain", "af-south");
        assertEquals("ERROR", af.get("status").asText());
        assertTrue(af.get("summary").asText().contains("region af-south answered 503"), af.toString());
        // this gateway's own ledger was read with its client token (a gateway client), so eu-central's row is not ERROR
        assertEquals("PASS", check(report, "ledger-matches-decisions", "eu-central").get("status").asText(), report.toString());
        assertTrue(report.get("ledger").get("gateways").toString().contains("eu-central"));
        JsonNode infra = check(report, "infrastructure-in-region", "eu-central");
        assertEquals("SKIPPED", infra.get("status").asText());
        assertTrue(infra.get("summary").asText().contains(GatewayConfig.AUDIT_INFRA_DIR));

        HttpResponse<String> html = send("GET", "/audit/runs/" + id + "/report.html", auditor, null);
        assertEquals(200, html.statusCode(), html.body());
        assertTrue(html.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertTrue(html.body().startsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
        assertTrue(html.body().contains("<span class=\"verdict INCOMPLETE\">INCOMPLETE</span>"));
        assertTrue(html.body().contains(id));

        // runs are stored in Cassandra: a restarted gateway still lists and serves them
        gateway.close();
        gateway = startGateway();
        JsonNode after = JSON.readTree(send("GET", "/audit/runs/" + id, auditor, null).body());
        assertEquals("DONE", after.get("status").asText());
        assertEquals(report, after.get("report"));

        // a second run, now allowed; the listing is newest first with verdicts
        HttpResponse<String> next = send("POST", "/audit/runs", auditor, "{\"regions\": [\"eu-central\"]}");
        assertEquals(202, next.statusCode(), next.body());
        String nextId = JSON.readTree(next.body()).get("runId").asText();
        waitFor(nextId, auditor, r -> !r.get("status").asText().equals("RUNNING"));
        JsonNode list = JSON.readTree(send("GET", "/audit/runs?limit=5", auditor, null).body()).get("runs");
        assertEquals(nextId, list.get(0).get("runId").asText(), list.toString());
        assertEquals(id, list.get(1).get("runId").asText(), list.toString());
        assertEquals("INCOMPLETE", list.get(1).get("verdict").asText());
        assertFalse(list.get(0).has("report") && list.get(0).get("report").isObject(), "the listing carries no reports");
    }

    @Test
    void aTenantAdmin_isRefusedOnEveryRunsEndpoint() throws Exception {
        String admin = userToken(MeridianRealm.LAMP_ADMIN);
        String someId = "00000000-0000-1000-8000-000000000000";
        for (String[] call : List.of(new String[] {"POST", "/audit/runs"}, new String[] {"GET", "/audit/runs"},
                new String[] {"GET", "/audit/runs/" + someId}, new String[] {"GET", "/audit/runs/" + someId + "/report.html"})) {
            HttpResponse<String> r = send(call[0], call[1], admin, call[0].equals("POST") ? "{}" : null);
            assertEquals(403, r.statusCode(), call[0] + " " + call[1] + ": " + r.body());
            assertTrue(JSON.readTree(r.body()).get("detail").asText().contains("compliance-officer"), r.body());
        }
    }

    @Test
    void aBadScope_is400_namingWhatIsWrong() throws Exception {
        String auditor = userToken(MeridianRealm.AUDITOR);
        Map<String, String> bodies = Map.of("{\"regions\": [\"us-east\"]}", "regions must name regions of the federation",
                "{\"from\": \"yesterday\"}", "from must be an ISO-8601 instant",
                "{\"from\": \"2026-11-24T12:00:00Z\", \"to\": \"2026-11-24T11:00:00Z\"}", "from must be before to",
                "{\"tenant\": \"lampco\"}", "field tenant is not known",
                "[1]", "must be a JSON object");
        for (Map.Entry<String, String> b : bodies.entrySet()) {
            HttpResponse<String> r = send("POST", "/audit/runs", auditor, b.getKey());
            assertEquals(400, r.statusCode(), b.getKey() + ": " + r.body());
            assertTrue(JSON.readTree(r.body()).get("detail").asText().contains(b.getValue()), r.body());
        }
        assertEquals(404, send("GET", "/audit/runs/not-a-uuid", auditor, null).statusCode());
        assertEquals(404, send("GET", "/audit/runs/00000000-0000-1000-8000-000000000000", auditor, null).statusCode());
    }

    private JsonNode waitFor(String id, String token, java.util.function.Predicate<JsonNode> until) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            HttpResponse<String> r = send("GET", "/audit/runs/" + id, token, null);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode run = JSON.readTree(r.body());
            if (until.test(run)) {
                return run;
            }
            assertTrue(System.nanoTime() < deadline, "audit run " + id + " did not get there: " + run);
            Thread.sleep(100);
        }
    }

    private static JsonNode check(JsonNode report, String id, String region) {
        for (JsonNode c : report.get("checks")) {
            if (c.get("id").asText().equals(id) && c.get("region").asText().equals(region)) {
                return c;
            }
        }
        throw new AssertionError("no check " + id + " for " + region + " in " + report);
    }

    private static List<String> texts(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String userToken(MeridianRealm.DemoUser user) throws Exception {
        String form = Map.of("grant_type", "password", "client_id", MeridianRealm.CLI_CLIENT, "username", user.username(), "password", user.password())
                .entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(keycloak.tokenEndpoint()).timeout(TIMEOUT)
                .header("content-type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("token request failed with " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body()).get("access_token").asText();
    }
}
