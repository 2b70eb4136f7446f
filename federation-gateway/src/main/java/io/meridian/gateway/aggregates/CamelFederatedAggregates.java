package io.meridian.gateway.aggregates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.aggregate.WindowState;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.ledger.TransferLedger;
import io.meridian.gateway.ledger.TransferRecord;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.gateway.tracing.GatewayTracing;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import io.opentelemetry.context.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link FederatedAggregates} over Camel: the query goes to the fan-out route ({@link AggregatesRoutes}), which asks
 * every region in parallel, each behind its own circuit breaker and time limit; this class then checks each answer
 * ({@link RegionAnswer}), merges the cells, and records every cross-border part in the transfer ledger before it
 * returns anything.
 */
final class CamelFederatedAggregates implements FederatedAggregates {

    private static final Logger LOG = LoggerFactory.getLogger(CamelFederatedAggregates.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> RESOLUTIONS = Set.of("PT1M", "PT15M", "PT1H");
    /** The region data API's limit on an aggregate query's range (RegionDataApi.MAX_AGGREGATE_RANGE). */
    private static final Duration MAX_RANGE = Duration.ofDays(31);
    private static final Duration DEFAULT_RANGE = Duration.ofHours(1);

    private final GatewayConfig config;
    private final TransferLedger ledger;
    private final Clock clock;
    private ProducerTemplate template;

    CamelFederatedAggregates(GatewayConfig config, TransferLedger ledger, Clock clock) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.ledger = Objects.requireNonNull(ledger, "ledger must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /** Called once the fan-out routes exist (the template is the context's, started with it). */
    void useTemplate(ProducerTemplate template) {
        this.template = template;
    }

    @Override
    public Result query(String tenant, Query query, Optional<Jurisdiction> onward) {
        Objects.requireNonNull(tenant, "tenant must not be null");
        Objects.requireNonNull(query, "query must not be null");
        Objects.requireNonNull(onward, "onward must not be null");
        // passing on to this gateway's own jurisdiction is no onward transfer
        Optional<Jurisdiction> beyond = onward.filter(j -> !j.equals(config.jurisdiction()));
        if (template == null) {
            throw new IllegalStateException("the aggregate routes have not been started");
        }
        Range range = validate(query);
        String path = "/tenants/" + URLEncoder.encode(tenant, StandardCharsets.UTF_8).replace("+", "%20") + "/aggregates?metric="
                + enc(query.metric()) + "&resolution=" + query.resolution() + "&from=" + range.from() + "&to=" + range.to() + "&group="
                + enc(query.group()) + "&merge=" + query.merge() + beyond.map(j -> "&onward=" + enc(j.code())).orElse("");
        // the trace of the request (or of whatever calls this) goes with the branches, which run on other threads
        Context trace = Context.current();
        Exchange done = template.send(AggregatesRoutes.FANOUT, e -> {
            e.getMessage().setBody(path);
            e.setProperty(GatewayTracing.CONTEXT_PROPERTY, trace);
        });
        if (done.getException() != null) {
            throw new IllegalStateException("the aggregate fan-out failed", done.getException());
        }
        Map<RegionId, RegionReply> replies = new HashMap<>();
        for (Object o : done.getMessage().getBody(List.class)) {
            if (o instanceof RegionReply r) {
                replies.put(r.region(), r);
            }
        }
        return assemble(tenant, query, range, replies, beyond);
    }

    /** From checked region replies to the answer; records cross-border parts first. Package-private for tests. */
    Result assemble(String tenant, Query query, Range range, Map<RegionId, RegionReply> replies) {
        return assemble(tenant, query, range, replies, Optional.empty());
    }

    /** As {@link #assemble(String, Query, Range, Map)}; parts decided for an onward jurisdiction are not recorded as RECEIVED. */
    Result assemble(String tenant, Query query, Range range, Map<RegionId, RegionReply> replies, Optional<Jurisdiction> onward) {
        List<RegionAnswer> answers = new ArrayList<>();
        Map<RegionId, String> failures = new LinkedHashMap<>();
        Map<RegionId, String> statuses = new HashMap<>();
        for (GatewayConfig.RegionLinks region : config.regions()) {
            RegionReply reply = replies.get(region.id());
            String name = "region " + region.id().value();
            if (reply == null) {
                failures.put(region.id(), name + " gave no answer");
            } else if (reply.failure().isPresent()) {
                failures.put(region.id(), reply.failure().get());
            } else if (reply.status() == 200) {
                try {
                    answers.add(RegionAnswer.read(region, reply.body()));
                } catch (RegionAnswer.Unverifiable e) {
                    // never merge what cannot be checked against what the region logged
                    LOG.warn("aggregate answer of {} for tenant {} refused: {}", region.id().value(), tenant, e.getMessage());
                    failures.put(region.id(), e.getMessage());
                    statuses.put(region.id(), "REJECTED");
                }
            } else if (reply.status() == 400) {
                // every region validates alike, so a 400 is the query's fault, not the region's
                throw GatewayProblem.of(400, name + " refused the query: " + detail(reply));
            } else if (reply.status() == 401 || reply.status() == 403) {
                LOG.warn("{} refused the gateway's token with {}: {}", name, reply.status(), detail(reply));
                failures.put(region.id(), name + " refused the gateway's token (" + reply.status() + "): " + detail(reply));
            } else {
                failures.put(region.id(), name + " answered " + reply.status() + ": " + detail(reply));
            }
        }
        if (onward.isEmpty()) {
            record(tenant, answers);
        }
        return new Result(body(tenant, query, range, answers, failures, statuses), parts(answers), List.copyOf(failures.keySet()));
    }

    /**
     * Appends a RECEIVED record for every part from another jurisdiction that carried data, all in one ledger call (one
     * commit to wait for, not one per part); fails the answer if they cannot be.
     */
    private void record(String tenant, List<RegionAnswer> answers) {
        Instant at = clock.instant();
        List<TransferRecord> records = new ArrayList<>();
        List<String> from = new ArrayList<>();
        for (RegionAnswer a : answers) {
            if (a.region().jurisdiction().equals(config.jurisdiction()) || !a.decision().released()) {
                continue;
            }
            records.add(new TransferRecord(TransferRecord.Kind.RECEIVED, tenant, a.region().id(), a.region().jurisdiction(),
                    config.jurisdiction(), a.decision().id(), a.decision().sequence(), a.hash(), a.cells().size(), a.bytes(), at,
                    Optional.empty(), Optional.empty()));
            from.add(a.region().id().value());
        }
        if (records.isEmpty()) {
            return;
        }
        try {
            ledger.appendAll(records);
        } catch (RuntimeException e) {
            throw GatewayProblem.unavailable("the transfer ledger could not record the aggregates received from region"
                    + (from.size() == 1 ? " " : "s ") + String.join(", ", from) + ", so they are not served", 5, e);
        }
    }

    private static List<RegionPart> parts(List<RegionAnswer> answers) {
        return answers.stream().map(a -> new RegionPart(a.region().id(), a.region().jurisdiction(), a.decision().id(), a.decision().sequence(),
                a.decision().outcome(), a.hash(), a.cells().size(), a.bytes())).toList();
    }

    private ObjectNode body(String tenant, Query query, Range range, List<RegionAnswer> answers, Map<RegionId, String> failures,
            Map<RegionId, String> statuses) {
        ObjectNode body = JSON.createObjectNode();
        body.put("tenant", tenant).put("metric", query.metric()).put("resolution", query.resolution()).put("from", range.from().toString())
                .put("to", range.to().toString()).put("group", query.group()).put("merged", query.merge());
        body.putObject("gateway").put("region", config.region().value()).put("jurisdiction", config.jurisdiction().code());
        body.put("partial", !failures.isEmpty());
        ArrayNode unavailable = body.putArray("unavailableRegions");
        failures.keySet().forEach(r -> unavailable.add(r.value()));
        ArrayNode regions = body.putArray("regions");
        for (GatewayConfig.RegionLinks region : config.regions()) {
            ObjectNode r = regions.addObject().put("region", region.id().value()).put("jurisdiction", region.jurisdiction().code());
            Optional<RegionAnswer> a = answers.stream().filter(x -> x.region().id().equals(region.id())).findFirst();
            if (a.isPresent()) {
                r.put("status", "OK").put("cells", a.get().cells().size()).put("bytes", a.get().bytes());
                r.set("decision", a.get().decision().json());
            } else {
                r.put("status", statuses.getOrDefault(region.id(), "UNAVAILABLE")).put("reason", failures.get(region.id()));
            }
        }
        ArrayNode cells = body.putArray("cells");
        merge(answers).forEach((key, m) -> cells.add(cell(key, m)));
        return body;
    }

    /** A merged cell and the regions whose cells went into it. */
    private record Merged(WindowState state, List<String> regions) {
    }

    private static TreeMap<RegionAnswer.CellKey, Merged> merge(List<RegionAnswer> answers) {
        TreeMap<RegionAnswer.CellKey, Merged> merged = new TreeMap<>();
        for (RegionAnswer a : answers) {
            for (RegionAnswer.Cell c : a.cells()) {
                Merged m = merged.get(c.key());
                if (m == null) {
                    merged.put(c.key(), new Merged(c.state().copy(), new ArrayList<>(List.of(a.region().id().value()))));
                } else {
                    m.state().merge(c.state());
                    m.regions().add(a.region().id().value());
                }
            }
        }
        return merged;
    }

    private static ObjectNode cell(RegionAnswer.CellKey key, Merged m) {
        WindowState s = m.state();
        ObjectNode c = JSON.createObjectNode().put("key", key.text()).put("windowStart", key.windowStart().toString())
                .put("window", key.window().toString());
        ObjectNode group = c.putObject("group").put("kind", key.groupKind());
        if (!key.groupValue().isEmpty()) {
            group.put("value", key.groupValue());
        }
        c.put("count", s.count()).put("sum", s.sum()).put("min", s.min()).put("max", s.max()).put("mean", s.count() == 0 ? 0.0 : s.sum() / s.count())
                .put("distinctDevices", s.distinctDevices()).put("distinctExact", s.isDistinctExact());
        c.putObject("quantiles").put("p50", s.quantile(0.5)).put("p90", s.quantile(0.9)).put("p99", s.quantile(0.99));
        ArrayNode regions = c.putArray("regions");
        m.regions().forEach(regions::add);
        return c;
    }

    /** The query's time range, as every region is asked for it: explicit, so that all of them use the same windows. */
    record Range(Instant from, Instant to) {
    }

    Range validate(Query q) {
        if (q.metric().isBlank() || q.metric().length() > 128) {
            throw new IllegalArgumentException("metric must be a metric name of 1-128 characters, was '" + q.metric() + "'");
        }
        if (!RESOLUTIONS.contains(q.resolution())) {
            throw new IllegalArgumentException("resolution must be PT1M, PT15M or PT1H, was '" + q.resolution() + "'");
        }
        if (!q.group().equals("all") && !q.group().equals("geohash") && !q.group().matches("label:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
            throw new IllegalArgumentException("group must be all, geohash or label:<key>, was '" + q.group() + "'");
        }
        Instant to = q.to().map(t -> instant("to", t)).orElse(null);
        Instant from = q.from().map(f -> instant("from", f)).orElse(null);
        if (to == null) {
            to = from == null ? clock.instant() : from.plus(DEFAULT_RANGE);
        }
        if (from == null) {
            from = to.minus(DEFAULT_RANGE);
        }
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("from must be before to, was from=" + from + " to=" + to);
        }
        if (Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
            throw new IllegalArgumentException("from and to may be at most " + MAX_RANGE.toDays() + " days apart, were " + Duration.between(from, to));
        }
        // whole windows, aligned to the epoch, as the regions widen them: the answer then states the range it covers
        long step = Duration.parse(q.resolution()).toMillis();
        from = Instant.ofEpochMilli(Math.floorDiv(from.toEpochMilli(), step) * step);
        to = Instant.ofEpochMilli(-Math.floorDiv(-to.toEpochMilli(), step) * step);
        return new Range(from, to);
    }

    private static Instant instant(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 instant such as 2026-11-24T10:00:00Z, was '" + value + "'");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The region's problem detail, or a short excerpt of its body. */
    private static String detail(RegionReply reply) {
        try {
            JsonNode p = JSON.readTree(reply.body());
            if (p != null && p.hasNonNull("detail")) {
                return p.get("detail").asText();
            }
        } catch (java.io.IOException e) {
            // not a problem document: fall through to the excerpt
        }
        String text = new String(reply.body(), StandardCharsets.UTF_8);
        return text.isBlank() ? "no detail given" : text.substring(0, Math.min(200, text.length()));
    }
}
