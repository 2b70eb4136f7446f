package io.meridian.gateway.ledger;

import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One thing the gateway received from, or sent on behalf of, a region in another jurisdiction: what the ledger chains.
 * It holds hashes, sizes and ids, never cell values or device identifiers.
 *
 * @param kind                   {@link Kind#RECEIVED} for an aggregate answer taken in from a region, {@link Kind#EXPORTED}
 *                               for an export written to a tenant's sink
 * @param tenant                 the tenant the data belongs to
 * @param sourceRegion           the region whose egress gate released the data
 * @param sourceJurisdiction     that region's jurisdiction
 * @param destination            the jurisdiction the data went to (this gateway's, or the sink's for an export)
 * @param sourceDecisionId       the decision id the source region logged for this release
 * @param sourceDecisionSequence that decision's sequence number in the source region's log
 * @param payloadHash            SHA-256 (lower-case hex) of the bytes received; for a RECEIVED record exactly the
 *                               source decision's {@code payloadHash}
 * @param cells                  how many cells the payload held
 * @param bytes                  the payload's size in bytes
 * @param at                     when the gateway received (or exported) it
 * @param exportId               the export this record belongs to, for {@link Kind#EXPORTED}
 * @param sink                   where an export went, for example {@code s3://bucket/key} or {@code kinesis:stream}
 */
public record TransferRecord(Kind kind, String tenant, RegionId sourceRegion, Jurisdiction sourceJurisdiction, Jurisdiction destination,
        UUID sourceDecisionId, long sourceDecisionSequence, String payloadHash, int cells, long bytes, Instant at,
        Optional<UUID> exportId, Optional<String> sink) {

    /** What a record stands for. */
    public enum Kind { RECEIVED, EXPORTED }

    public TransferRecord {
        Objects.requireNonNull(kind, "kind must not be null");
        Objects.requireNonNull(tenant, "tenant must not be null");
        Objects.requireNonNull(sourceRegion, "sourceRegion must not be null");
        Objects.requireNonNull(sourceJurisdiction, "sourceJurisdiction must not be null");
        Objects.requireNonNull(destination, "destination must not be null");
        Objects.requireNonNull(sourceDecisionId, "sourceDecisionId must not be null");
        Objects.requireNonNull(payloadHash, "payloadHash must not be null");
        Objects.requireNonNull(at, "at must not be null");
        Objects.requireNonNull(exportId, "exportId must not be null (Optional.empty() when none)");
        Objects.requireNonNull(sink, "sink must not be null (Optional.empty() when none)");
        if (!payloadHash.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("payloadHash must be 64 lower-case hex digits (SHA-256), was '" + payloadHash + "'");
        }
        if (sourceDecisionSequence < 1) {
            throw new IllegalArgumentException("sourceDecisionSequence must be at least 1, was " + sourceDecisionSequence);
        }
        if (cells < 0 || bytes < 0) {
            throw new IllegalArgumentException("cells and bytes must not be negative, were " + cells + " and " + bytes);
        }
        if (kind == Kind.EXPORTED && (exportId.isEmpty() || sink.isEmpty())) {
            throw new IllegalArgumentException("an EXPORTED record must name its export id and its sink");
        }
    }
}
