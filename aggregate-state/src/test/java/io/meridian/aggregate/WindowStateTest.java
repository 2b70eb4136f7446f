package io.meridian.aggregate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WindowStateTest {

    private static final double[] QUANTILES = {0.0, 0.1, 0.5, 0.9, 0.99, 1.0};

    /** Values (device index, value) of a fixed seed; values are multiples of 1/1024 so every sum is exact. */
    private record Sample(int device, double value) {
    }

    private static List<Sample> samples(long seed, int n, int devices, boolean withNegatives) {
        Random random = new Random(seed);
        List<Sample> samples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // log-uniform magnitudes over six decades, rounded to 1/1024, with the odd exact zero
            double magnitude = Math.round(Math.pow(10, random.nextDouble() * 6 - 1) * 1024) / 1024.0;
            double value = withNegatives && random.nextInt(4) == 0 ? -magnitude : magnitude;
            samples.add(new Sample(random.nextInt(devices), random.nextInt(200) == 0 ? 0.0 : value));
        }
        return samples;
    }

    private static WindowState stateOf(List<Sample> samples, int bound) {
        WindowState state = WindowState.empty(bound);
        samples.forEach(s -> state.add("device-" + s.device, s.value));
        return state;
    }

    private static void assertEqualsExact(List<Sample> samples, WindowState state) {
        double[] sorted = samples.stream().mapToDouble(Sample::value).sorted().toArray();
        double sum = 0;
        for (double v : sorted) {
            sum += v;
        }
        assertEquals(sorted.length, state.count());
        assertEquals(sum, state.sum(), 0.0, "sum");
        assertEquals(sorted[0], state.min(), 0.0, "min");
        assertEquals(sorted[sorted.length - 1], state.max(), 0.0, "max");
        assertEquals(sum / sorted.length, state.mean(), 0.0, "mean");
        for (double q : QUANTILES) {
            double exact = sorted[(int) Math.floor(q * (sorted.length - 1))];
            double estimate = state.quantile(q);
            assertTrue(Math.abs(estimate - exact) <= WindowState.RELATIVE_ACCURACY * Math.abs(exact) + 1e-12,
                    "quantile " + q + ": sketch " + estimate + " must be within 1 % of exact " + exact);
        }
    }

    @Test
    void randomData_countSumMinMaxDistinctAreExact_andQuantilesWithinOnePercent() {
        for (long seed = 1; seed <= 20; seed++) {
            List<Sample> samples = samples(seed, 5_000, 1_000, seed % 2 == 0);
            WindowState state = stateOf(samples, WindowState.DEFAULT_DISTINCT_BOUND);
            assertEqualsExact(samples, state);
            long distinct = samples.stream().map(Sample::device).distinct().count();
            assertEquals(distinct, state.distinctDevices(), "seed " + seed);
            assertTrue(state.isDistinctExact());
        }
    }

    @Test
    void arbitraryDoubles_sumWithinRounding() {
        Random random = new Random(7);
        WindowState state = WindowState.empty();
        double exact = 0;
        for (int i = 0; i < 10_000; i++) {
            double v = random.nextGaussian() * 1e3;
            exact += v;
            state.add("d" + (i % 17), v);
        }
        assertEquals(exact, state.sum(), Math.abs(exact) * 1e-12);
    }

    @Test
    void distinctDevices_pastTheBound_switchToHllWithinItsError() {
        WindowState state = WindowState.empty(100);
        for (int d = 0; d < 100; d++) {
            state.add("device-" + d, d);
            state.add("device-" + d, d + 0.5);
        }
        assertTrue(state.isDistinctExact(), "100 devices is within a bound of 100");
        assertEquals(100, state.distinctDevices());
        state.add("device-100", 1);
        assertFalse(state.isDistinctExact(), "the 101st device passes the bound");
        for (int d = 101; d < 20_000; d++) {
            state.add("device-" + d, d);
        }
        // lgK 12: relative standard error about 1.6 %; 5 % is more than three of them
        assertEquals(20_000, state.distinctDevices(), 20_000 * 0.05);
        assertEquals(20_100, state.count());
    }

    @Test
    void merge_equalsTheStateOfTheUnion() {
        for (long seed = 1; seed <= 10; seed++) {
            List<Sample> all = samples(seed, 6_000, 800, true);
            List<WindowState> parts = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                parts.add(stateOf(all.subList(p * 2_000, (p + 1) * 2_000), WindowState.DEFAULT_DISTINCT_BOUND));
            }
            WindowState merged = WindowState.empty();
            parts.forEach(merged::merge);
            WindowState whole = stateOf(all, WindowState.DEFAULT_DISTINCT_BOUND);
            // same count, sum, min, max, exact device hashes and quantile bins: the same bytes
            assertArrayEquals(whole.serialize(), merged.serialize(), "seed " + seed);
            assertEqualsExact(all, merged);
            assertEquals(all.stream().map(Sample::device).distinct().count(), merged.distinctDevices());
        }
    }

    @Test
    void merge_pastTheBound_isHllOfTheUnionWithinItsError() {
        WindowState a = WindowState.empty(1_000);
        WindowState b = WindowState.empty(1_000);
        for (int d = 0; d < 800; d++) {
            a.add("device-" + d, d);
        }
        for (int d = 500; d < 1_300; d++) {
            b.add("device-" + d, d);
        }
        assertTrue(a.isDistinctExact() && b.isDistinctExact());
        WindowState merged = a.copy().merge(b);
        assertFalse(merged.isDistinctExact(), "1,300 devices pass a bound of 1,000");
        assertEquals(1_300, merged.distinctDevices(), 1_300 * 0.05);
        assertEquals(1_600, merged.count());
        // the operands are unchanged
        assertEquals(800, a.distinctDevices());
        assertEquals(800, b.count());
    }

    @Test
    void merge_ofAStateWithItself_doublesCountsButNotDevices() {
        WindowState a = stateOf(samples(3, 1_000, 50, false), 4096);
        WindowState doubled = a.copy().merge(a);
        assertEquals(2 * a.count(), doubled.count());
        assertEquals(a.distinctDevices(), doubled.distinctDevices());
        assertEquals(a.quantile(0.5), doubled.quantile(0.5), 0.0);
        // merging a state into itself is the same as merging an equal copy
        WindowState self = a.copy();
        assertArrayEquals(doubled.serialize(), self.merge(self).serialize());
    }

    @Test
    void serializeDeserialize_roundTrips_exactAndHll() {
        WindowState exact = stateOf(samples(11, 3_000, 300, true), 4096);
        WindowState hll = stateOf(samples(12, 3_000, 3_000, false), 100);
        WindowState empty = WindowState.empty();
        for (WindowState state : List.of(exact, hll, empty)) {
            byte[] blob = state.serialize();
            WindowState back = WindowState.deserialize(blob);
            assertArrayEquals(blob, back.serialize());
            assertEquals(state.count(), back.count());
            assertEquals(state.sum(), back.sum(), 0.0);
            assertEquals(state.min(), back.min(), 0.0);
            assertEquals(state.max(), back.max(), 0.0);
            assertEquals(state.distinctDevices(), back.distinctDevices());
            assertEquals(state.isDistinctExact(), back.isDistinctExact());
            assertEquals(state.distinctBound(), back.distinctBound());
            for (double q : QUANTILES) {
                assertEquals(state.quantile(q), back.quantile(q), 0.0);
            }
        }
        assertFalse(WindowState.deserialize(hll.serialize()).isDistinctExact());
        // a deserialized state keeps merging
        WindowState merged = WindowState.deserialize(exact.serialize()).merge(WindowState.deserialize(exact.serialize()));
        assertEquals(2 * exact.count(), merged.count());
    }

    @Test
    void aDeserializedState_keepsCountingDevicesExactly() {
        WindowState state = WindowState.empty(10);
        for (int d = 0; d < 8; d++) {
            state.add("device-" + d, d);
        }
        WindowState back = WindowState.deserialize(state.serialize());
        WindowState copy = back.copy();
        back.add("device-3", 1);
        assertEquals(8, back.distinctDevices(), "a known device adds no device");
        back.add("device-8", 1);
        back.add("device-9", 1);
        assertEquals(10, back.distinctDevices());
        assertTrue(back.isDistinctExact());
        back.add("device-10", 1);
        assertFalse(back.isDistinctExact(), "the 11th device passes the bound of 10");
        // the copy taken before shares nothing that the adds changed
        assertEquals(8, copy.distinctDevices());
        assertArrayEquals(state.serialize(), copy.serialize());
    }

    @Test
    void equalStates_serializeToEqualBytes_whateverTheOrder() {
        List<Sample> samples = samples(5, 2_000, 500, true);
        List<Sample> reversed = new ArrayList<>(samples);
        java.util.Collections.reverse(reversed);
        // the sums differ by rounding in general; these values are exact in binary, so the bytes must match
        assertArrayEquals(stateOf(samples, 4096).serialize(), stateOf(reversed, 4096).serialize());
    }

    @Test
    void everyFlippedByte_isRefusedWithAClearMessage() {
        byte[] blob = stateOf(samples(13, 500, 40, true), 4096).serialize();
        Set<String> messages = new HashSet<>();
        for (int i = 0; i < blob.length; i++) {
            byte[] corrupted = blob.clone();
            corrupted[i] ^= 0x10;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WindowState.deserialize(corrupted),
                    "flipping byte " + i);
            assertTrue(e.getMessage().startsWith("window state"), e.getMessage());
            messages.add(e.getMessage().replaceAll("0x[0-9a-f]+|[0-9]+", "N"));
        }
        assertTrue(messages.stream().anyMatch(m -> m.contains("checksum")), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.contains("version")), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.contains("'MW'")), messages.toString());
    }

    @Test
    void everyTruncation_isRefusedWithAClearMessage() {
        byte[] blob = stateOf(samples(14, 500, 40, false), 4096).serialize();
        for (int length = 0; length < blob.length; length++) {
            byte[] truncated = Arrays.copyOf(blob, length);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WindowState.deserialize(truncated),
                    "truncated to " + length);
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("'MW'"), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> WindowState.deserialize(null));
    }

    @Test
    void aBlobWithAValidChecksumButImpossibleContent_namesTheField() {
        WindowState state = stateOf(samples(15, 100, 10, false), 4096);
        byte[] blob = state.serialize();
        // count (bytes 3..10) set to 1: fewer values than exact devices and than the sketch holds
        byte[] edited = blob.clone();
        java.nio.ByteBuffer.wrap(edited).putLong(3, 1L);
        rechecksum(edited);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WindowState.deserialize(edited));
        assertTrue(e.getMessage().contains("distinct-device count"), e.getMessage());
        // min above max
        byte[] swapped = blob.clone();
        java.nio.ByteBuffer.wrap(swapped).putDouble(19, 1e9);
        rechecksum(swapped);
        e = assertThrows(IllegalArgumentException.class, () -> WindowState.deserialize(swapped));
        assertTrue(e.getMessage().contains("min <= max"), e.getMessage());
    }

    private static void rechecksum(byte[] blob) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(blob, 0, blob.length - 4);
        java.nio.ByteBuffer.wrap(blob).putInt(blob.length - 4, (int) crc.getValue());
    }

    @Test
    void nonFiniteValues_andBadQuantiles_areRefused() {
        WindowState state = WindowState.empty();
        assertThrows(IllegalArgumentException.class, () -> state.add("d", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> state.add("d", Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> state.quantile(1.5));
        assertEquals(0, state.count());
        assertTrue(Double.isNaN(state.quantile(0.5)));
        assertThrows(IllegalArgumentException.class, () -> WindowState.empty(0));
    }

    @Test
    void deviceHash_isStable() {
        // the federation merges states of several regions: the hash must never change between versions
        assertEquals(WindowState.deviceHash("lamp-0001"), WindowState.deviceHash("lamp-0001"));
        assertNotEquals(WindowState.deviceHash("lamp-0001"), WindowState.deviceHash("lamp-0002"));
        // the documented definition, computed by another implementation (Guava's Murmur3 x64 128, first 8 bytes LE)
        for (String id : List.of("lamp-0001", "ü-device-漢字", "x".repeat(1000))) {
            long independent = com.google.common.hash.Hashing.murmur3_128((int) WindowState.HASH_SEED)
                    .hashBytes(id.getBytes(java.nio.charset.StandardCharsets.UTF_8)).asLong();
            assertEquals(independent, WindowState.deviceHash(id), id);
        }
        assertEquals(-2509179124499628469L, WindowState.deviceHash("lamp-0001"));
        assertThrows(IllegalArgumentException.class, () -> WindowState.deviceHash(""));
    }
}
