package io.meridian.gateway.export;

import io.meridian.gateway.aggregates.FederatedAggregates;
import java.util.Objects;

/**
 * What exports need besides the ledger: the federated query that produces their content, and the store of schedules.
 *
 * @param aggregates the federated aggregate query
 * @param schedules  the export schedules (Cassandra in the gateway)
 */
public record ExportBackends(FederatedAggregates aggregates, ExportSchedules schedules) {
    public ExportBackends {
        Objects.requireNonNull(aggregates, "aggregates must not be null");
        Objects.requireNonNull(schedules, "schedules must not be null");
    }
}
