package io.meridian.policy;

import io.meridian.policy.internal.InMemoryDecisionLog;
import io.meridian.policy.model.RegionId;
import java.util.List;

/**
 * A region's append-only, hash-chained log of egress decisions. Each record links to the one before
 * by hash (see {@link DecisionRecord}), so that {@link ChainVerifier} can detect any edit, deletion,
 * reordering or truncation. Records hold hashes and counts, never payload values.
 *
 * <p>Implementations keep the chain linear under concurrent appends: sequence numbers are 1, 2, 3, ...
 * without gaps, and each record's previous hash is the hash of the record before it. A store shared by
 * several processes (Cassandra) gets this with a conditional write on the sequence number, building the
 * record with {@link DecisionRecord#next}; an asynchronous binding may wrap these methods in futures.
 */
public interface DecisionLog {

    /**
     * Appends a decision as the next record.
     *
     * @param decision a decision whose source region is this log's region; not null
     * @param context  the hash of what was released; not null
     * @return the record appended
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when the decision belongs to another region's log, or a
     *                                  {@code DENY} comes with a payload hash
     * @throws IllegalStateException    when the decision was already appended
     */
    DecisionRecord append(Decision decision, AppendContext context);

    /**
     * Reads records in sequence order.
     *
     * @param fromSequence the first sequence number wanted, at least 1
     * @param limit        the most records to return, at least 1
     * @return the records from {@code fromSequence} on, at most {@code limit}; empty past the head
     * @throws IllegalArgumentException when an argument is out of range
     */
    List<DecisionRecord> read(long fromSequence, int limit);

    /** The last record's sequence number and hash, or {@link ChainHead#GENESIS} when the log is empty. */
    ChainHead head();

    /** The region whose decisions this log holds. */
    RegionId region();

    /** A thread-safe log held in memory, for tests and single-process use. */
    static DecisionLog inMemory(RegionId region) {
        return new InMemoryDecisionLog(region);
    }
}
