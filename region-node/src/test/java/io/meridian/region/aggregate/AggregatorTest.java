package io.meridian.region.aggregate;

import io.meridian.aggregate.WindowState;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class AggregatorTest {

    private static final String TENANT = "acme";
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");
    private static final String SOURCE = "hono.telemetry.acme/0";

    private final InMemoryWindowRows store = new InMemoryWindowRows();
    private final MeterRegistry registry = new SimpleMeterRegistry();

    private Aggregator aggregator(Aggregator.Config config) {
        return new Aggregator(store, registry, config, tenant -> Duration.ofDays(30));
    }

    private static AggregateInput input(String device, Instant event, Instant arrival, double value, long offset) {
        return new AggregateInput(TENANT, device, event, arrival, Map.of("temp", value), Optional.of("u33d"),
                Map.of("model", device.hashCode() % 2 == 0 ? "lamp-a" : "lamp-b"), SOURCE, offset);
    }

    private double late(Resolution r) {
        return registry.counter("meridian.ingest.aggregate.late", "resolution", r.code()).count();
    }

    @Test
    void eachRecord_updatesAllThreeResolutions_inEachOfItsGroups() {
        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS);
        Instant t = T0.plusSeconds(16 * 60 + 5); // 10:16:05
        agg.apply(List.of(new AggregateInput(TENANT, "d1", t, t, Map.of("temp", 21.5, "hum", 40.0), Optional.of("u33dc0"),
                Map.of("model", "lamp-a", "site", "berlin"), SOURCE, 7)));
        agg.flush();
        // 2 metrics x 3 resolutions windows; each with all, label:model, label:site, geohash
        assertEquals(6, store.rows.size());
        assertEquals(24, store.rowCount());
        for (GroupKey g : List.of(GroupKey.ALL, GroupKey.label("model", "lamp-a"), GroupKey.label("site", "berlin"),
                GroupKey.geohash("u33dc0"))) {
            assertEquals(21.5, store.state(TENANT, "temp", Resolution.MINUTE, T0.plusSeconds(16 * 60), g).sum());
            assertEquals(21.5, store.state(TENANT, "temp", Resolution.QUARTER_HOUR, T0.plusSeconds(15 * 60), g).sum());
            assertEquals(40.0, store.state(TENANT, "hum", Resolution.HOUR, T0, g).sum());
        }
        assertEquals(Map.of(SOURCE, 7L), store.rows.get(new WindowId(TENANT, "temp", Resolution.HOUR, T0)).get(GroupKey.ALL)
                .appliedOffsets());
        assertEquals(Duration.ofDays(30), store.rows.get(new WindowId(TENANT, "temp", Resolution.HOUR, T0)).get(GroupKey.ALL).ttl());
    }

    @Test
    void lateRecord_isAggregatedOnlyWhileArrivalMinusWindowEndIsWithinGrace() {
        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS.withGrace(Duration.ofMinutes(5)));
        Instant event = T0.plusSeconds(30); // minute window ends 10:01, quarter 10:15, hour 11:00
        agg.apply(List.of(
                // arrives exactly at end + grace of the minute window: still counts everywhere
                input("d1", event, T0.plusSeconds(60 + 300), 1, 1),
                // one millisecond later: late for the minute window only
                input("d2", event, T0.plusSeconds(60 + 300).plusMillis(1), 2, 2),
                // 10:20:00.001 arrival: late for minute and quarter windows, in time for the hour
                input("d3", event, T0.plusSeconds(20 * 60).plusMillis(1), 4, 3),
                // next day: late everywhere
                input("d4", event, T0.plus(Duration.ofDays(1)), 8, 4)));
        agg.flush();
        assertEquals(1, store.state(TENANT, "temp", Resolution.MINUTE, T0, GroupKey.ALL).sum());
        assertEquals(3, store.state(TENANT, "temp", Resolution.QUARTER_HOUR, T0, GroupKey.ALL).sum());
        assertEquals(7, store.state(TENANT, "temp", Resolution.HOUR, T0, GroupKey.ALL).sum());
        assertEquals(3, late(Resolution.MINUTE));
        assertEquals(2, late(Resolution.QUARTER_HOUR));
        assertEquals(1, late(Resolution.HOUR));
    }

    @Test
    void lateness_usesArrivalTime_soARedeliveryDaysLaterDecidesTheSame() {
        List<AggregateInput> batch = List.of(input("d1", T0, T0.plusSeconds(2), 5, 10), input("d2", T0, T0.plusSeconds(3), 6, 11));
        Aggregator first = aggregator(Aggregator.Config.DEFAULTS);
        first.apply(batch);
        first.flush();
        byte[] before = store.state(TENANT, "temp", Resolution.MINUTE, T0, GroupKey.ALL).serialize();
        // a node that comes back days later gets the same records again (the same arrival times): no lateness, no change
        Aggregator afterOutage = aggregator(Aggregator.Config.DEFAULTS);
        afterOutage.apply(batch);
        afterOutage.flush();
        assertEquals(0, late(Resolution.MINUTE));
        assertArrayEquals(before, store.state(TENANT, "temp", Resolution.MINUTE, T0, GroupKey.ALL).serialize());
    }

    @Test
    void redeliveredBatch_afterFlushAndCrash_countsNothingTwice() {
        List<AggregateInput> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(input("d" + (i % 7), T0.plusSeconds(i), T0.plusSeconds(i + 1), i, 100 + i));
        }
        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS);
        agg.apply(batch);
        agg.flush();
        Map<WindowId, Map<GroupKey, InMemoryWindowRows.Stored>> snapshot = deepCopy(store.rows);
        // crash before the Kafka commit: a new aggregator (nothing held) gets the same batch
        Aggregator restarted = aggregator(Aggregator.Config.DEFAULTS);
        restarted.apply(batch);
        restarted.flush();
        assertSameRows(snapshot, store.rows);
        // and the same aggregator getting it twice changes nothing either
        agg.apply(batch);
        assertEquals(0, agg.dirtyRows());
        assertTrue(registry.counter("meridian.ingest.aggregate.duplicates").count() > 0);
        // a new record continues from the stored state
        restarted.apply(List.of(input("d99", T0.plusSeconds(59), T0.plusSeconds(70), 1000, 150)));
        restarted.flush();
        WindowState minute = store.state(TENANT, "temp", Resolution.MINUTE, T0, GroupKey.ALL);
        assertEquals(51, minute.count());
        assertEquals(49 * 50 / 2 + 1000, minute.sum());
        assertEquals(8, minute.distinctDevices());
    }

    @Test
    void partialFlushFailure_thenRedelivery_completesEveryRowExactlyOnce() {
        List<AggregateInput> batch = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batch.add(new AggregateInput(TENANT, "d" + i, T0.plusSeconds(i * 97L), T0.plusSeconds(i * 97L + 1),
                    Map.of("temp", (double) i), Optional.of("u33d" + (char) ('0' + i % 10)), Map.of(), SOURCE, i));
        }
        // the reference: one clean run
        InMemoryWindowRows reference = new InMemoryWindowRows();
        Aggregator clean = new Aggregator(reference, new SimpleMeterRegistry(), Aggregator.Config.DEFAULTS, t -> Duration.ofDays(1));
        clean.apply(batch);
        clean.flush();

        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS.withGrace(Duration.ofHours(2)));
        agg.apply(batch);
        store.writesBeforeFailure = 10;
        IllegalStateException e = assertThrows(IllegalStateException.class, agg::flush);
        assertTrue(e.getMessage().startsWith("aggregate flush failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("do not commit"), e.getMessage());
        assertEquals(10, store.rowCount());
        // the process dies; the uncommitted batch comes again to a new aggregator
        store.writesBeforeFailure = -1;
        Aggregator restarted = aggregator(Aggregator.Config.DEFAULTS.withGrace(Duration.ofHours(2)));
        restarted.apply(batch);
        restarted.flush();
        assertEquals(reference.rowCount(), store.rowCount());
        reference.rows.forEach((id, groups) -> groups.forEach((group, stored) ->
                assertArrayEquals(stored.state(), store.rows.get(id).get(group).state(), id + " " + group)));
    }

    @Test
    void failedFlush_keepsRowsDirty_andTheNextFlushWritesThem() {
        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS);
        agg.apply(List.of(input("d1", T0, T0, 1, 1)));
        int dirty = agg.dirtyRows();
        store.writesBeforeFailure = 0;
        assertThrows(IllegalStateException.class, agg::flush);
        assertEquals(dirty, agg.dirtyRows());
        store.writesBeforeFailure = -1;
        agg.flush();
        assertEquals(0, agg.dirtyRows());
        assertEquals(dirty, store.rowCount());
    }

    @Test
    void failedLoad_appliesNothing_andNamesTheWindow() {
        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS);
        store.failLoads = true;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> agg.apply(List.of(input("d1", T0, T0, 1, 1))));
        assertTrue(e.getMessage().contains("could not be loaded") && e.getMessage().contains("acme/temp/"), e.getMessage());
        assertEquals(0, agg.heldWindows());
        store.failLoads = false;
        agg.apply(List.of(input("d1", T0, T0, 1, 1)));
        agg.flush();
        assertEquals(1, store.state(TENANT, "temp", Resolution.MINUTE, T0, GroupKey.ALL).count());
    }

    @Test
    void offsetsAreTrackedPerSource() {
        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS);
        agg.apply(List.of(input("d1", T0, T0, 1, 5)));
        // the same offset from another partition is another record
        agg.apply(List.of(new AggregateInput(TENANT, "d2", T0, T0, Map.of("temp", 2.0), Optional.empty(), Map.of(),
                "hono.telemetry.acme/1", 5)));
        agg.flush();
        assertEquals(Map.of(SOURCE, 5L, "hono.telemetry.acme/1", 5L),
                store.rows.get(new WindowId(TENANT, "temp", Resolution.MINUTE, T0)).get(GroupKey.ALL).appliedOffsets());
        assertEquals(3, store.state(TENANT, "temp", Resolution.MINUTE, T0, GroupKey.ALL).sum());
        // the second record had no geohash and no labels: only 'all' got it
        assertEquals(1, store.state(TENANT, "temp", Resolution.MINUTE, T0, GroupKey.geohash("u33d")).count());
    }

    @Test
    void nonFiniteValuesAndFutureEvents_areSkippedAndCounted() {
        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS);
        agg.apply(List.of(
                new AggregateInput(TENANT, "d1", T0, T0, Map.of("temp", Double.NaN, "hum", 3.0), Optional.empty(), Map.of(), SOURCE, 1),
                input("d2", T0.plus(Duration.ofHours(2)), T0, 9, 2)));
        agg.flush();
        assertEquals(1, registry.counter("meridian.ingest.aggregate.skipped", "reason", "non-finite").count());
        assertEquals(1, registry.counter("meridian.ingest.aggregate.skipped", "reason", "future").count());
        assertNull(store.state(TENANT, "temp", Resolution.MINUTE, T0, GroupKey.ALL));
        assertEquals(3.0, store.state(TENANT, "hum", Resolution.MINUTE, T0, GroupKey.ALL).sum());
    }

    @Test
    void randomStream_equalsExactRecomputation_perWindowAndGroup() {
        Random random = new Random(2026);
        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS);
        record Expected(List<Double> values, Set<String> devices) {
        }
        Map<String, Expected> expected = new HashMap<>();
        long offset = 0;
        for (int batchNo = 0; batchNo < 40; batchNo++) {
            List<AggregateInput> batch = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                Instant event = T0.plusMillis(random.nextInt(2 * 3600 * 1000));
                String device = "dev-" + random.nextInt(300);
                String model = "m" + Math.floorMod(device.hashCode(), 3);
                String cell = "u33d" + "0123456789".charAt(Math.floorMod(device.hashCode(), 10));
                double value = Math.round(random.nextGaussian() * 10_000) / 64.0;
                // arrival soon after the event: never late here
                batch.add(new AggregateInput(TENANT, device, event, event.plusSeconds(random.nextInt(60)), Map.of("temp", value),
                        Optional.of(cell), Map.of("model", model), SOURCE, offset++));
                for (Resolution r : Resolution.values()) {
                    for (GroupKey g : List.of(GroupKey.ALL, GroupKey.label("model", model), GroupKey.geohash(cell))) {
                        Expected e = expected.computeIfAbsent(r.code() + r.windowStart(event) + g,
                                k -> new Expected(new ArrayList<>(), new TreeSet<>()));
                        e.values.add(value);
                        e.devices.add(device);
                    }
                }
            }
            agg.apply(batch);
            agg.flush();
            agg.evict(T0);
        }
        int checked = 0;
        for (Map.Entry<WindowId, Map<GroupKey, InMemoryWindowRows.Stored>> window : store.rows.entrySet()) {
            for (Map.Entry<GroupKey, InMemoryWindowRows.Stored> row : window.getValue().entrySet()) {
                WindowId id = window.getKey();
                Expected e = expected.get(id.resolution().code() + id.start() + row.getKey());
                assertNotNull(e, id + " " + row.getKey());
                WindowState s = WindowState.deserialize(row.getValue().state());
                double[] sorted = e.values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                assertEquals(sorted.length, s.count());
                assertEquals(e.values.stream().mapToDouble(Double::doubleValue).sum(), s.sum(), 0.0);
                assertEquals(sorted[0], s.min(), 0.0);
                assertEquals(sorted[sorted.length - 1], s.max(), 0.0);
                assertEquals(e.devices.size(), s.distinctDevices());
                double p90 = sorted[(int) Math.floor(0.9 * (sorted.length - 1))];
                assertEquals(p90, s.quantile(0.9), Math.abs(p90) * WindowState.RELATIVE_ACCURACY + 1e-12);
                checked++;
            }
        }
        assertEquals(expected.size(), checked);
    }

    @Test
    void evict_dropsOnlyCleanClosedWindows_andAReloadContinuesCorrectly() {
        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS);
        agg.apply(List.of(input("d1", T0, T0, 1, 1)));
        assertEquals(0, agg.evict(T0.plus(Duration.ofDays(1))), "dirty windows are never dropped");
        agg.flush();
        // minute window ends 10:01; + 5 min grace + 2 min margin = 10:08
        assertEquals(0, agg.evict(T0.plusSeconds(8 * 60)));
        assertEquals(1, agg.evict(T0.plusSeconds(8 * 60).plusMillis(1)));
        assertEquals(2, agg.heldWindows());
        assertEquals(2, agg.evict(T0.plus(Duration.ofDays(1))));
        assertEquals(0, agg.heldRows());
        // a record of a lagging partition, within grace by its own arrival time: the window is read back
        int loads = store.loads;
        agg.apply(List.of(new AggregateInput(TENANT, "d2", T0, T0.plusSeconds(30), Map.of("temp", 2.0), Optional.empty(),
                Map.of(), "hono.telemetry.acme/3", 1)));
        assertEquals(loads + 3, store.loads);
        agg.flush();
        assertEquals(3, store.state(TENANT, "temp", Resolution.MINUTE, T0, GroupKey.ALL).sum());
    }

    @Test
    void evict_keepsHeldRowsUnderTheCap_oldestFirst() {
        Aggregator agg = aggregator(Aggregator.Config.DEFAULTS.withMaxHeldRows(100));
        List<AggregateInput> batch = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            batch.add(input("d" + i, T0.plusSeconds(60L * i), T0.plusSeconds(60L * i), i, i));
        }
        agg.apply(batch);
        agg.flush();
        assertTrue(agg.heldRows() > 100, "held " + agg.heldRows());
        agg.evict(T0);
        assertTrue(agg.heldRows() <= 100, "held " + agg.heldRows());
        // the newest minute window is still held: applying to it loads nothing
        int loads = store.loads;
        agg.apply(List.of(input("dx", T0.plusSeconds(60L * 59), T0.plusSeconds(60L * 59), 1, 1000)));
        assertEquals(loads, store.loads);
    }

    @Test
    void badConfig_andBadInput_areRefusedNamingTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Aggregator.Config.DEFAULTS.withGrace(Duration.ofSeconds(-1)))
                .getMessage().startsWith("aggregate grace must be"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Aggregator.Config.DEFAULTS.withDistinctBound(0))
                .getMessage().startsWith("aggregate distinctBound must be"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AggregateInput(TENANT, "d", T0, T0, Map.of(),
                Optional.empty(), Map.of(), SOURCE, -1)).getMessage().startsWith("offset must be at least 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AggregateInput("", "d", T0, T0, Map.of(),
                Optional.empty(), Map.of(), SOURCE, 1)).getMessage().startsWith("tenantId must not be empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GroupKey.label("", "x")).getMessage()
                .startsWith("group kind must be"));
        Aggregator agg = new Aggregator(store, registry, Aggregator.Config.DEFAULTS, tenant -> Duration.ZERO);
        agg.apply(List.of(input("d1", T0, T0, 1, 1)));
        IllegalStateException e = assertThrows(IllegalStateException.class, agg::flush);
        assertTrue(e.getMessage().contains("retention of tenant acme must be 1 s to"), e.getMessage());
    }

    private static Map<WindowId, Map<GroupKey, InMemoryWindowRows.Stored>> deepCopy(Map<WindowId, Map<GroupKey, InMemoryWindowRows.Stored>> rows) {
        Map<WindowId, Map<GroupKey, InMemoryWindowRows.Stored>> copy = new HashMap<>();
        rows.forEach((id, groups) -> copy.put(id, new HashMap<>(groups)));
        return copy;
    }

    private static void assertSameRows(Map<WindowId, Map<GroupKey, InMemoryWindowRows.Stored>> expected,
            Map<WindowId, Map<GroupKey, InMemoryWindowRows.Stored>> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((id, groups) -> {
            assertEquals(groups.keySet(), actual.get(id).keySet());
            groups.forEach((g, stored) -> {
                assertArrayEquals(stored.state(), actual.get(id).get(g).state(), id + " " + g);
                assertEquals(stored.appliedOffsets(), actual.get(id).get(g).appliedOffsets());
            });
        });
    }
}
