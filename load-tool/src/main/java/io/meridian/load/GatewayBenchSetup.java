package io.meridian.load;

import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The data behind {@link GatewayQueryLoad}, in a running federation ({@code ./meridian up}): a tenant whose export policy
 * lets aggregates reach every region's jurisdiction, {@code --devices} devices per region registered through the catalog
 * (each located in its region's country, so the tenant's proximity policy puts it there), and then live QoS 1 telemetry
 * from all of them for {@code --minutes}, in the JSON shape whose {@code v} the tenant maps as metric {@code v}.
 *
 * <p>The telemetry is live because a region's aggregator takes only windows that are still open (late data more than
 * 5 minutes past is dropped), so an hour of history takes an hour to publish. Fifteen minutes fill one {@code PT15M} window
 * with every device, which is what the benchmark's default query reads; run it with {@code --minutes 60} for a full hour.
 *
 * <p>It calls the catalog as a gateway's service client, which may manage every tenant. Device ids carry this run's
 * prefix, so a second run adds devices instead of colliding with the first run's (whose passwords were shown once).
 *
 * <pre>
 * java -cp ... io.meridian.load.GatewayBenchSetup [--tenant lampco --devices 100 --minutes 15 --interval 10]
 * </pre>
 */
public final class GatewayBenchSetup {

    static final String USAGE = """
            usage: GatewayBenchSetup [--name value]...
              --catalog http://127.0.0.1:P/v1  the catalog's API [local catalog port]
              --token-url URL                  the realm's token endpoint [local Keycloak]
              --client gateway-eu-central      the service client that manages the tenant through the catalog
              --secret S                       its secret [<client>-dev-secret]
              --tenant lampco                  the tenant (its users' tenant claim must match for the gateway query)
              --regions eu-central,...         regions to put devices in [up.defaultRegions]
              --devices 100                    devices per region
              --minutes 15                     minutes of live telemetry (0: register only)
              --interval 10                    seconds between two messages of one device
              --prefix gwb<time>               device id prefix [gwb + this run's epoch seconds]
            """;

    private static final List<String> OPTIONS = List.of("catalog", "token-url", "client", "secret", "tenant", "regions", "devices", "minutes",
            "interval", "prefix");

    /** One registered device: where it lives and how it signs in. */
    record Device(String id, String region, String password, String mqttHost, int mqttPort) {
    }

