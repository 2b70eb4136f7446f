package io.meridian.region.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which hours are due when, and where their objects go. */
class ArchiveScheduleTest {

    @Test
    void objectKey_isStablePerTenantKindAndHour_andEscapesOddTenants() {
        Instant hour = Instant.parse("2026-11-23T07:00:00Z");
        assertEquals("tenant=acme/kind=telemetry/date=2026-11-23/hour=07/eu-central-2026-11-23T07.jsonl.gz",
                ArchiveKeys.objectKey("eu-central", "acme", "telemetry", hour));
        assertEquals("tenant=a%2Fb%25c%20%C3%BC/kind=events/date=2026-11-23/hour=07/eu-central-2026-11-23T07.jsonl.gz",
                ArchiveKeys.objectKey("eu-central", "a/b%c ü", "events", hour));
        assertThrows(IllegalArgumentException.class, () -> ArchiveKeys.objectKey("eu-central", "acme", "events", hour.plusSeconds(1)));
    }

    @Test
    void schedule_waitsForTheNextDueHour_orTheRetryDelayAfterAFailure() {
        Duration lag = Duration.ofMinutes(10);
        Instant now = Instant.parse("2026-11-23T15:05:00Z");
        // 14:00-15:00 is due at 15:10
        assertEquals(Instant.parse("2026-11-23T14:00:00Z"), RawArchiver.firstOpenHour(now, lag));
        assertEquals(Duration.ofMinutes(5), RawArchiver.nextDelay(now, lag, false, Duration.ofMinutes(5)));
        Instant later = Instant.parse("2026-11-23T15:10:00Z");
        assertEquals(Instant.parse("2026-11-23T15:00:00Z"), RawArchiver.firstOpenHour(later, lag));
        assertEquals(Duration.ofHours(1), RawArchiver.nextDelay(later, lag, false, Duration.ofMinutes(5)));
        assertEquals(Duration.ofMinutes(5), RawArchiver.nextDelay(later, lag, true, Duration.ofMinutes(5)));
    }
}
