package io.meridian.region.aggregate;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.Backend;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceRegistry;
import io.meridian.local.service.ServiceRequest;
import io.meridian.regions.RegionConfigs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The aggregate-query benchmark of issue 5 ("aggregate query over 1 h of 1,000 devices within 50 ms p99"),
 * without JMH: fills one hour of 1,000 devices (one value every 5 s each: 720,000 records; groups: all, 10
 * models, 50 geohash cells) through the real {@link Aggregator}, then times each query shape 300 times
 * after 50 warm-up runs and prints count, p50, p99 and max. Starts eu-central's Cassandra through
 * local-federation unless given {@code host:port} of a running one (datacenter1). Run from the repository root:
 * <pre>
 * ./mvnw -B -o -q -pl region-node test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/node-cp.txt -Dmdep.includeScope=test
 * (cd region-node &amp;&amp; java -Xmx1g -cp target/test-classes:target/classes:$(cat /tmp/node-cp.txt) \
 *     io.meridian.region.aggregate.AggregateQueryBenchmark [host:port])
 * </pre>
 */
public final class AggregateQueryBenchmark {

    private static final String TENANT = "bench";
    private static final String METRIC = "temp";
    private static final Instant HOUR = Instant.parse("2026-11-24T10:00:00Z");
    private static final int DEVICES = 1_000;
    private static final int EVERY_SECONDS = 5;
    private static final int WARM_UP = 50;
    private static final int RUNS = 300;

    private AggregateQueryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Federation federation = null;
        InetSocketAddress address;
        String datacenter = "datacenter1";
        if (args.length > 0) {
            String[] hostPort = args[0].split(":");
            address = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
        } else {
            federation = Federation.open(ServiceContext.ephemeral(RegionConfigs.loadDefault(),
                    StateDirectory.at(Path.of("target/aggregate-benchmark-services")), Backend.select()),
                    ServiceRegistry.load(), Federation.DEFAULT_PARALLELISM);
            federation.start(List.of(ServiceRequest.of("cassandra", "eu-central")), Federation.Listener.NONE);
            CassandraService cassandra = federation.cassandra("eu-central");
            address = cassandra.cqlAddress();
            datacenter = cassandra.localDatacenter();
        }
        try (CqlSession session = CqlSession.builder().addContactPoint(address).withLocalDatacenter(datacenter)
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10)).build())
                .build()) {
            run(session);
        } finally {
            if (federation != null) {
                federation.close();
            }
        }
    }

    private static void run(CqlSession session) {
        session.execute("DROP KEYSPACE IF EXISTS agg_benchmark");
        AggregateStore store = AggregateStore.open(session, "agg_benchmark", Map.of("class", "SimpleStrategy", "replication_factor", 1));
        Aggregator aggregator = new Aggregator(store, new SimpleMeterRegistry(), Aggregator.Config.DEFAULTS, t -> Duration.ofDays(1));
        Random random = new Random(1);
        long started = System.nanoTime();
        long offset = 0;
        int records = 0;
        for (int second = 0; second < 3600; second += EVERY_SECONDS) {
            List<AggregateInput> batch = new ArrayList<>(DEVICES);
            for (int d = 0; d < DEVICES; d++) {
                Instant event = HOUR.plusSeconds(second).plusMillis(random.nextInt(EVERY_SECONDS * 1000));
                // 50 cells of 20 devices each
                String cell = Geohash.encode(47 + (d % 10) * 0.1, 6 + (d % 50 / 10) * 2.0, 5);
                batch.add(new AggregateInput(TENANT, "device-" + d, event, event.plusMillis(50),
                        Map.of(METRIC, 20 + random.nextGaussian() * 5), Optional.of(cell), Map.of("model", "model-" + d % 10),
                        "hono.telemetry.bench/0", offset++));
            }
            aggregator.apply(batch);
            aggregator.flush();
            aggregator.evict(batch.get(batch.size() - 1).arrivalTime());
            records += batch.size();
        }
        double fillSeconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("filled %,d records of %,d devices in %.1f s (%.0f records/s through apply+flush)%n", records, DEVICES,
                fillSeconds, records / fillSeconds);

        AggregateQuery query = new AggregateQuery(store);
        Instant to = HOUR.plus(Duration.ofHours(1));
        time("cells  1h  [1 h] all kinds", () -> query.cells(TENANT, METRIC, Resolution.HOUR, HOUR, to, Optional.empty()));
        time("merged 15m [1 h] all kinds", () -> query.merged(TENANT, METRIC, Resolution.QUARTER_HOUR, HOUR, to, Optional.empty()));
        time("cells  1m  [1 h] kind=all", () -> query.cells(TENANT, METRIC, Resolution.MINUTE, HOUR, to, Optional.of("all")));
        time("merged 1m  [1 h] kind=label:model", () -> query.merged(TENANT, METRIC, Resolution.MINUTE, HOUR, to,
                Optional.of("label:model")));
        time("cells  1m  [1 h] all kinds", () -> query.cells(TENANT, METRIC, Resolution.MINUTE, HOUR, to, Optional.empty()));
        time("merged 1m  [1 h] all kinds", () -> query.merged(TENANT, METRIC, Resolution.MINUTE, HOUR, to, Optional.empty()));
        session.execute("DROP KEYSPACE IF EXISTS agg_benchmark");
    }

    private static void time(String name, Supplier<List<AggregateCell>> q) {
        int cells = 0;
        for (int i = 0; i < WARM_UP; i++) {
            cells = q.get().size();
        }
        long[] nanos = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t = System.nanoTime();
            q.get();
            nanos[i] = System.nanoTime() - t;
        }
        Arrays.sort(nanos);
        System.out.printf("%-36s %6d cells  p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms%n", name, cells, nanos[RUNS / 2] / 1e6,
                nanos[(int) Math.ceil(RUNS * 0.99) - 1] / 1e6, nanos[RUNS - 1] / 1e6);
    }
}
