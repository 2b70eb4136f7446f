package io.meridian.gateway.routes.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.client.ClientToken;
import io.meridian.gateway.client.RegionClient;
import io.meridian.gateway.ledger.LedgerEntry;
import io.meridian.gateway.ledger.LedgerVerification;
import io.meridian.gateway.ledger.TransferLedger;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.gateway.problem.Responses;
import io.meridian.policy.model.RegionId;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * The compliance officer's read-only view, role {@value #ROLE} only:
 * <ul>
 *   <li>{@code GET /v1/audit/ledger?from&limit} and {@code GET /v1/audit/ledger/verify}: this gateway's transfer ledger, also
 *       to a gateway's service client (another gateway's audit run);</li>
 *   <li>{@code GET /v1/audit/regions/{region}/decisions?from&limit} and {@code .../decisions/verify}: a region's egress
 *       decision log, fetched from its data API with the gateway's own client token. Decision records hold hashes and
 *       counts only, so they may be read from any jurisdiction.</li>
 * </ul>
 * Query parameters are read from the request's query string itself, never from message headers, which a caller could
 * send under the same names.
 */
public final class AuditRoutes extends RouteBuilder {

    /** The only role the audit endpoints admit. */
    public static final String ROLE = "compliance-officer";
    /** The page size when {@code limit} is not given. */
    public static final int DEFAULT_LIMIT = 100;
    /** The largest page. */
    public static final int MAX_LIMIT = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REGIONS_PATH = "/v1/audit/regions/";

    private final GatewayConfig config;
    private final TokenValidator tokens;
    private final TransferLedger ledger;
    private final RegionClient regions;

