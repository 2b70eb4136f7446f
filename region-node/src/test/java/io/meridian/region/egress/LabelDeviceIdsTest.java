package io.meridian.region.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The batched existence lookup behind A9's registry half; the real registry query is exercised by the region's ITs. */
class LabelDeviceIdsTest {

    @Test
    void asksOnlyDistinctNonEmptyValues_inBatchesOfAtMostOneHundred_andReturnsTheRegisteredOnes() {
        List<List<String>> asked = new ArrayList<>();
        LabelDeviceIds ids = new LabelDeviceIds((tenant, batch) -> {
            asked.add(batch);
            return Future.succeededFuture(batch.contains("lamp-17") ? Set.of("lamp-17") : Set.of());
        }, Duration.ofSeconds(5));
        List<String> values = new ArrayList<>(IntStream.range(0, 230).mapToObj(i -> "v" + i).toList());
        values.add("lamp-17");
        values.add("lamp-17");
        values.add("");

        assertEquals(Set.of("lamp-17"), ids.among("lampco", values));
        assertEquals(List.of(100, 100, 31), asked.stream().map(List::size).toList());
        assertTrue(asked.stream().noneMatch(b -> b.contains("")), asked.toString());
        assertEquals(Set.of(), ids.among("lampco", List.of("", "")));
        assertEquals(3, asked.size(), "no query for values that cannot be device ids");
    }

    @Test
    void anAnswerBeyondTheQuestion_doesNotWidenTheSet() {
        LabelDeviceIds ids = new LabelDeviceIds((tenant, batch) -> Future.succeededFuture(Set.of("lamp-17", "other")), Duration.ofSeconds(5));
        assertEquals(Set.of("lamp-17"), ids.among("lampco", List.of("lamp-17")));
    }

    @Test
    void aFailingOrSilentRegistry_isUnavailable_notAnEmptyAnswer() {
        LabelDeviceIds failing = new LabelDeviceIds((tenant, batch) -> Future.failedFuture(new IllegalStateException("cassandra down")),
                Duration.ofSeconds(5));
        LabelDeviceIds.Unavailable e = assertThrows(LabelDeviceIds.Unavailable.class, () -> failing.among("lampco", List.of("lamp-17")));
        assertTrue(e.getMessage().contains("cassandra down"), e.getMessage());

        LabelDeviceIds silent = new LabelDeviceIds((tenant, batch) -> Promise.<Set<String>>promise().future(), Duration.ofMillis(200));
        e = assertThrows(LabelDeviceIds.Unavailable.class, () -> silent.among("lampco", List.of("lamp-17")));
        assertTrue(e.getMessage().contains("PT0.2S"), e.getMessage());
    }
}
