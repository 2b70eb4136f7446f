package io.meridian.gateway.app;

import io.meridian.auth.TokenValidator;
import io.meridian.gateway.aggregates.AggregatesRoutes;
import io.meridian.gateway.aggregates.FederatedAggregates;
import io.meridian.gateway.audit.AuditRunner;
import io.meridian.gateway.audit.AuditRuns;
import io.meridian.gateway.audit.InMemoryAuditRuns;
import io.meridian.gateway.client.ClientToken;
import io.meridian.gateway.client.RegionBreakers;
import io.meridian.gateway.client.RegionClient;
import io.meridian.gateway.export.ExportBackends;
import io.meridian.gateway.export.ExportRoutes;
import io.meridian.gateway.export.ExportSchedules;
import io.meridian.gateway.ledger.TransferLedger;
import io.meridian.gateway.problem.ProblemRouteConfiguration;
import io.meridian.gateway.problem.UnmatchedRequests;
import io.meridian.gateway.routes.audit.AuditRoutes;
import io.meridian.gateway.routes.audit.AuditRunsRoutes;
import io.meridian.gateway.routes.devices.DevicesRoutes;
import io.meridian.gateway.routes.openapi.OpenApiRoutes;
import io.meridian.gateway.routes.regions.RegionsRoutes;
import io.meridian.gateway.auth.Authenticate;
import io.meridian.gateway.console.ConsoleBackends;
import io.meridian.gateway.console.Scope;
import io.meridian.gateway.routes.console.ConsoleFiles;
import io.meridian.gateway.routes.events.EventStreams;
import io.meridian.gateway.routes.federation.FederationStatusRoutes;
import io.meridian.gateway.routes.tenants.TenantOverviewRoutes;
import io.meridian.gateway.routes.transfers.TransfersRoutes;
import io.meridian.gateway.tracing.GatewayTracing;
import io.meridian.regions.RegionConfigs;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.RestConfiguration;
import org.apache.camel.support.CamelContextHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: a plain {@link DefaultCamelContext} with the platform-http Vert.x server, the error-handling route
 * configuration and one route builder per feature. This class is the whole wiring.
 *
 * <p>Why not camel-main: the gateway's settings are bound and validated by {@link GatewayConfig} like every other
 * Meridian service, and tests start it in-process on a free port with their own token validator. camel-main would add
 * a second configuration system (application.properties, classpath scanning) for nothing this needs.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final DefaultCamelContext camel;
    private final VertxPlatformHttpServer server;
    private final ExportRoutes exports;
    private final AggregatesRoutes aggregates;
    private final GatewayTracing tracing;
    private final AuditRunner audits;

    /**
     * The operations of the OpenAPI document served by Vert.x routes beside Camel's REST services (so not in its REST
     * registry): the event stream.
     */
    public static final java.util.Set<String> STREAM_OPERATIONS = java.util.Set.of("GET " + EventStreams.PATH);

    private final ConsoleBackends console;
    private final EventStreams events;

    private Gateway(GatewayConfig config, DefaultCamelContext camel, VertxPlatformHttpServer server, ExportRoutes exports,
            AggregatesRoutes aggregates, GatewayTracing tracing, AuditRunner audits, ConsoleBackends console, EventStreams events) {
        this.console = console;
        this.events = events;
        this.config = config;
        this.camel = camel;
        this.server = server;
        this.exports = exports;
        this.aggregates = aggregates;
        this.tracing = tracing;
        this.audits = audits;
    }

    /** As {@link #start(GatewayConfig, TokenValidator, Clock, TransferLedger, Optional)} without export backends: export answers 503. */
    public static Gateway start(GatewayConfig config, TokenValidator tokens, Clock clock, TransferLedger ledger) throws Exception {
        return start(config, tokens, clock, ledger, Optional.empty());
    }

    /**
     * Builds and starts the gateway.
     *
     * @param tokens validates callers' tokens (service-auth's Keycloak validator, or one over local keys in tests)
     * @param ledger   the transfer ledger every received cross-border aggregate and every export is recorded in
     * @param exports  the federated query and the schedule store exports use; without them export answers 503
     * @throws Exception when the context cannot start, for example when the port is taken
     */
    public static Gateway start(GatewayConfig config, TokenValidator tokens, Clock clock, TransferLedger ledger,
            Optional<ExportBackends> exports) throws Exception {
        return start(config, tokens, clock, ledger, exports, GatewayTracing.create(config));
    }

    /**
     * As above, with the gateway's tracing (tests hand in tracing over the SDK's in-memory exporter). The gateway closes
     * the tracing when it stops.
     */
    public static Gateway start(GatewayConfig config, TokenValidator tokens, Clock clock, TransferLedger ledger,
            Optional<ExportBackends> exports, GatewayTracing tracing) throws Exception {
        Objects.requireNonNull(exports, "exports must not be null");
        return start(config, tokens, clock, ledger, own -> exports, tracing, new InMemoryAuditRuns());
    }

    /**
     * The gateway as it runs in production ({@link GatewayApp}): exports run this gateway's own federated aggregate
     * query, the one {@code GET /v1/tenants/{t}/aggregates} serves, and keep their schedules in {@code schedules}.
     */
    public static Gateway start(GatewayConfig config, TokenValidator tokens, Clock clock, TransferLedger ledger,
            ExportSchedules schedules) throws Exception {
        return start(config, tokens, clock, ledger, schedules, new InMemoryAuditRuns());
    }

    /** As above, with the store audit runs are kept in ({@link GatewayApp}: Cassandra, so that runs survive a restart). */
    public static Gateway start(GatewayConfig config, TokenValidator tokens, Clock clock, TransferLedger ledger,
            ExportSchedules schedules, AuditRuns runs) throws Exception {
        Objects.requireNonNull(schedules, "schedules must not be null");
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(runs, "runs must not be null");
        return start(config, tokens, clock, ledger, own -> Optional.of(new ExportBackends(own, schedules)), GatewayTracing.create(config), runs);
    }

    private static Gateway start(GatewayConfig config, TokenValidator tokens, Clock clock, TransferLedger ledger,
            Function<FederatedAggregates, Optional<ExportBackends>> exportsFor, GatewayTracing tracing, AuditRuns runs) throws Exception {
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(tracing, "tracing must not be null");
        Objects.requireNonNull(ledger, "ledger must not be null");
        Objects.requireNonNull(tokens, "tokens must not be null");
        Objects.requireNonNull(clock, "clock must not be null");
        ClientToken clientToken = new ClientToken(config.tokenEndpoint(), config.clientId(), config.clientSecret(), config.catalogTimeout(), clock,
                RegionClient.httpClient(config));
        RegionClient regionClient = new RegionClient(config, clientToken, RegionClient.httpClient(config));
        // audit runs call regions and gateways with the gateway's own token, so that a run outlives the caller's
        AuditRunner audits = new AuditRunner(config, RegionConfigs.loadDefault(), runs, clientToken, clock);

        DefaultCamelContext camel = new DefaultCamelContext();
        camel.getCamelContextExtension().setName("federation-gateway-" + config.region().value());
        VertxPlatformHttpServerConfiguration http = new VertxPlatformHttpServerConfiguration();
        http.setBindHost(GatewayConfig.BIND_HOST);
        http.setBindPort(config.port());
        VertxPlatformHttpServer server = new VertxPlatformHttpServer(http);
        camel.addService(server);
        camel.getRestConfiguration().setComponent("platform-http");
        camel.getRestConfiguration().setBindingMode(RestConfiguration.RestBindingMode.off);
        ConsoleBackends console = ConsoleBackends.create(config, clientToken, regionClient, ledger, clock);
        EventStreams events = new EventStreams(Authenticate.withAnyRole(tokens, "customer-admin", "customer-analyst", Scope.COMPLIANCE_OFFICER),
                console.status(), console.transfers(), () -> audits.list(10).stream().map(AuditRunsRoutes::summary).toList(), clock);
        // one breaker per region, for the aggregate fan-out and the device routes alike
        RegionBreakers breakers = new RegionBreakers(config);
        AggregatesRoutes aggregates = new AggregatesRoutes(config, tokens, clock, ledger, tracing, breakers);
        ExportRoutes exportRoutes = new ExportRoutes(config, tokens, ledger, exportsFor.apply(aggregates.aggregates()), clock);
        try {
            // before any route is added, so that every feature's REST routes get their server spans without edits
            camel.addRoutePolicyFactory(tracing.routePolicyFactory());
            camel.addRoutes(new ProblemRouteConfiguration());
            camel.addRoutes(new OpenApiRoutes());
            camel.addRoutes(new RegionsRoutes(config, tokens, clock));
            camel.addRoutes(new DevicesRoutes(config, tokens, clock, tracing, breakers));
            camel.addRoutes(new AuditRoutes(config, tokens, ledger, regionClient));
            camel.addRoutes(new AuditRunsRoutes(tokens, audits));
            camel.addRoutes(exportRoutes);
            camel.addRoutes(aggregates);
            camel.addRoutes(new FederationStatusRoutes(tokens, console.status()));
            camel.addRoutes(new TransfersRoutes(tokens, console.transfers(), clock));
            camel.addRoutes(new TenantOverviewRoutes(tokens, console.catalog(), console.status()));
            camel.start();
            // bound as "platform-http-router-<port>", so lookup(camel) with the default name finds nothing; there is one server
            VertxPlatformHttpRouter router = CamelContextHelper.findSingleByType(camel, VertxPlatformHttpRouter.class);
            // the event stream and the console's files are Vert.x routes beside Camel's: a stream is not one exchange
            events.install(router, router.vertx());
            new ConsoleFiles(config).install(router, router.vertx());
            UnmatchedRequests.install(router, camel);
        } catch (Exception | Error e) {
            camel.close();
            tracing.close();
            audits.close();
            console.close();
            throw e;
        }
        Gateway gateway = new Gateway(config, camel, server, exportRoutes, aggregates, tracing, audits, console, events);
        LOG.info("federation gateway of {} ({}) serving http://{}:{}/v1", config.region().value(), config.jurisdiction().code(),
                GatewayConfig.BIND_HOST, gateway.port());
        return gateway;
    }

    /** The port the gateway listens on (the actual one when configured with 0). */
    public int port() {
        return server.getPort();
    }

    public GatewayConfig config() {
        return config;
    }

    /** The running Camel context, for tests that compare its REST services with the OpenAPI document. */
    public CamelContext camel() {
        return camel;
    }

    /** The event streams, whose open count tests check after their clients went away. */
    public EventStreams events() {
        return events;
    }

    /** The export routes, whose scheduler tests drive with their own clock. */
    public ExportRoutes exports() {
        return exports;
    }

    /** The federated aggregate query this gateway serves (GET /v1/tenants/{t}/aggregates), which its exports run too. */
    public FederatedAggregates aggregates() {
        return aggregates.aggregates();
    }

    /** Stops the routes and the HTTP server, and releases the Vert.x instance the server created. */
    @Override
    public void close() {
        audits.close();
        camel.stop();
        console.close();
        tracing.close();
    }
}
