package io.meridian.region.app;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.policy.ResidencyPolicy;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.RegionId;
import io.meridian.region.aggregate.AggregateStore;
import io.meridian.region.aggregate.Aggregator;
import io.meridian.region.aggregate.IngestAggregation;
import io.meridian.region.adapter.TenantConnections;
import io.meridian.region.api.NodeStats;
import io.meridian.region.api.RegionDataApi;
import io.meridian.auth.TokenValidator;
import io.meridian.region.egress.CassandraDecisionLog;
import io.meridian.region.egress.EgressGate;
import io.meridian.region.egress.LabelDeviceIds;
import io.meridian.region.ingest.IngestConsumer;
import io.meridian.region.ingest.LatestState;
import io.meridian.region.ingest.RawStore;
import io.meridian.region.registry.AdapterRegistryClients;
import io.meridian.region.registry.TenantCheck;
import io.meridian.region.ingest.TenantDataSettings;
import io.meridian.region.egress.TenantExportPolicy;
import io.meridian.region.command.NorthboundCommands;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import io.meridian.region.audit.CatalogAssignments;
import io.meridian.region.audit.ReleaseAudit;
import io.meridian.region.audit.ReleaseStore;
import io.meridian.region.audit.StorageAudit;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.util.Set;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The region node's data side, wired in one place: the ingest (Kafka to Cassandra raw rows, the latest state and
 * the aggregates), the egress gate with the region's decision log, and the region data API. It shares the
 * registry's Cassandra session; its tables live in their own keyspaces ({@link Config#dataKeyspace()},
 * {@link Config#egressKeyspace()}).
 */
public final class DataPlane implements AutoCloseable {

    /**
     * @param regionId          this region
     * @param dataKeyspace      raw rows and aggregates
     * @param egressKeyspace    the decision log
     * @param replication       both keyspaces' replication
     * @param ingest            the Kafka consumer's settings
     * @param api               where the region data API listens
     * @param stateExpiry       how long a device's latest state outlives its last message
     * @param stateMaxDevices   the bound on devices with latest state
     * @param aggregates        the aggregator's settings (late-data grace, distinct-device bound, memory)
     */
    public record Config(String regionId, String dataKeyspace, String egressKeyspace, Map<String, Object> replication,
            IngestConsumer.Settings ingest, RegionDataApi.Config api, Duration stateExpiry, long stateMaxDevices, Aggregator.Config aggregates) {

        public Config {
            Objects.requireNonNull(regionId, "regionId must not be null");
            Objects.requireNonNull(dataKeyspace, "dataKeyspace must not be null");
            Objects.requireNonNull(egressKeyspace, "egressKeyspace must not be null");
            replication = Map.copyOf(replication);
            Objects.requireNonNull(ingest, "ingest must not be null");
            Objects.requireNonNull(api, "api must not be null");
            Objects.requireNonNull(stateExpiry, "stateExpiry must not be null");
            Objects.requireNonNull(aggregates, "aggregates must not be null");
        }

        /** Defaults for a region on one machine: single-replica keyspaces, the API on the given port. */
        public static Config local(String regionId, String kafkaBootstrap, String apiBind, int apiPort, Duration defaultRetention) {
            return new Config(regionId, RawStore.DEFAULT_KEYSPACE, "meridian_egress",
                    Map.of("class", "SimpleStrategy", "replication_factor", 1), IngestConsumer.Settings.defaults(kafkaBootstrap, regionId, defaultRetention),
                    new RegionDataApi.Config(apiBind, apiPort), LatestState.DEFAULT_EXPIRY, LatestState.DEFAULT_MAX_DEVICES,
                    Aggregator.Config.DEFAULTS);
        }

        public Config withIngest(IngestConsumer.Settings settings) {
            return new Config(regionId, dataKeyspace, egressKeyspace, replication, settings, api, stateExpiry, stateMaxDevices, aggregates);
        }

        public Config withApi(RegionDataApi.Config newApi) {
            return new Config(regionId, dataKeyspace, egressKeyspace, replication, ingest, newApi, stateExpiry, stateMaxDevices, aggregates);
        }

        public Config withAggregates(Aggregator.Config newAggregates) {
            return new Config(regionId, dataKeyspace, egressKeyspace, replication, ingest, api, stateExpiry, stateMaxDevices, newAggregates);
        }

        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("data.keyspace", dataKeyspace);
            d.put("egress.keyspace", egressKeyspace);
            d.put("dataApi", api.bindAddress() + ":" + api.port());
            d.put("latestState.expiry", stateExpiry);
            d.put("latestState.maxDevices", stateMaxDevices);
            d.put("aggregates.grace", aggregates.grace());
            d.put("aggregates.distinctBound", aggregates.distinctBound());
            d.putAll(ingest.describe());
            return d;
        }
    }

    private final RawStore raw;
    private final LatestState state;
    private final IngestConsumer ingest;
    private final EgressGate gate;
    private final RegionDataApi api;

    private final NorthboundCommands commands;

    private DataPlane(RawStore raw, LatestState state, IngestConsumer ingest, EgressGate gate, RegionDataApi api, NorthboundCommands commands) {
        this.commands = commands;
        this.raw = raw;
        this.state = state;
        this.ingest = ingest;
        this.gate = gate;
        this.api = api;
    }

    /**
     * Creates the schema when missing, starts the latest state, the ingest and the API. Blocking: call from a
     * worker or the main thread, never an event loop.
     *
     * @throws Exception when a store cannot be opened or the API's port cannot be bound; whatever started is stopped
     */
    public static DataPlane start(Vertx vertx, Config config, CqlSession session, AdapterRegistryClients registry, PolicyRules rules,
            TokenValidator tokens, MeterRegistry meters) throws Exception {
        return start(vertx, config, session, registry, rules, tokens, meters, OpenTelemetry.noop());
    }

    /**
     * As {@link #start(Vertx, Config, CqlSession, AdapterRegistryClients, PolicyRules, TokenValidator, MeterRegistry)},
     * with the data API's server spans going to {@code telemetry} (the node's tracing).
     */
    public static DataPlane start(Vertx vertx, Config config, CqlSession session, AdapterRegistryClients registry, PolicyRules rules,
            TokenValidator tokens, MeterRegistry meters, OpenTelemetry telemetry) throws Exception {
        return start(vertx, config, AuditSettings.local(config, RegionConfigs.loadDefault()), session, registry, rules, tokens, meters, telemetry);
    }

    /**
     * Where the region's audit looks: the registry's keyspace, the gateway's, this region's data centres and the catalog.
     *
     * @param defaultRetention the retention of a tenant without its own, for the release check's "expired"
     */
    public record AuditSettings(String registryKeyspace, String archiveKeyspace, String gatewayKeyspace, Set<String> dataCenters, URI catalogApi,
            Duration catalogTimeout, Duration defaultRetention) {
        public AuditSettings {
            Objects.requireNonNull(registryKeyspace, "registryKeyspace must not be null");
            Objects.requireNonNull(archiveKeyspace, "archiveKeyspace must not be null");
            Objects.requireNonNull(gatewayKeyspace, "gatewayKeyspace must not be null");
            dataCenters = Set.copyOf(dataCenters);
            Objects.requireNonNull(catalogApi, "catalogApi must not be null");
            Objects.requireNonNull(catalogTimeout, "catalogTimeout must not be null");
            Objects.requireNonNull(defaultRetention, "defaultRetention must not be null");
        }

        /** The defaults of one machine: registry {@code meridian_registry}, DC {@code datacenter1}, the catalog at its local-services port. */
        public static AuditSettings local(Config config, RegionConfigs configs) {
            return new AuditSettings("meridian_registry", config.dataKeyspace(), "meridian_gateway", Set.of("datacenter1"),
                    URI.create("http://127.0.0.1:" + configs.localServices().catalog() + "/v1"), Duration.ofSeconds(30),
                    configs.tenantDefaults().retention());
        }

        public AuditSettings withCatalog(URI api) {
            return new AuditSettings(registryKeyspace, archiveKeyspace, gatewayKeyspace, dataCenters, api, catalogTimeout, defaultRetention);
        }

        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("audit.registryKeyspace", registryKeyspace);
            d.put("audit.archiveKeyspace", archiveKeyspace);
            d.put("audit.gatewayKeyspace", gatewayKeyspace);
            d.put("audit.dataCenters", new java.util.TreeSet<>(dataCenters));
            d.put("audit.catalog", catalogApi);
            return d;
        }
    }

    /**
     * As {@link #start(Vertx, Config, CqlSession, AdapterRegistryClients, PolicyRules, TokenValidator, MeterRegistry, OpenTelemetry)},
     * with the audit's settings.
     */
    public static DataPlane start(Vertx vertx, Config config, AuditSettings audit, CqlSession session, AdapterRegistryClients registry,
            PolicyRules rules, TokenValidator tokens, MeterRegistry meters, OpenTelemetry telemetry) throws Exception {
        return start(vertx, config, audit, session, registry, rules, tokens, meters, telemetry, new TenantConnections());
    }

    /**
     * As {@link #start(Vertx, Config, AuditSettings, CqlSession, AdapterRegistryClients, PolicyRules, TokenValidator, MeterRegistry,
     * OpenTelemetry)}, with {@code GET /v1/stats} counting the connections and accepted messages of the node's adapters
     * ({@code AdapterServices.connections()}).
     */
    public static DataPlane start(Vertx vertx, Config config, AuditSettings audit, CqlSession session, AdapterRegistryClients registry,
            PolicyRules rules, TokenValidator tokens, MeterRegistry meters, OpenTelemetry telemetry, TenantConnections connections)
            throws Exception {
        RawStore raw = RawStore.open(session, config.dataKeyspace(), config.replication());
        IngestAggregation aggregation = new IngestAggregation(AggregateStore.open(session, config.dataKeyspace(), config.replication()),
                config.aggregates(), meters);
        RegionId region = RegionId.of(config.regionId());
        CassandraDecisionLog log = CassandraDecisionLog.open(session, config.egressKeyspace(), config.replication(), region);
        EgressGate gate = new EgressGate(region, ResidencyPolicy.of(rules), log, meters);
        ReleaseStore releases = ReleaseStore.open(session, config.egressKeyspace());
        LatestState state = LatestState.start(config.regionId(), config.stateExpiry(), config.stateMaxDevices());
        IngestConsumer ingest = null;
        NorthboundCommands commands = null;
        try {
            commands = NorthboundCommands.open(vertx, config.ingest().bootstrap(), "meridian-data-api-" + config.regionId());
            List<IngestConsumer.Listener> listeners = new ArrayList<>();
            listeners.add(aggregation);
            listeners.add(batch -> state.applyAll(batch.stream().map(IngestConsumer.Ingested::row).toList()));
            ingest = IngestConsumer.start(config.ingest(), raw, directory(registry), listeners, meters);
            StorageAudit storage = new StorageAudit(new StorageAudit.Settings(region, config.dataKeyspace(), audit.archiveKeyspace(),
                    audit.registryKeyspace(), config.egressKeyspace(), audit.gatewayKeyspace(), audit.dataCenters()), session, state,
                    CatalogAssignments.http(audit.catalogApi(), audit.catalogTimeout()), Clock.systemUTC());
            ReleaseAudit releaseAudit = new ReleaseAudit(region, log, releases, aggregation, tenant -> retention(registry, tenant,
                    audit.defaultRetention()), new LabelDeviceIds(registry::registeredDevices, Duration.ofSeconds(30)), Clock.systemUTC());
            RegionDataApi api = RegionDataApi.start(vertx, config.api(), new RegionDataApi.Backends(tokens, gate, raw, state, aggregation,
                    registry::tenantDocument, Clock.systemUTC(), devices(registry), commands, telemetry,
                    new RegionDataApi.Audit(releases, releaseAudit, storage),
                    new NodeStats(registry::deviceCount, registry::tenantIds, connections, Clock.systemUTC(), NodeStats.DEFAULT_MAX_AGE)))
                    .toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
            return new DataPlane(raw, state, ingest, gate, api, commands);
        } catch (Exception | Error e) {
            if (commands != null) {
                commands.close();
            }
            if (ingest != null) {
                ingest.close();
            }
            state.close();
            throw e;
        }
    }

    /**
     * The registry's check of a tenant's data settings ({@code ext.meridian}: payload mapping, retention, groups)
     * and export policy ({@code ext.meridian.export}, which may only tighten the platform's defaults).
     */
    public static TenantCheck tenantCheck(PolicyRules rules) {
        Objects.requireNonNull(rules, "rules must not be null");
        return (tenantId, document) -> {
            try {
                TenantDataSettings.fromTenant(document);
                TenantExportPolicy.read(tenantId, java.util.Optional.of(document), rules);
                return java.util.Optional.empty();
            } catch (IllegalArgumentException e) {
                return java.util.Optional.of(e.getMessage());
            }
        };
    }

    /** A tenant's raw retention from its settings in the registry; the default when it has none or they cannot be read. */
    private static Duration retention(AdapterRegistryClients registry, String tenant, Duration fallback) {
        try {
            return registry.tenantDocument(tenant).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                    .map(doc -> TenantDataSettings.fromTenant(doc, fallback).retention()).orElse(fallback);
        } catch (Exception e) {
            return fallback;
        }
    }

    private static RegionDataApi.Devices devices(AdapterRegistryClients registry) {
        return new RegionDataApi.Devices() {
            @Override
            public io.vertx.core.Future<java.util.Optional<io.vertx.core.json.JsonObject>> document(String tenant, String device) {
                return registry.deviceDocument(tenant, device);
            }

            @Override
            public io.vertx.core.Future<List<Map.Entry<String, io.vertx.core.json.JsonObject>>> page(String tenant, int offset, int size) {
                return registry.devicePage(tenant, offset, size);
            }

            @Override
            public io.vertx.core.Future<Long> count(String tenant) {
                return registry.deviceCount(tenant);
            }

            @Override
            public io.vertx.core.Future<java.util.Set<String>> registeredAmong(String tenant, List<String> ids) {
                return registry.registeredDevices(tenant, ids);
            }
        };
    }

    private static IngestConsumer.Directory directory(AdapterRegistryClients registry) {
        return new IngestConsumer.Directory() {
            @Override
            public java.util.concurrent.CompletionStage<java.util.Optional<io.vertx.core.json.JsonObject>> tenant(String tenantId) {
                return registry.tenantDocument(tenantId).toCompletionStage();
            }

            @Override
            public java.util.concurrent.CompletionStage<java.util.Optional<io.vertx.core.json.JsonObject>> device(String tenantId,
                    String deviceId) {
                return registry.deviceDocument(tenantId, deviceId).toCompletionStage();
            }
        };
    }

    public int apiPort() {
        return api.port();
    }

    public RawStore raw() {
        return raw;
    }

    public LatestState state() {
        return state;
    }

    public EgressGate gate() {
        return gate;
    }

    /**
     * Stops the API, then the ingest (after its batch in hand, committed or not), then the latest state. Blocking,
     * at most about 40 s; never call it on an event loop.
     */
    public void close() {
        try {
            api.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the ingest and the cache are stopped all the same
        }
        commands.close();
        ingest.close();
        state.close();
    }
}
