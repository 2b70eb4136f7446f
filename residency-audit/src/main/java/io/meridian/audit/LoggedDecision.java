package io.meridian.audit;

import java.time.Instant;
import java.util.UUID;

/**
 * What the audit keeps of one decision record once its chain was verified: enough to match ledger entries and build the
 * transfer matrix, a few hundred bytes, so that a large log fits in memory.
 */
record LoggedDecision(String region, long sequence, UUID decisionId, Instant time, String requester, String tenant, String category,
        String outcome, String destinationJurisdiction, String destinationRegion, int releasedCells, long suppressedCells,
        String payloadHash) {

    static final String GATEWAY_REQUESTER_PREFIX = "client:gateway-";

    boolean released() {
        return outcome.equals("ALLOW") || outcome.equals("PARTIAL");
    }

    /** Where the matrix puts it: the destination region when one was named, else the destination jurisdiction. */
    String destinationKey() {
        return destinationRegion != null ? destinationRegion : destinationJurisdiction;
    }

    /** Whether a federation gateway asked (its service client is {@code gateway-<region>}). */
    boolean byGateway() {
        return requester.startsWith(GATEWAY_REQUESTER_PREFIX);
    }

    /**
     * The gateway whose ledger must hold this release: the destination region, or, for a decision made for a gateway's
     * export sink (no destination region), the gateway that asked. Null when no gateway asked.
     */
    String ledgerRegion() {
        if (destinationRegion != null) {
            return destinationRegion;
        }
        return byGateway() ? requester.substring(GATEWAY_REQUESTER_PREFIX.length()) : null;
    }
}
