package io.meridian.gateway.aggregates;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A tenant's aggregates across every region: fanned out in parallel, each region's released cells merged exactly, every
 * part received from another jurisdiction recorded in the transfer ledger before the answer is returned. The REST route
 * and the export both use it.
 */
public interface FederatedAggregates {

    /**
     * Runs the query across all regions. Blocks until every region answered or timed out; call it from a worker thread.
     *
     * @param tenant  the tenant (already checked against the caller)
     * @param query   what to compute
     * @return the merged answer; regions that failed or timed out are listed, never silently left out
     * @throws IllegalArgumentException naming the parameter when the query is malformed (a 400)
     */
    default Result query(String tenant, Query query) {
        return query(tenant, query, Optional.empty());
    }

    /**
     * Runs the query for cells that this gateway will pass on to a sink in {@code onward} (an export). Every region then
     * decides for that jurisdiction, where the data ends up, and not only for this gateway's; the parts are not recorded
     * as RECEIVED, since the exporter records them as EXPORTED to {@code onward}.
     *
     * @param onward the sink's jurisdiction; empty (or this gateway's own jurisdiction) for an ordinary query
     */
    Result query(String tenant, Query query, Optional<Jurisdiction> onward);

    /**
     * What to aggregate, as the region data API takes it.
     *
     * @param metric     the metric name
     * @param resolution {@code PT1M}, {@code PT15M} or {@code PT1H}
     * @param from       ISO-8601 instant, or empty for the region's default (the last hour)
     * @param to         ISO-8601 instant, or empty
     * @param group      {@code all}, {@code geohash} or {@code label:<key>}
     * @param merge      one cell per group over the range instead of one per window
     */
    record Query(String metric, String resolution, Optional<String> from, Optional<String> to, String group, boolean merge) {
        public Query {
            Objects.requireNonNull(metric, "metric must not be null");
            Objects.requireNonNull(resolution, "resolution must not be null");
            Objects.requireNonNull(from, "from must not be null");
            Objects.requireNonNull(to, "to must not be null");
            Objects.requireNonNull(group, "group must not be null");
        }
    }

    /**
     * The answer.
     *
     * @param body               the JSON served to the caller: merged cells, per-region decisions and suppressed cells,
     *                           {@code unavailableRegions}, {@code partial}
     * @param parts              what each answering region released
     * @param unavailableRegions regions that did not answer in time, were open-circuited or failed
     */
    record Result(ObjectNode body, List<RegionPart> parts, List<RegionId> unavailableRegions) {
        public Result {
            Objects.requireNonNull(body, "body must not be null");
            parts = List.copyOf(parts);
            unavailableRegions = List.copyOf(unavailableRegions);
        }

        public boolean partial() {
            return !unavailableRegions.isEmpty();
        }
    }

    /**
     * One region's contribution, as its egress gate decided it.
     *
     * @param region           the region
     * @param jurisdiction     its jurisdiction
     * @param decisionId       the decision the region logged
     * @param decisionSequence its sequence number in the region's log
     * @param outcome          {@code ALLOW}, {@code PARTIAL} or {@code DENY}
     * @param payloadHash      the region's {@code payloadHash} of the released cells (checked by the gateway)
     * @param cells            cells released
     * @param bytes            size of the released {@code cells} array as received
     */
    record RegionPart(RegionId region, Jurisdiction jurisdiction, UUID decisionId, long decisionSequence, String outcome,
            String payloadHash, int cells, long bytes) {
    }
}
