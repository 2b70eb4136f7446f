package io.meridian.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.regions.RegionConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway benchmark against a stub HTTP server that plays the gateway (10 ms) and two regions (1 ms and 50 ms), with
 * fixed tokens: what it measures, which region it calls slowest, and what it counts as an error.
 */
class GatewayQueryLoadTest {

    private static final Instant NOW = Instant.parse("2026-11-24T07:40:31.250Z");
    private static final GatewayQueryLoad.Tokens TOKENS = new GatewayQueryLoad.Tokens() {
        @Override
        public String user() {
            return "user-token";
        }

        @Override
        public String client() {
            return "client-token";
        }
    };

    private Vertx vertx;
    private HttpServer server;
    private final Set<String> queries = ConcurrentHashMap.newKeySet();
    private final AtomicInteger wrongToken = new AtomicInteger();
    private volatile String gatewayBody = "{\"partial\":false,\"unavailableRegions\":[]}";

    @BeforeEach
    void startStub() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(this::answer).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stopStub() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void answer(HttpServerRequest r) {
        queries.add(r.uri().substring(r.uri().indexOf('?') + 1));
        boolean gateway = r.path().startsWith("/gw/");
        String expected = "Bearer " + (gateway ? "user-token" : "client-token");
        if (!expected.equals(r.getHeader("Authorization"))) {
            wrongToken.incrementAndGet();
            r.response().setStatusCode(401).end();
            return;
        }
        long delay = gateway ? 10 : r.path().startsWith("/slow/") ? 50 : 1;
        String body = gateway ? gatewayBody : "{\"decision\":{\"outcome\":\"ALLOW\"},\"cells\":[]}";
        vertx.setTimer(delay, t -> r.response().putHeader("content-type", "application/json").end(body));
    }

    private GatewayQueryLoad.Options options(String... extra) {
        String base = "http://127.0.0.1:" + server.actualPort();
        List<String> args = new java.util.ArrayList<>(List.of("--gateway", base + "/gw/v1", "--regions", "fast=" + base + "/fast/v1,slow="
                + base + "/slow/v1", "--tenant", "bench-t", "--rate", "40", "--rounds", "2", "--round-seconds", "1", "--warmup", "1",
                "--max-concurrency", "4", "--max-seconds", "1"));
        args.addAll(List.of(extra));
        return GatewayQueryLoad.Options.parse(args.toArray(String[]::new), RegionConfigs.loadDefault());
    }

