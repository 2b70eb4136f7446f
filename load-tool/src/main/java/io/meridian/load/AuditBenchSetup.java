package io.meridian.load;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The data behind the audit benchmark (issue 8: an audit of 1 million stored records and 10,000 transfers across 3 regions
 * in under 2 minutes), in a running federation ({@code ./meridian up}).
 *
 * <ol>
 *   <li>It registers {@code --devices} devices per region through the catalog, as {@link GatewayBenchSetup} does, so that
 *       every stored record belongs to a device the catalog assigns to the region that holds it (a clean audit).</li>
 *   <li>It writes {@code --records} telemetry rows in all, spread evenly over those devices and {@code --days} days,
 *       straight into each region's own raw table ({@code meridian_data.telemetry}, the schema the region's ingest
 *       writes). Going through MQTT would take the ingest path's time, which its own benchmark measures; the audit only
 *       reads what is stored. Row offsets are negative, so they never collide with offsets a Kafka partition gives.</li>
 *   <li>It asks {@code --queries} aggregate queries through one gateway as the tenant's analyst, 8 at a time. Each query
 *       makes one decision in every region, and each foreign part is a transfer recorded in that gateway's ledger, so
 *       with the gateway in us-east and the tenant's data in three jurisdictions, 5,000 queries are 10,000 transfers. The
 *       aggregates answered are those {@link GatewayBenchSetup}'s live telemetry filled; run it first.</li>
 * </ol>
 *
 * <pre>
 * java -cp ... io.meridian.load.AuditBenchSetup [--tenant lampco --devices 1000 --records 1000000 --days 10
 *     --queries 5000 --gateway-region us-east]
 * </pre>
 */
public final class AuditBenchSetup {

    static final String USAGE = """
            usage: AuditBenchSetup [--name value]...
              --tenant lampco                the tenant (its analyst asks the queries)
              --regions eu-central,...       regions to put devices and rows in [up.defaultRegions]
              --devices 1000                 devices per region (0: use none, write no rows)
              --records 1000000              telemetry rows in all, over every region's devices
              --days 10                      days back over which the rows are spread
              --queries 5000                 aggregate queries through the gateway (0: none)
              --gateway-region us-east       whose gateway the queries go through
              --query 'metric=v&resolution=PT15M'  the aggregate query
              --prefix aud<time>             device id prefix [aud + this run's epoch seconds]
            """;

    private static final List<String> OPTIONS = List.of("tenant", "regions", "devices", "records", "days", "queries",
            "gateway-region", "query", "prefix");
    private static final int IN_FLIGHT_WRITES = 256;
    private static final int QUERY_CONCURRENCY = 8;

    private AuditBenchSetup() {
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
        List<RegionConfig> regions = new ArrayList<>();
        if (m.containsKey("regions")) {
            for (String id : m.get("regions").split(",")) {
                regions.add(configs.require(id.trim()));
            }
        } else {
            configs.localServices().defaultRegions().forEach(id -> regions.add(configs.require(id.value())));
        }
        String tenant = m.getOrDefault("tenant", "lampco");
        int devices = bounded(m, "devices", 1000, 0, 100_000);
        long records = Long.parseLong(m.getOrDefault("records", "1000000"));
        int days = bounded(m, "days", 10, 1, 365);
        int queries = bounded(m, "queries", 5000, 0, 1_000_000);
        if (records < 0 || records > 100_000_000L) {
            throw new IllegalArgumentException("--records must be 0-100000000, was " + records);
        }
        String prefix = m.getOrDefault("prefix", "aud" + Instant.now().getEpochSecond());
        URI catalog = URI.create("http://127.0.0.1:" + configs.localServices().catalog() + "/v1");
        URI tokenUrl = URI.create("http://127.0.0.1:" + configs.localServices().keycloak() + "/realms/meridian/protocol/openid-connect/token");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

        if (devices > 0) {
            String client = "gateway-" + regions.get(0).id().value();
            long t0 = System.nanoTime();
            Map<String, List<GatewayBenchSetup.Device>> byRegion = GatewayBenchSetup.register(http, catalog, tokenUrl, client,
                    client + "-dev-secret", tenant, regions, devices, prefix);
            System.out.printf("registered %d devices per region in %s through the catalog in %.1f s%n", devices,
                    regions.stream().map(r -> r.id().value()).toList(), (System.nanoTime() - t0) / 1e9);
            long perRegion = records / regions.size();
            for (RegionConfig region : regions) {
                List<String> ids = byRegion.get(region.id().value()).stream().map(GatewayBenchSetup.Device::id).toList();
                writeRows(region, tenant, ids, perRegion, days);
            }
        }
        if (queries > 0) {
            RegionConfig via = configs.require(m.getOrDefault("gateway-region", "us-east"));
            URI gateway = URI.create("http://127.0.0.1:" + via.localPorts().gateway() + "/v1");
            ask(http, tokenUrl, gateway, tenant, m.getOrDefault("query", "metric=v&resolution=PT15M"), queries);
        }
        System.exit(0);
    }

