package io.meridian.region.egress;

import io.meridian.policy.AppendContext;
import io.meridian.policy.Decision;
import io.meridian.policy.DecisionLog;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.ResidencyPolicy;
import io.meridian.policy.TransferRequest;
import io.meridian.policy.TransferRequest.Cell;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one way out of a region. Everything the region data API would hand to a caller outside the region's own
 * boundary is decided here by residency-policy, and every such decision is appended to the region's hash-chained
 * decision log before anything is sent. A decision that cannot be logged releases nothing (the caller sees the
 * log's exception and answers 503).
 *
 * <ul>
 * <li>Raw data (telemetry, events, location, state) goes only to a requester of this very region; a refusal is
 *     logged. Serving a requester of this region is not an egress and is not logged.</li>
 * <li>Aggregates are decided per cell for the requester's destination jurisdiction; failing cells are
 *     suppressed; the decision and the hash of exactly the bytes released are logged.</li>
 * </ul>
 * Blocking (the log writes to Cassandra): call from a worker thread. Thread-safe.
 */
public final class EgressGate {

    private final RegionId region;
    private final ResidencyPolicy policy;
    private final DecisionLog log;
    private final MeterRegistry meters;

    public EgressGate(RegionId region, ResidencyPolicy policy, DecisionLog log, MeterRegistry meters) {
        this.region = Objects.requireNonNull(region, "region must not be null");
        this.policy = Objects.requireNonNull(policy, "policy must not be null");
        this.log = Objects.requireNonNull(log, "log must not be null");
        this.meters = Objects.requireNonNull(meters, "meters must not be null");
        if (!log.region().equals(region)) {
            throw new IllegalArgumentException("decision log must be region " + region + "'s, was " + log.region() + "'s");
        }
    }

    public RegionId region() {
        return region;
    }

    /** This region's jurisdiction. */
    public Jurisdiction jurisdiction() {
        return policy.rules().jurisdictionOf(region)
                .orElseThrow(() -> new IllegalStateException("region " + region + " must be defined in the policy rules"));
    }

    public ResidencyPolicy policy() {
        return policy;
    }

    public DecisionLog log() {
        return log;
    }

    /**
     * Who asks, and where what they get goes.
     *
     * @param name        the principal, for the log: {@code client:<id>} or {@code user:<name>}
     * @param region      the region the requester acts for (a gateway's {@code region} claim), if any
     * @param destination the jurisdiction the data goes to
     */
    public record Requester(String name, Optional<RegionId> region, Jurisdiction destination) {
        public Requester {
            Objects.requireNonNull(name, "name must not be null");
            Objects.requireNonNull(region, "region must not be null");
            Objects.requireNonNull(destination, "destination must not be null");
        }
    }

    /**
     * A decision and, when it was an egress, its log record.
     *
     * @param decision the decision
     * @param record   the appended record; empty for a raw request served inside the region
     * @param payload  for aggregates, exactly the bytes released (the JSON array of released cells); empty otherwise
     */
    public record Outcome(Decision decision, Optional<DecisionRecord> record, Optional<byte[]> payload) {
    }

    /**
     * Decides a raw request (telemetry, events, location or device state) for this region's data.
     *
     * @throws RuntimeException from the decision log when a refusal cannot be logged
     */
    public Outcome raw(Requester requester, String tenantId, DataCategory category, TenantResidencyPolicy tenant) {
        if (!category.isRaw()) {
            throw new IllegalArgumentException("raw requests must be of a raw category, was " + category);
        }
        Decision decision = policy.decide(request(requester, tenantId, category).build(), tenant);
        if (decision.permits() && requester.region().map(region::equals).orElse(false)) {
            meters.counter("meridian.egress.decisions", "category", "raw", "outcome", "served-in-region").increment();
            return new Outcome(decision, Optional.empty(), Optional.empty());
        }
        DecisionRecord record = log.append(decision, AppendContext.nothingReleased());
        meters.counter("meridian.egress.decisions", "category", "raw", "outcome", decision.outcome().name()).increment();
        return new Outcome(decision, Optional.of(record), Optional.empty());
    }

    /**
     * Decides which aggregate cells may go, encodes the released ones, and logs the decision with their hash.
     *
     * @param encode turns the released cells (in request order) into the bytes that will be sent
     * @throws RuntimeException from the decision log when the decision cannot be logged: then nothing may be sent
     */
    public Outcome aggregate(Requester requester, String tenantId, TenantResidencyPolicy tenant, List<Cell> cells,
            Function<List<Cell>, byte[]> encode) {
        return aggregate(requester, Optional.empty(), tenantId, tenant, cells, encode);
    }

    /**
     * Decides aggregate cells that a requester will pass on: a gateway that exports them to a sink in {@code onward}.
     * Both legs must be allowed. The data first reaches the requester's jurisdiction; when the policy refuses that leg,
     * its refusal is what is logged. Otherwise the decision logged is the one for {@code onward}, the data's final
     * destination, with no destination region (a sink is not a region), so the log and every ledger that names the
     * decision say where the data ended up. The export limits (k, window, labels, location) do not depend on the
     * destination, so the cells released by the two legs are the same; only the destination rules (allowed destinations,
     * transfer basis) can differ.
     *
     * @param onward the jurisdiction the requester will send the cells on to; empty, or equal to the requester's own
     *               destination, for an ordinary query
     * @throws RuntimeException from the decision log when the decision cannot be logged: then nothing may be sent
     */
    public Outcome aggregate(Requester requester, Optional<Jurisdiction> onward, String tenantId, TenantResidencyPolicy tenant,
            List<Cell> cells, Function<List<Cell>, byte[]> encode) {
        Decision decision = policy.decide(request(requester, tenantId, DataCategory.AGGREGATE).cells(cells).build(), tenant);
        if (onward.isPresent() && !onward.get().equals(requester.destination()) && decision.permits()) {
            decision = policy.decide(TransferRequest.builder().source(region).requester(requester.name()).tenant(tenantId)
                    .category(DataCategory.AGGREGATE).destination(onward.get()).cells(cells).build(), tenant);
        }
        Optional<byte[]> payload = Optional.empty();
        AppendContext context = AppendContext.nothingReleased();
        if (decision.permits()) {
            byte[] bytes = encode.apply(decision.released());
            payload = Optional.of(bytes);
            context = AppendContext.released(sha256(bytes));
        }
        DecisionRecord record = log.append(decision, context);
        meters.counter("meridian.egress.decisions", "category", "aggregate", "outcome", decision.outcome().name()).increment();
        return new Outcome(decision, Optional.of(record), payload);
    }

    private TransferRequest.Builder request(Requester requester, String tenantId, DataCategory category) {
        TransferRequest.Builder b = TransferRequest.builder().source(region).requester(requester.name()).tenant(tenantId).category(category);
        if (requester.region().isPresent()) {
            b.destination(requester.destination(), requester.region().get());
        } else {
            b.destination(requester.destination());
        }
        return b;
    }

    /** SHA-256 in lower-case hex, as the decision log and the gateway's ledger record payloads. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 must be available in every Java runtime", e);
        }
    }
}
