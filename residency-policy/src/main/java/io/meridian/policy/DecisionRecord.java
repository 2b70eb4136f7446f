package io.meridian.policy;

import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One entry of a {@link DecisionLog}: a versioned, self-describing summary of a decision, linked to the
 * entry before it. It holds ids, counts and hashes, never payload values, and no error text (error text
 * may quote request content; the {@code E} rule id says what went wrong).
 *
 * <p>{@link #hash()} is SHA-256 over {@link #canonicalEncoding()}, which covers every field except the
 * hash itself, including {@link #previousHash()}. A store may hold the fields in any form as long as it
 * gives them back exactly; the time is kept to the millisecond so that stores with millisecond
 * timestamps reproduce it.
 *
 * <p>The constructor checks formats only, so that a tampered record read from a store can still be
 * represented and then reported by {@link ChainVerifier}.
 *
 * @param formatVersion           {@value #FORMAT_VERSION}
 * @param sequence                1 for the first record, then one more for each
 * @param decisionId              {@link Decision#id()}
 * @param time                    {@link Decision#time()}, to the millisecond
 * @param requester               the principal who asked
 * @param tenantId                whose data it was
 * @param sourceRegion            the region that decided and logs
 * @param destinationJurisdiction where the data would go
 * @param destinationRegion       the receiving region, if named
 * @param categories              the categories decided (one per request today)
 * @param policyRevision          the rules' revision
 * @param tenantPolicyFingerprint the tenant policy's fingerprint
 * @param outcome                 the outcome
 * @param ruleIds                 the deciding rules' ids
 * @param suppressedCounts        suppressed cells per rule id; only non-zero counts
 * @param releasedCells           how many cells were released
 * @param payloadHash             the caller's hash of what was released, if anything was
 * @param previousHash            the hash of the record before, or {@link ChainHead#GENESIS}'s
 * @param hash                    this record's hash as stored
 */
public record DecisionRecord(
        int formatVersion,
        long sequence,
        UUID decisionId,
        Instant time,
        String requester,
        String tenantId,
        RegionId sourceRegion,
        Jurisdiction destinationJurisdiction,
        Optional<RegionId> destinationRegion,
        List<DataCategory> categories,
        String policyRevision,
        String tenantPolicyFingerprint,
        Outcome outcome,
        List<String> ruleIds,
        SortedMap<String, Integer> suppressedCounts,
        int releasedCells,
        Optional<String> payloadHash,
        String previousHash,
        String hash) {

    /** The format this class writes and reads. */
    public static final int FORMAT_VERSION = 1;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 must be available in every Java runtime", e);
        }
    });

    /**
     * Checks formats and copies.
     *
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException when a field is malformed: an unknown format version, a sequence
     *                                  below 1, a time finer than milliseconds, a rule id not like
     *                                  {@code A4}, a count below 1, a hash not 64 lower-case hex characters
     */
    public DecisionRecord {
        if (formatVersion != FORMAT_VERSION) {
            throw new IllegalArgumentException("record format version must be " + FORMAT_VERSION + ", was " + formatVersion);
        }
        if (sequence < 1) {
            throw new IllegalArgumentException("record sequence must be at least 1, was " + sequence);
        }
        Objects.requireNonNull(decisionId, "decisionId must not be null");
        Objects.requireNonNull(time, "time must not be null");
        if (time.getNano() % 1_000_000 != 0) {
            throw new IllegalArgumentException("record time must be whole milliseconds, was " + time);
        }
        Objects.requireNonNull(requester, "requester must not be null");
        Objects.requireNonNull(tenantId, "tenantId must not be null");
        Objects.requireNonNull(sourceRegion, "sourceRegion must not be null");
        Objects.requireNonNull(destinationJurisdiction, "destinationJurisdiction must not be null");
        Objects.requireNonNull(destinationRegion, "destinationRegion must not be null");
        categories = List.copyOf(categories);
        if (categories.isEmpty()) {
            throw new IllegalArgumentException("record categories must not be empty, was " + categories);
        }
        ChainHead.requireSha256Hex(policyRevision, "policy revision");
        ChainHead.requireSha256Hex(tenantPolicyFingerprint, "tenant policy fingerprint");
        Objects.requireNonNull(outcome, "outcome must not be null");
        ruleIds = List.copyOf(ruleIds);
        for (String id : ruleIds) {
            requireRuleId(id);
        }
        SortedMap<String, Integer> counts = suppressedCounts.isEmpty() ? Collections.emptySortedMap() : new TreeMap<>();
        suppressedCounts.forEach((id, n) -> {
            requireRuleId(id);
            if (n == null || n < 1) {
                throw new IllegalArgumentException("suppressed count for " + id + " must be at least 1, was " + n);
            }
            counts.put(id, n);
        });
        suppressedCounts = counts.isEmpty() ? counts : Collections.unmodifiableSortedMap(counts);
        if (releasedCells < 0) {
            throw new IllegalArgumentException("releasedCells must be at least 0, was " + releasedCells);
        }
        Objects.requireNonNull(payloadHash, "payloadHash must not be null");
        payloadHash.ifPresent(h -> ChainHead.requireSha256Hex(h, "payload hash"));
        ChainHead.requireSha256Hex(previousHash, "previous hash");
        ChainHead.requireSha256Hex(hash, "record hash");
    }

    private static void requireRuleId(String id) {
        Objects.requireNonNull(id, "rule id must not be null");
        if (!isRuleId(id)) {
            throw new IllegalArgumentException("rule id must be a letter and 1-3 digits, was '" + id + "'");
        }
    }

    /** Whether the text is an upper-case letter and 1-3 digits, like {@code A4}. */
    private static boolean isRuleId(String id) {
        if (id.length() < 2 || id.length() > 4 || id.charAt(0) < 'A' || id.charAt(0) > 'Z') {
            return false;
        }
        for (int i = 1; i < id.length(); i++) {
            if (id.charAt(i) < '0' || id.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Builds the record that follows {@code previous} for a decision, with its hash.
     *
     * @param previous the current head of the log ({@link ChainHead#GENESIS} for an empty log)
     * @param decision not null
     * @param context  not null
     * @throws IllegalArgumentException when a {@code DENY} comes with a payload hash
     */
    public static DecisionRecord next(ChainHead previous, Decision decision, AppendContext context) {
        Objects.requireNonNull(previous, "previous head must not be null");
        Objects.requireNonNull(decision, "decision must not be null");
        Objects.requireNonNull(context, "context must not be null");
        if (decision.outcome() == Outcome.DENY && context.payloadHash().isPresent()) {
            throw new IllegalArgumentException("payload hash must be absent for a DENY decision, was "
                    + context.payloadHash().get());
        }
        TransferRequest request = decision.request();
        SortedMap<String, Integer> counts = new TreeMap<>();
        decision.suppressedCounts().forEach((rule, n) -> counts.put(rule.id(), n));
        long sequence = previous.sequence() + 1;
        Instant time = decision.time().truncatedTo(ChronoUnit.MILLIS);
        List<DataCategory> categories = List.of(request.category());
        List<String> ruleIds = decision.ruleIds();
        String hash = sha256Hex(encode(FORMAT_VERSION, sequence, decision.id(), time, request.requester(),
                request.tenantId(), request.source(), request.destinationJurisdiction(), request.destinationRegion(),
                categories, decision.policyRevision(), decision.tenantPolicyFingerprint(), decision.outcome(), ruleIds,
                counts, decision.released().size(), context.payloadHash(), previous.hash()));
        return new DecisionRecord(FORMAT_VERSION, sequence, decision.id(), time, request.requester(),
                request.tenantId(), request.source(), request.destinationJurisdiction(), request.destinationRegion(),
                categories, decision.policyRevision(), decision.tenantPolicyFingerprint(), decision.outcome(), ruleIds,
                counts, decision.released().size(), context.payloadHash(), previous.hash(), hash);
    }

    /**
     * The bytes that {@link #hash()} covers: UTF-8 text, one {@code name=value} line per field in a fixed
     * order, free text written as {@code length:text}, absent values as {@code -}, and the previous hash
     * last. The first line names the format and its version.
     */
    public byte[] canonicalEncoding() {
        return encode(formatVersion, sequence, decisionId, time, requester, tenantId, sourceRegion,
                destinationJurisdiction, destinationRegion, categories, policyRevision, tenantPolicyFingerprint,
                outcome, ruleIds, suppressedCounts, releasedCells, payloadHash, previousHash);
    }

    private static byte[] encode(int formatVersion, long sequence, UUID decisionId, Instant time, String requester,
            String tenantId, RegionId sourceRegion, Jurisdiction destinationJurisdiction,
            Optional<RegionId> destinationRegion, List<DataCategory> categories, String policyRevision,
            String tenantPolicyFingerprint, Outcome outcome, List<String> ruleIds,
            SortedMap<String, Integer> suppressedCounts, int releasedCells, Optional<String> payloadHash,
            String previousHash) {
        StringBuilder b = new StringBuilder(768);
        b.append("meridian-decision-record/v").append(formatVersion).append('\n');
        b.append("sequence=").append(sequence).append('\n');
        b.append("decision-id=").append(decisionId).append('\n');
        b.append("time=").append(time).append('\n');
        b.append("requester=").append(requester.length()).append(':').append(requester).append('\n');
        b.append("tenant=").append(tenantId.length()).append(':').append(tenantId).append('\n');
        b.append("source-region=").append(sourceRegion.value()).append('\n');
        b.append("destination-jurisdiction=").append(destinationJurisdiction.code()).append('\n');
        b.append("destination-region=").append(destinationRegion.isPresent() ? destinationRegion.get().value() : "-")
                .append('\n');
        b.append("categories=");
        for (int i = 0; i < categories.size(); i++) {
            b.append(i == 0 ? "" : ",").append(categories.get(i).name());
        }
        b.append("\npolicy-revision=").append(policyRevision).append('\n');
        b.append("tenant-policy=").append(tenantPolicyFingerprint).append('\n');
        b.append("outcome=").append(outcome.name()).append('\n');
        b.append("rules=");
        for (int i = 0; i < ruleIds.size(); i++) {
            b.append(i == 0 ? "" : ",").append(ruleIds.get(i));
        }
        b.append("\nsuppressed=");
        boolean first = true;
        for (Map.Entry<String, Integer> e : suppressedCounts.entrySet()) {
            b.append(first ? "" : ",").append(e.getKey()).append(':').append(e.getValue().intValue());
            first = false;
        }
        b.append("\nreleased-cells=").append(releasedCells).append('\n');
        b.append("payload-hash=").append(payloadHash.isPresent() ? payloadHash.get() : "-").append('\n');
        b.append("previous-hash=").append(previousHash).append('\n');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256Hex(byte[] bytes) {
        MessageDigest sha = SHA256.get();
        sha.reset();
        return HexFormat.of().formatHex(sha.digest(bytes));
    }

    /** The SHA-256 (hex) of {@link #canonicalEncoding()}: what {@link #hash()} must be. */
    public String computeHash() {
        return sha256Hex(canonicalEncoding());
    }

    /** Whether the stored hash matches the fields. */
    public boolean isSelfConsistent() {
        return hash.equals(computeHash());
    }

    /** This record as a chain head: its sequence number and hash. */
    public ChainHead asHead() {
        return new ChainHead(sequence, hash);
    }

    /** A copy with another stored hash; the fields are unchanged. */
    public DecisionRecord withHash(String newHash) {
        return new DecisionRecord(formatVersion, sequence, decisionId, time, requester, tenantId, sourceRegion,
                destinationJurisdiction, destinationRegion, categories, policyRevision, tenantPolicyFingerprint,
                outcome, ruleIds, suppressedCounts, releasedCells, payloadHash, previousHash, newHash);
    }
}
