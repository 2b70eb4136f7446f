package io.meridian.region.egress;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import io.meridian.policy.AppendContext;
import io.meridian.policy.ChainHead;
import io.meridian.policy.Decision;
import io.meridian.policy.DecisionLog;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.Outcome;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A region's hash-chained egress {@link DecisionLog} in the region's own Cassandra.
 *
 * <p>Layout: {@code <keyspace>.decision_log}, clustered by sequence number, one column per {@link DecisionRecord}
 * field so that a record read back is exactly the record written and {@link io.meridian.policy.ChainVerifier} can
 * check it. The chain is cut into buckets of {@link #BUCKET_SIZE} consecutive sequence numbers, one partition each, so
 * that no partition outgrows what Cassandra handles well (a record is about 1 KB, a full bucket about 50 MB; one egress
 * decision is made per API request, and the gateway's benchmark alone makes about 150 a second in each region). The
 * partition key of bucket {@code b = (sequence - 1) / BUCKET_SIZE} is the region id for bucket 0 and
 * {@code <region>#<b>} after it ({@code #} is not allowed in a region id, so no key can be another region's). A log
 * written before buckets existed is bucket 0 as it is, however long: its records past bucket 0's range stay in that
 * partition, {@link #read} reads them there first, and appends continue in the bucket of the next sequence number. The
 * bucket size is part of the layout: it can never change for a log that has records, and every instance of a region
 * must run this layout (stop the old ones before starting new ones: an old instance would append into bucket 0's
 * partition what a new one appends into a later bucket).
 *
 * <p>The head is the last row of the last bucket that has rows: {@link #head()} reads a bucket's last row at
 * {@code LOCAL_SERIAL}, starting from the last bucket this instance saw, and goes on to the bucket of the next sequence
 * number while that one has rows. Sequence numbers are dense, so a bucket after an empty one is empty too, unless rows were deleted: a
 * whole bucket deleted hides the buckets after it from {@link #head()} and {@link #read}, as a deleted tail hides
 * itself (both need a head kept elsewhere to be told from a shorter chain).
 *
 * <p>Appends stay linear across threads and processes. Within one instance, appends are group-committed: the
 * threads queue their decisions, and whichever holds the commit lock chains everything queued (up to
 * {@link #MAX_GROUP}) after the head and inserts the records in one conditional batch, each row {@code IF NOT
 * EXISTS} on its sequence number, so one Paxos round writes them all or none. A conditional batch takes one
 * partition, so a group stops at its bucket's end and the decisions after it go first in the next group. Across processes the condition
 * decides: the head is known after this instance's own commit, and when another writer took a sequence
 * number first, the batch is not applied, the head is read again at {@code LOCAL_SERIAL} (which also
 * completes any Paxos round in flight) and the group tries again, after a short random pause so that the
 * losers do not collide again in lockstep; after {@link #maxAttempts} losses every append of the group
 * fails with an {@link IllegalStateException}.
 *
 * <p>Each decision id is claimed first, {@code IF NOT EXISTS}, in {@code decision_log_ids}: a second
 * append of the same decision fails there, before it can reach the chain. A claim whose append then fails
 * surely unwritten (lost races) is withdrawn, so that the caller may retry; one whose insert failed with an
 * unknown outcome is kept, so a retry is refused as a duplicate instead of being logged twice.
 *
 * <p>All methods block on Cassandra: call them from worker threads, never from a Vert.x event loop.
 */
public final class CassandraDecisionLog implements DecisionLog {

    /** Default bound on lost races per group; writers of other processes rarely make a group lose more than a few. */
    public static final int DEFAULT_MAX_ATTEMPTS = 64;

    /**
     * The most records committed in one conditional batch. A record is a few hundred bytes, so a full group stays well
     * under Cassandra's batch size failure threshold (50 KB by default).
     */
    static final int MAX_GROUP = 16;

    /** Consecutive sequence numbers per partition (bucket). Part of the stored layout: never change it. */
    public static final long BUCKET_SIZE = 50_000;

    private static final Pattern CQL_IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,47}");
    private static final String COLUMNS = "sequence, format_version, decision_id, time, requester, tenant_id,"
            + " source_region, destination_jurisdiction, destination_region, categories, policy_revision,"
            + " tenant_policy_fingerprint, outcome, rule_ids, suppressed_counts, released_cells, payload_hash,"
            + " previous_hash, hash";

    private final CqlSession session;
    private final RegionId region;
    private final int maxAttempts;
    private final long bucketSize;
    private final PreparedStatement insertRecord;
    private final PreparedStatement selectHead;
    private final PreparedStatement selectFrom;
    private final PreparedStatement selectDecisionIdAt;
    private final PreparedStatement claimId;
    private final PreparedStatement recordIdSequence;
    private final PreparedStatement releaseId;
    private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final ReentrantLock commitLock = new ReentrantLock();
    /** Queued decisions that did not fit the last group (it ended at a bucket's end); committed first. Guarded by the lock. */
    private final java.util.ArrayDeque<Pending> carried = new java.util.ArrayDeque<>();
    /** The last bucket this instance saw holding records; where {@link #head()} starts looking. */
    private volatile long lastBucketSeen;
    /** The head after this instance's last commit; null when unknown (at start, after a lost race or a failure). */
    private ChainHead knownHead;

    private CassandraDecisionLog(CqlSession session, String keyspace, RegionId region, int maxAttempts, long bucketSize) {
        this.session = session;
        this.region = region;
        this.maxAttempts = maxAttempts;
        this.bucketSize = bucketSize;
        String log = keyspace + ".decision_log";
        String ids = keyspace + ".decision_log_ids";
        insertRecord = session.prepare("INSERT INTO " + log + " (region, " + COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
        selectHead = session.prepare("SELECT sequence, hash FROM " + log + " WHERE region = ? ORDER BY sequence DESC LIMIT 1");
        selectFrom = session.prepare("SELECT " + COLUMNS + " FROM " + log + " WHERE region = ? AND sequence >= ? LIMIT ?");
        selectDecisionIdAt = session.prepare("SELECT decision_id FROM " + log + " WHERE region = ? AND sequence = ?");
        claimId = session.prepare("INSERT INTO " + ids + " (region, decision_id) VALUES (?, ?) IF NOT EXISTS");
        // a plain write: the claim (an LWT) made the row, and this only fills in a column that nothing else writes
        recordIdSequence = session.prepare("UPDATE " + ids + " SET sequence = ? WHERE region = ? AND decision_id = ?");
        releaseId = session.prepare("DELETE FROM " + ids + " WHERE region = ? AND decision_id = ? IF EXISTS");
    }

    /** As {@link #open(CqlSession, String, Map, RegionId, int)} with {@link #DEFAULT_MAX_ATTEMPTS}. */
    public static CassandraDecisionLog open(CqlSession session, String keyspace, Map<String, Object> replication,
            RegionId region) {
        return open(session, keyspace, replication, region, DEFAULT_MAX_ATTEMPTS);
    }

    /**
     * Creates the keyspace and tables when missing (idempotent, safe when several nodes start together) and
     * prepares the statements. Blocking.
     *
     * @param session     a session to the region's Cassandra; not null, stays the caller's to close
     * @param keyspace    a lower-case CQL identifier, for example {@code meridian_egress}
     * @param replication the keyspace's replication map, for example {@code class: SimpleStrategy,
     *                    replication_factor: 1}; not empty
     * @param region      the region whose decisions this log holds
     * @param maxAttempts how many lost races an append tolerates, at least 1
     * @throws IllegalArgumentException when the keyspace is not a plain identifier, the replication map is
     *                                  empty or {@code maxAttempts} is below 1
     */
    public static CassandraDecisionLog open(CqlSession session, String keyspace, Map<String, Object> replication,
            RegionId region, int maxAttempts) {
        return open(session, keyspace, replication, region, maxAttempts, BUCKET_SIZE);
    }

    /** As {@link #open(CqlSession, String, Map, RegionId, int)} with another bucket size: for tests of the bucket edges only. */
    static CassandraDecisionLog open(CqlSession session, String keyspace, Map<String, Object> replication,
            RegionId region, int maxAttempts, long bucketSize) {
        if (bucketSize < 1) {
            throw new IllegalArgumentException("bucketSize must be at least 1, was " + bucketSize);
        }
        Objects.requireNonNull(session, "session must not be null");
        Objects.requireNonNull(keyspace, "keyspace must not be null");
        Objects.requireNonNull(replication, "replication must not be null");
        Objects.requireNonNull(region, "region must not be null");
        // the name goes into CQL text: only a plain identifier, so that it cannot carry CQL
        if (!CQL_IDENTIFIER.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("decision log keyspace must be a lower-case letter followed by up to 47"
                    + " lower-case letters, digits or '_', was '" + keyspace + "'");
        }
        if (replication.isEmpty()) {
            throw new IllegalArgumentException("decision log keyspace replication must not be empty");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        String replicationCql = replication.entrySet().stream()
                .map(e -> "'" + e.getKey() + "': " + (e.getValue() instanceof Number ? e.getValue().toString() : "'" + e.getValue() + "'"))
                .collect(Collectors.joining(", ", "{", "}"));
        session.execute("CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replicationCql);
        // absent optionals are nulls; empty lists and maps read back empty (Cassandra stores them as null)
        session.execute("CREATE TABLE IF NOT EXISTS " + keyspace + ".decision_log ("
                + " region text, sequence bigint, format_version int, decision_id uuid, time timestamp,"
                + " requester text, tenant_id text, source_region text, destination_jurisdiction text,"
                + " destination_region text, categories list<text>, policy_revision text,"
                + " tenant_policy_fingerprint text, outcome text, rule_ids list<text>,"
                + " suppressed_counts map<text, int>, released_cells int, payload_hash text,"
                + " previous_hash text, hash text,"
                + " PRIMARY KEY ((region), sequence)) WITH CLUSTERING ORDER BY (sequence ASC)");
        // one row per decision id, partitioned by the id so that claims do not contend with each other
        session.execute("CREATE TABLE IF NOT EXISTS " + keyspace + ".decision_log_ids ("
                + " region text, decision_id uuid, sequence bigint, PRIMARY KEY ((region, decision_id)))");
        return new CassandraDecisionLog(session, keyspace, region, maxAttempts, bucketSize);
    }

    @Override
    public DecisionRecord append(Decision decision, AppendContext context) {
        Objects.requireNonNull(decision, "decision must not be null");
        Objects.requireNonNull(context, "context must not be null");
        if (!region.equals(decision.request().source())) {
            throw new IllegalArgumentException("decision for the log of region " + region
                    + " must have that source region, was " + decision.request().source());
        }
        if (decision.outcome() == Outcome.DENY && context.payloadHash().isPresent()) {
            throw new IllegalArgumentException("payload hash must be absent for a DENY decision, was "
                    + context.payloadHash().get());
        }
        UUID id = decision.id();
        if (!lwt(claimId.bind(region.value(), id)).wasApplied()) {
            throw new IllegalStateException("decision must be appended once, was already logged: " + id);
        }
        Pending mine = new Pending(decision, context);
        pending.add(mine);
        commitLock.lock();
        try {
            // whoever holds the lock commits everything queued, so a waiter usually finds its record already written
            while (!mine.done) {
                commitGroup();
            }
        } finally {
            commitLock.unlock();
        }
        if (mine.failure != null) {
            if (!mine.mayBeLogged) {
                // best effort: a claim left behind only makes a retry of this decision fail as a duplicate
                try {
                    lwt(releaseId.bind(region.value(), id));
                } catch (RuntimeException ignored) {
                    // the append's own failure is the one to report
                }
            }
            throw mine.failure;
        }
        // the record is in the chain; the claim keeps it from being appended twice whatever happens next. Noting the
        // sequence beside the claim is an index, not a guard, so it needs no Paxos round of its own (it was one LWT of the
        // three each decision cost)
        session.execute(recordIdSequence.bind(mine.record.sequence(), region.value(), id));
        return mine.record;
    }

    /** A decision waiting to be committed, and what became of it. Guarded by {@link #commitLock}. */
    private static final class Pending {
        final Decision decision;
        final AppendContext context;
        DecisionRecord record;
        RuntimeException failure;
        boolean mayBeLogged;
        boolean done;

        Pending(Decision decision, AppendContext context) {
            this.decision = decision;
            this.context = context;
        }

        void fail(RuntimeException e, boolean mayBeLogged) {
            this.failure = e;
            this.mayBeLogged = mayBeLogged;
            this.done = true;
        }
    }

    /**
     * Commits up to {@link #MAX_GROUP} queued decisions as consecutive records in one conditional batch: one Paxos round
     * for all of them, where one per record made concurrent appenders queue behind each other's rounds and lose races to
     * each other. The head is known after a commit of this instance and is read again (at {@code LOCAL_SERIAL}) only after
     * another writer won a race. Called with {@link #commitLock} held.
     */
    private void commitGroup() {
        List<Pending> group = new ArrayList<>();
        while (group.size() < MAX_GROUP && !carried.isEmpty()) {
            group.add(carried.pollFirst());
        }
        for (Pending p = group.size() < MAX_GROUP ? pending.poll() : null; p != null; p = group.size() < MAX_GROUP ? pending.poll() : null) {
            group.add(p);
        }
        if (group.isEmpty()) {
            return;
        }
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            List<DecisionRecord> records = new ArrayList<>(group.size());
            try {
                ChainHead previous = knownHead != null ? knownHead : head();
                for (Pending p : group) {
                    DecisionRecord r = DecisionRecord.next(previous, p.decision, p.context);
                    records.add(r);
                    previous = r.asHead();
                }
            } catch (RuntimeException e) {
                knownHead = null;
                group.forEach(p -> p.fail(e, false));
                return;
            }
            // a conditional batch takes one partition: a group that would run past its bucket's end stops there, and the
            // rest waits for the next group, chained after this one
            int cut = records.size();
            long bucket = bucket(records.get(0).sequence());
            for (int i = 1; i < records.size(); i++) {
                if (bucket(records.get(i).sequence()) != bucket) {
                    cut = i;
                    break;
                }
            }
            boolean inserted;
            try {
                inserted = insertAll(records.subList(0, cut));
            } catch (RuntimeException e) {
                // the batch may have been applied: keep the claims, so a retry is refused rather than logged twice
                knownHead = null;
                group.subList(0, cut).forEach(p -> p.fail(e, true));
                carry(group, cut);
                return;
            }
            if (inserted) {
                knownHead = records.get(cut - 1).asHead();
                lastBucketSeen = Math.max(lastBucketSeen, bucket);
                for (int i = 0; i < cut; i++) {
                    group.get(i).record = records.get(i);
                    group.get(i).done = true;
                }
                carry(group, cut);
                return;
            }
            knownHead = null;
            if (attempt < maxAttempts) {
                pause(attempt);
            }
        }
        group.forEach(p -> p.fail(new IllegalStateException("decision " + p.decision.id() + " could not be appended to the log of region "
                + region + ": lost the race for the next sequence number " + maxAttempts + " times"), false));
    }

    /** Puts the group's decisions from {@code from} on back at the front of the line, in order. */
    private void carry(List<Pending> group, int from) {
        for (int i = group.size() - 1; i >= from; i--) {
            carried.addFirst(group.get(i));
        }
    }

    /** The bucket of a sequence number. */
    long bucket(long sequence) {
        return (sequence - 1) / bucketSize;
    }

    /** The partition key of a bucket: the region id for bucket 0 (the layout before buckets), {@code <region>#<b>} after. */
    String partition(long bucket) {
        return bucket == 0 ? region.value() : region.value() + "#" + bucket;
    }

    /**
     * Inserts consecutive records of one bucket if their sequence numbers are free, all or none (one partition, one
     * conditional batch). When Paxos times out the outcome is unknown; a serial read of the first sequence number settles it (and completes the
     * round if it is still in flight).
     */
    private boolean insertAll(List<DecisionRecord> records) {
        try {
            if (records.size() == 1) {
                return lwt(bindInsert(records.get(0))).wasApplied();
            }
            BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
            records.forEach(r -> batch.addStatement(bindInsert(r)));
            return session.execute(batch.build().setSerialConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).wasApplied();
        } catch (WriteTimeoutException | CASWriteUnknownException unknown) {
            DecisionRecord first = records.get(0);
            Row row = session.execute(selectDecisionIdAt.bind(partition(bucket(first.sequence())), first.sequence())
                    .setConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).one();
            return row != null && first.decisionId().equals(row.getUuid("decision_id"));
        }
    }

    private BoundStatement bindInsert(DecisionRecord r) {
        return insertRecord.bind(partition(bucket(r.sequence())), r.sequence(), r.formatVersion(), r.decisionId(), r.time(),
                r.requester(), r.tenantId(), r.sourceRegion().value(), r.destinationJurisdiction().code(),
                r.destinationRegion().map(RegionId::value).orElse(null),
                r.categories().stream().map(DataCategory::name).toList(), r.policyRevision(),
                r.tenantPolicyFingerprint(), r.outcome().name(), r.ruleIds(), r.suppressedCounts(),
                r.releasedCells(), r.payloadHash().orElse(null), r.previousHash(), r.hash());
    }

    private ResultSet lwt(BoundStatement statement) {
        return session.execute(statement.setSerialConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL));
    }

    /** Up to 2^min(attempt, 5) ms at random: enough for the winner's Paxos round to finish. */
    private static void pause(int attempt) {
        try {
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(1, 1L << Math.min(attempt, 5)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while appending to the decision log", e);
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
        List<DecisionRecord> records = new ArrayList<>(Math.min(limit, 1024));
        long bucket = bucket(fromSequence);
        if (bucket > 0) {
            // a log written before buckets has all its records in bucket 0's partition, also those past bucket 0's range;
            // they come before every record of a later bucket, which only appends after the upgrade wrote
            readBucket(records, 0, fromSequence, limit);
        }
        long from = fromSequence;
        while (records.size() < limit) {
            int wanted = limit - records.size();
            int got = readBucket(records, bucket, from, wanted);
            if (got == wanted) {
                break;
            }
            // this bucket has no more from there: the chain goes on in the bucket of the record after the last one read
            // (past the old layout's long bucket 0), or in the next bucket, if that has rows
            long last = records.isEmpty() ? from - 1 : records.get(records.size() - 1).sequence();
            long next = Math.max(bucket + 1, bucket(last + 1));
            if (!hasRows(next)) {
                break;
            }
            bucket = next;
            from = bucket * bucketSize + 1;
        }
        return records;
    }

    /**
     * Every record from {@code fromSequence} on, read {@code pageSize} at a time as the iteration goes, for
     * {@link io.meridian.policy.ChainVerifier} over a log of any size. Each page continues after the last
     * record read, so a deleted row shows up as a gap rather than ending the iteration.
     */
    public Iterable<DecisionRecord> records(long fromSequence, int pageSize) {
        if (fromSequence < 1) {
            throw new IllegalArgumentException("fromSequence must be at least 1, was " + fromSequence);
        }
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be at least 1, was " + pageSize);
        }
        return () -> new Iterator<>() {
            private long next = fromSequence;
            private Iterator<DecisionRecord> page = List.<DecisionRecord>of().iterator();
            private boolean exhausted;

            @Override
            public boolean hasNext() {
                if (!page.hasNext() && !exhausted) {
                    List<DecisionRecord> records = read(next, pageSize);
                    exhausted = records.size() < pageSize;
                    if (!records.isEmpty()) {
                        next = records.get(records.size() - 1).sequence() + 1;
                    }
                    page = records.iterator();
                }
                return page.hasNext();
            }

            @Override
            public DecisionRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("no more decision records after sequence " + (next - 1));
                }
                return page.next();
            }
        };
    }

    /**
     * Builds the record exactly as stored. The record's constructor checks formats only, so an edited row
     * still becomes a record that the verifier can name; a row whose values cannot be represented at all
     * (an unknown outcome, a malformed hash) fails with an {@link IllegalStateException} naming its sequence.
     */
    private DecisionRecord toRecord(Row row) {
        long sequence = row.getLong("sequence");
        try {
            return new DecisionRecord(row.getInt("format_version"), sequence, row.getUuid("decision_id"),
                    row.getInstant("time"), row.getString("requester"), row.getString("tenant_id"),
                    RegionId.of(row.getString("source_region")), Jurisdiction.of(row.getString("destination_jurisdiction")),
                    Optional.ofNullable(row.getString("destination_region")).map(RegionId::of),
                    row.getList("categories", String.class).stream().map(DataCategory::valueOf).toList(),
                    row.getString("policy_revision"), row.getString("tenant_policy_fingerprint"),
                    Outcome.valueOf(row.getString("outcome")), row.getList("rule_ids", String.class),
                    new TreeMap<>(row.getMap("suppressed_counts", String.class, Integer.class)),
                    row.getInt("released_cells"), Optional.ofNullable(row.getString("payload_hash")),
                    row.getString("previous_hash"), row.getString("hash"));
        } catch (RuntimeException e) {
            throw new IllegalStateException("decision log row " + sequence + " of region " + region
                    + " cannot be read as a record (it was altered beyond its format): " + e.getMessage(), e);
        }
    }

    /** Adds up to {@code limit} records of a bucket's partition from {@code from} on, in order; returns how many. */
    private int readBucket(List<DecisionRecord> records, long bucket, long from, int limit) {
        int got = 0;
        for (Row row : session.execute(selectFrom.bind(partition(bucket), from, limit).setPageSize(Math.min(limit, 5000)))) {
            records.add(toRecord(row));
            got++;
        }
        return got;
    }

    /** Whether a bucket holds any record (a plain read of one row). */
    private boolean hasRows(long bucket) {
        return session.execute(selectHead.bind(partition(bucket))).one() != null;
    }

    @Override
    public ChainHead head() {
        long bucket = lastBucketSeen;
        ChainHead head = headOf(bucket);
        // the last bucket seen is empty only when its rows were deleted: then look from the start
        if (head == null && bucket > 0) {
            bucket = 0;
            head = headOf(0);
        }
        while (head != null) {
            // the record after the head belongs in the bucket of its sequence number: when that is this bucket, the head
            // is its last row and there is nothing after it (a bucket 0 of the old layout can hold several buckets' range)
            long nextBucket = bucket(head.sequence() + 1);
            if (nextBucket == bucket) {
                break;
            }
            ChainHead next = headOf(nextBucket);
            if (next == null) {
                break;
            }
            bucket = nextBucket;
            head = next;
        }
        if (head == null) {
            return ChainHead.GENESIS;
        }
        lastBucketSeen = Math.max(lastBucketSeen, bucket);
        return head;
    }

    /** The last record of a bucket, read at {@code LOCAL_SERIAL} (which completes a Paxos round in flight); null when empty. */
    private ChainHead headOf(long bucket) {
        Row row = session.execute(selectHead.bind(partition(bucket))
                .setConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).one();
        if (row == null) {
            return null;
        }
        try {
            return new ChainHead(row.getLong("sequence"), row.getString("hash"));
        } catch (RuntimeException e) {
            throw new IllegalStateException("decision log head row " + row.getLong("sequence") + " of region " + region
                    + " must hold a 64-character hex hash (it was altered): " + e.getMessage(), e);
        }
    }

    @Override
    public RegionId region() {
        return region;
    }

    @Override
    public String toString() {
        return "CassandraDecisionLog[region=" + region + "]";
    }
}
