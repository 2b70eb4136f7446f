package io.meridian.gateway.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.gateway.aggregates.FederatedAggregates;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.ledger.TransferLedger;
import io.meridian.gateway.ledger.TransferRecord;
import io.meridian.policy.model.RegionId;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one export: the federated query, the document written to each sink, and then one {@link TransferRecord.Kind#EXPORTED}
 * ledger entry per source region part. The document holds only what the federated query serves (released, merged cells and
 * the per-region decisions), never raw data.
 *
 * <p>Order matters: the S3 object first, then the Kinesis record (which cannot be taken back), then the ledger. When a
 * sink fails, the object already written is deleted again and nothing is recorded as exported.
 */
public final class Exporter {

    private static final Logger LOG = LoggerFactory.getLogger(Exporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What an export wrote and recorded. */
    public record Outcome(UUID exportId, ObjectNode document, Optional<ExportSinks.S3Written> s3, Optional<ExportSinks.KinesisWritten> kinesis,
            List<Long> ledgerSequences, FederatedAggregates.Result result) {
    }

    /** The ledger could not record an export whose sinks were written. */
    public static final class NotRecordedException extends RuntimeException {
        NotRecordedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final GatewayConfig config;
    private final FederatedAggregates aggregates;
    private final ExportSinks sinks;
    private final TransferLedger ledger;
    private final Clock clock;

    public Exporter(GatewayConfig config, FederatedAggregates aggregates, ExportSinks sinks, TransferLedger ledger, Clock clock) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.aggregates = Objects.requireNonNull(aggregates, "aggregates must not be null");
        this.sinks = Objects.requireNonNull(sinks, "sinks must not be null");
        this.ledger = Objects.requireNonNull(ledger, "ledger must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /**
     * Runs the export. Blocking.
     *
     * @throws IllegalArgumentException       the query is malformed (from the federated query)
     * @throws ExportSinks.SinkException      a sink failed; nothing was recorded as exported
     * @throws NotRecordedException           the sinks were written but the ledger could not record it
     */
    public Outcome run(String tenant, ExportRequest request, UUID exportId) throws ExportSinks.SinkException {
        // the regions decide for the sink's jurisdiction, where the cells end up, not only for this gateway's
        FederatedAggregates.Result result = aggregates.query(tenant, request.query(), Optional.of(config.export().sinkJurisdiction()));
        Instant at = clock.instant();
        ObjectNode document = JSON.createObjectNode();
        document.put("exportId", exportId.toString());
        document.put("tenant", tenant);
        document.put("exportedAt", at.toString());
        document.put("gateway", config.region().value());
        document.set("query", request.toJson().get("query"));
        document.set("result", result.body());
        byte[] bytes = document.toString().getBytes(StandardCharsets.UTF_8);

        Optional<ExportSinks.S3Written> s3 = Optional.empty();
        if (request.s3().isPresent()) {
            ExportRequest.S3Sink sink = request.s3().get();
            s3 = Optional.of(sinks.putObject(sink.bucket(), sink.key(tenant, exportId), bytes));
        }
        Optional<ExportSinks.KinesisWritten> kinesis = Optional.empty();
        if (request.kinesis().isPresent()) {
            try {
                kinesis = Optional.of(sinks.putRecord(request.kinesis().get().stream(), tenant, bytes));
            } catch (ExportSinks.SinkException e) {
                s3.ifPresent(written -> undo(written, exportId));
                throw e;
            }
        }
        List<String> where = new ArrayList<>();
        s3.ifPresent(w -> where.add(w.uri()));
        kinesis.ifPresent(w -> where.add(w.uri()));
        String sink = String.join(",", where);
        List<TransferRecord> records = new ArrayList<>();
        for (FederatedAggregates.RegionPart part : result.parts()) {
            if (part.payloadHash() == null || !part.payloadHash().matches("[0-9a-f]{64}") || part.decisionSequence() < 1) {
                // a denied part released nothing, so nothing of it was exported
                continue;
            }
            records.add(new TransferRecord(TransferRecord.Kind.EXPORTED, tenant, part.region(), part.jurisdiction(),
                    config.export().sinkJurisdiction(), part.decisionId(), part.decisionSequence(), part.payloadHash(), part.cells(),
                    part.bytes(), at, Optional.of(exportId), Optional.of(sink)));
        }
        List<Long> sequences = new ArrayList<>();
        if (!records.isEmpty()) {
            try {
                // all parts in one ledger call: recorded together or not at all
                ledger.appendAll(records).forEach(e -> sequences.add(e.sequence()));
            } catch (RuntimeException e) {
                throw new NotRecordedException("export " + exportId + " was written to " + sink + " but the transfer ledger could not record its "
                        + records.size() + " parts", e);
            }
        }
        LOG.info("export {} of tenant {} written to {}, ledger entries {}, regions {}, unavailable {}", exportId, tenant, sink, sequences,
                result.parts().stream().map(FederatedAggregates.RegionPart::region).map(RegionId::value).toList(),
                result.unavailableRegions().stream().map(RegionId::value).toList());
        return new Outcome(exportId, document, s3, kinesis, sequences, result);
    }

    private void undo(ExportSinks.S3Written written, UUID exportId) {
        try {
            sinks.deleteObject(written.bucket(), written.key());
        } catch (ExportSinks.SinkException e) {
            LOG.warn("export {} failed on its Kinesis sink and its S3 object {} could not be deleted: {}", exportId, written.uri(), e.getMessage());
        }
    }
}
