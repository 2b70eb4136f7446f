package io.meridian.region.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import org.eclipse.hono.util.DataVolume;
import org.eclipse.hono.util.ResourceLimits;
import org.eclipse.hono.util.ResourceLimitsPeriod.PeriodMode;
import org.eclipse.hono.util.ResourceLimitsPeriod;
import org.eclipse.hono.util.TenantObject;
import org.junit.jupiter.api.Test;

class TenantDataVolumesTest {

    private static final Instant SINCE = Instant.parse("2026-01-10T08:30:00Z");

    /** A clock the test moves forward: it reads an instant that {@link #advance} moves. */
    private static final class MovingClock {
        private Instant now;
        final Clock clock = ((InstantSource) () -> now).withZone(ZoneOffset.UTC);

        MovingClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }
    }

    private static TenantObject tenant(String id, PeriodMode mode, int noOfDays, long maxBytes) {
        ResourceLimitsPeriod period = new ResourceLimitsPeriod(mode);
        if (noOfDays > 0) {
            period.setNoOfDays(noOfDays);
        }
        TenantObject tenant = TenantObject.from(id, true);
        tenant.setResourceLimits(new ResourceLimits().setDataVolume(new DataVolume(SINCE, period, maxBytes)));
        return tenant;
    }

    @Test
    void daysPeriod_admitsUpToMaxBytes_refusesBeyond_andStartsAfreshInTheNextPeriod() {
        MovingClock clock = new MovingClock(SINCE.plus(Duration.ofDays(3)));
        TenantDataVolumes volumes = new TenantDataVolumes(clock.clock);
        TenantObject lampco = tenant("lampco", PeriodMode.days, 30, 100);

        assertTrue(volumes.tryConsume(lampco, 40));
        assertTrue(volumes.tryConsume(lampco, 60));
        assertFalse(volumes.tryConsume(lampco, 1), "100 of 100 bytes used");
        assertEquals(100, volumes.used("lampco"), "a refused message is not counted");

        clock.advance(Duration.ofDays(26)); // still day 29 of the first 30-day period
        assertFalse(volumes.tryConsume(lampco, 1));
        clock.advance(Duration.ofDays(2)); // day 31: the second period
        assertTrue(volumes.tryConsume(lampco, 100));
        assertEquals(100, volumes.used("lampco"));
    }

    @Test
    void monthlyPeriod_startsAfreshWithTheCalendarMonth() {
        MovingClock clock = new MovingClock(Instant.parse("2026-03-30T12:00:00Z"));
        TenantDataVolumes volumes = new TenantDataVolumes(clock.clock);
        TenantObject lampco = tenant("lampco", PeriodMode.monthly, 0, 10);

        assertTrue(volumes.tryConsume(lampco, 10));
        assertFalse(volumes.tryConsume(lampco, 1));
        clock.advance(Duration.ofDays(2)); // April
        assertTrue(volumes.tryConsume(lampco, 10));
    }

    @Test
    void tenantsAreCountedApart_andNoLimitOrALimitNotYetInEffectIsUnlimited() {
        MovingClock clock = new MovingClock(SINCE.minus(Duration.ofDays(1)));
        TenantDataVolumes volumes = new TenantDataVolumes(clock.clock);
        TenantObject early = tenant("early", PeriodMode.days, 30, 1);
        TenantObject free = TenantObject.from("free", true);

        assertTrue(volumes.tryConsume(early, 1_000), "the limit takes effect only at effective-since");
        assertTrue(volumes.tryConsume(free, Long.MAX_VALUE / 2));
        assertTrue(volumes.tryConsume(free, Long.MAX_VALUE / 2));
        clock.advance(Duration.ofDays(2));
        assertTrue(volumes.tryConsume(early, 1));
        assertFalse(volumes.tryConsume(early, 1));
        assertEquals(0, volumes.used("free"), "nothing is counted for an unlimited tenant");
    }

    @Test
    void daysPeriodWithoutItsLength_isNotLimited_ratherThanFailing() {
        TenantDataVolumes volumes = new TenantDataVolumes(new MovingClock(SINCE.plus(Duration.ofDays(1))).clock);
        // Hono's own period computation divides by no-of-days, which is 0 here
        assertTrue(volumes.tryConsume(tenant("odd", PeriodMode.days, 0, 1), 10));
    }

    @Test
    void tenantConnections_reportsTheMessageLimitFromTheDataVolume() {
        TenantConnections connections = new TenantConnections(new MovingClock(SINCE.plus(Duration.ofDays(1))).clock);
        TenantObject lampco = tenant("lampco", PeriodMode.days, 30, 50);

        assertFalse(connections.isMessageLimitReached(lampco, 50, null).result());
        assertTrue(connections.isMessageLimitReached(lampco, 1, null).result());
    }
}
