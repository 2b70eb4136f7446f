package io.meridian.local.gateway;

import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.process.ModuleClasspath;
import io.meridian.local.process.ProcessSpec;
import io.meridian.local.process.ServerRuntime;
import io.meridian.local.service.ProcessBackedService;
import io.meridian.local.service.ServiceContext;
import io.meridian.regions.RegionConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A federation gateway JVM ({@code io.meridian.gateway.app.GatewayApp}), launched from the federation-gateway module's
 * classes and the runtime classpath its build writes to {@code federation-gateway/target/gateway.classpath}.
 *
 * <p>It is pointed at this federation's ready catalog and Keycloak, at the data API of every running region node, at
 * every gateway of this federation, and at its own region's Cassandra (its transfer ledger). Regions that are not
 * running keep their configured local ports, where nothing answers, so the gateway sees them unavailable. It calls the
 * regions as the Keycloak client {@code gateway-<region>} with the realm's development secret. Ready when
 * {@code /v1/openapi.json} answers 200, the one route that needs no token.
 */
public final class GatewayProcess extends ProcessBackedService {

    static final String MAIN_CLASS = "io.meridian.gateway.app.GatewayApp";
    static final String MODULE = "federation-gateway";
    static final String CLASSPATH_FILE = "gateway.classpath";
    static final int MAX_HEAP_MB = 512;
    /**
     * The limit on one call to a region, above the gateway's own default (PT2S): a local federation runs a dozen JVMs on
     * one small machine, where a region's first answers after start can take longer. A call that times out still leaves
     * the region's release in its decision log with no ledger entry, which the audit reports; a spurious timeout would
     * make the audit of a healthy local federation show that warning.
     */
    static final String REGION_TIMEOUT = "PT10S";

    private final String regionId;
    private final int port;
    private final ServiceContext context;
    private volatile HttpClient probeClient;

    GatewayProcess(String name, String regionId, int port, ServiceContext context) {
        super(name, context.state());
        this.regionId = regionId;
        this.port = port;
        this.context = context;
    }

    /** This gateway's region. */
    public String regionId() {
        return regionId;
    }

    @Override
    protected void prepare() throws IOException {
        if (context.freshData()) {
            state().wipeData(name());
        }
        Files.createDirectories(state().dataDirectory(name()));
    }

    @Override
    protected ProcessSpec processSpec() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ServerRuntime.javaExecutable());
        cmd.addAll(jvmArguments());
        cmd.add("-cp");
        cmd.add(ModuleClasspath.of(ServerRuntime.repoRoot(), MODULE, CLASSPATH_FILE));
        cmd.add(MAIN_CLASS);
        return ProcessSpec.of(name(), cmd, state().dataDirectory(name())).withEnvironment(environment());
    }

    /**
     * The JVM's options and the gateway's settings, without the classpath.
     *
     * @throws io.meridian.local.service.ServiceStartException when the catalog, Keycloak or the region's Cassandra is not
     *                                                         ready in this federation
     */
    List<String> jvmArguments() {
        Map<String, String> catalog = context.readyEndpoints("catalog", name());
        Map<String, String> keycloak = context.readyEndpoints("keycloak", name());
        Map<String, String> cassandra = context.readyEndpoints("cassandra-" + regionId, name());
        List<String> cmd = new ArrayList<>();
        cmd.add("-Xms128m");
        cmd.add("-Xmx" + MAX_HEAP_MB + "m");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        cmd.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
        cmd.add("-Dmeridian.config.dir=" + context.configs().directory());
        cmd.add("-Dmeridian.gateway.region=" + regionId);
        cmd.add("-Dmeridian.gateway.port=" + port);
        cmd.add("-Dmeridian.gateway.regionTimeout=" + REGION_TIMEOUT);
        cmd.add("-Dmeridian.catalog.url=" + ServiceContext.endpoint(catalog, "api", "catalog", name()));
        cmd.add("-Dmeridian.keycloak.issuer=" + ServiceContext.endpoint(keycloak, "issuer", "keycloak", name()));
        cmd.add("-Dmeridian.cassandra.contactPoints=" + ServiceContext.endpoint(cassandra, "cql", "cassandra-" + regionId, name()));
        cmd.add("-Dmeridian.cassandra.datacenter=" + ServiceContext.endpoint(cassandra, "datacenter", "cassandra-" + regionId, name()));
        List<String> running = new ArrayList<>();
        for (RegionConfig r : context.configs().regions()) {
            String id = r.id().value();
            String p = "-Dmeridian.gateway.region." + id + ".";
            Optional<Map<String, String>> node = context.readyIfAny("region-node-" + id);
            if (node.isPresent()) {
                running.add(id);
                cmd.add(p + "dataApi=" + ServiceContext.endpoint(node.get(), "data-api", "region-node-" + id, name()));
                // a running region's gateway is on this federation's port for it (ephemeral in tests), started or not yet
                cmd.add(p + "gateway=http://127.0.0.1:" + GatewayProvider.port(context, r) + "/v1");
            }
        }
        // the federation this gateway fans out over is the regions that run here; a region file without a running node
        // (uk-south in the default three-region federation) would otherwise make every aggregate answer partial
        cmd.add("-Dmeridian.gateway.regions=" + String.join(",", running));
        return cmd;
    }

    /** The realm's documented development secret of the client {@code gateway-<region>}, the only secret it takes. */
    Map<String, String> environment() {
        return Map.of("MERIDIAN_GATEWAY_CLIENT_SECRET", MeridianRealm.gatewaySecret(regionId));
    }

    @Override
    protected List<Integer> ports() {
        return List.of(port);
    }

    @Override
    protected boolean probe() throws Exception {
        HttpClient client = probeClient;
        if (client == null) {
            client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
            probeClient = client;
        }
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(apiUri() + "/openapi.json"))
                .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.discarding());
        return r.statusCode() == 200;
    }

    @Override
    protected void releaseProbe() {
        probeClient = null;
    }

    @Override
    protected Duration stopGrace() {
        return Duration.ofSeconds(15);
    }

    private String apiUri() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    @Override
    public Map<String, String> endpoints() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("api", apiUri());
        e.put("openapi", apiUri() + "/openapi.json");
        return e;
    }
}
