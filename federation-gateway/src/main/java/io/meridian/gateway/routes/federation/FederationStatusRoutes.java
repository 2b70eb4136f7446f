package io.meridian.gateway.routes.federation;

import io.meridian.auth.TokenValidator;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.auth.Caller;
import io.meridian.gateway.console.FederationStatus;
import io.meridian.gateway.console.Scope;
import io.meridian.gateway.problem.Responses;
import io.meridian.gateway.routes.audit.AuditRoutes;
import java.util.Objects;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * {@code GET /v1/federation/status}: every region's devices registered and connected and its ingest rate, for the
 * caller's tenant (a customer) or the whole region (a compliance officer); counts only. See {@link FederationStatus}.
 */
public final class FederationStatusRoutes extends RouteBuilder {

    private final TokenValidator tokens;
    private final FederationStatus status;

    public FederationStatusRoutes(TokenValidator tokens, FederationStatus status) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        this.status = Objects.requireNonNull(status, "status must not be null");
    }

    @Override
    public void configure() {
        rest("/v1").get("/federation/status").produces("application/json").to("direct:federation-status");
        from("direct:federation-status").routeId("federation-status")
                .process(Authenticate.withAnyRole(tokens, "customer-admin", "customer-analyst", Scope.COMPLIANCE_OFFICER))
                .process(this::answer);
    }

    private void answer(Exchange exchange) {
        Scope.onlyParameters(AuditRoutes.query(exchange), Set.of());
        Caller caller = exchange.getProperty(Caller.PROPERTY, Caller.class);
        Responses.json(exchange, status.body(Scope.of(caller)).toString());
    }
}
