package io.meridian.gateway.aggregates;

import io.meridian.auth.TokenValidator;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.auth.Caller;
import io.meridian.gateway.client.ClientToken;
import io.meridian.gateway.client.RegionBreakers;
import io.meridian.gateway.client.RegionClient;
import io.meridian.gateway.ledger.TransferLedger;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.gateway.problem.Responses;
import io.meridian.gateway.tracing.GatewayTracing;
import io.meridian.policy.model.RegionId;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.processor.aggregate.GroupedBodyAggregationStrategy;

/**
 * {@code GET /v1/tenants/{tenant}/aggregates}: a tenant's aggregates across every region, for its
 * {@code customer-admin}s and {@code customer-analyst}s. Also the fan-out behind {@link FederatedAggregates}:
 * <ul>
 *   <li>{@value #FANOUT} multicasts the region path to every region's route in parallel and collects the replies;</li>
 *   <li>{@code aggregates-region-<id>}, one route per region, calls that region's data API inside Camel's resilience4j
 *       circuit breaker, with the region timeout as its time limit. The breaker is the region's in {@link RegionBreakers}
 *       (bound in the registry when the routes are added), shared with the device routes, so a dead region opens only
 *       its own and is then skipped at once by both; the fallback turns a timeout, an open circuit, a 5xx or a lost
 *       connection into a {@link RegionReply#failed} that names the reason.</li>
 * </ul>
 */
public final class AggregatesRoutes extends RouteBuilder {

    /** The id of the REST route. */
    public static final String ROUTE_ID = "aggregates";
    static final String FANOUT = "direct:aggregates-fanout";
    /** Fan-out threads per region: Vert.x's default worker pool (20), the most requests that can run this route at once. */
    static final int FANOUT_THREADS_PER_REGION = 20;
    private static final String STARTED = "meridian.regionCall.started";
    private static final String OPERATION = "GET /tenants/{tenant}/aggregates";
    private static final Set<String> PARAMETERS = Set.of("metric", "resolution", "from", "to", "group", "merge");

    private final GatewayConfig config;
    private final TokenValidator tokens;
    private final RegionClient client;
    private final GatewayTracing tracing;
    private final CamelFederatedAggregates aggregates;
    private final RegionBreakers breakers;

    /** With breakers of its own (shared with nothing else). */
    public AggregatesRoutes(GatewayConfig config, TokenValidator tokens, Clock clock, TransferLedger ledger, GatewayTracing tracing) {
        this(config, tokens, clock, ledger, tracing, new RegionBreakers(config));
    }

    /** With the regions' breakers, which this registers in the Camel context when its routes are added. */
    public AggregatesRoutes(GatewayConfig config, TokenValidator tokens, Clock clock, TransferLedger ledger, GatewayTracing tracing,
            RegionBreakers breakers) {
        this.breakers = Objects.requireNonNull(breakers, "breakers must not be null");
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        this.tracing = Objects.requireNonNull(tracing, "tracing must not be null");
        var http = RegionClient.httpClient(config);
        this.client = new RegionClient(config, new ClientToken(config.tokenEndpoint(), config.clientId(), config.clientSecret(),
                config.catalogTimeout(), clock, http), http);
        this.aggregates = new CamelFederatedAggregates(config, ledger, clock);
    }

    /** The federated query, for other features (the export) once the context has started. */
    public FederatedAggregates aggregates() {
        return aggregates;
    }

    @Override
    public void configure() {
        rest("/v1").get("/tenants/{tenant}/aggregates").produces("application/json").to("direct:" + ROUTE_ID);

        from("direct:" + ROUTE_ID).routeId(ROUTE_ID)
                .process(Authenticate.tenantMember(tokens, "customer-admin", "customer-analyst"))
                .process(this::answer);

        String[] branches = config.regions().stream().map(r -> "direct:aggregates-region-" + r.id().value()).toArray(String[]::new);
        from(FANOUT).routeId("aggregates-fanout")
                .multicast(new GroupedBodyAggregationStrategy()).parallelProcessing()
                // a branch thread waits for its region's answer, so the pool bounds the queries in the regions at once: at 4
                // threads per region (with a queue, so never more) 4 queries were in flight and the gateway's maximum was the
                // regions' latency / 4; one thread per region for every request a Vert.x worker can be running lets every
                // waiting request fan out
                .executorService(getCamelContext().getExecutorServiceManager().newThreadPool(this, "aggregates-fanout",
                        FANOUT_THREADS_PER_REGION * branches.length, FANOUT_THREADS_PER_REGION * branches.length))
                .to(branches)
                .end();

        long timeoutMs = config.regionTimeout().toMillis();
        for (GatewayConfig.RegionLinks region : config.regions()) {
            RegionId id = region.id();
            from("direct:aggregates-region-" + id.value()).routeId("aggregates-region-" + id.value())
                    .process(e -> e.setProperty(STARTED, System.nanoTime()))
                    .circuitBreaker()
                        // the breaker's window and thresholds are the shared breaker's own (meridian.gateway.breaker.*)
                        .resilience4jConfiguration()
                            .circuitBreaker(RegionBreakers.beanName(id))
                            .timeoutEnabled(true).timeoutDuration((int) timeoutMs)
                        .end()
                        .process(e -> call(e, id))
                    .onFallback()
                        .process(e -> fallback(e, id))
                    .end();
        }
    }