    @Test
    void run_measuresEveryTarget_andComparesTheGatewayWithTheSlowestRegion() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        GatewayQueryLoad.Report r = GatewayQueryLoad.run(options(), vertx, TOKENS, NOW, new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertEquals(0, wrongToken.get(), "the gateway gets the user's token, the regions the gateway client's");
        assertEquals(0, r.failures(), String.valueOf(r));
        assertEquals(Set.of("fast", "slow"), r.regions().keySet());
        assertEquals("slow", r.slowestP50());
        assertEquals("slow", r.slowestP99());
        // two rounds of 1 s at 40 queries/s per target, give or take the schedule's edges
        for (GatewayQueryLoad.Measured m : List.of(r.gateway(), r.regions().get("fast"), r.regions().get("slow"))) {
            assertTrue(m.ok() >= 70 && m.ok() <= 82, m.target() + " answered " + m.ok());
        }
        assertTrue(r.regions().get("slow").millis(50) >= 50, "the slow region answers after 50 ms: " + r.regions().get("slow").millis(50));
        assertTrue(r.gateway().millis(50) >= 10 && r.gateway().millis(50) < 50, "gateway p50 " + r.gateway().millis(50));
        assertTrue(r.p50Ratio() < 1.0, "a 10 ms gateway against a 50 ms region: " + r.p50Ratio());
        // both regions asked at once: answered when the slow one answered, so never sooner than 50 ms
        GatewayQueryLoad.Measured atOnce = r.regionsAtOnce();
        assertEquals(GatewayQueryLoad.REGIONS_AT_ONCE, atOnce.target());
        assertTrue(atOnce.ok() >= 70 && atOnce.ok() <= 82, "regions at once answered " + atOnce.ok());
        assertTrue(atOnce.millis(50) >= 50 && atOnce.millis(50) < 100, "regions at once p50 " + atOnce.millis(50));
        assertTrue(r.p50OverAtOnce() < 1.0, "a 10 ms gateway against a 50 ms fan-out: " + r.p50OverAtOnce());
        assertTrue(r.maximum().ok() > 0 && r.maximum().perSecond() > 100, "4 in flight at ~10 ms each: " + r.maximum().perSecond());
        // one range for every query: the hour up to the run's whole minute
        assertEquals(Set.of("metric=v&resolution=PT15M&from=2026-11-24T06:40:00Z&to=2026-11-24T07:40:00Z"), queries);

        ByteArrayOutputStream report = new ByteArrayOutputStream();
        GatewayQueryLoad.print(r, new PrintStream(report, true, StandardCharsets.UTF_8));
        String text = report.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("ratio gateway / slowest region: p50 "), text);
        assertTrue(text.contains("(vs slow); target <= 1.3"), text);
        assertTrue(text.contains("regions at once"), text);
        assertTrue(text.contains("gateway / regions at once (what the gateway adds to its fan-out): p50 "), text);
        assertTrue(text.contains("errors: none"), text);
    }

    @Test
    void maxTarget_aRegion_loadsThatRegionsDataApi_withTheClientsToken() throws Exception {
        GatewayQueryLoad.Report r = GatewayQueryLoad.run(options("--max-target", "slow", "--rounds", "1"), vertx, TOKENS, NOW,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, wrongToken.get(), "the region gets the gateway client's token in the closed loop too");
        assertEquals("slow (closed loop)", r.maximum().target());
        // 4 in flight at 50 ms each is at most 80 queries/s: the slow region was loaded, not the 10 ms gateway
        assertTrue(r.maximum().ok() > 0 && r.maximum().perSecond() <= 85, "slow region closed loop: " + r.maximum().perSecond());
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        GatewayQueryLoad.print(r, new PrintStream(report, true, StandardCharsets.UTF_8));
        assertTrue(report.toString(StandardCharsets.UTF_8).contains("slow maximum: "), report.toString(StandardCharsets.UTF_8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> options("--max-target", "mars"));
        assertTrue(e.getMessage().contains("--max-target must be gateway or a region of --regions"), e.getMessage());
    }

    @Test
    void partialGatewayAnswers_andRefusedTokens_countAsErrors() throws Exception {
        gatewayBody = "{\"partial\": true,\"unavailableRegions\":[\"af-south\"]}";
        GatewayQueryLoad.Report r = GatewayQueryLoad.run(options("--max-concurrency", "0", "--rounds", "1"), vertx,
                new GatewayQueryLoad.Tokens() {
                    @Override
                    public String user() {
                        return "user-token";
                    }

                    @Override
                    public String client() {
                        return "someone-else";
                    }
                }, NOW, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        assertEquals(0, r.gateway().ok());
        assertTrue(r.gateway().errors().get("partial answer") >= 35, String.valueOf(r.gateway().errors()));
        assertTrue(r.regions().get("fast").errors().get("HTTP 401") >= 35, String.valueOf(r.regions().get("fast").errors()));
        // a query to all regions at once fails when any of them refused it
        assertEquals(0, r.regionsAtOnce().ok());
        assertTrue(r.regionsAtOnce().errors().get("HTTP 401") >= 35, String.valueOf(r.regionsAtOnce().errors()));
        assertNull(r.maximum());
        assertTrue(r.failures() > 100);
    }

    @Test
    void checks_tellCompleteAnswersFromPartialOnes() {
        assertNull(GatewayQueryLoad.checkGateway(200, Buffer.buffer("{\"partial\":false}")));
        assertEquals("partial answer", GatewayQueryLoad.checkGateway(200, Buffer.buffer("{\"cells\":[],\"partial\" : true}")));
        assertEquals("HTTP 503", GatewayQueryLoad.checkGateway(503, Buffer.buffer("{}")));
        assertNull(GatewayQueryLoad.checkRegion(200, Buffer.buffer("{}")));
        assertEquals("HTTP 451", GatewayQueryLoad.checkRegion(451, Buffer.buffer("{}")));
    }

    @Test
    void options_defaultToTheLocalFederation() {
        RegionConfigs configs = RegionConfigs.loadDefault();
        GatewayQueryLoad.Options o = GatewayQueryLoad.Options.parse(new String[0], configs);

        assertEquals("http://127.0.0.1:" + configs.require("us-east").localPorts().gateway() + "/v1", o.gateway().toString());
        assertEquals(configs.localServices().defaultRegions().stream().map(id -> id.value()).toList(), List.copyOf(o.regions().keySet()));
        assertEquals("http://127.0.0.1:" + configs.require("af-south").localPorts().dataApi() + "/v1", o.regions().get("af-south").toString());
        assertEquals("gateway-us-east", o.client());
        assertEquals("gateway-us-east-dev-secret", o.secret());
        assertEquals("lampco", o.tenant());
        assertEquals("gateway-eu-central", GatewayQueryLoad.Options.parse(new String[] {"--gateway-region", "eu-central"}, configs).client());
    }

    @Test
    void options_refuseWhatCannotBeRun() {
        RegionConfigs configs = RegionConfigs.loadDefault();
        Map<String, String[]> bad = Map.of(
                "unknown option --rounds-seconds", new String[] {"--rounds-seconds", "5"},
                "--query must be name=value pairs joined by & without from/to, was 'metric=v&from=x'", new String[] {"--query", "metric=v&from=x"},
                "--rate must be 1-100000 queries/s, was 0", new String[] {"--rate", "0"},
                "--regions entries must be id=URL, was 'http://127.0.0.1:1/v1'", new String[] {"--regions", "http://127.0.0.1:1/v1"},
                "--gateway must be http://host:port/..., was https://127.0.0.1:1/v1", new String[] {"--gateway", "https://127.0.0.1:1/v1"},
                "--max-requests must be a whole number, was 'lots'", new String[] {"--max-requests", "lots"});
        bad.forEach((message, args) -> assertEquals(message,
                assertThrows(IllegalArgumentException.class, () -> GatewayQueryLoad.Options.parse(args, configs)).getMessage()));
        assertThrows(IllegalArgumentException.class, () -> GatewayQueryLoad.Options.parse(new String[] {"--gateway-region", "mars"}, configs));
    }
}
