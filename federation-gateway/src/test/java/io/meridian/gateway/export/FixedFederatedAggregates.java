package io.meridian.gateway.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.gateway.aggregates.FederatedAggregates;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A federated query with a fixed answer, for export tests (the real fan-out is proven by its own IT): eu-central and
 * us-east released cells (ALLOW, PARTIAL), af-south denied everything. It remembers the queries it was asked.
 */
public final class FixedFederatedAggregates implements FederatedAggregates {

    public static final UUID EU_DECISION = UUID.fromString("00000000-0000-4000-8000-00000000e001");
    public static final UUID US_DECISION = UUID.fromString("00000000-0000-4000-8000-00000000a002");
    public static final UUID AF_DECISION = UUID.fromString("00000000-0000-4000-8000-00000000f003");
    public static final String EU_HASH = "e1".repeat(32);
    public static final String US_HASH = "a2".repeat(32);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The queries asked, in order, with their tenant. */
    public final List<String> tenants = new CopyOnWriteArrayList<>();
    public final List<Query> queries = new CopyOnWriteArrayList<>();
    /** The onward jurisdiction each query was asked for. */
    public final List<Optional<Jurisdiction>> onwards = new CopyOnWriteArrayList<>();

    @Override
    public Result query(String tenant, Query query, Optional<Jurisdiction> onward) {
        tenants.add(tenant);
        queries.add(query);
        onwards.add(onward);
        return new Result(body(tenant, query), parts(), List.of());
    }

    public static List<RegionPart> parts() {
        return List.of(
                new RegionPart(RegionId.of("eu-central"), Jurisdiction.of("EU"), EU_DECISION, 41, "ALLOW", EU_HASH, 2, 611),
                new RegionPart(RegionId.of("us-east"), Jurisdiction.of("US"), US_DECISION, 7, "PARTIAL", US_HASH, 1, 298),
                new RegionPart(RegionId.of("af-south"), Jurisdiction.of("ZA"), AF_DECISION, 3, "DENY", null, 0, 2));
    }

    /** The merged answer: released cells and per-region decisions only. */
    public static ObjectNode body(String tenant, Query query) {
        ObjectNode body = JSON.createObjectNode();
        body.put("tenant", tenant);
        body.put("metric", query.metric());
        body.put("resolution", query.resolution());
        ArrayNode cells = body.putArray("cells");
        cells.addObject().put("group", "label:model").put("value", "lamp-x").put("count", 240).put("sum", 5280.5).put("min", 11.0).put("max", 30.5)
                .put("distinctDevices", 24).put("p50", 21.9);
        cells.addObject().put("group", "label:model").put("value", "lamp-y").put("count", 130).put("sum", 2600.0).put("min", 12.0).put("max", 28.0)
                .put("distinctDevices", 13).put("p50", 19.8);
        ArrayNode regions = body.putArray("regions");
        for (RegionPart p : parts()) {
            ObjectNode r = regions.addObject();
            r.put("region", p.region().value());
            r.putObject("decision").put("id", p.decisionId().toString()).put("sequence", p.decisionSequence()).put("outcome", p.outcome())
                    .put("releasedCells", p.cells()).put("payloadHash", p.payloadHash());
        }
        body.putArray("unavailableRegions");
        body.put("partial", false);
        return body;
    }
}
