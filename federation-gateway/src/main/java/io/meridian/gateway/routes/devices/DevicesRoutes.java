package io.meridian.gateway.routes.devices;

import io.meridian.auth.TokenValidator;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.client.ClientToken;
import io.meridian.gateway.client.RegionBreakers;
import io.meridian.gateway.client.RegionClient;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.gateway.tracing.GatewayTracing;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * The device operations under {@code /v1/tenants/{tenant}/devices}: register, get and deregister through the catalog,
 * list (this region's devices, every other region's count), raw data and commands through the device's home region
 * ({@link DeviceService} holds the logic). Admins ({@code customer-admin}) of the tenant may do everything; analysts
 * ({@code customer-analyst}) may read.
 */
public final class DevicesRoutes extends RouteBuilder {

    static final String ADMIN = "customer-admin";
    static final String ANALYST = "customer-analyst";

    private final TokenValidator tokens;
    private final DeviceService service;

    /** With breakers of its own (shared with nothing else). */
    public DevicesRoutes(GatewayConfig config, TokenValidator tokens, Clock clock, GatewayTracing tracing) {
        this(config, tokens, clock, tracing, new RegionBreakers(config));
    }

    /** With the regions' breakers: a region call is refused at once while its region's breaker is open. */
    public DevicesRoutes(GatewayConfig config, TokenValidator tokens, Clock clock, GatewayTracing tracing, RegionBreakers breakers) {
        Objects.requireNonNull(config, "config must not be null");
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        HttpClient http = RegionClient.httpClient(config);
        ClientToken token = new ClientToken(config.tokenEndpoint(), config.clientId(), config.clientSecret(), config.catalogTimeout(), clock, http);
        this.service = new DeviceService(config, new CatalogDevices(config.catalogUrl(), token, http, config.catalogTimeout()),
                new RegionClient(config, token, http, breakers), java.util.Optional.of(tracing));
    }

    @Override
    public void configure() {
        rest("/v1")
                .post("/tenants/{tenant}/devices").produces("application/json").to("direct:device-register")
                .get("/tenants/{tenant}/devices").produces("application/json").to("direct:device-list")
                .get("/tenants/{tenant}/devices/{device}").produces("application/json").to("direct:device-get")
                .delete("/tenants/{tenant}/devices/{device}").to("direct:device-delete")
                .get("/tenants/{tenant}/devices/{device}/state").produces("application/json").to("direct:device-state")
                .get("/tenants/{tenant}/devices/{device}/telemetry").produces("application/json").to("direct:device-telemetry")
                .get("/tenants/{tenant}/devices/{device}/events").produces("application/json").to("direct:device-events")
                .post("/tenants/{tenant}/devices/{device}/commands").produces("application/json")
                .to("direct:device-command");

        from("direct:device-register").routeId("device-register").process(Authenticate.tenantMember(tokens, ADMIN))
                .process(e -> service.register(tenant(e), body(e)).write(e));
        from("direct:device-list").routeId("device-list").process(Authenticate.tenantMember(tokens, ADMIN, ANALYST))
                .process(e -> service.list(tenant(e), e.getMessage().getHeader(Exchange.HTTP_QUERY, String.class)).write(e));
        from("direct:device-get").routeId("device-get").process(Authenticate.tenantMember(tokens, ADMIN, ANALYST))
                .process(e -> service.get(tenant(e), device(e)).write(e));
        from("direct:device-delete").routeId("device-delete").process(Authenticate.tenantMember(tokens, ADMIN))
                .process(e -> service.delete(tenant(e), device(e)).write(e));
        raw("device-state", DeviceService.Raw.STATE);
        raw("device-telemetry", DeviceService.Raw.TELEMETRY);
        raw("device-events", DeviceService.Raw.EVENTS);
        from("direct:device-command").routeId("device-command").process(Authenticate.tenantMember(tokens, ADMIN))
                .process(e -> service.command(tenant(e), device(e), body(e), path(e)).write(e));
    }

    private void raw(String id, DeviceService.Raw what) {
        from("direct:" + id).routeId(id).process(Authenticate.tenantMember(tokens, ADMIN, ANALYST))
                .process(e -> service.raw(tenant(e), device(e), what, e.getMessage().getHeader(Exchange.HTTP_QUERY, String.class), path(e))
                        .write(e));
    }

    // The tenant and the device are read from the request path, not from the headers Camel sets for path parameters:
    // a caller can send headers of those names too.

    private static String tenant(Exchange e) {
        return segment(e, 0);
    }

    private static String device(Exchange e) {
        return segment(e, 2);
    }

    /** The n-th decoded path segment after {@code /v1/tenants/}. */
    private static String segment(Exchange e, int n) {
        String rest = path(e).substring(Authenticate.TENANT_PATH.length());
        String[] segments = rest.split("/", -1);
        if (segments.length <= n) {
            throw new IllegalStateException("route " + e.getFromRouteId() + " has no path segment " + n + " after " + Authenticate.TENANT_PATH);
        }
        return URLDecoder.decode(segments[n].replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String path(Exchange e) {
        String uri = e.getMessage().getHeader(Exchange.HTTP_URI, String.class);
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    private static String body(Exchange e) {
        byte[] body = e.getMessage().getBody(byte[].class);
        if (body != null && body.length > DeviceService.MAX_BODY) {
            throw GatewayProblem.of(413, "the body must be at most " + DeviceService.MAX_BODY + " bytes");
        }
        return body == null ? null : new String(body, StandardCharsets.UTF_8);
    }
}
