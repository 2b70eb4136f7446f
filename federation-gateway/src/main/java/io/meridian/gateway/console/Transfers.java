package io.meridian.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.client.ClientToken;
import io.meridian.gateway.client.RegionClient;
import io.meridian.gateway.ledger.LedgerEntry;
import io.meridian.gateway.ledger.TransferLedger;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.policy.model.RegionId;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What crossed which border, from the regions' decision logs ({@link DecisionFeed}, one per region) and the gateways'
 * transfer ledgers: the arcs of {@code GET /v1/transfers} and the records behind one arc ({@code GET /v1/transfers/{from}/{to}}).
 *
 * <p>An arc is (the region that decided, the region whose gateway asked): a decision names the asking gateway's region
 * in {@code destinationRegion} (its token's {@code region} claim). Decisions for callers without a region (a user who
 * declared a destination jurisdiction) are no arc, and neither are same-region decisions. A customer sees only its
 * tenant's decisions and ledger entries.
 */
public final class Transfers implements AutoCloseable {

    /** Most ledger pages read for one arc's entries. */
    static final int LEDGER_PAGES = 20;
    static final int LEDGER_PAGE = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GatewayConfig config;
    private final Map<RegionId, DecisionFeed> feeds = new LinkedHashMap<>();
    private final TransferLedger ledger;
    private final ClientToken token;
    private final HttpClient http;
    private final Clock clock;
    private final ExecutorService pool;

    public Transfers(GatewayConfig config, RegionClient regions, TransferLedger ledger, ClientToken token, HttpClient http, Clock clock) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.ledger = Objects.requireNonNull(ledger, "ledger must not be null");
        this.token = Objects.requireNonNull(token, "token must not be null");
        this.http = Objects.requireNonNull(http, "http must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
        config.regions().forEach(r -> feeds.put(r.id(), new DecisionFeed(r.id(), regions, clock)));
        // one thread per region: each refresh pages through one region's log while the others do the same
        this.pool = Executors.newFixedThreadPool(Math.max(1, feeds.size()), r -> {
            Thread t = new Thread(r, "console-decision-feed");
            t.setDaemon(true);
            return t;
        });
    }

    /** The region of a path segment, one of the federation's; 404 otherwise. */
    public RegionId region(String segment) {
        return feeds.keySet().stream().filter(id -> id.value().equals(segment)).findFirst()
                .orElseThrow(() -> GatewayProblem.of(404, "region '" + segment + "' is not one of the federation's regions "
                        + feeds.keySet().stream().map(RegionId::value).toList()));
    }

