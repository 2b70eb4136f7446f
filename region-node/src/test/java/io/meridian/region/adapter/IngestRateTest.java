package io.meridian.region.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class IngestRateTest {

    /** The clock's time in milliseconds; the test moves it by hand. */
    private long millis = Instant.parse("2026-11-24T17:00:00Z").toEpochMilli();
    private final Clock clock = ((InstantSource) () -> Instant.ofEpochMilli(millis)).withZone(ZoneOffset.UTC);

    private final IngestRate rate = new IngestRate(clock);

    @Test
    void fiftyMessagesInTheWindow_areFivePerSecond_forTheNodeAndTheirTenantOnly() {
        for (int i = 0; i < 50; i++) {
            rate.accepted("lampco");
            millis += 100; // 5 s in all
        }
        assertEquals(5.0, rate.perSecond(), 1e-9);
        assertEquals(5.0, rate.perSecond("lampco"), 1e-9);
        assertEquals(0.0, rate.perSecond("carehome"), 1e-9);
    }

    @Test
    void messagesOlderThanTheWindow_stopCounting_evenWhenTheirBucketIsNotReused() {
        for (int i = 0; i < 20; i++) {
            rate.accepted("lampco");
        }
        rate.accepted("carehome");
        assertEquals(2.1, rate.perSecond(), 1e-9);
        millis += 9_000;
        assertEquals(2.0, rate.perSecond("lampco"), 1e-9, "9 s later the first second is still inside the window");
        millis += 1_000;
        assertEquals(0.0, rate.perSecond("lampco"), 1e-9, "10 s later it has left it");
        assertEquals(0.0, rate.perSecond(), 1e-9);
    }

    @Test
    void aBucketReusedOnTheNextLap_startsFromZero() {
        rate.accepted("lampco");
        rate.accepted("lampco");
        millis += 10_000; // the same bucket, one lap later
        rate.accepted("lampco");
        assertEquals(0.1, rate.perSecond("lampco"), 1e-9);
    }

    @Test
    void tenantsAreCountedApart_andAddUpToTheNode() {
        for (int i = 0; i < 30; i++) {
            rate.accepted(i % 3 == 0 ? "carehome" : "lampco");
            millis += 250;
        }
        assertEquals(2.0, rate.perSecond("lampco"), 1e-9);
        assertEquals(1.0, rate.perSecond("carehome"), 1e-9);
        assertEquals(3.0, rate.perSecond(), 1e-9);
    }
}
