package io.meridian.region.adapter;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.hono.util.DataVolume;
import org.eclipse.hono.util.ResourceLimits;
import org.eclipse.hono.util.ResourceLimitsPeriod;
import org.eclipse.hono.util.TenantObject;

/**
 * The message payload bytes each tenant sent through this node in its current accounting period, checked against
 * the tenant's {@code resource-limits.data-volume} (Hono's message limit): {@code max-bytes} per period from
 * {@code effective-since}, the period being {@code monthly} (calendar months, the first one starting at
 * effective-since) or {@code days} ({@code no-of-days} long, back to back from effective-since), as Hono's
 * {@link ResourceLimitsPeriod} computes it.
 *
 * <p>Hono counts the volume in Prometheus, which a region node does not have; this class counts it in memory,
 * so the count is per node and starts from zero when the node starts. A tenant whose limit is not in effect yet,
 * has no period Hono can compute ({@code days} without {@code no-of-days}, an unknown mode) or has no
 * {@code max-bytes} is not limited. Thread-safe.
 */
final class TenantDataVolumes {

    private record Usage(Instant periodStart, long bytes) {
    }

    private final ConcurrentHashMap<String, Usage> usage = new ConcurrentHashMap<>();
    private final Clock clock;

    TenantDataVolumes(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /**
     * Counts a message of {@code payloadBytes} for the tenant, unless it would take the tenant over its data
     * volume in the current period.
     *
     * @return false, counting nothing, when the message would exceed the limit
     */
    boolean tryConsume(TenantObject tenant, long payloadBytes) {
        Objects.requireNonNull(tenant, "tenant must not be null");
        DataVolume limit = limitInEffect(tenant, clock.instant());
        if (limit == null) {
            return true;
        }
        Instant now = clock.instant();
        Instant periodStart = now.minus(limit.getElapsedAccountingPeriodDuration(now));
        boolean[] admitted = {false};
        usage.compute(tenant.getTenantId(), (id, current) -> {
            long used = current == null || !current.periodStart().equals(periodStart) ? 0 : current.bytes();
            if (used + payloadBytes > limit.getMaxBytes()) {
                return new Usage(periodStart, used);
            }
            admitted[0] = true;
            return new Usage(periodStart, used + payloadBytes);
        });
        return admitted[0];
    }

    /** The bytes counted for the tenant in the period that was current at its last message; 0 when none. */
    long used(String tenantId) {
        Usage u = usage.get(tenantId);
        return u == null ? 0 : u.bytes();
    }

    private static DataVolume limitInEffect(TenantObject tenant, Instant now) {
        ResourceLimits limits = tenant.getResourceLimits();
        DataVolume volume = limits == null ? null : limits.getDataVolume();
        if (volume == null || !volume.isLimited() || volume.getEffectiveSince() == null || now.isBefore(volume.getEffectiveSince())) {
            return null;
        }
        ResourceLimitsPeriod period = volume.getPeriod();
        if (period == null) {
            return null;
        }
        return switch (period.getMode()) {
            case monthly -> volume;
            // Hono divides by no-of-days: a days period without it has no length
            case days -> period.getNoOfDays() > 0 ? volume : null;
            default -> null;
        };
    }
}
