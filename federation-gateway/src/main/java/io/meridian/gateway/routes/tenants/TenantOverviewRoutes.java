package io.meridian.gateway.routes.tenants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.console.FederationStatus;
import io.meridian.gateway.console.Scope;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.gateway.problem.Responses;
import io.meridian.gateway.routes.audit.AuditRoutes;
import io.meridian.gateway.routes.devices.CatalogDevices;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * {@code GET /v1/tenants/{tenant}/overview}: the tenant's allocation and export policy as the catalog holds them, and
 * where its devices live (registered and connected per region, from the regions' {@code /v1/stats?tenant=}). For the
 * tenant's own customer-admin and customer-analyst, and for a compliance officer (a platform user without a tenant).
 */
public final class TenantOverviewRoutes extends RouteBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final TokenValidator tokens;
    private final CatalogDevices catalog;
    private final FederationStatus status;

    public TenantOverviewRoutes(TokenValidator tokens, CatalogDevices catalog, FederationStatus status) {
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        this.catalog = Objects.requireNonNull(catalog, "catalog must not be null");
        this.status = Objects.requireNonNull(status, "status must not be null");
    }

    @Override
    public void configure() {
        rest("/v1").get("/tenants/{tenant}/overview").produces("application/json").to("direct:tenant-overview");
        from("direct:tenant-overview").routeId("tenant-overview")
                .process(Authenticate.tenantMemberOrPlatformRole(tokens, Scope.COMPLIANCE_OFFICER, "customer-admin", "customer-analyst"))
                .process(this::answer);
    }

    private void answer(Exchange exchange) throws InterruptedException {
        Scope.onlyParameters(AuditRoutes.query(exchange), Set.of());
        String uri = exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class);
        String rest = uri.substring(Authenticate.TENANT_PATH.length());
        String tenant = URLDecoder.decode(rest.substring(0, rest.indexOf('/')).replace("+", "%2B"), StandardCharsets.UTF_8);
        if (!TENANT.matcher(tenant).matches()) {
            throw GatewayProblem.of(400, "tenant must be 1 to 128 letters, digits, '.', '_', ':' or '-'");
        }
        CatalogDevices.Reply reply = catalog.call("GET", "/tenants/" + URLEncoder.encode(tenant, StandardCharsets.UTF_8), Optional.empty());
        if (reply.status() == 404) {
            throw GatewayProblem.of(404, "tenant " + tenant + " is not known to the catalog");
        }
        if (reply.status() != 200) {
            throw GatewayProblem.of(502, "the catalog answered " + reply.status() + " to the tenant request");
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(reply.body());
        } catch (IOException e) {
            throw GatewayProblem.of(502, "the catalog answered the tenant request with a body that is not JSON");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("tenant", tenant);
        body.set("allocation", doc.path("allocation").isMissingNode() ? JSON.nullNode() : doc.get("allocation"));
        body.set("export", doc.path("export").isMissingNode() ? JSON.nullNode() : doc.get("export"));
        if (doc.has("home-jurisdiction")) {
            body.set("homeJurisdiction", doc.get("home-jurisdiction"));
        }
        ArrayNode regions = body.putArray("devicesByRegion");
        for (FederationStatus.RegionNumbers n : status.numbers(Optional.of(tenant))) {
            ObjectNode o = regions.addObject().put("region", n.region().value()).put("health", n.health());
            if (n.registered() == null) {
                o.putNull("devicesRegistered").putNull("devicesConnected");
            } else {
                o.put("devicesRegistered", n.registered()).put("devicesConnected", n.connected());
            }
        }
        Responses.json(exchange, body.toString());
    }
}
