package io.meridian.catalog.app;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.auth.TokenValidator;
import io.meridian.catalog.assignment.DeviceKeys;
import io.meridian.catalog.assignment.DeviceLocations;
import io.meridian.catalog.region.RegionDirectory;
import io.meridian.catalog.region.RegionEndpoints;
import io.meridian.catalog.region.RegionRegistryClient;
import io.meridian.catalog.region.ServiceToken;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog as a process: {@code java -cp ... io.meridian.catalog.app.CatalogApp}.
 *
 * <p>System properties (defaults in brackets suit {@code ./meridian up}):
 * <ul>
 *   <li>{@code meridian.catalog.port} [region-configs {@code local-services.yaml} catalog port], {@code meridian.catalog.bind} [127.0.0.1];</li>
 *   <li>{@code meridian.cassandra.contactPoints} [127.0.0.1:&lt;first region's CQL port&gt;], {@code meridian.cassandra.datacenter}
 *       [datacenter1], {@code meridian.catalog.keyspace} [catalog], {@code meridian.catalog.replication} [&lt;datacenter&gt;:1];</li>
 *   <li>{@code meridian.keycloak.issuer} [the local Keycloak's realm meridian];</li>
 *   <li>per region: {@code meridian.catalog.region.<id>.registry}, {@code .health}, {@code .mqttHost}, {@code .mqttPort},
 *       {@code .mqttTlsPort}, {@code .http}, {@code .caFile} [the region's local ports on 127.0.0.1], or
 *       {@code meridian.catalog.endpoints=production} for the endpoints in the region files;</li>
 *   <li>{@code meridian.catalog.locations} [the built-in table]: the country points and IP-range table, in the format of
 *       {@code io/meridian/catalog/locations.yaml};</li>
 *   <li>{@code meridian.catalog.healthPeriod} [PT5S], {@code meridian.catalog.repairPeriod} [PT30S], {@code meridian.catalog.catchUpPeriod} [PT30S].</li>
 * </ul>
 * Secrets come from the environment, never from properties or logs:
 * <ul>
 *   <li>{@code MERIDIAN_CATALOG_CLIENT_SECRET}: the Keycloak client {@code catalog}'s secret, for the regions' registries;</li>
 *   <li>{@code MERIDIAN_CATALOG_KEYS} ({@code id=base64[,id=base64...]}) and {@code MERIDIAN_CATALOG_KEY_ID}: the pseudonym
 *       keys; or a key file named by {@code meridian.catalog.keyFile} ({@code current=<id>} and {@code <id>=<base64>} lines),
 *       created with a new random key when {@code meridian.catalog.generateKeyFile=true} (local runs only).</li>
 * </ul>
 */
public final class CatalogApp {

    private static final Logger LOG = LoggerFactory.getLogger(CatalogApp.class);

    private CatalogApp() {
    }

    public static void main(String[] args) throws Exception {
        RegionConfigs configs = RegionConfigs.loadDefault();
        DeviceKeys keys;
        CatalogConfig config;
        RegionDirectory directory;
        DeviceLocations locations;
        String clientSecret = System.getenv("MERIDIAN_CATALOG_CLIENT_SECRET");
        String datacenter = System.getProperty("meridian.cassandra.datacenter", "datacenter1");
        try {
            keys = keys(System::getenv, System::getProperty);
            if (clientSecret == null || clientSecret.isBlank()) {
                throw new IllegalStateException("MERIDIAN_CATALOG_CLIENT_SECRET (the Keycloak client catalog's secret) must be set");
            }
            config = new CatalogConfig(System.getProperty("meridian.catalog.bind", "127.0.0.1"),
                    Integer.getInteger("meridian.catalog.port", configs.localServices().catalog()),
                    System.getProperty("meridian.catalog.keyspace", "catalog"),
                    CatalogConfig.parseReplication(System.getProperty("meridian.catalog.replication", datacenter + ":1")),
                    duration("meridian.catalog.nearCacheLifespan", "PT60S"), 1_000_000,
                    duration("meridian.catalog.repairPeriod", "PT30S"), duration("meridian.catalog.catchUpPeriod", "PT30S"));
            directory = directory(configs, System::getProperty);
            String table = System.getProperty("meridian.catalog.locations");
            // a deployment's GeoIP-derived table in the built-in table's format; validated when loaded
            locations = table == null ? DeviceLocations.builtIn() : DeviceLocations.load(Path.of(table));
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            // a broken setting stops the catalog here, named, before it touches anything
            LOG.error("catalog cannot start: {}", e.getMessage());
            System.exit(1);
            return;
        }
        RegionConfig first = configs.regions().get(0);
        URI issuer = URI.create(System.getProperty("meridian.keycloak.issuer", "http://127.0.0.1:" + configs.localServices().keycloak() + "/realms/meridian"));
        String contact = System.getProperty("meridian.cassandra.contactPoints", "127.0.0.1:" + first.localPorts().cassandraCql());
        LOG.info("catalog starting: port {}, keyspace {} replicated {}, Cassandra {} ({}), Keycloak {}, {}", config.port(), config.keyspace(),
                config.replication(), contact, datacenter, issuer, keys);

        ServiceToken token = new ServiceToken(URI.create(issuer + "/protocol/openid-connect/token"), "catalog", clientSecret);
        CatalogRegions regions = new CatalogRegions(directory, new RegionRegistryClient(directory, token), config.catchUpPeriod());
        directory.start();

        String[] hostPort = contact.split(":");
        CqlSession session = CqlSession.builder().addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
                .withLocalDatacenter(datacenter).build();
        Vertx vertx = Vertx.vertx();
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Catalog catalog;
        try {
            catalog = Catalog.start(vertx, config, session, configs, keys, locations, regions,
                    new TokenValidator(URI.create(issuer + "/protocol/openid-connect/certs"), issuer.toString(), "meridian", Clock.systemUTC()),
                    meters, Clock.systemUTC());
        } catch (Exception e) {
            LOG.error("catalog could not start", e);
            regions.close();
            session.close();
            vertx.close();
            System.exit(1);
            return;
        }
        LOG.info("catalog API on http://{}:{}/v1/ (OpenAPI at /v1/openapi.json)", config.bindAddress(), catalog.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("catalog stopping");
            catalog.close();
            session.close();
            vertx.close();
            stopped.countDown();
        }, "catalog-shutdown"));
        stopped.await();
    }

    /** The region directory: each region's local (or production) endpoints, each overridable by properties. */
    static RegionDirectory directory(RegionConfigs configs, Function<String, String> properties) {
        boolean production = "production".equals(properties.apply("meridian.catalog.endpoints"));
        RegionDirectory.Builder builder = RegionDirectory.builder(configs)
                .period(Duration.parse(orDefault(properties.apply("meridian.catalog.healthPeriod"), "PT5S")));
        for (RegionConfig r : configs.regions()) {
            RegionEndpoints base = production ? RegionEndpoints.production(r) : RegionEndpoints.local(r);
            String p = "meridian.catalog.region." + r.id().value() + ".";
            String mqttPort = properties.apply(p + "mqttPort");
            String mqttTlsPort = properties.apply(p + "mqttTlsPort");
            RegionEndpoints e = new RegionEndpoints(
                    uri(properties.apply(p + "registry"), base.registry()),
                    uri(properties.apply(p + "health"), base.health()),
                    orDefault(properties.apply(p + "mqttHost"), base.mqttHost()),
                    mqttPort == null ? base.mqttPort() : OptionalInt.of(Integer.parseInt(mqttPort)),
                    mqttTlsPort == null ? base.mqttTlsPort() : Integer.parseInt(mqttTlsPort),
                    uri(properties.apply(p + "http"), base.httpAdapter()),
                    base.caPem());
            String caFile = properties.apply(p + "caFile");
            if (caFile != null && Files.isRegularFile(Path.of(caFile))) {
                e = e.withCaPemFile(Path.of(caFile));
            } else if (caFile != null) {
                LOG.warn("region {}: CA file {} does not exist (yet); bootstrap answers carry no CA for it", r.id(), caFile);
            }
            builder.endpoints(r.id(), e);
        }
        return builder.build();
    }

    /** The pseudonym keys, from the environment or the key file (see the class comment). */
    static DeviceKeys keys(Function<String, String> env, Function<String, String> properties) throws IOException {
        String inline = env.apply("MERIDIAN_CATALOG_KEYS");
        if (inline != null && !inline.isBlank()) {
            String current = env.apply("MERIDIAN_CATALOG_KEY_ID");
            if (current == null || current.isBlank()) {
                throw new IllegalStateException("MERIDIAN_CATALOG_KEY_ID must name the current key of MERIDIAN_CATALOG_KEYS");
            }
            Map<String, byte[]> map = new LinkedHashMap<>();
            for (String part : inline.split(",")) {
                int eq = part.indexOf('=');
                if (eq < 1) {
                    throw new IllegalStateException("MERIDIAN_CATALOG_KEYS must be id=base64[,id=base64...]");
                }
                map.put(part.substring(0, eq).trim(), decode(part.substring(eq + 1).trim(), part.substring(0, eq).trim()));
            }
            return new DeviceKeys(current.trim(), map);
        }
        String file = properties.apply("meridian.catalog.keyFile");
        if (file == null) {
            throw new IllegalStateException("the catalog needs its pseudonym keys: set MERIDIAN_CATALOG_KEYS and MERIDIAN_CATALOG_KEY_ID, "
                    + "or meridian.catalog.keyFile");
        }
        Path path = Path.of(file);
        if (!Files.exists(path) && "true".equals(properties.apply("meridian.catalog.generateKeyFile"))) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Files.createDirectories(path.toAbsolutePath().getParent());
            Files.writeString(path, "# the catalog's pseudonym keys (never share or log)\ncurrent=k1\nk1=" + Base64.getEncoder().encodeToString(key) + "\n",
                    StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                LOG.debug("no POSIX permissions on {}", path);
            }
            LOG.info("catalog generated a new pseudonym key in {}", path);
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(path, StandardCharsets.US_ASCII)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("the catalog key file " + path + " cannot be read: " + e.getMessage(), e);
        }
        String current = p.getProperty("current");
        if (current == null) {
            throw new IllegalStateException("the catalog key file " + path + " must have a line current=<key id>");
        }
        Map<String, byte[]> map = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            if (!name.equals("current")) {
                map.put(name, decode(p.getProperty(name), name));
            }
        }
        return new DeviceKeys(current, map);
    }

    private static byte[] decode(String base64, String id) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("catalog key " + id + " is not base64");
        }
    }

    private static Duration duration(String property, String fallback) {
        String value = System.getProperty(property, fallback);
        try {
            return Duration.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(property + " must be an ISO-8601 duration such as PT30S, was " + value);
        }
    }

    private static URI uri(String value, URI fallback) {
        return value == null ? fallback : URI.create(value);
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
