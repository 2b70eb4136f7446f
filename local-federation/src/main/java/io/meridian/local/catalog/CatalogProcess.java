package io.meridian.local.catalog;

import io.meridian.local.keycloak.MeridianRealm;
import io.meridian.local.process.ProcessSpec;
import io.meridian.local.process.ServerRuntime;
import io.meridian.local.service.ProcessBackedService;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceStartException;
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

/**
 * The global catalog JVM ({@code io.meridian.catalog.app.CatalogApp}), launched from the global-catalog module's
 * classes and the runtime classpath its build writes to {@code global-catalog/target/catalog.classpath}.
 *
 * <p>It keeps its keyspace on the Cassandra of the first running region (locally one cluster stands in for the
 * catalog's multi-data-centre cluster), validates tokens against the federation's Keycloak, and reaches every running
 * region node at the ports this federation gave it; regions that are not running keep their configured local ports,
 * where nothing answers, so the catalog sees them down. Its pseudonym key is generated into its data directory at
 * first start. Ready when {@code /health/ready} answers 200.
 */
public final class CatalogProcess extends ProcessBackedService {

    static final String MAIN_CLASS = "io.meridian.catalog.app.CatalogApp";
    static final int MAX_HEAP_MB = 512;

    private final int port;
    private final ServiceContext context;
    private volatile HttpClient probeClient;

    CatalogProcess(String name, int port, ServiceContext context) {
        super(name, context.state());
        this.port = port;
        this.context = context;
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
        List<RegionConfig> running = new ArrayList<>();
        for (RegionConfig r : context.configs().regions()) {
            if (context.readyIfAny("region-node-" + r.id().value()).isPresent()) {
                running.add(r);
            }
        }
        if (running.isEmpty()) {
            throw new ServiceStartException(name() + " needs at least one running region node");
        }
        String home = running.stream().map(r -> r.id().value()).filter(id -> context.configs().localServices().defaultRegions().stream()
                .anyMatch(d -> d.value().equals(id))).findFirst().orElse(running.get(0).id().value());
        Map<String, String> cassandra = context.readyEndpoints("cassandra-" + home, name());
        Map<String, String> keycloak = context.readyEndpoints("keycloak", name());
        List<String> cmd = new ArrayList<>();
        cmd.add(ServerRuntime.javaExecutable());
        cmd.add("-Xms128m");
        cmd.add("-Xmx" + MAX_HEAP_MB + "m");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        cmd.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
        cmd.add("-Dmeridian.config.dir=" + context.configs().directory());
        cmd.add("-Dmeridian.catalog.port=" + port);
        cmd.add("-Dmeridian.cassandra.contactPoints=" + ServiceContext.endpoint(cassandra, "cql", "cassandra-" + home, name()));
        cmd.add("-Dmeridian.cassandra.datacenter=" + ServiceContext.endpoint(cassandra, "datacenter", "cassandra-" + home, name()));
        cmd.add("-Dmeridian.keycloak.issuer=" + ServiceContext.endpoint(keycloak, "issuer", "keycloak", name()));
        cmd.add("-Dmeridian.catalog.keyFile=" + state().dataDirectory(name()).resolve("catalog-keys.properties"));
        cmd.add("-Dmeridian.catalog.generateKeyFile=true");
        for (RegionConfig r : running) {
            String id = r.id().value();
            Map<String, String> node = context.readyEndpoints("region-node-" + id, name());
            String p = "-Dmeridian.catalog.region." + id + ".";
            cmd.add(p + "registry=" + ServiceContext.endpoint(node, "registry", "region-node-" + id, name()));
            cmd.add(p + "health=" + ServiceContext.endpoint(node, "metrics", "region-node-" + id, name()).replace("/metrics", "/health/ready"));
            cmd.add(p + "mqttPort=" + portOf(ServiceContext.endpoint(node, "mqtt", "region-node-" + id, name())));
            cmd.add(p + "mqttTlsPort=" + portOf(ServiceContext.endpoint(node, "mqtts", "region-node-" + id, name())));
            cmd.add(p + "http=" + ServiceContext.endpoint(node, "http-adapter", "region-node-" + id, name()));
            cmd.add(p + "caFile=" + ServiceContext.endpoint(node, "ca", "region-node-" + id, name()));
        }
        cmd.add("-cp");
        cmd.add(io.meridian.local.process.ModuleClasspath.of(ServerRuntime.repoRoot(), "global-catalog", "catalog.classpath"));
        cmd.add(MAIN_CLASS);
        Map<String, String> env = new LinkedHashMap<>();
        // the realm's documented development secret of the client 'catalog'
        env.put("MERIDIAN_CATALOG_CLIENT_SECRET", MeridianRealm.CATALOG_SECRET);
        return ProcessSpec.of(name(), cmd, state().dataDirectory(name())).withEnvironment(env);
    }

    private static String portOf(String uri) {
        return Integer.toString(URI.create(uri).getPort());
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
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
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

    @Override
    public Map<String, String> endpoints() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("api", "http://127.0.0.1:" + port + "/v1");
        e.put("openapi", "http://127.0.0.1:" + port + "/v1/openapi.json");
        e.put("bootstrap", "http://127.0.0.1:" + port + "/v1/bootstrap");
        return e;
    }
}
