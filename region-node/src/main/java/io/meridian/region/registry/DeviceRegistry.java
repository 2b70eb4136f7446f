package io.meridian.region.registry;

import io.meridian.auth.TokenValidator;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.opentracing.Tracer;
import io.opentracing.noop.NoopTracerFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.eclipse.hono.deviceregistry.server.DeviceRegistryHttpServer;
import org.eclipse.hono.deviceregistry.service.tenant.DefaultTenantInformationService;
import org.eclipse.hono.service.auth.SpringBasedHonoPasswordEncoder;
import org.eclipse.hono.service.http.HttpServiceConfigProperties;
import org.eclipse.hono.service.management.credentials.DelegatingCredentialsManagementHttpEndpoint;
import org.eclipse.hono.service.management.device.DelegatingDeviceManagementHttpEndpoint;
import org.eclipse.hono.service.management.tenant.DelegatingTenantManagementHttpEndpoint;

/**
 * One region's device registry: Hono's Device Registry Management API v1 (tenants, devices, credentials)
 * served by Hono's HTTP endpoints over Cassandra-backed services, behind Keycloak token checks.
 * {@link #start} opens everything; {@link #stop} closes it.
 */
public final class DeviceRegistry {

    private final Vertx vertx;
    private final CqlSession session;
    private final RegistryHttpServer server;
    private final String deploymentId;
    private final AdapterRegistryClients adapterClients;

    private DeviceRegistry(Vertx vertx, CqlSession session, RegistryHttpServer server, String deploymentId, RegistryStore store) {
        this.adapterClients = new AdapterRegistryClients(store, RegistryCache.defaults());
        this.vertx = vertx;
        this.session = session;
        this.server = server;
        this.deploymentId = deploymentId;
    }

    /**
     * Connects to the region's Cassandra, creates the schema when missing and starts the management API.
     *
     * @return a future that fails with the cause when Cassandra cannot be reached or the port cannot be bound
     */
    public static Future<DeviceRegistry> start(Vertx vertx, RegistryConfig config) {
        return start(vertx, config, TenantCheck.NONE, Clock.systemUTC());
    }

    /** As {@link #start(Vertx, RegistryConfig)}, refusing (400) a tenant that {@code check} finds a problem with. */
    public static Future<DeviceRegistry> start(Vertx vertx, RegistryConfig config, TenantCheck check) {
        return start(vertx, config, check, Clock.systemUTC());
    }

    /** As {@link #start(Vertx, RegistryConfig)}, checking token expiry against the given clock. */
    static Future<DeviceRegistry> start(Vertx vertx, RegistryConfig config, Clock clock) {
        return start(vertx, config, TenantCheck.NONE, clock);
    }

    private static Future<DeviceRegistry> start(Vertx vertx, RegistryConfig config, TenantCheck check, Clock clock) {
        Objects.requireNonNull(check, "check must not be null");
        Objects.requireNonNull(vertx, "vertx must not be null");
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(clock, "clock must not be null");
        return vertx.executeBlocking(() -> {
            CqlSession session = connect(config);
            try {
                return new Opened(session, RegistryStore.open(vertx, session, config.keyspace(), config.replication()));
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
        }).compose(opened -> {
            RegistryHttpServer server = httpServer(vertx, config, clock, opened.store(), check);
            return vertx.deployVerticle(server)
                    .map(id -> new DeviceRegistry(vertx, opened.session(), server, id, opened.store()))
                    .onFailure(t -> opened.session().closeAsync());
        });
    }

    private record Opened(CqlSession session, RegistryStore store) {
    }

    /** The port the management API listens on. */
    public int port() {
        return server.port();
    }

    /**
     * The registry as Hono's protocol adapters see it: tenant, registration and credentials lookups served
     * in-process from this region's tables (no AMQP). Valid until {@link #stop()}.
     */
    public AdapterRegistryClients adapterClients() {
        return adapterClients;
    }

    /**
     * The session to the region's Cassandra, for the node's other stores (raw data, aggregates, decision log),
     * which live in their own keyspaces of the same cluster. Owned by the registry: valid until {@link #stop()}.
     */
    public CqlSession session() {
        return session;
    }

    /** Stops the HTTP server and closes the Cassandra session. */
    public Future<Void> stop() {
        return vertx.undeploy(deploymentId)
                .eventually(() -> Future.fromCompletionStage(session.closeAsync()).mapEmpty());
    }

    private static CqlSession connect(RegistryConfig config) {
        DriverConfigLoader loader = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(20))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(20))
                .withString(DefaultDriverOption.REQUEST_CONSISTENCY, "LOCAL_QUORUM")
                .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, "LOCAL_SERIAL")
                .build();
        CqlSessionBuilder builder = CqlSession.builder()
                .withConfigLoader(loader)
                .addContactPoints(config.cassandraContactPoints())
                .withLocalDatacenter(config.localDatacenter());
        if (config.cassandraUsername().isPresent()) {
            builder.withAuthCredentials(config.cassandraUsername().get(), config.cassandraPassword().orElseThrow());
        }
        return builder.build();
    }

    private static RegistryHttpServer httpServer(Vertx vertx, RegistryConfig config, Clock clock, RegistryStore store, TenantCheck check) {
        Tracer tracer = NoopTracerFactory.create();
        HttpServiceConfigProperties http = new HttpServiceConfigProperties();
        http.setInsecurePortEnabled(true);
        http.setInsecurePortBindAddress(config.bindAddress());
        http.setInsecurePort(config.port());
        // authentication is ours: Keycloak bearer tokens, checked by ManagementAuthHandler
        http.setAuthenticationRequired(false);

        var tenants = new CassandraTenantManagementService(vertx, store, check);
        var tenantInfo = new DefaultTenantInformationService(tenants);
        var devices = new CassandraDeviceManagementService(vertx, store);
        devices.setTenantInformationService(tenantInfo);
        var credentials = new CassandraCredentialsManagementService(vertx, store,
                new SpringBasedHonoPasswordEncoder(config.bcryptCost()), config.maxBcryptCost());
        credentials.setTenantInformationService(tenantInfo);

        var tenantEndpoint = new DelegatingTenantManagementHttpEndpoint<>(vertx, tenants);
        var deviceEndpoint = new DelegatingDeviceManagementHttpEndpoint<>(vertx, devices);
        var credentialsEndpoint = new DelegatingCredentialsManagementHttpEndpoint<>(vertx, credentials);
        tenantEndpoint.setConfiguration(http);
        deviceEndpoint.setConfiguration(http);
        credentialsEndpoint.setConfiguration(http);
        tenantEndpoint.setTracer(tracer);
        deviceEndpoint.setTracer(tracer);
        credentialsEndpoint.setTracer(tracer);

        RegistryHttpServer server = new RegistryHttpServer();
        server.setConfig(http);
        server.setTracer(tracer);
        server.setAuthHandler(new ManagementAuthHandler(
                new TokenValidator(config.jwksUri(), config.issuer().toString(), config.audience(), clock),
                new ManagementAccess(config.catalogClientId()), config.regionId()));
        server.addEndpoint(tenantEndpoint);
        server.addEndpoint(deviceEndpoint);
        server.addEndpoint(credentialsEndpoint);
        return server;
    }

    /** Hono's registry HTTP server, with its bound port visible. */
    private static final class RegistryHttpServer extends DeviceRegistryHttpServer {
        int port() {
            return getActualInsecurePort();
        }
    }
}
