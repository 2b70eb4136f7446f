package io.meridian.gateway.routes.regions;

import io.meridian.gateway.client.ClientToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.auth.TokenValidator;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.problem.Responses;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Objects;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * {@code GET /v1/regions}: the federation's regions and their health, from the catalog, for any valid token of the realm.
 * The answer names this gateway's own region and jurisdiction, so that a caller knows where it is being served from.
 */
public final class RegionsRoutes extends RouteBuilder {

    /** The id of the route behind the REST operation. */
    public static final String ROUTE_ID = "regions";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final GatewayConfig config;
    private final TokenValidator tokens;
    private final CatalogRegions catalog;

    public RegionsRoutes(GatewayConfig config, TokenValidator tokens, Clock clock) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(config.catalogTimeout()).build();
        ClientToken token = new ClientToken(config.tokenEndpoint(), config.clientId(), config.clientSecret(), config.catalogTimeout(), clock, http);
        this.catalog = new CatalogRegions(config.catalogUrl(), token, http, config.regionsTtl(), config.catalogTimeout(), clock);
    }

    @Override
    public void configure() {
        rest("/v1").get("/regions").produces("application/json").to("direct:" + ROUTE_ID);

        from("direct:" + ROUTE_ID).routeId(ROUTE_ID)
                .process(Authenticate.anyCaller(tokens))
                .process(this::answer);
    }

    private void answer(Exchange exchange) throws InterruptedException {
        CatalogRegions.Directory directory = catalog.get();
        ObjectNode body = JSON.createObjectNode();
        body.putObject("gateway").put("region", config.region().value()).put("jurisdiction", config.jurisdiction().code());
        body.put("fetched-at", directory.fetchedAt().toString());
        body.set("regions", directory.regions());
        Responses.json(exchange, body.toString());
    }
}
