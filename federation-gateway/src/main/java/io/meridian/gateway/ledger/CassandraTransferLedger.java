package io.meridian.gateway.ledger;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The gateway's {@link TransferLedger} in its own region's Cassandra, table {@code <keyspace>.transfer_ledger}.
 *
 * <p>Layout: one partition per ledger (the gateway's region id), clustered by sequence number, one column per
 * {@link TransferRecord} field plus the format version and both hashes, so an entry read back hashes exactly as written
 * ({@link LedgerEncoding}). One partition because an append must see the head atomically, and a lightweight transaction
 * orders writes within one partition only. A record is about 400 bytes; a million transfers is 400 MB, where the
 * partition must be bucketed (not built, like the region's decision log).
 *
 * <p>Appends stay one chain across threads and gateway instances. Within one gateway they are group-committed: the
 * threads' records queue, and one committer at a time reads the head at {@code LOCAL_SERIAL} (which also completes a
 * Paxos round in flight), chains every queued record after it and inserts them {@code IF NOT EXISTS} on their sequence
 * numbers in one conditional batch on the partition, which applies whole or not at all. Without this, every request
 * thread raced every other for the head, and the gateway managed about 35 appends/s. A batch that loses to another
 * instance re-reads the head after a short random pause, at most {@code maxAttempts} times. A Paxos timeout leaves the
 * outcome unknown; a serial read of that sequence number settles it.
 *
 * <p>Every method blocks on Cassandra: call them from worker threads, never from an event loop.
 */
public final class CassandraTransferLedger implements TransferLedger {

    /** Default bound on lost races per append. */
    public static final int DEFAULT_MAX_ATTEMPTS = 64;
    /** How many entries {@link #verify()} reads per page. */
    public static final int VERIFY_PAGE = 500;
    /** The most records one group commit appends in a single conditional batch. */
    public static final int MAX_BATCH = 64;
    /** The most entries one {@link #read} returns. */
    public static final int MAX_READ = 1000;

    /**
     * Schema changes wait for every node's agreement, which takes far longer than a query on a busy machine; the driver's
     * default request timeout (2 s) is too short for them.
     */
    public static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern CQL_IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,47}");
    private static final String COLUMNS = "sequence, format_version, kind, tenant, source_region, source_jurisdiction, destination,"
            + " source_decision_id, source_decision_sequence, payload_hash, cells, bytes, at, export_id, sink, previous_hash, hash";

    private final CqlSession session;
    private final String ledger;
    private final int maxAttempts;
    private final int verifyPage;
    private final PreparedStatement insert;
    private final PreparedStatement selectHead;
    private final PreparedStatement selectFrom;
    private final PreparedStatement selectHashAt;
    private final Object commitLock = new Object();
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();

    private CassandraTransferLedger(CqlSession session, String keyspace, String ledger, int maxAttempts, int verifyPage) {
        this.session = session;
        this.ledger = ledger;
        this.maxAttempts = maxAttempts;
        this.verifyPage = verifyPage;
        String table = keyspace + ".transfer_ledger";
        insert = session.prepare("INSERT INTO " + table + " (ledger, " + COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS");
        selectHead = session.prepare("SELECT sequence, hash FROM " + table + " WHERE ledger = ? ORDER BY sequence DESC LIMIT 1");
        selectFrom = session.prepare("SELECT " + COLUMNS + " FROM " + table + " WHERE ledger = ? AND sequence >= ? LIMIT ?");
        selectHashAt = session.prepare("SELECT hash FROM " + table + " WHERE ledger = ? AND sequence = ?");
    }

    /** The replication of the gateway's keyspace on one local node: {@code NetworkTopologyStrategy {datacenter: 1}}. */
    public static Map<String, Object> localReplication(String datacenter) {
        return Map.of("class", "NetworkTopologyStrategy", datacenter, 1);
    }

    /** As {@link #open(CqlSession, String, Map, String, int, int)} with the defaults. */
    public static CassandraTransferLedger open(CqlSession session, String keyspace, Map<String, Object> replication, String ledger) {
        return open(session, keyspace, replication, ledger, DEFAULT_MAX_ATTEMPTS, VERIFY_PAGE);
    }

    /**
     * Creates the keyspace and table when missing (idempotent) and prepares the statements. Blocking.
     *
     * @param session     a session to the gateway region's Cassandra; stays the caller's to close
     * @param keyspace    a lower-case CQL identifier, for example {@code meridian_gateway}
     * @param replication the keyspace's replication map when it is created, not empty
     * @param ledger      which ledger (partition): the gateway's region id
     * @param maxAttempts lost races an append tolerates, at least 1
     * @param verifyPage  entries {@link #verify()} reads at a time, at least 1
     * @throws IllegalArgumentException naming the argument that is unusable
     */
    public static CassandraTransferLedger open(CqlSession session, String keyspace, Map<String, Object> replication, String ledger,
            int maxAttempts, int verifyPage) {
        Objects.requireNonNull(session, "session must not be null");
        Objects.requireNonNull(keyspace, "keyspace must not be null");
        Objects.requireNonNull(replication, "replication must not be null");
        Objects.requireNonNull(ledger, "ledger must not be null");
        // the name goes into CQL text: a plain identifier only, so that it cannot carry CQL
        if (!CQL_IDENTIFIER.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("ledger keyspace must be a lower-case CQL identifier, was '" + keyspace + "'");
        }
        if (replication.isEmpty()) {
            throw new IllegalArgumentException("ledger keyspace replication must not be empty");
        }
        if (ledger.isBlank()) {
            throw new IllegalArgumentException("ledger must not be blank");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        if (verifyPage < 1) {
            throw new IllegalArgumentException("verifyPage must be at least 1, was " + verifyPage);
        }
        createKeyspace(session, keyspace, replication);
        schema(session, "CREATE TABLE IF NOT EXISTS " + keyspace + ".transfer_ledger ("
                + " ledger text, sequence bigint, format_version int, kind text, tenant text, source_region text,"
                + " source_jurisdiction text, destination text, source_decision_id uuid, source_decision_sequence bigint,"
                + " payload_hash text, cells int, bytes bigint, at timestamp, export_id uuid, sink text,"
                + " previous_hash text, hash text,"
                + " PRIMARY KEY ((ledger), sequence)) WITH CLUSTERING ORDER BY (sequence ASC)");
        return new CassandraTransferLedger(session, keyspace, ledger, maxAttempts, verifyPage);
    }

    /** Creates {@code keyspace} when missing; the export schedules share it. */
    public static void createKeyspace(CqlSession session, String keyspace, Map<String, Object> replication) {
        if (!CQL_IDENTIFIER.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("keyspace must be a lower-case CQL identifier, was '" + keyspace + "'");
        }
        String replicationCql = replication.entrySet().stream()
                .map(e -> "'" + e.getKey() + "': " + (e.getValue() instanceof Number ? e.getValue().toString() : "'" + e.getValue() + "'"))
                .collect(Collectors.joining(", ", "{", "}"));
        schema(session, "CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replicationCql);
    }

    /** Runs a schema change with {@link #SCHEMA_TIMEOUT}. */
    public static void schema(CqlSession session, String cql) {
        session.execute(SimpleStatement.newInstance(cql).setTimeout(SCHEMA_TIMEOUT));
    }

    @Override
    public LedgerEntry append(TransferRecord record) {
        Objects.requireNonNull(record, "record must not be null");
        Pending mine = new Pending(withStorableTime(record));
        queue.add(mine);
        // group commit: one thread of this gateway at a time appends everything queued so far as one conditional batch (one
        // Paxos round for many records, instead of every request thread racing every other for the head); a thread whose
        // record another committer took along finds it done when it gets the lock
        synchronized (commitLock) {
            if (!mine.done) {
                commitQueued();
            }
        }
        if (mine.failure != null) {
            throw new IllegalStateException(mine.failure.getMessage(), mine.failure);
        }
        if (mine.entry == null) {
            throw new IllegalStateException("transfer ledger " + ledger + ": the commit of this record ended without appending it");
        }
        return mine.entry;
    }

    /** A record waiting for the committer, and what became of it. */
    private static final class Pending {
        final TransferRecord record;
        volatile boolean done;
        volatile LedgerEntry entry;
        volatile RuntimeException failure;

        Pending(TransferRecord record) {
            this.record = record;
        }
    }

    /** Appends the queued records, at most {@value #MAX_BATCH} per round, until the queue is empty. Holds the commit lock. */
    private void commitQueued() {
        while (!queue.isEmpty()) {
            List<Pending> batch = new ArrayList<>();
            Pending p;
            while (batch.size() < MAX_BATCH && (p = queue.poll()) != null) {
                batch.add(p);
            }
            try {
                List<LedgerEntry> entries = appendBatch(batch.stream().map(x -> x.record).toList());
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).entry = entries.get(i);
                }
            } catch (RuntimeException e) {
                batch.forEach(x -> x.failure = e);
            } finally {
                batch.forEach(x -> x.done = true);
            }
        }
    }

    /**
     * Chains {@code records} after the head and inserts them in one conditional batch on the ledger's partition: either
     * every insert applies or none does (another gateway instance took one of the sequence numbers), in which case the
     * head is read again.
     */
    private List<LedgerEntry> appendBatch(List<TransferRecord> records) {
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Row head = session.execute(selectHead.bind(ledger).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).one();
            long sequence = head == null ? 1 : head.getLong("sequence") + 1;
            String previous = head == null ? LedgerEncoding.GENESIS : head.getString("hash");
            List<LedgerEntry> entries = new ArrayList<>(records.size());
            for (TransferRecord r : records) {
                String hash = LedgerEncoding.hash(LedgerEncoding.FORMAT_VERSION, sequence, r, previous);
                entries.add(new LedgerEntry(sequence, r, previous, hash));
                previous = hash;
                sequence++;
            }
            if (insert(entries)) {
                return entries;
            }
            pause(attempt);
        }
        throw new IllegalStateException("transfer ledger " + ledger + ": lost the race for the next sequence number " + maxAttempts
                + " times; the record was not appended");
    }

    private boolean insert(List<LedgerEntry> entries) {
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.LOGGED);
        for (LedgerEntry e : entries) {
            TransferRecord r = e.record();
            batch.addStatement(insert.bind(ledger, e.sequence(), LedgerEncoding.FORMAT_VERSION, r.kind().name(), r.tenant(),
                    r.sourceRegion().value(), r.sourceJurisdiction().code(), r.destination().code(), r.sourceDecisionId(),
                    r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes(), r.at(), r.exportId().orElse(null),
                    r.sink().orElse(null), e.previousHash(), e.hash()));
        }
        try {
            return session.execute(batch.setSerialConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL).build()).wasApplied();
        } catch (WriteTimeoutException | CASWriteUnknownException unknown) {
            // the serial read completes the round if it is still in flight; the batch applied whole or not at all, so its
            // first entry tells whether ours won
            LedgerEntry first = entries.get(0);
            Row row = session.execute(selectHashAt.bind(ledger, first.sequence()).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).one();
            return row != null && first.hash().equals(row.getString("hash"));
        }
    }

    /** Up to 2^min(attempt, 5) ms at random, so that the losers of a race do not collide again in lockstep. */
    private static void pause(int attempt) {
        try {
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(1, 1L << Math.min(attempt, 5)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while appending to the transfer ledger", e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when {@code from} is below 1 or {@code limit} is not 1-{@value #MAX_READ}
     * @throws IllegalStateException    when a stored row is not an entry any more (altered beyond the format)
     */
    @Override
    public List<LedgerEntry> read(long from, int limit) {
        if (from < 1) {
            throw new IllegalArgumentException("from must be at least 1, was " + from);
        }
        if (limit < 1 || limit > MAX_READ) {
            throw new IllegalArgumentException("limit must be 1-" + MAX_READ + ", was " + limit);
        }
        List<LedgerEntry> entries = new ArrayList<>(limit);
        for (Row row : session.execute(selectFrom.bind(ledger, from, limit))) {
            entries.add(toEntry(row));
        }
        return entries;
    }

    /** Walks the whole chain, {@code verifyPage} entries at a time, and names the first break. */
    @Override
    public LedgerVerification verify() {
        ChainWalk walk = new ChainWalk();
        long next = 1;
        while (walk.intact()) {
            List<Row> page = new ArrayList<>(verifyPage);
            session.execute(selectFrom.bind(ledger, next, verifyPage)).forEach(page::add);
            for (Row row : page) {
                long sequence = row.getLong("sequence");
                try {
                    walk.entry(row.getInt("format_version"), toEntry(row));
                } catch (IllegalStateException unreadable) {
                    walk.unreadable(sequence, unreadable.getMessage());
                }
                next = sequence + 1;
            }
            if (page.size() < verifyPage) {
                break;
            }
        }
        return walk.result();
    }

    /**
     * The entry exactly as stored. The record's constructor checks formats, so a row edited into something no record can
     * be (an unknown kind, a malformed hash) fails with an {@link IllegalStateException} naming its sequence.
     */
    private LedgerEntry toEntry(Row row) {
        long sequence = row.getLong("sequence");
        try {
            TransferRecord r = new TransferRecord(TransferRecord.Kind.valueOf(row.getString("kind")), row.getString("tenant"),
                    RegionId.of(row.getString("source_region")), Jurisdiction.of(row.getString("source_jurisdiction")),
                    Jurisdiction.of(row.getString("destination")), row.getUuid("source_decision_id"), row.getLong("source_decision_sequence"),
                    row.getString("payload_hash"), row.getInt("cells"), row.getLong("bytes"), row.getInstant("at"),
                    Optional.ofNullable(row.getUuid("export_id")), Optional.ofNullable(row.getString("sink")));
            return new LedgerEntry(sequence, r, row.getString("previous_hash"), row.getString("hash"));
        } catch (RuntimeException e) {
            throw new IllegalStateException("transfer ledger row " + sequence + " cannot be read as an entry (it was altered beyond its format): "
                    + e.getMessage(), e);
        }
    }

    private static TransferRecord withStorableTime(TransferRecord r) {
        return new TransferRecord(r.kind(), r.tenant(), r.sourceRegion(), r.sourceJurisdiction(), r.destination(), r.sourceDecisionId(),
                r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes(), LedgerEncoding.storable(r.at()), r.exportId(), r.sink());
    }

    @Override
    public String toString() {
        return "CassandraTransferLedger[" + ledger + "]";
    }
}