    private GatewayBenchSetup() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length || !OPTIONS.contains(args[i].substring(2))) {
                System.err.println("unknown or incomplete option " + args[i] + "\n" + USAGE);
                System.exit(2);
            }
            m.put(args[i].substring(2), args[++i]);
        }
        RegionConfigs configs = RegionConfigs.loadDefault();
        URI catalog = URI.create(m.getOrDefault("catalog", "http://127.0.0.1:" + configs.localServices().catalog() + "/v1"));
        URI tokenUrl = URI.create(m.getOrDefault("token-url",
                "http://127.0.0.1:" + configs.localServices().keycloak() + "/realms/meridian/protocol/openid-connect/token"));
        String client = m.getOrDefault("client", "gateway-eu-central");
        String secret = m.getOrDefault("secret", client + "-dev-secret");
        String tenant = m.getOrDefault("tenant", "lampco");
        List<RegionConfig> regions = new ArrayList<>();
        if (m.containsKey("regions")) {
            for (String id : m.get("regions").split(",")) {
                regions.add(configs.require(id.trim()));
            }
        } else {
            configs.localServices().defaultRegions().forEach(id -> regions.add(configs.require(id.value())));
        }
        int devices = positive(m, "devices", 100, 10_000);
        int minutes = Integer.parseInt(m.getOrDefault("minutes", "15"));
        int interval = positive(m, "interval", 10, 3600);
        if (minutes < 0 || minutes > 24 * 60) {
            throw new IllegalArgumentException("--minutes must be 0-1440, was " + minutes);
        }
        String prefix = m.getOrDefault("prefix", "gwb" + Instant.now().getEpochSecond());

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        String token = GatewayQueryLoad.token(http, tokenUrl, Map.of("grant_type", "client_credentials", "client_id", client,
                "client_secret", secret), client);
        putTenant(http, catalog, token, tenant, regions);
        long t0 = System.nanoTime();
        Map<String, List<Device>> byRegion = register(http, catalog, tokenUrl, client, secret, tenant, regions, devices, prefix);
        System.out.printf("registered %d devices per region in %s through the catalog in %.1f s%n", devices,
                regions.stream().map(r -> r.id().value()).toList(), (System.nanoTime() - t0) / 1e9);
        if (minutes > 0) {
            publish(tenant, byRegion, minutes, interval);
        }
        System.out.printf("done; query it with GatewayQueryLoad --tenant %s --query 'metric=v&resolution=PT15M'%n", tenant);
        System.exit(0);
    }

    /**
     * Creates or replaces the tenant: home EU, proximity allocation, aggregates may go to every region's jurisdiction
     * with SCCs declared in place, so that no region's egress gate denies the benchmark's query for its destination.
     */
    static JsonObject tenantSpec(List<RegionConfig> regions) {
        String home = "EU";
        Set<String> destinations = new LinkedHashSet<>();
        regions.forEach(r -> destinations.add(r.jurisdiction().code()));
        destinations.remove(home);
        return new JsonObject().put("home-jurisdiction", home)
                .put("allocation", new JsonObject().put("policy", "PROXIMITY"))
                // SCCs declared for every destination too: EU->US and ZA->US need them (jurisdictions.yaml), else rule A3 denies
                .put("export", new JsonObject().put("allowed-destinations", new JsonArray(new ArrayList<>(destinations)))
                        .put("sccs-in-place", new JsonArray(new ArrayList<>(destinations))))
                .put("data", new JsonObject().put("payload", new JsonObject().put("metrics", new JsonObject().put("v", "/v")).put("time", "/sent")));
    }

    private static void putTenant(HttpClient http, URI catalog, String token, String tenant, List<RegionConfig> regions)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(catalog + "/tenants/" + tenant)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(tenantSpec(regions).encode())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("the catalog refused tenant " + tenant + ": HTTP " + r.statusCode() + " " + r.body());
        }
        System.out.println("tenant " + tenant + ": " + new JsonObject(r.body()).getValue("regions"));
    }

    /** Registers in parallel (8 at a time); a device placed in another region than its country's fails the setup. */
    static Map<String, List<Device>> register(HttpClient http, URI catalog, URI tokenUrl, String client, String secret, String tenant,
            List<RegionConfig> regions, int devices, String prefix) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Map<String, List<Future<Device>>> futures = new LinkedHashMap<>();
            for (RegionConfig region : regions) {
                List<Future<Device>> list = new ArrayList<>();
                for (int i = 0; i < devices; i++) {
                    String id = String.format("%s-%s-%04d", prefix, region.id().value(), i);
                    list.add(pool.submit(() -> registerOne(http, catalog, tokenUrl, client, secret, tenant, region, id)));
                }
                futures.put(region.id().value(), list);
            }
            Map<String, List<Device>> out = new LinkedHashMap<>();
            for (Map.Entry<String, List<Future<Device>>> e : futures.entrySet()) {
                List<Device> list = new ArrayList<>();
                for (Future<Device> f : e.getValue()) {
                    list.add(f.get(2, TimeUnit.MINUTES));
                }
                out.put(e.getKey(), list);
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Device registerOne(HttpClient http, URI catalog, URI tokenUrl, String client, String secret, String tenant,
            RegionConfig region, String id) throws IOException, InterruptedException {
        // a fresh token per device keeps a long registration from outliving Keycloak's 5-minute access tokens
        String token = GatewayQueryLoad.token(http, tokenUrl, Map.of("grant_type", "client_credentials", "client_id", client,
                "client_secret", secret), client);
        JsonObject body = new JsonObject().put("device-id", id).put("location", new JsonObject().put("country", region.country()));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(catalog + "/tenants/" + tenant + "/devices"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("registering " + id + " answered HTTP " + r.statusCode() + " " + r.body());
        }
        JsonObject a = new JsonObject(r.body());
        if (!region.id().value().equals(a.getString("region"))) {
            throw new IllegalStateException(id + " (country " + region.country() + ") was placed in " + a.getString("region") + ", not "
                    + region.id().value() + "; is that region UP in the catalog?");
        }
        JsonObject mqtt = a.getJsonObject("endpoints").getJsonObject("mqtt");
        return new Device(id, a.getString("region"), a.getJsonObject("credentials").getString("password"), mqtt.getString("host"),
                mqtt.getInteger("port"));
    }

    /** Every region's devices publish at once, each every {@code interval} seconds, through load-tool's MQTT devices. */
    private static void publish(String tenant, Map<String, List<Device>> byRegion, int minutes, int interval) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setBlockedThreadCheckInterval(10_000));
        ExecutorService pool = Executors.newFixedThreadPool(byRegion.size());
        try {
            List<Future<LoadRun.Result>> runs = new ArrayList<>();
            for (Map.Entry<String, List<Device>> e : byRegion.entrySet()) {
                List<Device> ds = e.getValue();
                int rate = Math.max(1, ds.size() / interval);
                LoadOptions o = LoadOptions.parse(new String[] {"--region", e.getKey(), "--devices", Integer.toString(ds.size()), "--qos", "1",
                        "--rate", Integer.toString(rate), "--duration", Integer.toString(minutes * 60), "--warmup", "0", "--window", "4",
                        "--payload", "64", "--payload-format", "json", "--tenant", tenant, "--register", "false", "--reference", "none",
                        "--connect-parallel", "16", "--lanes", "1"});
                Device first = ds.get(0);
                runs.add(pool.submit(() -> new LoadRun(vertx, o).run("telemetry " + e.getKey(), first.mqttHost(), first.mqttPort(),
                        i -> ds.get(i).id(), i -> ds.get(i).id() + "@" + tenant, i -> ds.get(i).password())));
                System.out.printf("publishing %d msg/s from %d devices in %s for %d min%n", rate, ds.size(), e.getKey(), minutes);
            }
            for (Future<LoadRun.Result> f : runs) {
                LoadRun.Result r = f.get(minutes + 15L, TimeUnit.MINUTES);
                System.out.printf("%s: %d connected, %d sent, %d acknowledged%n", r.target(), r.connected(), r.sent(), r.acked());
            }
        } finally {
            pool.shutdownNow();
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static int positive(Map<String, String> m, String name, int otherwise, int max) {
        int v = Integer.parseInt(m.getOrDefault(name, Integer.toString(otherwise)));
        if (v < 1 || v > max) {
            throw new IllegalArgumentException("--" + name + " must be 1-" + max + ", was " + v);
        }
        return v;
    }
}
