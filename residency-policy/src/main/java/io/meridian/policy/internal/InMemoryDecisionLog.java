package io.meridian.policy.internal;

import io.meridian.policy.AppendContext;
import io.meridian.policy.ChainHead;
import io.meridian.policy.Decision;
import io.meridian.policy.DecisionLog;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.model.RegionId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * {@link DecisionLog} in memory. One lock orders appends, so the chain stays linear: the record is built
 * and hashed inside the lock because its hash depends on the head.
 */
public final class InMemoryDecisionLog implements DecisionLog {

    private final RegionId region;
    private final Object lock = new Object();
    private final List<DecisionRecord> records = new ArrayList<>();
    private final Set<UUID> decisionIds = new HashSet<>();
    private ChainHead head = ChainHead.GENESIS;

    public InMemoryDecisionLog(RegionId region) {
        this.region = Objects.requireNonNull(region, "region must not be null");
    }

    @Override
    public DecisionRecord append(Decision decision, AppendContext context) {
        Objects.requireNonNull(decision, "decision must not be null");
        Objects.requireNonNull(context, "context must not be null");
        if (!region.equals(decision.request().source())) {
            throw new IllegalArgumentException("decision for the log of region " + region
                    + " must have that source region, was " + decision.request().source());
        }
        synchronized (lock) {
            if (decisionIds.contains(decision.id())) {
                throw new IllegalStateException("decision must be appended once, was already logged: " + decision.id());
            }
            DecisionRecord record = DecisionRecord.next(head, decision, context);
            records.add(record);
            decisionIds.add(decision.id());
            head = record.asHead();
            return record;
        }
    }

    @Override
    public List<DecisionRecord> read(long fromSequence, int limit) {
        if (fromSequence < 1) {
            throw new IllegalArgumentException("fromSequence must be at least 1, was " + fromSequence);
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        synchronized (lock) {
            if (fromSequence > records.size()) {
                return List.of();
            }
            int from = (int) (fromSequence - 1);
            int to = (int) Math.min(records.size(), (long) from + limit);
            return List.copyOf(records.subList(from, to));
        }
    }

    @Override
    public ChainHead head() {
        synchronized (lock) {
            return head;
        }
    }

    @Override
    public RegionId region() {
        return region;
    }

    @Override
    public String toString() {
        return "InMemoryDecisionLog[region=" + region + ", head=" + head() + "]";
    }
}
