package io.meridian.region.aggregate;

import io.meridian.aggregate.WindowState;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import io.meridian.local.junit.MeridianServices;
import io.meridian.local.service.CassandraService;
import io.meridian.local.service.Federation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Window aggregates against the eu-central region's real Cassandra: what a flush persisted survives a
 * restart without counting twice, and queries equal an exact recomputation of the records. Each test has
 * its own keyspace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@MeridianServices(cassandra = "eu-central")
class AggregateStoreIT {

    private static final Map<String, Object> REPLICATION = Map.of("class", "SimpleStrategy", "replication_factor", 1);
    private static final String TENANT = "acme";
    private static final String METRIC = "temp";
    /** 23:00 UTC, so the two hours of records span two days (two partitions per resolution). */
    private static final Instant T0 = Instant.parse("2026-11-23T23:00:00Z");
    private static final Duration RETENTION = Duration.ofDays(30);

    private CqlSession session;

    @BeforeAll
    void connect(Federation federation) {
        CassandraService cassandra = federation.cassandra("eu-central");
        // the node's own timeouts (DeviceRegistry): the default 2 s is too short on 2 busy cores
        session = CqlSession.builder().addContactPoint(cassandra.cqlAddress())
                .withLocalDatacenter(cassandra.localDatacenter())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                        .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(20))
                        .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(20))
                        .build())
                .build();
    }

    @AfterAll
    void close() {
        if (session != null) {
            session.close();
        }
    }

    private Aggregator aggregator(AggregateStore store, Aggregator.Config config) {
        return new Aggregator(store, new SimpleMeterRegistry(), config, tenant -> RETENTION);
    }

    /** What a record contributes, for the exact recomputation. */
    private record Point(String device, Instant event, double value, String model, String cell) {
    }

    /** Records of {@code devices} devices over [from, from + span), two partitions, values exact in binary. */
    private static List<AggregateInput> records(long seed, int n, int devices, Instant from, Duration span,
            long firstOffset, List<Point> points) {
        Random random = new Random(seed);
        List<AggregateInput> inputs = new ArrayList<>(n);
        long[] offsets = {firstOffset, firstOffset};
        for (int i = 0; i < n; i++) {
            int d = random.nextInt(devices);
            String device = "dev-" + d;
            Instant event = from.plusMillis((long) (random.nextDouble() * span.toMillis()));
            double value = Math.round((random.nextGaussian() * 20 + 15) * 64) / 64.0;
            String model = "model-" + d % 4;
            String cell = Geohash.encode(52.0 + (d % 5) * 0.3, 13.0 + (d % 3) * 0.4, 4);
            int partition = d % 2;
            inputs.add(new AggregateInput(TENANT, device, event, event.plusSeconds(1 + random.nextInt(30)),
                    Map.of(METRIC, value), Optional.of(cell), Map.of("model", model),
                    "hono.telemetry.acme/" + partition, offsets[partition]++));
            points.add(new Point(device, event, value, model, cell));
        }
        return inputs;
    }

    private static boolean inGroup(Point p, GroupKey g) {
        return switch (g.kind()) {
            case GroupKey.KIND_ALL -> true;
            case GroupKey.KIND_GEOHASH -> p.cell.equals(g.value());
            default -> g.kind().equals("label:model") && p.model.equals(g.value());
        };
    }

    /** Asserts a cell against the points of its group in [from, to). */
    private static void assertExact(List<Point> points, AggregateCell cell, Instant from, Instant to) {
        List<Point> in = points.stream().filter(p -> !p.event.isBefore(from) && p.event.isBefore(to) && inGroup(p, cell.group()))
                .toList();
        assertFalse(in.isEmpty(), "a stored cell has points: " + cell);
        double[] sorted = in.stream().mapToDouble(Point::value).sorted().toArray();
        double sum = in.stream().mapToDouble(Point::value).sum();
        Set<String> devices = new HashSet<>();
        in.forEach(p -> devices.add(p.device));
        String what = cell.toString();
        assertEquals(sorted.length, cell.count(), what);
        assertEquals(sum, cell.sum(), 0.0, what);
        assertEquals(sorted[0], cell.min(), 0.0, what);
        assertEquals(sorted[sorted.length - 1], cell.max(), 0.0, what);
        assertEquals(sum / sorted.length, cell.mean(), 1e-12, what);
        assertTrue(cell.distinctExact(), what);
        assertEquals(devices.size(), cell.distinctDevices(), what);
        double[] quantiles = {cell.p50(), cell.p90(), cell.p99()};
        double[] qs = {0.5, 0.9, 0.99};
        for (int i = 0; i < 3; i++) {
            double exact = sorted[(int) Math.floor(qs[i] * (sorted.length - 1))];
            assertTrue(Math.abs(quantiles[i] - exact) <= Math.abs(exact) * WindowState.RELATIVE_ACCURACY + 1e-12,
                    what + " p" + (int) (qs[i] * 100) + " must be within 1 % of " + exact);
        }
    }

    /** The number of (window, group) cells the points fill at a resolution in [from, to). */
    private static int expectedCells(List<Point> points, Resolution r, Instant from, Instant to) {
        Set<String> cells = new HashSet<>();
        for (Point p : points) {
            if (!p.event.isBefore(from) && p.event.isBefore(to)) {
                Instant w = r.windowStart(p.event);
                cells.add(w + "all");
                cells.add(w + "model" + p.model);
                cells.add(w + "cell" + p.cell);
            }
        }
        return cells.size();
    }

    private static void applyInBatches(Aggregator aggregator, List<AggregateInput> inputs, int batchSize) {
        for (int i = 0; i < inputs.size(); i += batchSize) {
            List<AggregateInput> batch = inputs.subList(i, Math.min(inputs.size(), i + batchSize));
            aggregator.apply(batch);
            aggregator.flush();
            aggregator.evict(batch.get(batch.size() - 1).arrivalTime());
        }
    }

    @Test
    void restartedAggregator_reappliesPersistedBatches_unchanged_thenContinuesCorrectly() {
        AggregateStore store = AggregateStore.open(session, "agg_restart", REPLICATION);
        AggregateQuery query = new AggregateQuery(store);
        List<Point> points = new ArrayList<>();
        List<AggregateInput> first = records(1, 6_000, 120, T0, Duration.ofHours(2), 0, points);
        // records arrive in event order within a partition in reality; sort by event so no record is late
        first = sortedByEvent(first);
        Aggregator aggregator = aggregator(store, Aggregator.Config.DEFAULTS);
        applyInBatches(aggregator, first, 500);
        Instant from = T0;
        Instant to = T0.plus(Duration.ofHours(2));
        List<AggregateCell> before = query.cells(TENANT, METRIC, Resolution.MINUTE, from, to, Optional.empty());
        assertEquals(expectedCells(points, Resolution.MINUTE, from, to), before.size());

        // crash before the Kafka commit of everything: a fresh aggregator gets all the batches again
        Aggregator restarted = aggregator(store, Aggregator.Config.DEFAULTS);
        applyInBatches(restarted, first, 700);
        assertEquals(before, query.cells(TENANT, METRIC, Resolution.MINUTE, from, to, Optional.empty()),
                "redelivered batches must change no cell");

        // then new records, continuing both partitions' offsets: the cells equal the recomputation of all records
        List<AggregateInput> more = sortedByEvent(records(2, 3_000, 150, T0, Duration.ofHours(2), 10_000, points));
        // arrival in time for every window: the same arrival as the event plus seconds
        applyInBatches(restarted, more, 400);
        for (Resolution r : Resolution.values()) {
            List<AggregateCell> cells = query.cells(TENANT, METRIC, r, from, to, Optional.empty());
            assertEquals(expectedCells(points, r, from, to), cells.size(), r.code());
            for (AggregateCell cell : cells) {
                assertExact(points, cell, cell.windowStart(), cell.windowStart().plus(r.length()));
            }
        }
    }

    private static List<AggregateInput> sortedByEvent(List<AggregateInput> inputs) {
        // per partition the offsets must ascend in delivery order: re-number them after sorting by event time
        List<AggregateInput> sorted = new ArrayList<>(inputs);
        sorted.sort((a, b) -> a.eventTime().compareTo(b.eventTime()));
        Map<String, Long> next = new HashMap<>();
        List<AggregateInput> renumbered = new ArrayList<>(sorted.size());
        long base = inputs.stream().mapToLong(AggregateInput::offset).min().orElse(0);
        for (AggregateInput in : sorted) {
            long offset = next.merge(in.source(), base, (old, x) -> old + 1);
            renumbered.add(new AggregateInput(in.tenantId(), in.deviceId(), in.eventTime(), in.arrivalTime(), in.metrics(),
                    in.geohash(), in.groupLabels(), in.source(), offset));
        }
        return renumbered;
    }

    @Test
    void cellsAndMerged_equalExactRecomputation_acrossDaysAndGroupKinds() {
        AggregateStore store = AggregateStore.open(session, "agg_query", REPLICATION);
        AggregateQuery query = new AggregateQuery(store);
        List<Point> points = new ArrayList<>();
        List<AggregateInput> inputs = sortedByEvent(records(3, 8_000, 200, T0, Duration.ofHours(2), 0, points));
        applyInBatches(aggregator(store, Aggregator.Config.DEFAULTS), inputs, 1_000);

        Instant from = T0.plus(Duration.ofMinutes(30));
        Instant to = T0.plus(Duration.ofMinutes(90)); // 23:30 to 00:30: two day partitions
        List<AggregateCell> labelCells = query.cells(TENANT, METRIC, Resolution.MINUTE, from, to, Optional.of("label:model"));
        assertEquals(60 * 4, labelCells.size(), "4 models in each of 60 minutes");
        assertTrue(labelCells.stream().allMatch(c -> c.group().kind().equals("label:model")));
        labelCells.forEach(c -> assertExact(points, c, c.windowStart(), c.windowStart().plus(Resolution.MINUTE.length())));
        List<AggregateCell> allCells = query.cells(TENANT, METRIC, Resolution.QUARTER_HOUR, from, to, Optional.empty());
        assertEquals(expectedCells(points, Resolution.QUARTER_HOUR, from, to), allCells.size());
        allCells.forEach(c -> assertExact(points, c, c.windowStart(), c.windowStart().plus(Resolution.QUARTER_HOUR.length())));

        // merged: one cell per group over the whole range, equal to the recomputation over the range
        for (Resolution r : Resolution.values()) {
            Instant mFrom = r == Resolution.HOUR ? T0 : from;
            Instant mTo = r == Resolution.HOUR ? T0.plus(Duration.ofHours(2)) : to;
            List<AggregateCell> merged = query.merged(TENANT, METRIC, r, mFrom, mTo, Optional.empty());
            assertEquals(1 + 4 + 15, merged.size(), r.code() + ": all, 4 models, 15 geohash cells");
            for (AggregateCell cell : merged) {
                assertEquals(mFrom, cell.windowStart());
                assertEquals(Duration.between(mFrom, mTo), cell.window());
                assertExact(points, cell, mFrom, mTo);
            }
        }
        // the hour merged from its 60 minute cells is the hour cell: the same state, bin for bin
        Instant hour = T0.plus(Duration.ofHours(1));
        List<AggregateCell> fromMinutes = query.merged(TENANT, METRIC, Resolution.MINUTE, hour, hour.plus(Duration.ofHours(1)),
                Optional.empty());
        List<AggregateCell> hourCells = query.cells(TENANT, METRIC, Resolution.HOUR, hour, hour.plus(Duration.ofHours(1)),
                Optional.empty());
        assertEquals(hourCells.size(), fromMinutes.size());
        for (int i = 0; i < hourCells.size(); i++) {
            assertEquals(hourCells.get(i).group(), fromMinutes.get(i).group());
            assertArrayEquals(hourCells.get(i).state(), fromMinutes.get(i).state(), hourCells.get(i).group().toString());
        }
        // the gateway's path: decode the states of two cells and merge them
        WindowState all = hourCells.stream().filter(c -> c.group().equals(GroupKey.ALL)).findFirst().orElseThrow().decodeState();
        assertEquals(points.stream().filter(p -> !p.event.isBefore(hour)).count(), all.count());
    }

    @Test
    void queries_refuseBadRanges_andAnEmptyRangeHasNoCells() {
        AggregateQuery query = new AggregateQuery(AggregateStore.open(session, "agg_query_args", REPLICATION));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> query.cells(TENANT, METRIC,
                Resolution.QUARTER_HOUR, T0.plusSeconds(60), T0.plus(Duration.ofHours(1)), Optional.empty()));
        assertTrue(e.getMessage().startsWith("query range must start and end on 15m window boundaries"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> query.cells(TENANT, METRIC, Resolution.MINUTE, T0, T0, Optional.empty()));
        assertTrue(e.getMessage().startsWith("query range must not be empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> query.cells(TENANT, METRIC, Resolution.MINUTE, T0,
                T0.plus(Duration.ofDays(8)), Optional.empty()));
        assertTrue(e.getMessage().startsWith("query range must span at most 10080 windows of 1m, was 11520"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> query.cells(TENANT, METRIC, Resolution.MINUTE, T0,
                T0.plusSeconds(60), Optional.of("colour")));
        assertTrue(e.getMessage().startsWith("group kind must be"), e.getMessage());
        assertEquals(List.of(), query.cells(TENANT, METRIC, Resolution.HOUR, T0, T0.plus(Duration.ofDays(3)), Optional.empty()));
        assertEquals(List.of(), query.merged(TENANT, METRIC, Resolution.HOUR, T0, T0.plus(Duration.ofDays(3)), Optional.of("all")));
    }

    @Test
    void distinctDevices_pastTheBound_switchToHll_andSurviveARestart() {
        AggregateStore store = AggregateStore.open(session, "agg_distinct", REPLICATION);
        AggregateQuery query = new AggregateQuery(store);
        Aggregator.Config config = Aggregator.Config.DEFAULTS.withDistinctBound(500);
        List<AggregateInput> inputs = new ArrayList<>();
        for (int d = 0; d < 2_000; d++) {
            inputs.add(input("dev-" + d, d, d));
        }
        Aggregator aggregator = aggregator(store, config);
        applyInBatches(aggregator, inputs.subList(0, 400), 100);
        AggregateCell within = onlyAllCell(query);
        assertTrue(within.distinctExact());
        assertEquals(400, within.distinctDevices());

        applyInBatches(aggregator, inputs.subList(400, 1_200), 100);
        AggregateCell past = onlyAllCell(query);
        assertFalse(past.distinctExact(), "1,200 devices pass a bound of 500");
        // HLL lgK 12: relative standard error about 1.6 %; 5 % is three of them
        assertEquals(1_200, past.distinctDevices(), 1_200 * 0.05);
        assertEquals(1_200, past.count());
        // an HLL blob is about 4 KB (plus the quantile sketch), where 1,200 exact hashes alone would be 9.6 KB
        Row row = session.execute("SELECT state, distinct_devices, TTL(state) AS ttl FROM agg_distinct.aggregates WHERE tenant_id = ?"
                + " AND metric = ? AND resolution = '1h' AND day = ? AND window_start = ? AND group_kind = 'all' AND group_value = '*'",
                TENANT, METRIC, LocalDate.ofInstant(T0, ZoneOffset.UTC), T0).one();
        assertNotNull(row);
        assertTrue(row.getByteBuffer("state").remaining() < 6_000, "HLL state of " + row.getByteBuffer("state").remaining() + " bytes");
        assertEquals(past.distinctDevices(), row.getLong("distinct_devices"));
        int ttl = row.getInt("ttl");
        assertTrue(ttl > RETENTION.toSeconds() - 600 && ttl <= RETENTION.toSeconds(), "TTL " + ttl);

        // a restart reads the HLL state back: a repeat adds nothing, new devices add on
        Aggregator restarted = aggregator(store, config);
        applyInBatches(restarted, inputs.subList(0, 1_200), 300);
        assertEquals(past, onlyAllCell(query));
        applyInBatches(restarted, inputs.subList(1_200, 2_000), 300);
        AggregateCell all = onlyAllCell(query);
        assertEquals(2_000, all.count());
        assertEquals(2_000, all.distinctDevices(), 2_000 * 0.05);
    }

    private static AggregateInput input(String device, double value, long offset) {
        Instant event = T0.plusSeconds(offset % 3_000);
        return new AggregateInput(TENANT, device, event, event.plusSeconds(1), Map.of(METRIC, value), Optional.empty(), Map.of(),
                "hono.telemetry.acme/0", offset);
    }

    private static AggregateCell onlyAllCell(AggregateQuery query) {
        List<AggregateCell> cells = query.cells(TENANT, METRIC, Resolution.HOUR, T0, T0.plus(Duration.ofHours(1)), Optional.of("all"));
        assertEquals(1, cells.size());
        return cells.get(0);
    }

    @Test
    void aCorruptedStoredState_failsTheQueryNamingTheRow() {
        AggregateStore store = AggregateStore.open(session, "agg_corrupt", REPLICATION);
        Aggregator aggregator = aggregator(store, Aggregator.Config.DEFAULTS);
        aggregator.apply(List.of(input("dev-1", 1.0, 1)));
        aggregator.flush();
        byte[] blob = new AggregateQuery(store).cells(TENANT, METRIC, Resolution.HOUR, T0, T0.plus(Duration.ofHours(1)),
                Optional.empty()).get(0).state();
        blob[blob.length / 2] ^= 0x01;
        session.execute("UPDATE agg_corrupt.aggregates SET state = ? WHERE tenant_id = ? AND metric = ? AND resolution = '1h'"
                + " AND day = ? AND window_start = ? AND group_kind = 'all' AND group_value = '*'",
                ByteBuffer.wrap(blob), TENANT, METRIC, LocalDate.ofInstant(T0, ZoneOffset.UTC), T0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new AggregateQuery(store).cells(TENANT, METRIC,
                Resolution.HOUR, T0, T0.plus(Duration.ofHours(1)), Optional.empty()));
        assertTrue(e.getMessage().startsWith("aggregate row acme/temp/1h@2026-11-23T23:00:00Z all=* cannot be read: window state"
                + " blob is corrupted"), e.getMessage());
        // and a restarted aggregator refuses to build on it rather than overwrite it
        Aggregator restarted = aggregator(store, Aggregator.Config.DEFAULTS);
        IllegalStateException load = assertThrows(IllegalStateException.class, () -> restarted.apply(List.of(input("dev-2", 2.0, 2))));
        assertTrue(load.getMessage().contains("could not be loaded"), load.getMessage());
    }
}
