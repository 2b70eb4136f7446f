package io.meridian.region.aggregate;

import io.meridian.region.api.AggregateReader;
import io.meridian.region.ingest.DownstreamRecord;
import io.meridian.region.ingest.IngestConsumer;
import io.meridian.region.ingest.RawStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds the aggregates to the rest of the node: the ingest's listener that folds each stored batch of telemetry
 * into the {@link Aggregator} and flushes it before the batch's offsets are committed, and the data API's
 * {@link AggregateReader} over {@link AggregateQuery}.
 *
 * <p>Only telemetry is aggregated; events are stored raw and served as such. A row's location becomes its
 * geohash cell at the tenant's precision. The listener runs on the ingest's one thread, as the aggregator
 * requires.
 */
public final class IngestAggregation implements IngestConsumer.Listener, AggregateReader {

    private final Aggregator aggregator;
    private final AggregateQuery query;
    /** Each tenant's retention as last seen in a batch: the aggregator's TTL for its rows. */
    private final Map<String, Duration> retention = new ConcurrentHashMap<>();

    public IngestAggregation(AggregateStore store, Aggregator.Config config, io.micrometer.core.instrument.MeterRegistry meters) {
        Objects.requireNonNull(store, "store must not be null");
        this.aggregator = new Aggregator(store, meters, config, tenant -> retention.getOrDefault(tenant, io.meridian.region.ingest.TenantDataSettings.DEFAULTS.retention()));
        this.query = new AggregateQuery(store);
    }

    @Override
    public void stored(List<IngestConsumer.Ingested> batch) {
        List<AggregateInput> inputs = new ArrayList<>(batch.size());
        Instant latestArrival = Instant.EPOCH;
        for (IngestConsumer.Ingested i : batch) {
            RawStore.RawRow row = i.row();
            if (row.arrived().isAfter(latestArrival)) {
                latestArrival = row.arrived();
            }
            if (row.kind() != DownstreamRecord.Kind.TELEMETRY || row.metrics().isEmpty()) {
                continue;
            }
            retention.put(row.tenantId(), i.settings().retention());
            Optional<String> cell = row.lat().map(lat -> Geohash.encode(lat, row.lon().orElseThrow(), i.settings().geohashPrecision()));
            inputs.add(new AggregateInput(row.tenantId(), row.deviceId(), row.eventTime(), row.arrived(), row.metrics(), cell,
                    i.groupLabels(), i.source(), row.offset()));
        }
        if (!inputs.isEmpty()) {
            aggregator.apply(inputs);
            aggregator.flush();
        }
        aggregator.evict(latestArrival);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code from} is moved back and {@code to} forward to the resolution's window boundaries.
     */
    @Override
    public List<Cell> read(String tenantId, String metric, Duration resolution, Instant from, Instant to, Optional<String> groupKind,
            boolean merge) {
        Resolution r = resolution(resolution);
        Instant start = r.windowStart(from);
        Instant end = r.isAligned(to) ? to : r.windowStart(to).plus(r.length());
        List<AggregateCell> cells = merge ? query.merged(tenantId, metric, r, start, end, groupKind)
                : query.cells(tenantId, metric, r, start, end, groupKind);
        List<Cell> out = new ArrayList<>(cells.size());
        for (AggregateCell c : cells) {
            String value = c.group().kind().equals(GroupKey.KIND_ALL) ? "" : c.group().value();
            out.add(new Cell(c.windowStart(), c.window(), c.group().kind(), value, c.count(), c.sum(), c.min(), c.max(),
                    c.distinctDevices(), Map.of("p50", c.p50(), "p90", c.p90(), "p99", c.p99()), c.state()));
        }
        return out;
    }

    /** @throws IllegalArgumentException when the length is none of the three resolutions */
    public static Resolution resolution(Duration length) {
        for (Resolution r : Resolution.values()) {
            if (r.length().equals(length)) {
                return r;
            }
        }
        throw new IllegalArgumentException("resolution must be one of PT1M, PT15M, PT1H, was " + length);
    }

    @Override
    public String toString() {
        return "IngestAggregation[" + aggregator + "]";
    }
}
