package io.meridian.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.meridian.policy.ChainHead;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.Outcome;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Regions and gateways on one loopback HTTP server, answering the audit contract's JSON from what a test puts in: region
 * {@code r}'s data API is {@code /r/<r>/v1}, its gateway {@code /g/<r>/v1}. Each region keeps a real hash-chained decision
 * log ({@link DecisionRecord}); each gateway a ledger of entries in the gateway's JSON. Tests tamper with either.
 */
final class StubFederation implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String REVISION = "a".repeat(64);
    static final String TENANT_POLICY = "b".repeat(64);
    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    final HttpServer server;
    final Map<String, List<DecisionRecord>> logs = new ConcurrentHashMap<>();
    /** Overrides of the verify answer per region (a region that lies). */
    final Map<String, ObjectNode> verifyAnswers = new ConcurrentHashMap<>();
    final Map<String, ObjectNode> storage = new ConcurrentHashMap<>();
    final Map<String, ArrayNode> releases = new ConcurrentHashMap<>();
    final Map<String, ArrayNode> ledgers = new ConcurrentHashMap<>();
    final Map<String, ObjectNode> ledgerVerify = new ConcurrentHashMap<>();
    /** path prefix -&gt; status to answer instead (a region or gateway that is down or refuses). */
    final Map<String, Integer> failing = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    /** The token every call must carry; null: any. */
    volatile String requiredToken;
    private long ledgerSeq;

    StubFederation() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        server.start();
    }

    URI dataApi(String region) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/r/" + region + "/v1");
    }

    URI gateway(String region) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/g/" + region + "/v1");
    }

    // ---- building the data

    /** Appends a decision to the region's log and returns it. */
    synchronized DecisionRecord decide(String region, String tenant, DataCategory category, Outcome outcome, String destinationJurisdiction,
            String destinationRegion, String requester, int releasedCells, Map<String, Integer> suppressed, Instant time) {
        List<DecisionRecord> log = logs.computeIfAbsent(region, r -> new ArrayList<>());
        ChainHead previous = log.isEmpty() ? ChainHead.GENESIS : log.get(log.size() - 1).asHead();
        Optional<String> payload = outcome == Outcome.DENY ? Optional.empty() : Optional.of(sha(UUID.randomUUID().toString()));
        DecisionRecord r = new DecisionRecord(1, previous.sequence() + 1, UUID.randomUUID(), time, requester, tenant, RegionId.of(region),
                Jurisdiction.of(destinationJurisdiction), Optional.ofNullable(destinationRegion).map(RegionId::of), List.of(category), REVISION,
                TENANT_POLICY, outcome, outcome == Outcome.DENY ? List.of("A1") : List.of(), new TreeMap<>(suppressed), releasedCells, payload,
                previous.hash(), "0".repeat(64));
        r = r.withHash(r.computeHash());
        log.add(r);
        return r;
    }

    /** An aggregate release by a gateway's service client to another region. */
    DecisionRecord aggregate(String region, String toRegion, String toJurisdiction, Outcome outcome, int cells) {
        return decide(region, "lampco", DataCategory.AGGREGATE, outcome, toJurisdiction, toRegion, "client:gateway-" + toRegion, cells,
                outcome == Outcome.PARTIAL ? Map.of("A4", 2) : Map.of(), T0.plusSeconds(logs.getOrDefault(region, List.of()).size()));
    }

    /** The gateway of {@code gateway} received (or exported) what {@code d} released. */
    synchronized ObjectNode receive(String gateway, String gatewayJurisdiction, String sourceJurisdiction, DecisionRecord d, String kind) {
        ArrayNode ledger = ledgers.computeIfAbsent(gateway, g -> JSON.createArrayNode());
        ObjectNode e = JSON.createObjectNode();
        e.put("sequence", ledger.size() + 1);
        e.put("kind", kind);
        e.put("tenant", d.tenantId());
        e.put("sourceRegion", d.sourceRegion().value());
        e.put("sourceJurisdiction", sourceJurisdiction);
        e.put("destination", gatewayJurisdiction);
        e.put("sourceDecisionId", d.decisionId().toString());
        e.put("sourceDecisionSequence", d.sequence());
        e.put("payloadHash", d.payloadHash().orElse(null));
        e.put("cells", d.releasedCells());
        e.put("bytes", 100);
        e.put("at", d.time().plusMillis(5).toString());
        e.put("previousHash", "0".repeat(64));
        e.put("hash", sha("ledger" + (++ledgerSeq)));
        ledger.add(e);
        return e;
    }

    /** A clean storage answer: every device at home, every keyspace in-region. */
    ObjectNode cleanStorage(String region) {
        ObjectNode s = JSON.createObjectNode();
        s.put("region", region);
        s.put("checkedAt", T0.toString());
        ArrayNode sources = s.putArray("sources");
        for (String src : List.of("cassandra:telemetry", "cassandra:events", "infinispan:latest-state", "s3:archive", "registry:devices")) {
            sources.addObject().put("source", src).put("unit", "items").put("checked", 10).put("devices", 4);
        }
        s.putArray("findings");
        ArrayNode ks = s.putArray("keyspaces");
        for (String k : List.of("meridian_raw", "meridian_aggregates", "meridian_registry", "meridian_decisions")) {
            ObjectNode o = ks.addObject().put("keyspace", k).put("role", "raw");
            o.putObject("replication").put("class", "org.apache.cassandra.locator.SimpleStrategy").put("replication_factor", "1");
            o.putArray("dataCenters").add("datacenter1");
            o.put("inRegion", true).put("reason", "SimpleStrategy on a cluster whose only data centre is datacenter1");
        }
        s.putArray("otherKeyspaces").add("meridian_catalog");
        storage.put(region, s);
        return s;
    }

    /** The region re-checked every aggregate release of its log and found each VERIFIED. */
    ArrayNode cleanReleases(String region) {
        ArrayNode list = JSON.createArrayNode();
        for (DecisionRecord d : logs.getOrDefault(region, List.of())) {
            if (d.outcome() == Outcome.DENY || d.categories().get(0) != DataCategory.AGGREGATE || d.releasedCells() == 0) {
                continue;
            }
            ObjectNode r = list.addObject();
            r.put("decisionId", d.decisionId().toString()).put("sequence", d.sequence()).put("time", d.time().toString())
                    .put("tenant", d.tenantId()).put("outcome", d.outcome().name())
                    .put("destinationJurisdiction", d.destinationJurisdiction().code());
            d.destinationRegion().ifPresent(x -> r.put("destinationRegion", x.value()));
            r.put("policyRevision", d.policyRevision()).put("tenantPolicyFingerprint", d.tenantPolicyFingerprint())
                    .put("releasedCells", d.releasedCells()).put("status", "VERIFIED");
            r.putArray("violations");
            r.putObject("aggregates").put("matched", d.releasedCells()).put("grown", 0).put("missing", 0).put("expired", 0);
        }
        releases.put(region, list);
        return list;
    }

    // ---- serving it

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            String query = x.getRequestURI().getRawQuery() == null ? "" : x.getRequestURI().getRawQuery();
            calls.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            String auth = x.getRequestHeaders().getFirst("Authorization");
            if (requiredToken != null && !("Bearer " + requiredToken).equals(auth)) {
                send(x, 401, problem(401, "token refused"));
                return;
            }
            for (Map.Entry<String, Integer> f : failing.entrySet()) {
                if (path.startsWith(f.getKey())) {
                    send(x, f.getValue(), problem(f.getValue(), "stub failure for " + f.getKey()));
                    return;
                }
            }
            String[] parts = path.split("/", 5); // "", r|g, region, v1, rest
            if (parts.length < 5) {
                send(x, 404, problem(404, "no such path"));
                return;
            }
            String region = parts[2];
            String rest = "/" + parts[4];
            Map<String, String> q = query(query);
            ObjectNode body = parts[1].equals("r") ? region(region, rest, q) : gatewayAnswer(region, rest, q);
            if (body == null) {
                send(x, 404, problem(404, "no such path " + rest));
            } else {
                send(x, 200, body.toString());
            }
        }
    }

    private ObjectNode region(String region, String rest, Map<String, String> q) {
        List<DecisionRecord> log = logs.getOrDefault(region, List.of());
        ChainHead head = log.isEmpty() ? ChainHead.GENESIS : log.get(log.size() - 1).asHead();
        switch (rest) {
            case "/decisions" -> {
                long from = Long.parseLong(q.getOrDefault("from", "1"));
                int limit = Integer.parseInt(q.getOrDefault("limit", "100"));
                ObjectNode b = JSON.createObjectNode().put("region", region);
                ArrayNode items = b.putArray("items");
                long last = 0;
                int n = 0;
                for (DecisionRecord r : log) {
                    if (r.sequence() >= from && n < limit) {
                        items.add(recordJson(r));
                        last = r.sequence();
                        n++;
                    }
                }
                b.putObject("head").put("sequence", head.sequence()).put("hash", head.hash());
                if (n > 0 && last < head.sequence()) {
                    b.put("next", last + 1);
                }
                return b;
            }
            case "/decisions/verify" -> {
                if (verifyAnswers.containsKey(region)) {
                    return verifyAnswers.get(region);
                }
                ObjectNode b = JSON.createObjectNode().put("region", region).put("intact", true).put("recordsChecked", log.size());
                b.putObject("head").put("sequence", head.sequence()).put("hash", head.hash());
                b.putObject("lastGood").put("sequence", head.sequence()).put("hash", head.hash());
                return b;
            }
            case "/audit/storage" -> {
                return storage.get(region);
            }
            case "/audit/releases" -> {
                ArrayNode all = releases.getOrDefault(region, JSON.createArrayNode());
                long from = Long.parseLong(q.getOrDefault("fromSequence", "1"));
                int limit = Integer.parseInt(q.getOrDefault("limit", "500"));
                ObjectNode b = JSON.createObjectNode().put("region", region);
                b.putObject("head").put("sequence", head.sequence()).put("hash", head.hash());
                // a region names the revisions its releases were decided under: none when it released nothing
                ArrayNode revisions = b.putArray("policyRevisions");
                if (!all.isEmpty()) revisions.addObject().put("revision", REVISION).put("firstSeen", T0.toString())
                        .putObject("summary").put("defaultK", 10).put("minimumWindow", "PT15M").put("geohashPrecision", 5);
                ArrayNode page = b.putArray("releases");
                long last = 0;
                for (var r : all) {
                    if (r.path("sequence").asLong() >= from && page.size() < limit) {
                        page.add(r);
                        last = r.path("sequence").asLong();
                    }
                }
                if (page.size() == limit) {
                    b.put("next", last + 1);
                }
                return b;
            }
            default -> {
                return null;
            }
        }
    }

    private ObjectNode gatewayAnswer(String gateway, String rest, Map<String, String> q) {
        ArrayNode ledger = ledgers.getOrDefault(gateway, JSON.createArrayNode());
        switch (rest) {
            case "/audit/ledger" -> {
                long from = Long.parseLong(q.getOrDefault("from", "1"));
                int limit = Integer.parseInt(q.getOrDefault("limit", "100"));
                ObjectNode b = JSON.createObjectNode();
                ArrayNode page = b.putArray("entries");
                for (var e : ledger) {
                    if (e.path("sequence").asLong() >= from && page.size() < limit) {
                        page.add(e);
                    }
                }
                if (page.size() == limit) {
                    b.put("next", page.get(page.size() - 1).path("sequence").asLong() + 1);
                } else {
                    b.putNull("next");
                }
                return b;
            }
            case "/audit/ledger/verify" -> {
                return ledgerVerify.getOrDefault(gateway, JSON.createObjectNode().put("intact", true).put("entriesChecked", ledger.size())
                        .put("lastGood", ledger.size()));
            }
            default -> {
                return null;
            }
        }
    }

    static ObjectNode recordJson(DecisionRecord r) {
        ObjectNode counts = JSON.createObjectNode();
        r.suppressedCounts().forEach(counts::put);
        ObjectNode j = JSON.createObjectNode().put("formatVersion", r.formatVersion()).put("sequence", r.sequence())
                .put("decisionId", r.decisionId().toString()).put("time", r.time().toString()).put("requester", r.requester())
                .put("tenant", r.tenantId()).put("sourceRegion", r.sourceRegion().value())
                .put("destinationJurisdiction", r.destinationJurisdiction().code());
        ArrayNode cats = j.putArray("categories");
        r.categories().forEach(c -> cats.add(c.name()));
        j.put("policyRevision", r.policyRevision()).put("tenantPolicy", r.tenantPolicyFingerprint()).put("outcome", r.outcome().name());
        ArrayNode rules = j.putArray("rules");
        r.ruleIds().forEach(rules::add);
        j.set("suppressedCounts", counts);
        j.put("releasedCells", r.releasedCells()).put("previousHash", r.previousHash()).put("hash", r.hash());
        r.destinationRegion().ifPresent(d -> j.put("destinationRegion", d.value()));
        r.payloadHash().ifPresent(h -> j.put("payloadHash", h));
        return j;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        for (String p : raw.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0) {
                q.put(p.substring(0, eq), java.net.URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private static String problem(int status, String detail) {
        return JSON.createObjectNode().put("type", "about:blank").put("title", "stub").put("status", status).put("detail", detail).toString();
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", status == 200 ? "application/json" : "application/problem+json");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    static String sha(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    int callsTo(String path) {
        return calls.getOrDefault(path, new AtomicInteger()).get();
    }

    static <T> T with(T t, Function<T, T> f) {
        return f.apply(t);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
