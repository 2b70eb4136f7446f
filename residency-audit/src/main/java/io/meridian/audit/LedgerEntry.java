package io.meridian.audit;

import java.time.Instant;

/** One entry of a gateway's transfer ledger, as {@code GET /v1/audit/ledger} serves it; hashes and counts only. */
record LedgerEntry(String gateway, long sequence, String kind, String tenant, String sourceRegion, String sourceJurisdiction,
        String destination, String sourceDecisionId, long sourceDecisionSequence, String payloadHash, long cells, Instant at, String hash) {
}
