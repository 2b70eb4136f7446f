package io.meridian.region.adapter;

import io.opentracing.SpanContext;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.hono.adapter.resourcelimits.ResourceLimitChecks;
import org.eclipse.hono.util.ResourceLimits;
import org.eclipse.hono.util.TenantConstants;
import org.eclipse.hono.util.TenantObject;

/**
 * The devices of each tenant connected to this node, and Hono's resource limit checks against the tenant's
 * {@code resource-limits.max-connections} and {@code resource-limits.data-volume}: Hono's only real implementation
 * asks a Prometheus server, which a region node does not have, so the node counts its own connections and message
 * bytes. One instance per node, shared by its adapters; thread-safe.
 *
 * <p>{@link #isConnectionLimitReached} is what Hono's {@code checkConnectionLimit} asks before a connection is
 * accepted. Because that check and the connection's acceptance are apart in time, an adapter then takes a slot
 * with {@link #tryAcquire}, which checks and counts in one step, and gives it back with {@link #release} when
 * the connection closes. The limit is per node: a tenant whose devices connect to several nodes of a region
 * may have up to the limit on each.
 */
public final class TenantConnections implements ResourceLimitChecks {

    private final ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final TenantDataVolumes dataVolumes;
    private final IngestRate ingest = new IngestRate();

    /** Data volumes counted against the system clock. */
    public TenantConnections() {
        this(Clock.systemUTC());
    }

    TenantConnections(Clock clock) {
        this.dataVolumes = new TenantDataVolumes(clock);
    }

    /** The tenant's limit, or {@link TenantConstants#UNLIMITED_CONNECTIONS} (-1) when it has none. */
    static int maxConnections(TenantObject tenant) {
        ResourceLimits limits = tenant.getResourceLimits();
        return limits == null ? TenantConstants.UNLIMITED_CONNECTIONS : limits.getMaxConnections();
    }

    @Override
    public Future<Boolean> isConnectionLimitReached(TenantObject tenant, SpanContext context) {
        Objects.requireNonNull(tenant, "tenant must not be null");
        int max = maxConnections(tenant);
        return Future.succeededFuture(max >= 0 && count(tenant.getTenantId()) >= max);
    }

    /**
     * Whether this message would take the tenant over its {@code resource-limits.data-volume} in the current
     * period, counted on this node ({@link TenantDataVolumes}); a message that fits is counted. Hono's
     * {@code checkMessageLimit} turns true into a 429 {@code ClientErrorException}.
     */
    @Override
    public Future<Boolean> isMessageLimitReached(TenantObject tenant, long payloadSize, SpanContext context) {
        Objects.requireNonNull(tenant, "tenant must not be null");
        return Future.succeededFuture(!dataVolumes.tryConsume(tenant, payloadSize));
    }

    /**
     * Counts one more connection of the tenant unless that would exceed its limit.
     *
     * @return false, counting nothing, when the tenant already has {@code max-connections} connections here
     */
    public boolean tryAcquire(TenantObject tenant) {
        Objects.requireNonNull(tenant, "tenant must not be null");
        int max = maxConnections(tenant);
        AtomicInteger count = counts.computeIfAbsent(tenant.getTenantId(), id -> new AtomicInteger());
        while (true) {
            int current = count.get();
            if (max >= 0 && current >= max) {
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives back a slot taken with {@link #tryAcquire}; call once per acquired connection, when it closes. */
    public void release(String tenantId) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        AtomicInteger count = counts.get(tenantId);
        if (count == null || count.getAndUpdate(c -> Math.max(0, c - 1)) <= 0) {
            throw new IllegalStateException("released a connection of tenant " + tenantId + " that was never acquired");
        }
    }

    /** The connections of every tenant counted on this node now. */
    public int total() {
        return counts.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** The messages the node's adapters accepted, per tenant, over the last 10 s; adapters count into it. */
    public IngestRate ingest() {
        return ingest;
    }

    /** The tenant's connections counted on this node now. */
    public int count(String tenantId) {
        AtomicInteger count = counts.get(tenantId);
        return count == null ? 0 : count.get();
    }
}