    public AuditRoutes(GatewayConfig config, TokenValidator tokens, TransferLedger ledger, RegionClient regions) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        this.ledger = Objects.requireNonNull(ledger, "ledger must not be null");
        this.regions = Objects.requireNonNull(regions, "regions must not be null");
    }

    @Override
    public void configure() {
        rest("/v1")
                .get("/audit/ledger").produces("application/json").to("direct:audit-ledger")
                .get("/audit/ledger/verify").produces("application/json").to("direct:audit-ledger-verify")
                .get("/audit/regions/{region}/decisions").produces("application/json").to("direct:audit-region-decisions")
                .get("/audit/regions/{region}/decisions/verify").produces("application/json").to("direct:audit-region-verify");

        // the ledger also to other gateways' service clients: their audit runs read every gateway's ledger with their own token
        from("direct:audit-ledger").routeId("audit-ledger")
                .process(Authenticate.withAnyRoleOrGatewayClient(tokens, ROLE))
                .process(this::ledgerPage);
        from("direct:audit-ledger-verify").routeId("audit-ledger-verify")
                .process(Authenticate.withAnyRoleOrGatewayClient(tokens, ROLE))
                .process(this::ledgerVerify);
        from("direct:audit-region-decisions").routeId("audit-region-decisions")
                .process(Authenticate.withAnyRole(tokens, ROLE))
                .process(e -> regionCall(e, false));
        from("direct:audit-region-verify").routeId("audit-region-verify")
                .process(Authenticate.withAnyRole(tokens, ROLE))
                .process(e -> regionCall(e, true));
    }

    private void ledgerPage(Exchange exchange) {
        Map<String, String> query = query(exchange);
        long from = number(query, "from", 1, 1, Long.MAX_VALUE);
        int limit = (int) number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        List<LedgerEntry> entries;
        try {
            entries = ledger.read(from, limit);
        } catch (IllegalStateException e) {
            throw GatewayProblem.of(500, "the transfer ledger holds an entry that cannot be read; GET /v1/audit/ledger/verify names it");
        } catch (RuntimeException e) {
            throw GatewayProblem.unavailable("the transfer ledger cannot be read now", 5, e);
        }
        ObjectNode body = JSON.createObjectNode();
        ArrayNode list = body.putArray("entries");
        entries.forEach(e -> list.add(LedgerJson.entry(e)));
        if (entries.size() == limit) {
            // positions count over all chains (the ledger's stable order), not one chain's sequence numbers
            body.put("next", from + entries.size());
        } else {
            body.putNull("next");
        }
        Responses.json(exchange, body.toString());
    }

    private void ledgerVerify(Exchange exchange) {
        LedgerVerification v;
        try {
            v = ledger.verify();
        } catch (RuntimeException e) {
            throw GatewayProblem.unavailable("the transfer ledger cannot be read now", 5, e);
        }
        Responses.json(exchange, LedgerJson.verification(v).toString());
    }

    private void regionCall(Exchange exchange, boolean verify) throws IOException, InterruptedException {
        RegionId region = region(exchange);
        String path;
        if (verify) {
            path = "/decisions/verify";
        } else {
            Map<String, String> query = query(exchange);
            long from = number(query, "from", 1, 1, Long.MAX_VALUE);
            int limit = (int) number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
            path = "/decisions?from=" + from + "&limit=" + limit;
        }
        HttpResponse<byte[]> response;
        try {
            response = regions.call(region, "GET", path, Optional.empty());
        } catch (ClientToken.TokenException e) {
            throw GatewayProblem.unavailable("the gateway cannot get its own token from Keycloak to ask region " + region.value(), 5, e);
        } catch (HttpTimeoutException e) {
            throw GatewayProblem.unavailable("region " + region.value() + " did not answer within " + config.regionTimeout().toMillis() + " ms", 5, e);
        } catch (IOException e) {
            throw GatewayProblem.unavailable("region " + region.value() + " is unreachable", 5, e);
        }
        if (response.statusCode() == 503) {
            throw GatewayProblem.unavailable("region " + region.value() + " answered 503: its decision log is unavailable", 5, null);
        }
        if (response.statusCode() != 200) {
            throw GatewayProblem.of(502, "region " + region.value() + " answered " + response.statusCode() + " to the decision log request");
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body());
        } catch (IOException e) {
            throw GatewayProblem.of(502, "region " + region.value() + " answered the decision log request with a body that is not JSON");
        }
        if (!answer.isObject()) {
            throw GatewayProblem.of(502, "region " + region.value() + " answered the decision log request with JSON that is not an object");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("region", region.value());
        body.setAll((ObjectNode) answer);
        Responses.json(exchange, body.toString());
    }

    /** The region of the path, one of the federation's; 404 otherwise. */
    private RegionId region(Exchange exchange) {
        String path = exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class);
        int q = path == null ? -1 : path.indexOf('?');
        String p = path == null ? "" : q < 0 ? path : path.substring(0, q);
        String rest = p.startsWith(REGIONS_PATH) ? p.substring(REGIONS_PATH.length()) : "";
        String segment = URLDecoder.decode(rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest, StandardCharsets.UTF_8);
        return config.regions().stream().map(GatewayConfig.RegionLinks::id).filter(id -> id.value().equals(segment)).findFirst()
                .orElseThrow(() -> GatewayProblem.of(404, "region '" + segment + "' is not one of the federation's regions "
                        + config.regions().stream().map(r -> r.id().value()).toList()));
    }

    /** The request's query parameters (the first value of each), decoded. */
    public static Map<String, String> query(Exchange exchange) {
        String raw = exchange.getMessage().getHeader(Exchange.HTTP_QUERY, String.class);
        Map<String, String> params = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(name, value);
        }
        return params;
    }

    /** A whole-number query parameter in {@code [min, max]}, or {@code fallback} when absent; 400 naming it otherwise. */
    public static long number(Map<String, String> query, String name, long fallback, long min, long max) {
        String v = query.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw GatewayProblem.of(400, "query parameter " + name + " must be a whole number " + (max == Long.MAX_VALUE ? "of at least " + min
                : "from " + min + " to " + max) + ", was '" + v + "'");
    }
}
