package io.meridian.local.region;

import io.meridian.local.process.ProcessSpec;
import io.meridian.local.process.ServerRuntime;
import io.meridian.local.service.ProcessBackedService;
import io.meridian.local.service.ServiceContext;
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
import java.util.Objects;
import java.util.Optional;

/**
 * A region node JVM ({@code io.meridian.region.app.RegionNodeApp <region>}) launched from the region-node
 * module's classes and the runtime classpath its build writes to {@code region-node/target/node.classpath}.
 * Its Cassandra, Kafka and Keycloak addresses are those of the services of this federation that are already
 * ready, passed as system properties; its own ports come from region-configs (or are ephemeral in tests).
 *
 * <p>Ready when the node's management port answers {@code /health/ready} with 200, which it does once its
 * registry and every adapter serve.
 */
public final class RegionNodeProcess extends ProcessBackedService {

    static final String MAIN_CLASS = "io.meridian.region.app.RegionNodeApp";

    /** What one node process is started with. */
    public record Settings(String name, String regionId, int registryPort, int mqttPort, int mqttTlsPort, int httpPort,
            int httpsPort, int managementPort, int dataApiPort, int maxHeapMb) {
        public Settings {
            Objects.requireNonNull(name, "name must not be null");
            Objects.requireNonNull(regionId, "regionId must not be null");
        }
    }

    private final Settings settings;
    private final ServiceContext context;
    private volatile HttpClient probeClient;

    RegionNodeProcess(Settings settings, ServiceContext context) {
        super(settings.name(), context.state());
        this.settings = settings;
        this.context = context;
    }

    public Settings settings() {
        return settings;
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
        String region = settings.regionId();
        Map<String, String> cassandra = context.readyEndpoints("cassandra-" + region, name());
        Map<String, String> kafka = context.readyEndpoints("kafka-" + region, name());
        Map<String, String> keycloak = context.readyEndpoints("keycloak", name());
        List<String> cmd = new ArrayList<>();
        cmd.add(ServerRuntime.javaExecutable());
        cmd.add("-Xms256m");
        cmd.add("-Xmx" + settings.maxHeapMb() + "m");
        cmd.add("-XX:+UseG1GC");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        cmd.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
        cmd.add("-Dmeridian.service=" + name());
        cmd.add("-Dmeridian.config.dir=" + context.configs().directory());
        cmd.add("-Dmeridian.node.stateDir=" + state().dataDirectory(name()));
        cmd.add("-Dmeridian.cassandra.contactPoints=" + ServiceContext.endpoint(cassandra, "cql", "cassandra-" + region, name()));
        cmd.add("-Dmeridian.cassandra.datacenter=" + ServiceContext.endpoint(cassandra, "datacenter", "cassandra-" + region, name()));
        cmd.add("-Dmeridian.kafka.bootstrap=" + ServiceContext.endpoint(kafka, "bootstrap", "kafka-" + region, name()));
        cmd.add("-Dmeridian.keycloak.issuer=" + ServiceContext.endpoint(keycloak, "issuer", "keycloak", name()));
        cmd.add("-Dmeridian.registry.port=" + settings.registryPort());
        cmd.add("-Dmeridian.mqtt.port=" + settings.mqttPort());
        cmd.add("-Dmeridian.mqtt.tlsPort=" + settings.mqttTlsPort());
        cmd.add("-Dmeridian.http.port=" + settings.httpPort());
        cmd.add("-Dmeridian.http.tlsPort=" + settings.httpsPort());
        cmd.add("-Dmeridian.management.port=" + settings.managementPort());
        cmd.add("-Dmeridian.dataApi.port=" + settings.dataApiPort());
        // the catalog starts after the nodes; its port is the federation's either way, so the node's storage audit finds it
        cmd.add("-Dmeridian.catalog.url=http://127.0.0.1:" + context.port("catalog.http", context.configs().localServices().catalog()) + "/v1");
        Map<String, String> env = new LinkedHashMap<>();
        Optional<Map<String, String>> s3 = context.readyIfAny(io.meridian.local.aws.S3MockService.NAME);
        if (s3.isPresent()) {
            // the region archive writes to the region's own bucket on the federation's S3 stand-in
            cmd.add("-Dmeridian.archive.endpoint=" + s3.get().get("s3"));
            cmd.add("-Dmeridian.archive.awsRegion=us-east-1");
            env.put("MERIDIAN_ARCHIVE_ACCESS_KEY_ID", io.meridian.local.aws.AwsStandIn.ACCESS_KEY_ID);
            env.put("MERIDIAN_ARCHIVE_SECRET_ACCESS_KEY", io.meridian.local.aws.AwsStandIn.SECRET_ACCESS_KEY);
        } else {
            // no S3 stand-in in this federation (some tests): the node runs without its hourly archive
            cmd.add("-Dmeridian.archive.enabled=false");
        }
        cmd.add("-cp");
        cmd.add(io.meridian.local.process.ModuleClasspath.of(ServerRuntime.repoRoot(), "region-node", "node.classpath"));
        cmd.add(MAIN_CLASS);
        cmd.add(region);
        return ProcessSpec.of(name(), cmd, state().dataDirectory(name())).withEnvironment(env);
    }

    @Override
    protected List<Integer> ports() {
        return List.of(settings.registryPort(), settings.mqttPort(), settings.mqttTlsPort(), settings.httpPort(), settings.httpsPort(),
                settings.managementPort(), settings.dataApiPort());
    }

    @Override
    protected boolean probe() throws Exception {
        HttpClient client = probeClient;
        if (client == null) {
            client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            probeClient = client;
        }
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(managementUri() + "/health/ready"))
                .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.discarding());
        return r.statusCode() == 200; // the node says so once its registry and every adapter serve
    }

    @Override
    protected void releaseProbe() {
        probeClient = null;
    }

    @Override
    protected Duration stopGrace() {
        return Duration.ofSeconds(20);
    }

    private String managementUri() {
        return "http://127.0.0.1:" + settings.managementPort();
    }

    private String registryUri() {
        return "http://127.0.0.1:" + settings.registryPort();
    }

    @Override
    public Map<String, String> endpoints() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("registry", registryUri() + "/v1");
        e.put("mqtt", "mqtt://127.0.0.1:" + settings.mqttPort());
        e.put("mqtts", "mqtts://127.0.0.1:" + settings.mqttTlsPort());
        // the node generates its CA here at first start (RegionNodeApp's TLS directory under meridian.node.stateDir)
        e.put("ca", state().dataDirectory(name()).resolve("tls").resolve("ca-cert.pem").toString());
        e.put("http-adapter", "http://127.0.0.1:" + settings.httpPort());
        e.put("https-adapter", "https://127.0.0.1:" + settings.httpsPort());
        e.put("metrics", managementUri() + "/metrics");
        e.put("data-api", "http://127.0.0.1:" + settings.dataApiPort() + "/v1");
        return e;
    }
}