    /** Refreshes every region's feed in parallel; the regions that could not be read, with why. */
    private Map<RegionId, String> refreshAll() {
        Map<RegionId, Future<Optional<String>>> running = new LinkedHashMap<>();
        feeds.forEach((id, feed) -> running.put(id, pool.submit(feed::refresh)));
        Map<RegionId, String> failed = new TreeMap<>(Comparator.comparing(RegionId::value));
        running.forEach((id, f) -> {
            try {
                f.get().ifPresent(why -> failed.put(id, why));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed.put(id, "interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                failed.put(id, String.valueOf(e.getCause()));
            }
        });
        return failed;
    }

    /** The body of {@code GET /v1/transfers}. */
    public ObjectNode arcs(Instant from, Instant to, Optional<String> tenant) {
        Map<RegionId, String> failed = refreshAll();
        Map<String, long[]> arcs = new TreeMap<>();
        for (DecisionFeed feed : feeds.values()) {
            for (DecisionFeed.Decision d : feed.between(from, to)) {
                if (d.destinationRegion().isEmpty() || d.destinationRegion().get().equals(feed.region().value())
                        || tenant.isPresent() && !tenant.get().equals(d.tenant())) {
                    continue;
                }
                long[] counts = arcs.computeIfAbsent(feed.region().value() + "\u0000" + d.destinationRegion().get(), k -> new long[4]);
                switch (d.outcome()) {
                    case "ALLOW" -> counts[0]++;
                    case "PARTIAL" -> counts[1]++;
                    default -> counts[2]++;
                }
                counts[3] += d.suppressedCells();
            }
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("from", from.toString()).put("to", to.toString());
        scope(body, tenant);
        ArrayNode list = body.putArray("arcs");
        arcs.forEach((key, c) -> {
            String[] ends = key.split("\u0000");
            list.addObject().put("from", ends[0]).put("to", ends[1]).put("allow", c[0]).put("partial", c[1]).put("deny", c[2])
                    .put("suppressedCells", c[3]);
        });
        ArrayNode unavailable = body.putArray("unavailableRegions");
        failed.keySet().forEach(id -> unavailable.add(id.value()));
        return body;
    }

    /** The body of {@code GET /v1/transfers/{from}/{to}}: newest first, at most {@code limit} of each. */
    public ObjectNode arc(RegionId source, RegionId requester, Instant from, Instant to, int limit, Optional<String> tenant)
            throws InterruptedException {
        DecisionFeed feed = feeds.get(source);
        Optional<String> failure = feed.refresh();
        List<DecisionFeed.Decision> decisions = new ArrayList<>();
        for (DecisionFeed.Decision d : feed.between(from, to)) {
            if (d.destinationRegion().filter(requester.value()::equals).isPresent() && (tenant.isEmpty() || tenant.get().equals(d.tenant()))) {
                decisions.add(d);
            }
        }
        decisions.sort(Comparator.comparingLong(DecisionFeed.Decision::sequence).reversed());
        ObjectNode body = JSON.createObjectNode();
        body.put("from", source.value()).put("to", requester.value());
        scope(body, tenant);
        ArrayNode list = body.putArray("decisions");
        decisions.stream().limit(limit).forEach(d -> {
            ObjectNode o = list.addObject().put("decisionId", d.decisionId()).put("sequence", d.sequence()).put("at", d.at().toString())
                    .put("outcome", d.outcome()).put("tenant", d.tenant()).put("rule", String.join(",", d.rules()))
                    .put("suppressedCells", d.suppressedCells());
            d.payloadHash().ifPresentOrElse(h -> o.put("payloadHash", h), () -> o.putNull("payloadHash"));
        });
        ArrayNode ledgerList = body.putArray("ledger");
        List<String> unavailable = new ArrayList<>();
        failure.ifPresent(why -> unavailable.add(source.value()));
        try {
            ledgerRows(source, requester, from, to, tenant).stream().limit(limit).forEach(ledgerList::add);
        } catch (IOException | RuntimeException e) {
            unavailable.add(requester.value());
        }
        ArrayNode u = body.putArray("unavailableRegions");
        unavailable.stream().distinct().forEach(u::add);
        return body;
    }

    /** Gateway {@code requester}'s ledger entries received from {@code source}, newest first. */
    private List<ObjectNode> ledgerRows(RegionId source, RegionId requester, Instant from, Instant to, Optional<String> tenant)
            throws IOException, InterruptedException {
        List<ObjectNode> rows = new ArrayList<>();
        long position = 1;
        for (int page = 0; page < LEDGER_PAGES; page++) {
            List<JsonNode> entries = requester.equals(config.region()) ? local(position) : remote(requester, position);
            for (JsonNode e : entries) {
                Instant at = Instant.parse(e.path("at").asText());
                if (e.path("sourceRegion").asText().equals(source.value()) && !at.isBefore(from) && at.isBefore(to)
                        && (tenant.isEmpty() || tenant.get().equals(e.path("tenant").asText()))) {
                    rows.add(JSON.createObjectNode().put("chain", e.path("chain").asText()).put("position", position)
                            .put("sequence", e.path("sequence").asLong()).put("at", at.toString()).put("kind", e.path("kind").asText())
                            .put("sourceRegion", source.value()).put("sourceDecisionId", e.path("sourceDecisionId").asText())
                            .put("payloadHash", e.path("payloadHash").asText()).put("tenant", e.path("tenant").asText()));
                }
                position++;
            }
            if (entries.size() < LEDGER_PAGE) {
                break;
            }
        }
        rows.sort(Comparator.comparing((ObjectNode o) -> o.path("at").asText()).thenComparingLong(o -> o.path("position").asLong()).reversed());
        return rows;
    }

    private List<JsonNode> local(long position) {
        List<JsonNode> out = new ArrayList<>();
        for (LedgerEntry e : ledger.read(position, LEDGER_PAGE)) {
            out.add(io.meridian.gateway.routes.audit.LedgerJson.entry(e));
        }
        return out;
    }

    /** Another gateway's ledger page, read with this gateway's client token (a gateway client may read every ledger). */
    private List<JsonNode> remote(RegionId gateway, long position) throws IOException, InterruptedException {
        URI base = config.links(gateway).orElseThrow().gateway();
        String bearer;
        try {
            bearer = token.get();
        } catch (ClientToken.TokenException e) {
            throw new IOException("no gateway token", e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/audit/ledger?from=" + position + "&limit=" + LEDGER_PAGE))
                .timeout(config.regionTimeout()).header("Authorization", "Bearer " + bearer).GET().build();
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 401) {
            token.reject(bearer);
        }
        if (r.statusCode() != 200) {
            throw new IOException("gateway " + gateway.value() + " answered " + r.statusCode() + " to its ledger request");
        }
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(r.body()).path("entries").forEach(out::add);
        return out;
    }

    private static void scope(ObjectNode body, Optional<String> tenant) {
        ObjectNode scope = body.putObject("scope");
        tenant.ifPresentOrElse(t -> scope.put("tenant", t), () -> scope.putNull("tenant"));
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