    /** Writes {@code count} rows into the region's raw table, spread round-robin over the devices and the days. */
    private static void writeRows(RegionConfig region, String tenant, List<String> devices, long count, int days) throws Exception {
        int port = region.localPorts().cassandraCql();
        long t0 = System.nanoTime();
        try (CqlSession session = CqlSession.builder().addContactPoint(new InetSocketAddress("127.0.0.1", port))
                .withLocalDatacenter("datacenter1").build()) {
            PreparedStatement insert = session.prepare("INSERT INTO meridian_data.telemetry (tenant_id, device_id, day, ts,"
                    + " kafka_partition, kafka_offset, arrived, content_type, payload, metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            Semaphore inFlight = new Semaphore(IN_FLIGHT_WRITES);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong written = new AtomicLong();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            long spanMs = Duration.ofDays(days).toMillis();
            for (long i = 0; i < count && failure.get() == null; i++) {
                String device = devices.get((int) (i % devices.size()));
                Instant ts = now.minusMillis((i * 7919L) % spanMs);
                double v = (i % 1000) / 10.0;
                ByteBuffer payload = ByteBuffer.wrap(("{\"v\":" + v + "}").getBytes(StandardCharsets.UTF_8));
                inFlight.acquire();
                CompletionStage<AsyncResultSet> w = session.executeAsync(insert.bind(tenant, device,
                        LocalDate.ofInstant(ts, ZoneOffset.UTC), ts, -1, -(i + 1), ts, "application/json", payload, Map.of("v", v)));
                w.whenComplete((rs, e) -> {
                    inFlight.release();
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        written.incrementAndGet();
                    }
                });
            }
            inFlight.acquire(IN_FLIGHT_WRITES);
            if (failure.get() != null) {
                throw new IllegalStateException("writing rows into " + region.id().value() + "'s Cassandra on port " + port + " failed after "
                        + written.get() + " rows", failure.get());
            }
            System.out.printf("%s: wrote %d telemetry rows for %d devices over %d days in %.1f s%n", region.id().value(), written.get(),
                    devices.size(), days, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Asks the queries through the gateway, a few at a time, and counts the answers by status. */
    private static void ask(HttpClient http, URI tokenUrl, URI gateway, String tenant, String query, int queries) throws Exception {
        String user = tenant.equals("lampco") ? "lamp-analyst" : tenant.equals("carehome") ? "care-analyst" : null;
        if (user == null) {
            throw new IllegalArgumentException("--queries needs a tenant with a demo analyst (lampco or carehome), was " + tenant);
        }
        URI uri = URI.create(gateway + "/tenants/" + tenant + "/aggregates?" + query);
        ExecutorService pool = Executors.newFixedThreadPool(QUERY_CONCURRENCY);
        Map<Integer, AtomicLong> byStatus = new java.util.concurrent.ConcurrentSkipListMap<>();
        AtomicLong next = new AtomicLong();
        long t0 = System.nanoTime();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < QUERY_CONCURRENCY; w++) {
                workers.add(pool.submit(() -> {
                    String token = null;
                    long tokenAt = 0;
                    while (next.getAndIncrement() < queries) {
                        // a fresh token each minute keeps a long run inside Keycloak's 5-minute access tokens
                        if (token == null || System.nanoTime() - tokenAt > TimeUnit.MINUTES.toNanos(1)) {
                            token = GatewayQueryLoad.token(http, tokenUrl, Map.of("grant_type", "password", "client_id", "meridian-cli",
                                    "username", user, "password", user + "-demo"), user);
                            tokenAt = System.nanoTime();
                        }
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.discarding());
                        byStatus.computeIfAbsent(r.statusCode(), s -> new AtomicLong()).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get(2, TimeUnit.HOURS);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("asked %d aggregate queries through %s in %.1f s; answers by status: %s%n", queries, gateway,
                (System.nanoTime() - t0) / 1e9, byStatus);
    }

    private static int bounded(Map<String, String> m, String name, int otherwise, int min, int max) {
        int v = Integer.parseInt(m.getOrDefault(name, Integer.toString(otherwise)));
        if (v < min || v > max) {
            throw new IllegalArgumentException("--" + name + " must be " + min + "-" + max + ", was " + v);
        }
        return v;
    }
}
