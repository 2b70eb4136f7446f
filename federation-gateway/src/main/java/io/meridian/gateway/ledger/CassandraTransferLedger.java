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
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's {@link TransferLedger} in its own region's Cassandra, tables {@code <keyspace>.transfer_ledger} and
 * {@code <keyspace>.transfer_ledger_chains}.
 *
 * <p><b>Chains.</b> Each gateway instance appends to a chain of its own, so that an append needs no lightweight
 * transaction: a Paxos round on this single-node, shared-CPU Cassandra took about 150 ms and capped the gateway at about
 * 37 queries/s, however the appends were batched. The instance claims a chain once, at its first append: it reads the
 * highest chain number of the ledger at {@code LOCAL_SERIAL} and inserts the next {@code IF NOT EXISTS} into
 * {@code transfer_ledger_chains}, so two instances (of one region, on one keyspace) never get the same number. From then
 * on only this instance writes that chain, so sequence numbers and hashes come from memory, strictly in order under one
 * lock, and each group of queued records is written with plain inserts in one single-partition batch (atomic: all rows
 * or none) at {@code LOCAL_QUORUM}, the consistency a Paxos commit of the old append needed; {@link #append} returns only
 * after that write is acknowledged, so nothing is served before its entry is durable.
 *
 * <p>A write that fails or times out leaves the chain's tail unknown (the batch may still land, whole). The instance then
 * never writes that chain again and claims a new one at its next append, so no chain can get a gap or a fork: its last
 * batch is there whole or not at all. The callers of that batch were told it failed (the aggregate answers 503); if it
 * landed anyway, the ledger holds a transfer that was received but not served, which is the safe side.
 *
 * <p><b>Layout.</b> One partition per chain, clustered by sequence, one column per {@link TransferRecord} field plus the
 * format version and both hashes, so an entry read back hashes exactly as written ({@link LedgerEncoding}). The
 * partition key of chain {@code n} of ledger {@code L} (the gateway's region id) is {@code L.n}. The partition {@code L}
 * itself is the single chain of the ledger before chains per instance (format version 1); it is read and verified as
 * the first chain and never written again.
 *
 * <p><b>Length limit.</b> A record is about 400 bytes, and a gateway at 150 queries/s over two other jurisdictions
 * appends about 300 a second, so one chain per instance would grow by 100 MB in six minutes. A chain therefore holds at
 * most {@link #CHAIN_LIMIT} entries (about 20 MB, one partition): when the next batch would pass it, the instance
 * closes its chain and claims the next number, one Paxos round per {@link #CHAIN_LIMIT} appends. Closing keeps the
 * chain's head in its row of {@code transfer_ledger_chains} ({@code closed_sequence}, {@code closed_hash}, plain
 * writes: only the chain's writer writes them), so {@link #verify()} also finds what a chain alone cannot show: a
 * deleted tail, or a deleted partition, of a closed chain ({@code TRUNCATED}), an entry added after the close, or a
 * last entry replaced. A full chain is closed at once, and {@link #close()} (the gateway's stop) closes the chain being
 * written. A chain given up after a failed write, the chain being written, and one whose instance died without
 * stopping have no kept head. A caller's records are never split, so a chain is longer than the limit only when one
 * {@link #appendAll} is.
 *
 * <p><b>Order.</b> The ledger's stable order is: the single-chain partition {@code L} when it holds entries, then chains
 * {@code L.1}, {@code L.2}, ... by number, each in sequence order. {@link #read} counts positions in that order from the
 * chains' heads. With one instance per region only the last chain grows, so positions never move; while two instances
 * append at once, an earlier chain grows and the positions after it shift.
 *
 * <p>Every method blocks on Cassandra: call them from worker threads, never from an event loop.
 */
public final class CassandraTransferLedger implements TransferLedger {

    private static final Logger LOG = LoggerFactory.getLogger(CassandraTransferLedger.class);

    /** Default bound on lost races when claiming a chain. */
    public static final int DEFAULT_MAX_ATTEMPTS = 64;
    /** How many entries {@link #verify()} reads per page. */
    public static final int VERIFY_PAGE = 500;
    /**
     * The most records one write takes: at about 400 bytes a record, 64 stay under Cassandra's default batch failure
     * threshold (50 KB).
     */
    public static final int MAX_BATCH = 64;
    /** Entries per chain before its writer closes it and starts the next (about 20 MB of partition). */
    public static final long CHAIN_LIMIT = 50_000;
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
    private final long chainLimit;
    private final String claimedBy;
    private final PreparedStatement insert;
    private final PreparedStatement selectHead;
    private final PreparedStatement selectFrom;
    private final PreparedStatement selectChains;
    private final PreparedStatement selectLastChain;
    private final PreparedStatement claimChain;
    private final PreparedStatement selectClaim;
    private final PreparedStatement closeChain;
    private final Object commitLock = new Object();
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    /** This instance's chain and its head; only the committer (holding {@link #commitLock}) touches them. */
    private String chain;
    private int chainNumber;
    /** Set by {@link #close()}: no more appends. */
    private volatile boolean shutDown;
    private long headSequence;
    private String headHash;

    private CassandraTransferLedger(CqlSession session, String keyspace, String ledger, int maxAttempts, int verifyPage, long chainLimit) {
        this.session = session;
        this.ledger = ledger;
        this.maxAttempts = maxAttempts;
        this.verifyPage = verifyPage;
        this.chainLimit = chainLimit;
        this.claimedBy = instanceName();
        String table = keyspace + ".transfer_ledger";
        String chains = keyspace + ".transfer_ledger_chains";
        insert = session.prepare("INSERT INTO " + table + " (ledger, " + COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        selectHead = session.prepare("SELECT sequence, hash FROM " + table + " WHERE ledger = ? ORDER BY sequence DESC LIMIT 1");
        selectFrom = session.prepare("SELECT " + COLUMNS + " FROM " + table + " WHERE ledger = ? AND sequence >= ? LIMIT ?");
        selectChains = session.prepare("SELECT chain, closed_sequence, closed_hash FROM " + chains + " WHERE ledger = ?");
        selectLastChain = session.prepare("SELECT chain FROM " + chains + " WHERE ledger = ? ORDER BY chain DESC LIMIT 1");
        claimChain = session.prepare("INSERT INTO " + chains + " (ledger, chain, claim, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?)"
                + " IF NOT EXISTS");
        selectClaim = session.prepare("SELECT claim FROM " + chains + " WHERE ledger = ? AND chain = ?");
        closeChain = session.prepare("UPDATE " + chains + " SET closed_sequence = ?, closed_hash = ?, closed_at = ? WHERE ledger = ? AND chain = ?");
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
     * @param ledger      which ledger: the gateway's region id; its chains are partitions {@code ledger.n}
     * @param maxAttempts lost races a chain claim tolerates, at least 1
     * @param verifyPage  entries {@link #verify()} reads at a time, at least 1
     * @throws IllegalArgumentException naming the argument that is unusable
     */
    public static CassandraTransferLedger open(CqlSession session, String keyspace, Map<String, Object> replication, String ledger,
            int maxAttempts, int verifyPage) {
        return open(session, keyspace, replication, ledger, maxAttempts, verifyPage, CHAIN_LIMIT);
    }

    /** As {@link #open(CqlSession, String, Map, String, int, int)} with another chain length limit: for tests of the limit only. */
    static CassandraTransferLedger open(CqlSession session, String keyspace, Map<String, Object> replication, String ledger,
            int maxAttempts, int verifyPage, long chainLimit) {
        if (chainLimit < 1) {
            throw new IllegalArgumentException("chainLimit must be at least 1, was " + chainLimit);
        }
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
        // one row per chain ever claimed: the claim (a random id) tells a claim that timed out whether it won; a chain closed
        // at its length limit keeps its head there
        schema(session, "CREATE TABLE IF NOT EXISTS " + keyspace + ".transfer_ledger_chains ("
                + " ledger text, chain int, claim uuid, claimed_by text, claimed_at timestamp,"
                + " closed_sequence bigint, closed_hash text, closed_at timestamp,"
                + " PRIMARY KEY ((ledger), chain)) WITH CLUSTERING ORDER BY (chain ASC)");
        addClosingColumns(session, keyspace);
        return new CassandraTransferLedger(session, keyspace, ledger, maxAttempts, verifyPage, chainLimit);
    }

    /**
     * Adds the closing columns to a chains table made before chains had a length limit. Two gateways starting at once may
     * both try: {@code ADD IF NOT EXISTS} (Cassandra 4.1 and later) makes the second a no-op.
     */
    private static void addClosingColumns(CqlSession session, String keyspace) {
        Map<String, String> columns = Map.of("closed_sequence", "bigint", "closed_hash", "text", "closed_at", "timestamp");
        java.util.Set<String> present = new java.util.HashSet<>();
        session.execute(SimpleStatement.newInstance("SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?",
                keyspace, "transfer_ledger_chains")).forEach(r -> present.add(r.getString("column_name")));
        for (Map.Entry<String, String> c : new java.util.TreeMap<>(columns).entrySet()) {
            if (present.contains(c.getKey())) {
                continue;
            }
            // IF NOT EXISTS: another instance may add it between the look and the change
            schema(session, "ALTER TABLE " + keyspace + ".transfer_ledger_chains ADD IF NOT EXISTS " + c.getKey() + " " + c.getValue());
        }
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
        return appendAll(List.of(record)).get(0);
    }

    /**
     * {@inheritDoc} The records are consecutive in this instance's chain and written in one batch with whatever else is
     * queued.
     *
     * @throws IllegalArgumentException when {@code records} is empty or longer than {@value #MAX_BATCH}
     */
    @Override
    public List<LedgerEntry> appendAll(List<TransferRecord> records) {
        Objects.requireNonNull(records, "records must not be null");
        if (shutDown) {
            throw new IllegalStateException("transfer ledger " + ledger + " was closed; nothing more is appended");
        }
        if (records.isEmpty() || records.size() > MAX_BATCH) {
            throw new IllegalArgumentException("append 1-" + MAX_BATCH + " records at a time, was " + records.size());
        }
        Pending mine = new Pending(records.stream().map(CassandraTransferLedger::withStorableTime).toList());
        queue.add(mine);
        // group commit: one thread of this gateway at a time writes everything queued so far as one batch (one round trip
        // for many records), while the next records queue up behind it; a thread whose records another committer took
        // along finds them done when it gets the lock
        synchronized (commitLock) {
            if (!mine.done) {
                commitQueued();
            }
        }
        if (mine.failure != null) {
            throw new IllegalStateException(mine.failure.getMessage(), mine.failure);
        }
        if (mine.entries == null) {
            throw new IllegalStateException("transfer ledger " + ledger + ": the commit of these records ended without appending them");
        }
        return mine.entries;
    }

    /** Records of one caller waiting for the committer (kept together in one batch), and what became of them. */
    private static final class Pending {
        final List<TransferRecord> records;
        volatile boolean done;
        volatile List<LedgerEntry> entries;
        volatile RuntimeException failure;

        Pending(List<TransferRecord> records) {
            this.records = records;
        }
    }

    /**
     * Writes the queued records, at most {@value #MAX_BATCH} per batch and no more than the chain has room for, until the
     * queue is empty. Holds the commit lock.
     */
    private void commitQueued() {
        while (!queue.isEmpty()) {
            // the chain is closed when the next caller's records would take it past its limit
            if (chain != null && headSequence > 0 && headSequence + queue.peek().records.size() > chainLimit) {
                closeChain("the next records would pass its limit of " + chainLimit);
            }
            long room = chain == null ? chainLimit : chainLimit - headSequence;
            long cap = Math.min(MAX_BATCH, room);
            List<Pending> batch = new ArrayList<>();
            int size = 0;
            Pending p;
            // a caller's records are never split over two batches, so they land together or not at all
            while ((p = queue.peek()) != null && (batch.isEmpty() || size + p.records.size() <= cap)) {
                queue.poll();
                batch.add(p);
                size += p.records.size();
            }
            try {
                List<LedgerEntry> entries = appendBatch(batch.stream().flatMap(x -> x.records.stream()).toList());
                int i = 0;
                for (Pending x : batch) {
                    x.entries = List.copyOf(entries.subList(i, i + x.records.size()));
                    i += x.records.size();
                }
            } catch (RuntimeException e) {
                batch.forEach(x -> x.failure = e);
            } finally {
                batch.forEach(x -> x.done = true);
            }
            // a full chain is closed at once, so that its head is kept even when nothing is appended after it
            if (chain != null && headSequence >= chainLimit) {
                closeChain("it reached its limit of " + chainLimit);
            }
        }
    }

    /**
     * Closes this instance's chain, keeping its head, so that a chain left behind by a stop is checked like a full one;
     * later appends are refused. Called when the gateway stops, after its routes did. Blocking.
     */
    public void close() {
        synchronized (commitLock) {
            shutDown = true;
            if (chain != null && headSequence > 0) {
                closeChain("the gateway stops");
            }
        }
    }

    /**
     * Chains {@code records} after this instance's head and writes them in one single-partition batch. On any failure
     * the chain is given up (its tail is unknown) and the next append claims a new one.
     */
    private List<LedgerEntry> appendBatch(List<TransferRecord> records) {
        if (chain == null) {
            claimChain();
        }
        long sequence = headSequence;
        String previous = headHash;
        List<LedgerEntry> entries = new ArrayList<>(records.size());
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
        for (TransferRecord r : records) {
            sequence++;
            String hash = LedgerEncoding.hash(LedgerEncoding.FORMAT_VERSION, chain, sequence, r, previous);
            LedgerEntry e = new LedgerEntry(chain, sequence, r, previous, hash);
            entries.add(e);
            batch.addStatement(insert.bind(chain, e.sequence(), LedgerEncoding.FORMAT_VERSION, r.kind().name(), r.tenant(),
                    r.sourceRegion().value(), r.sourceJurisdiction().code(), r.destination().code(), r.sourceDecisionId(),
                    r.sourceDecisionSequence(), r.payloadHash(), r.cells(), r.bytes(), r.at(), r.exportId().orElse(null),
                    r.sink().orElse(null), e.previousHash(), e.hash()));
            previous = hash;
        }
        try {
            // one partition, so the batch applies whole or not at all, without the batch log
            session.execute(batch.setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM).build());
        } catch (RuntimeException e) {
            String lost = chain;
            chain = null;
            throw new IllegalStateException("transfer ledger " + ledger + ": writing entries " + entries.get(0).sequence() + "-" + sequence
                    + " of chain " + lost + " failed, so they are not recorded (the chain is closed; the next append starts a new one): "
                    + e.getMessage(), e);
        }
        headSequence = sequence;
        headHash = previous;
        return entries;
    }

    /**
     * Claims the next chain number of the ledger with a lightweight transaction, so that no two instances share a chain.
     * A claim whose outcome is unknown (a Paxos timeout) is settled by a serial read of its row: the claim id tells
     * whether it is ours.
     */
    private void claimChain() {
        UUID claim = UUID.randomUUID();
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Row last = session.execute(selectLastChain.bind(ledger).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).one();
            int number = last == null ? 1 : last.getInt("chain") + 1;
            boolean won;
            try {
                won = session.execute(claimChain.bind(ledger, number, claim, claimedBy, Instant.now())
                        .setSerialConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).wasApplied();
            } catch (WriteTimeoutException | CASWriteUnknownException unknown) {
                Row row = session.execute(selectClaim.bind(ledger, number).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_SERIAL)).one();
                won = row != null && claim.equals(row.getUuid("claim"));
            }
            if (won) {
                chain = chainName(number);
                chainNumber = number;
                headSequence = 0;
                headHash = LedgerEncoding.GENESIS;
                LOG.info("transfer ledger {}: this instance ({}) appends to chain {}", ledger, claimedBy, chain);
                return;
            }
            pause(attempt);
        }
        throw new IllegalStateException("transfer ledger " + ledger + ": lost the race for a new chain number " + maxAttempts
                + " times; the record was not appended");
    }

    /**
     * Keeps this instance's chain's head in its row and stops writing it; the next append claims the next chain. When the
     * head cannot be kept (the write fails), the chain is left as a chain without a kept head: nothing is lost, the
     * closing only adds a check.
     */
    private void closeChain(String why) {
        String closing = chain;
        chain = null;
        try {
            session.execute(closeChain.bind(headSequence, headHash, Instant.now(), ledger, chainNumber)
                    .setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM));
            LOG.info("transfer ledger {}: chain {} closed at entry {} ({})", ledger, closing, headSequence, why);
        } catch (RuntimeException e) {
            LOG.warn("transfer ledger {}: chain {} could not be closed at entry {} ({}): its head could not be kept ({}); it stays"
                    + " without a kept head", ledger, closing, headSequence, why, e.toString());
        }
    }

    private String chainName(int number) {
        return ledger + "." + number;
    }

    /** Who claimed a chain, for whoever reads the chains table: host name and process id, nothing secret. */
    private static String instanceName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    /** Up to 2^min(attempt, 5) ms at random, so that the losers of a race do not collide again in lockstep. */
    private static void pause(int attempt) {
        try {
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(1, 1L << Math.min(attempt, 5)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while claiming a transfer ledger chain", e);
        }
    }

    /** A chain of the ledger, and the head its writer kept when it closed it (a null hash when it has none). */
    private record ChainRow(String name, long closedSequence, String closedHash) {
    }

    /**
     * The ledger's chains in its stable order: the single-chain partition of before when it holds entries, then every
     * claimed chain by number. Chains claimed but never written are included (they are empty).
     */
    private List<ChainRow> chainRows() {
        List<ChainRow> chains = new ArrayList<>();
        // at the consistency the entries and kept heads are written with, so that a lagging replica cannot look like a
        // truncated chain (one replica today; this holds with more)
        if (session.execute(selectHead.bind(ledger).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM)).one() != null) {
            chains.add(new ChainRow(ledger, 0, null));
        }
        List<Row> rows = new ArrayList<>();
        session.execute(selectChains.bind(ledger).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM)).forEach(rows::add);
        rows.sort(java.util.Comparator.comparingInt(r -> r.getInt("chain")));
        for (Row r : rows) {
            String closedHash = r.getString("closed_hash");
            chains.add(new ChainRow(chainName(r.getInt("chain")), closedHash == null ? 0 : r.getLong("closed_sequence"), closedHash));
        }
        return chains;
    }

    /** The names of {@link #chainRows()}, in the ledger's order. */
    List<String> chains() {
        return chainRows().stream().map(ChainRow::name).toList();
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
        // positions before a chain = the sum of the earlier chains' head sequence numbers (a chain is numbered from 1
        // without gaps; when someone deleted rows, verify names it and positions after it are off by what is missing)
        long before = 0;
        for (String c : chains()) {
            if (entries.size() == limit) {
                break;
            }
            Row head = session.execute(selectHead.bind(c)).one();
            long size = head == null ? 0 : head.getLong("sequence");
            long start = Math.max(1, from - before);
            before += size;
            if (start > size) {
                continue;
            }
            for (Row row : session.execute(selectFrom.bind(c, start, limit - entries.size()))) {
                entries.add(toEntry(c, row));
            }
        }
        return entries;
    }

    /** Walks every chain, {@code verifyPage} entries at a time, and names each chain's first break. */
    @Override
    public LedgerVerification verify() {
        List<LedgerVerification.Chain> results = new ArrayList<>();
        for (ChainRow c : chainRows()) {
            results.add(verify(c));
        }
        return LedgerVerification.of(results);
    }

    private LedgerVerification.Chain verify(ChainRow chainRow) {
        String c = chainRow.name();
        ChainWalk walk = new ChainWalk(c);
        if (chainRow.closedHash() != null) {
            walk.closedAt(chainRow.closedSequence(), chainRow.closedHash());
        }
        long next = 1;
        while (walk.intact()) {
            List<Row> page = new ArrayList<>(verifyPage);
            session.execute(selectFrom.bind(c, next, verifyPage).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM)).forEach(page::add);
            for (Row row : page) {
                long sequence = row.getLong("sequence");
                try {
                    walk.entry(row.getInt("format_version"), toEntry(c, row));
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
    private LedgerEntry toEntry(String c, Row row) {
        long sequence = row.getLong("sequence");
        try {
            TransferRecord r = new TransferRecord(TransferRecord.Kind.valueOf(row.getString("kind")), row.getString("tenant"),
                    RegionId.of(row.getString("source_region")), Jurisdiction.of(row.getString("source_jurisdiction")),
                    Jurisdiction.of(row.getString("destination")), row.getUuid("source_decision_id"), row.getLong("source_decision_sequence"),
                    row.getString("payload_hash"), row.getInt("cells"), row.getLong("bytes"), row.getInstant("at"),
                    Optional.ofNullable(row.getUuid("export_id")), Optional.ofNullable(row.getString("sink")));
            return new LedgerEntry(c, sequence, r, row.getString("previous_hash"), row.getString("hash"));
        } catch (RuntimeException e) {
            throw new IllegalStateException("transfer ledger row " + sequence + " of chain " + c + " cannot be read as an entry (it was altered beyond its format): "
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
