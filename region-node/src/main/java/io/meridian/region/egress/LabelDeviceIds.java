package io.meridian.region.egress;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Which group-label values of an aggregate are ids of the tenant's devices registered in this region: the half of rule
 * A9 that residency-policy cannot see. A value such as {@code lamp-17} does not look like an identifier, so only the
 * registry can tell that it names a device; the caller then marks the cell ({@code Cell.withLabelNamingDevice}).
 *
 * <p>The lookup is a batched existence query: the distinct values of one answer, at most {@value #BATCH} ids per query,
 * each query inside the tenant's registry partition. Nothing is cached, so a device registered a moment ago counts and
 * memory holds only the values of the answer at hand. Blocking: call it from a worker thread (the data API's handlers
 * and the audit run on workers), never from an event loop.
 *
 * <p>Only this region's registry is asked, which holds the devices homed here. A value naming a device of the same
 * tenant homed in another region is not caught by this lookup; see the region node's README, "Egress".
 */
public final class LabelDeviceIds {

    /** The most ids one registry query asks about. */
    public static final int BATCH = 100;

    /** One batched existence query: which of at most {@value #BATCH} ids are devices of the tenant in this region. */
    @FunctionalInterface
    public interface Registry {
        Future<Set<String>> registeredAmong(String tenantId, List<String> ids);
    }

    /** The registry could not be asked in time: the caller must release nothing rather than guess. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Registry registry;
    private final Duration timeout;

    /**
     * @param timeout how long all batches of one lookup may take together
     */
    public LabelDeviceIds(Registry registry, Duration timeout) {
        this.registry = Objects.requireNonNull(registry, "registry must not be null");
        this.timeout = Objects.requireNonNull(timeout, "timeout must not be null");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
    }

    /**
     * The values among {@code values} that are device ids of the tenant here. Empty values are never asked about.
     *
     * @throws Unavailable when a query fails or the lookup outlasts the timeout
     */
    public Set<String> among(String tenantId, Collection<String> values) {
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(values.stream().filter(v -> v != null && !v.isEmpty()).toList()));
        if (distinct.isEmpty()) {
            return Set.of();
        }
        // every batch is asked at once; the answers are awaited against one deadline
        List<Future<Set<String>>> pending = new ArrayList<>();
        for (int i = 0; i < distinct.size(); i += BATCH) {
            pending.add(registry.registeredAmong(tenantId, List.copyOf(distinct.subList(i, Math.min(distinct.size(), i + BATCH)))));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> found = new HashSet<>();
        for (Future<Set<String>> f : pending) {
            try {
                found.addAll(f.toCompletionStage().toCompletableFuture().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Unavailable("interrupted while asking the registry which label values are device ids", e);
            } catch (ExecutionException e) {
                throw new Unavailable("the registry could not say which label values are device ids: " + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new Unavailable("the registry did not say within " + timeout + " which label values are device ids", e);
            }
        }
        // only what was asked: a registry answering more must not widen the set
        found.retainAll(distinct);
        return Set.copyOf(found);
    }
}
