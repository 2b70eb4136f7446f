package io.meridian.gateway.routes.transfers;

import io.meridian.auth.TokenValidator;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.auth.Caller;
import io.meridian.gateway.console.Scope;
import io.meridian.gateway.console.Transfers;
import io.meridian.gateway.problem.Responses;
import io.meridian.gateway.routes.audit.AuditRoutes;
import io.meridian.policy.model.RegionId;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * {@code GET /v1/transfers?from&to}: one arc per (deciding region, asking region) with its ALLOW/PARTIAL/DENY counts and
 * suppressed cells; {@code GET /v1/transfers/{from}/{to}?from&to&limit}: the decisions and ledger entries behind one arc.
 * A customer sees only its tenant's. See {@link Transfers}.
 */
public final class TransfersRoutes extends RouteBuilder {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;
    private static final String PATH = "/v1/transfers/";

    private final TokenValidator tokens;
    private final Transfers transfers;
    private final Clock clock;

    public TransfersRoutes(TokenValidator tokens, Transfers transfers, Clock clock) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        this.transfers = Objects.requireNonNull(transfers, "transfers must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    @Override
    public void configure() {
        rest("/v1")
                .get("/transfers").produces("application/json").to("direct:transfers")
                .get("/transfers/{from}/{to}").produces("application/json").to("direct:transfers-arc");
        from("direct:transfers").routeId("transfers")
                .process(Authenticate.withAnyRole(tokens, "customer-admin", "customer-analyst", Scope.COMPLIANCE_OFFICER))
                .process(this::arcs);
        from("direct:transfers-arc").routeId("transfers-arc")
                .process(Authenticate.withAnyRole(tokens, "customer-admin", "customer-analyst", Scope.COMPLIANCE_OFFICER))
                .process(this::arc);
    }

    private void arcs(Exchange exchange) {
        Map<String, String> query = AuditRoutes.query(exchange);
        Scope.onlyParameters(query, Set.of("from", "to"));
        Instant[] period = Scope.period(query, clock.instant());
        Caller caller = exchange.getProperty(Caller.PROPERTY, Caller.class);
        Responses.json(exchange, transfers.arcs(period[0], period[1], Scope.of(caller)).toString());
    }

    private void arc(Exchange exchange) throws InterruptedException {
        String uri = exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class);
        int q = uri.indexOf('?');
        String[] ends = (q < 0 ? uri : uri.substring(0, q)).substring(PATH.length()).split("/", -1);
        RegionId source = transfers.region(URLDecoder.decode(ends[0], StandardCharsets.UTF_8));
        RegionId requester = transfers.region(URLDecoder.decode(ends[1], StandardCharsets.UTF_8));
        Map<String, String> query = AuditRoutes.query(exchange);
        Scope.onlyParameters(query, Set.of("from", "to", "limit"));
        Instant[] period = Scope.period(query, clock.instant());
        int limit = (int) AuditRoutes.number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        Caller caller = exchange.getProperty(Caller.PROPERTY, Caller.class);
        Responses.json(exchange, transfers.arc(source, requester, period[0], period[1], limit, Scope.of(caller)).toString());
    }
}