    /** Adds the routes, then hands the federated query the context's producer template to reach the fan-out with. */
    @Override
    public void addRoutesToCamelContext(org.apache.camel.CamelContext context) throws Exception {
        breakers.bind(context.getRegistry());
        super.addRoutesToCamelContext(context);
        aggregates.useTemplate(context.createProducerTemplate());
    }

    /** One region call, inside the breaker: a 5xx or no answer throws, so that it counts as the region's failure. */
    private void call(Exchange exchange, RegionId region) throws InterruptedException, IOException {
        String path = exchange.getMessage().getBody(String.class);
        String name = "region " + region.value();
        try (GatewayTracing.RegionCallSpan span = tracing.regionCall(exchange, region, OPERATION)) {
            HttpResponse<byte[]> r;
            try {
                r = client.call(region, "GET", path, Optional.empty());
            } catch (ClientToken.TokenException e) {
                // our own token is missing: not the region's fault; the breaker ignores this exception (neither a failure
                // nor a success), and the fallback names it
                span.failed("no gateway token");
                throw e;
            } catch (HttpTimeoutException e) {
                span.failed("timeout");
                throw new RegionFailure(name + " did not answer within " + config.regionTimeout().toMillis() + " ms", e);
            } catch (IOException e) {
                span.failed("unreachable");
                throw new RegionFailure(name + " could not be reached (" + e.getClass().getSimpleName() + ")", e);
            }
            span.status(r.statusCode());
            if (r.statusCode() >= 500) {
                throw new RegionFailure(name + " answered " + r.statusCode(), null);
            }
            exchange.getMessage().setBody(RegionReply.answered(region, r.statusCode(), r.body()));
        }
    }

    /** The breaker's fallback: the reason the region is left out. */
    private void fallback(Exchange exchange, RegionId region) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String name = "region " + region.value();
        String reason;
        if (failure instanceof RegionFailure f) {
            reason = f.getMessage();
        } else if (failure instanceof ClientToken.TokenException) {
            reason = "the gateway could not get its own token from Keycloak to ask " + name;
        } else if (failure != null) {
            reason = name + " failed (" + failure.getClass().getSimpleName() + ")";
        } else {
            // resilience4j leaves no exception on the exchange for a time-out or a refused call: tell them apart by the time spent
            long started = exchange.getProperty(STARTED, Long.class);
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            reason = elapsedMs >= config.regionTimeout().toMillis() * 9 / 10
                    ? name + " did not answer within " + config.regionTimeout().toMillis() + " ms"
                    : breakers.openMessage(region);
        }
        exchange.getMessage().setBody(RegionReply.failed(region, reason));
    }

    private void answer(Exchange exchange) {
        Caller caller = exchange.getProperty(Caller.PROPERTY, Caller.class);
        String tenant = caller.tenant().orElseThrow();
        Map<String, String> params = parameters(exchange.getMessage().getHeader(Exchange.HTTP_QUERY, String.class));
        String metric = params.get("metric");
        if (metric == null || metric.isBlank()) {
            throw GatewayProblem.of(400, "the query parameter metric is required");
        }
        String merge = params.getOrDefault("merge", "false");
        if (!merge.equals("true") && !merge.equals("false")) {
            throw GatewayProblem.of(400, "merge must be true or false, was '" + merge + "'");
        }
        FederatedAggregates.Query query = new FederatedAggregates.Query(metric, params.getOrDefault("resolution", "PT15M"),
                Optional.ofNullable(params.get("from")), Optional.ofNullable(params.get("to")), params.getOrDefault("group", "all"),
                Boolean.parseBoolean(merge));
        FederatedAggregates.Result result;
        try {
            result = aggregates.query(tenant, query);
        } catch (IllegalArgumentException e) {
            throw GatewayProblem.of(400, e.getMessage());
        }
        Responses.json(exchange, result.body().toString());
    }

    /** The query string's parameters; an unknown or repeated one is a 400 naming it. */
    static Map<String, String> parameters(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key;
            String value;
            try {
                key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw GatewayProblem.of(400, "the query string is not properly percent-encoded near '" + pair + "'");
            }
            if (!PARAMETERS.contains(key)) {
                throw GatewayProblem.of(400, "unknown query parameter '" + key + "'; the parameters are " + new java.util.TreeSet<>(PARAMETERS));
            }
            if (params.put(key, value) != null) {
                throw GatewayProblem.of(400, "the query parameter " + key + " is given more than once");
            }
        }
        return params;
    }
}
