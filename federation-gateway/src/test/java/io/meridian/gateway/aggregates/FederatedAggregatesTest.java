package io.meridian.gateway.aggregates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.gateway.TestTokens;
import io.meridian.gateway.app.Gateway;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.ledger.InMemoryTransferLedger;
import io.meridian.gateway.ledger.LedgerEntry;
import io.meridian.gateway.ledger.LedgerVerification;
import io.meridian.gateway.ledger.TransferLedger;
import io.meridian.gateway.ledger.TransferRecord;
import io.meridian.gateway.problem.Responses;
import io.meridian.gateway.tracing.GatewayTracing;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.regions.RegionConfigs;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The aggregate fan-out through the whole gateway (HTTP in, Camel routes, resilience4j, HTTP out) against stand-in
 * regions that answer in the region data API's format: exact merging, the payload-hash check, a region that never
 * answers and its breaker, region errors, the ledger, and what the exported spans hold.
 */
class FederatedAggregatesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestTokens TOKENS = new TestTokens();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final String TENANT = "lampco";
    private static final String SUBJECT = "subject-7f3a9c";
    private static final String HOUR = "2026-11-24T10:00:00Z";
    private static final String QUERY = "metric=temp&resolution=PT1H&from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z&group=label:model";

    private final List<AutoCloseable> open = new ArrayList<>();
    private StubRegions stubs;

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private Gateway start(TransferLedger ledger, GatewayTracing tracing, Map<String, String> extra) throws Exception {
        stubs = new StubRegions();
        open.add(stubs);
        Map<String, String> props = new HashMap<>(Map.of(GatewayConfig.REGION, "us-east", GatewayConfig.PORT, "0",
                GatewayConfig.CATALOG_URL, stubs.base() + "/catalog/v1", GatewayConfig.ISSUER, stubs.base() + "/realms/meridian",
                GatewayConfig.REGIONS, "eu-central,af-south,us-east", GatewayConfig.REGION_TIMEOUT, "PT2S"));
        for (String r : List.of("eu-central", "af-south", "us-east")) {
            props.put(GatewayConfig.REGION_PREFIX + r + ".dataApi", stubs.base() + "/" + r + "/v1");
        }
        props.putAll(extra);
        GatewayConfig config = GatewayConfig.from(RegionConfigs.loadDefault(), props::get, Map.of(GatewayConfig.CLIENT_SECRET_ENV, "s")::get);
        Gateway gateway = tracing == null ? Gateway.start(config, TOKENS.validator(), Clock.systemUTC(), ledger)
                : Gateway.start(config, TOKENS.validator(), Clock.systemUTC(), ledger, Optional.empty(), tracing);
        open.add(gateway);
        return gateway;
    }

    private static String analyst() {
        return TOKENS.sign(TestTokens.user(TENANT, "customer-analyst").subject(SUBJECT).build());
    }

    private static HttpResponse<String> get(Gateway gateway, String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + pathAndQuery)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + analyst()).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static JsonNode problem(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""));
        return JSON.readTree(r.body());
    }

    private static JsonNode cell(JsonNode body, String model) {
        for (JsonNode c : body.get("cells")) {
            if (c.get("group").path("value").asText().equals(model)) {
                return c;
            }
        }
        return null;
    }

    private static JsonNode region(JsonNode body, String id) {
        for (JsonNode r : body.get("regions")) {
            if (r.get("region").asText().equals(id)) {
                return r;
            }
        }
        throw new AssertionError("no region " + id + " in " + body);
    }

    private static StubRegions.Cell cellOf(String model, List<Map.Entry<String, Double>> values) {
        return new StubRegions.Cell(HOUR, "PT1H", "label:model", model, values);
    }

    /** Three regions with fixed data; the "rare" group passes k in EU and ZA but is suppressed in the US. */
    private Map<String, StubRegions.Answer> threeRegions() {
        Map<String, StubRegions.Answer> a = new HashMap<>();
        a.put("eu-central", StubRegions.answer("ALLOW", 41, Map.of(), List.of(cellOf("classic", StubRegions.values("eu-c-", 12, 10.0)),
                cellOf("rare", StubRegions.values("eu-r-", 11, -3.5)))));
        a.put("af-south", StubRegions.answer("ALLOW", 7, Map.of(), List.of(cellOf("classic", StubRegions.values("af-c-", 15, 20.25)),
                cellOf("rare", StubRegions.values("af-r-", 10, 1.0)))));
        a.put("us-east", StubRegions.answer("PARTIAL", 3, Map.of("K", 1), List.of(cellOf("classic", StubRegions.values("us-c-", 13, 5.0)))));
        a.forEach((r, answer) -> stubs.region(r, StubRegions.serve(TENANT, r, answer)));
        return a;
    }

    private static void assertExact(JsonNode cell, List<Map.Entry<String, Double>> all) {
        List<Double> v = all.stream().map(Map.Entry::getValue).sorted().toList();
        assertEquals(v.size(), cell.get("count").asLong());
        assertEquals(v.stream().mapToDouble(Double::doubleValue).sum(), cell.get("sum").asDouble(), 0.0);
        assertEquals(v.get(0), cell.get("min").asDouble(), 0.0);
        assertEquals(v.get(v.size() - 1), cell.get("max").asDouble(), 0.0);
        assertEquals(all.stream().map(Map.Entry::getKey).distinct().count(), cell.get("distinctDevices").asLong());
        assertTrue(cell.get("distinctExact").asBoolean());
        for (double q : new double[] {0.5, 0.99}) {
            double exact = v.get((int) Math.floor(q * (v.size() - 1)));
            double got = cell.get("quantiles").get(q == 0.5 ? "p50" : "p99").asDouble();
            assertTrue(Math.abs(got - exact) <= 0.01 * Math.abs(exact) + 1e-9, "q" + q + ": " + got + " vs exact " + exact);
        }
    }

    @Test
    void cellsOfAllRegions_mergeExactly_andOnlyForeignPartsAreRecorded() throws Exception {
        InMemoryTransferLedger ledger = new InMemoryTransferLedger();
        Gateway gateway = start(ledger, null, Map.of());
        Map<String, StubRegions.Answer> answers = threeRegions();

        JsonNode body = ok(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?" + QUERY));

        assertFalse(body.get("partial").asBoolean(), body.toString());
        assertEquals(0, body.get("unavailableRegions").size());
        assertEquals(2, body.get("cells").size());
        List<Map.Entry<String, Double>> classic = Stream.of(StubRegions.values("eu-c-", 12, 10.0), StubRegions.values("af-c-", 15, 20.25),
                StubRegions.values("us-c-", 13, 5.0)).flatMap(List::stream).toList();
        JsonNode c = cell(body, "classic");
        assertExact(c, classic);
        assertEquals(List.of("af-south", "eu-central", "us-east"), sorted(c.get("regions")));
        assertEquals(HOUR, c.get("windowStart").asText());
        // suppressed in the US: merged from the two regions that released it, and the US decision counts the suppression
        JsonNode rare = cell(body, "rare");
        assertExact(rare, Stream.of(StubRegions.values("eu-r-", 11, -3.5), StubRegions.values("af-r-", 10, 1.0)).flatMap(List::stream).toList());
        assertEquals(List.of("af-south", "eu-central"), sorted(rare.get("regions")));
        JsonNode us = region(body, "us-east");
        assertEquals("PARTIAL", us.get("decision").get("outcome").asText());
        assertEquals(1, us.get("decision").get("suppressedCounts").get("K").asInt());
        assertEquals(1, us.get("cells").asInt());
        assertEquals(answers.get("eu-central").decisionId().toString(), region(body, "eu-central").get("decision").get("id").asText());

        // the regions were asked for the same explicit range, with the gateway's token
        assertEquals(3, stubs.received.size());
        stubs.received.forEach(r -> {
            assertEquals("Bearer gateway-token", r.authorization());
            assertTrue(r.query().contains("from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z"), r.query());
        });

        List<LedgerEntry> entries = ledger.read(1, 10);
        assertEquals(2, entries.size(), "EU and ZA parts are transfers into the US; the US part is not");
        for (LedgerEntry e : entries) {
            TransferRecord r = e.record();
            StubRegions.Answer a = answers.get(r.sourceRegion().value());
            assertEquals(TransferRecord.Kind.RECEIVED, r.kind());
            assertEquals(a.decisionId(), r.sourceDecisionId());
            assertEquals(a.sequence(), r.sourceDecisionSequence());
            assertEquals(a.payloadHash(), r.payloadHash());
            assertEquals(a.cells().getBytes(StandardCharsets.UTF_8).length, r.bytes());
            assertEquals(2, r.cells());
            assertEquals("US", r.destination().code());
            assertEquals(TENANT, r.tenant());
        }
        assertEquals(List.of("af-south", "eu-central"), entries.stream().map(e -> e.record().sourceRegion().value()).sorted().toList());
    }

    @Test
    void aQueryForAnOnwardJurisdiction_asksEveryRegionToDecideForIt_andRecordsNothingAsReceived() throws Exception {
        InMemoryTransferLedger ledger = new InMemoryTransferLedger();
        Gateway gateway = start(ledger, null, Map.of());
        threeRegions();
        FederatedAggregates.Query query = new FederatedAggregates.Query("temp", "PT1H", Optional.of("2026-11-24T10:00:00Z"),
                Optional.of("2026-11-24T11:00:00Z"), "label:model", false);

        FederatedAggregates.Result result = gateway.aggregates().query(TENANT, query, Optional.of(Jurisdiction.of("ZA")));
        assertEquals(3, result.parts().size());
        assertEquals(3, stubs.received.size());
        stubs.received.forEach(r -> assertTrue(r.query().endsWith("&onward=ZA"), r.query()));
        assertEquals(0, ledger.read(1, 10).size(), "the exporter records these parts as EXPORTED to ZA, not as RECEIVED in the US");

        // onward to the gateway's own jurisdiction is an ordinary query
        stubs.received.clear();
        gateway.aggregates().query(TENANT, query, Optional.of(Jurisdiction.of("US")));
        stubs.received.forEach(r -> assertFalse(r.query().contains("onward"), r.query()));
        assertEquals(2, ledger.read(1, 10).size());
    }

    @Test
    void cellsThatDoNotHashToTheDecision_areRefused_andTheRegionIsReportedNotMerged() throws Exception {
        InMemoryTransferLedger ledger = new InMemoryTransferLedger();
        Gateway gateway = start(ledger, null, Map.of());
        Map<String, StubRegions.Answer> answers = threeRegions();
        StubRegions.Answer af = answers.get("af-south");
        // one value changed in flight: still valid JSON and a valid state, but not what af-south logged
        StubRegions.Answer tampered = StubRegions.answer("ALLOW", 7, Map.of(), List.of(cellOf("classic", StubRegions.values("af-c-", 15, 99.0))));
        stubs.region("af-south", StubRegions.serve(TENANT, "af-south", af.withCells(tampered.cells())));

        JsonNode body = ok(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?" + QUERY));

        assertTrue(body.get("partial").asBoolean());
        assertEquals("af-south", body.get("unavailableRegions").get(0).asText());
        JsonNode r = region(body, "af-south");
        assertEquals("REJECTED", r.get("status").asText());
        assertTrue(r.get("reason").asText().contains("do not match its decision " + af.decisionId()), r.toString());
        assertEquals(List.of("eu-central", "us-east"), sorted(cell(body, "classic").get("regions")));
        assertEquals(List.of("eu-central"), ledger.read(1, 10).stream().map(e -> e.record().sourceRegion().value()).toList());
    }

    /** A gateway over the three regions' fixed data whose breakers open after two failed calls of two, for 60 s. */
    private Gateway startWithQuickBreakers() throws Exception {
        Gateway gateway = start(new InMemoryTransferLedger(), null, Map.of(GatewayConfig.BREAKER_CALLS, "2", GatewayConfig.BREAKER_MINIMUM_CALLS, "2",
                GatewayConfig.BREAKER_OPEN_FOR, "PT60S"));
        threeRegions();
        return gateway;
    }

    /** The region's stand-in holds every request until the test ends. */
    private void neverAnswers(String region) {
        CountDownLatch never = new CountDownLatch(1);
        open.add(0, never::countDown);
        stubs.region(region, e -> never.await(60, TimeUnit.SECONDS));
    }

    @Test
    void aRegionThatNeverAnswers_costsOneTimeout_thenItsOpenBreakerFailsFast_andTheOthersAreServed() throws Exception {
        Gateway gateway = startWithQuickBreakers();
        neverAnswers("af-south");

        List<Long> millis = new ArrayList<>();
        List<JsonNode> bodies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            long t0 = System.nanoTime();
            bodies.add(ok(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?" + QUERY)));
            millis.add((System.nanoTime() - t0) / 1_000_000);
        }
        for (JsonNode b : bodies) {
            assertTrue(b.get("partial").asBoolean());
            assertEquals(List.of("af-south"), sorted(b.get("unavailableRegions")));
            assertEquals(List.of("eu-central", "us-east"), sorted(cell(b, "classic").get("regions")), "the other regions are served");
        }
        // the first two wait out the 2 s limit; they open af-south's breaker, so the next two do not wait for it
        assertTrue(millis.get(0) >= 1900 && millis.get(0) < 6000, "first answer after " + millis);
        assertTrue(region(bodies.get(0), "af-south").get("reason").asText().equals("region af-south did not answer within 2000 ms"),
                bodies.get(0).toString());
        assertTrue(millis.get(3) < 1000, "with the breaker open the answer must not wait for af-south: " + millis);
        assertTrue(region(bodies.get(3), "af-south").get("reason").asText().contains("circuit breaker is open"), bodies.get(3).toString());
    }

    @Test
    void aBreakerOpenedByTheFanOut_alsoRefusesThatRegionsDeviceRequestsAtOnce() throws Exception {
        Gateway gateway = startWithQuickBreakers();
        neverAnswers("us-east");
        stubs.region("catalog", e -> StubRegions.send(e, 200, "application/json",
                ("{\"device-id\": \"lamp-1\", \"tenant\": \"" + TENANT + "\", \"region\": \"us-east\", \"state\": \"ACTIVE\"}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        for (int i = 0; i < 2; i++) {
            assertEquals(List.of("us-east"), sorted(ok(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?" + QUERY)).get("unavailableRegions")));
        }
        // us-east is this gateway's own region, so its device's state would be served from there: the open breaker answers
        long t0 = System.nanoTime();
        JsonNode p = problem(get(gateway, "/v1/tenants/" + TENANT + "/devices/lamp-1/state"), 503);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("region us-east is skipped: its circuit breaker is open after repeated failures (it is tried again after 60 s)",
                p.get("detail").asText());
        assertTrue(millis < 1000, "the open breaker must answer without waiting for us-east: " + millis + " ms");
        assertTrue(stubs.received.stream().noneMatch(r -> r.region().equals("us-east") && r.path().contains("/devices/")),
                "us-east must not be asked: " + stubs.received);
    }

    @Test
    void withoutItsOwnToken_theGatewayNamesThat_forEveryRegion_andNoBreakerCountsIt() throws Exception {
        Gateway gateway = startWithQuickBreakers();
        stubs.refuseTokens = true;
        for (int i = 0; i < 3; i++) {
            JsonNode b = ok(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?" + QUERY));
            assertEquals(List.of("af-south", "eu-central", "us-east"), sorted(b.get("unavailableRegions")), b.toString());
            for (String r : List.of("af-south", "eu-central", "us-east")) {
                assertEquals("the gateway could not get its own token from Keycloak to ask region " + r, region(b, r).get("reason").asText());
            }
        }
        // three "failures" of two-call breakers would have opened them all: the token was the gateway's problem, not theirs
        stubs.refuseTokens = false;
        JsonNode served = ok(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?" + QUERY));
        assertFalse(served.get("partial").asBoolean(), served.toString());
    }

    @Test
    void regionErrors_mapToClearAnswers() throws Exception {
        Gateway gateway = start(new InMemoryTransferLedger(), null, Map.of());
        threeRegions();
        stubs.region("eu-central", e -> StubRegions.send(e, 401, "application/problem+json",
                "{\"status\":401,\"detail\":\"the bearer token has expired\"}".getBytes(StandardCharsets.UTF_8)));
        stubs.region("af-south", e -> StubRegions.send(e, 503, "application/problem+json", "{\"status\":503}".getBytes(StandardCharsets.UTF_8)));
        JsonNode body = ok(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?" + QUERY));
        assertEquals(List.of("af-south", "eu-central"), sorted(body.get("unavailableRegions")));
        assertEquals("region eu-central refused the gateway's token (401): the bearer token has expired", region(body, "eu-central").get("reason").asText());
        assertEquals("region af-south answered 503", region(body, "af-south").get("reason").asText());

        stubs.region("eu-central", e -> StubRegions.send(e, 400, "application/problem+json",
                "{\"status\":400,\"detail\":\"no metric temp is mapped for tenant lampco\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("region eu-central refused the query: no metric temp is mapped for tenant lampco",
                problem(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?" + QUERY), 400).get("detail").asText());

        // the gateway's own checks name the parameter, before any region is asked
        int asked = stubs.received.size();
        assertEquals("the query parameter metric is required", problem(get(gateway, "/v1/tenants/" + TENANT + "/aggregates"), 400).get("detail").asText());
        assertEquals("resolution must be PT1M, PT15M or PT1H, was 'PT5M'",
                problem(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?metric=temp&resolution=PT5M"), 400).get("detail").asText());
        assertTrue(problem(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?metric=temp&from=yesterday"), 400).get("detail").asText()
                .startsWith("from must be an ISO-8601 instant"));
        assertTrue(problem(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?metric=temp&grop=all"), 400).get("detail").asText()
                .startsWith("unknown query parameter 'grop'"));
        assertEquals("group must be all, geohash or label:<key>, was 'device'",
                problem(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?metric=temp&group=device"), 400).get("detail").asText());
        assertEquals(asked, stubs.received.size());
    }

    @Test
    void aLedgerThatCannotRecord_turnsTheAnswerInto503_withNoCellsServed() throws Exception {
        TransferLedger broken = new TransferLedger() {
            @Override
            public LedgerEntry append(TransferRecord record) {
                throw new IllegalStateException("Cassandra write timed out");
            }

            @Override
            public List<LedgerEntry> read(long from, int limit) {
                return List.of();
            }

            @Override
            public LedgerVerification verify() {
                return LedgerVerification.of(List.of());
            }
        };
        Gateway gateway = start(broken, null, Map.of());
        threeRegions();
        HttpResponse<String> r = get(gateway, "/v1/tenants/" + TENANT + "/aggregates?" + QUERY);
        JsonNode p = problem(r, 503);
        assertTrue(p.get("detail").asText().startsWith("the transfer ledger could not record the aggregates received from region"), r.body());
        assertFalse(r.body().contains("cells"));
        assertFalse(r.body().contains("Cassandra"), "the cause is for the log only");
    }

    @Test
    void spans_areNamedByTemplate_carryNoDeviceOrSubject_andTheRegionGetsTheGatewaysTraceparent() throws Exception {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        GatewayTracing tracing = GatewayTracing.create(RegionId.of("us-east"), 1.0, exporter);
        Gateway gateway = start(new InMemoryTransferLedger(), tracing, Map.of());
        threeRegions();
        String device = "lamp-serial-00731";
        stubs.region("us-east", e -> StubRegions.send(e, 200, "application/json", "{\"metrics\":{}}".getBytes(StandardCharsets.UTF_8)));
        // the real device route: the catalog (a stub "region" named catalog here) says the device lives in us-east, this
        // gateway's region, so the route asks us-east's data API for the state
        stubs.region("catalog", e -> StubRegions.send(e, 200, "application/json", ("{\"device-id\": \"" + device + "\", \"tenant\": \""
                + TENANT + "\", \"region\": \"us-east\", \"state\": \"ACTIVE\"}").getBytes(StandardCharsets.UTF_8)));
        assertEquals(200, get(gateway, "/v1/tenants/" + TENANT + "/devices/" + device + "/state").statusCode());
        ok(get(gateway, "/v1/tenants/" + TENANT + "/aggregates?" + QUERY));

        List<SpanData> spans = exporter.getFinishedSpanItems();
        List<String> names = spans.stream().map(SpanData::getName).toList();
        assertTrue(names.contains("GET /v1/tenants/{tenant}/devices/{device}/state"), names.toString());
        assertTrue(names.contains("GET /v1/tenants/{tenant}/aggregates"), names.toString());
        assertEquals(4, names.stream().filter(n -> n.startsWith("GET /tenants/")).count(), "one client span per region call: " + names);
        for (SpanData s : spans) {
            String all = s.getName() + " " + s.getAttributes() + " " + s.getEvents() + " " + s.getResource().getAttributes();
            assertFalse(all.contains(device), "span leaks the device id: " + all);
            assertFalse(all.contains(SUBJECT), "span leaks the user's subject: " + all);
            assertFalse(all.contains("/devices/lamp"), "span carries a raw path: " + all);
        }
        // every region received a traceparent of the gateway's trace, naming one of the gateway's client spans
        SpanData aggregates = spans.stream().filter(s -> s.getName().equals("GET /v1/tenants/{tenant}/aggregates")).findFirst().orElseThrow();
        List<StubRegions.Received> fanout = stubs.received.stream().filter(r -> r.path().endsWith("/aggregates")).toList();
        assertEquals(3, fanout.size());
        for (StubRegions.Received r : fanout) {
            assertNotNull(r.traceparent(), r.region() + " got no traceparent");
            String[] tp = r.traceparent().split("-");
            assertEquals(aggregates.getTraceId(), tp[1], r.region());
            SpanData clientSpan = spans.stream().filter(s -> s.getSpanId().equals(tp[2])).findFirst().orElseThrow(() -> new AssertionError(
                    "the traceparent " + r.traceparent() + " names no span the gateway exported"));
            assertEquals(aggregates.getSpanId(), clientSpan.getParentSpanId());
            assertEquals(r.region(), clientSpan.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("meridian.target.region")));
        }
        StubRegions.Received state = stubs.received.stream().filter(r -> r.path().endsWith("/state")).findFirst().orElseThrow();
        SpanData stateSpan = spans.stream().filter(s -> s.getName().equals("GET /v1/tenants/{tenant}/devices/{device}/state")).findFirst().orElseThrow();
        assertEquals(stateSpan.getTraceId(), state.traceparent().split("-")[1]);
    }

    private static List<String> sorted(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        out.sort(null);
        return out;
    }
}
