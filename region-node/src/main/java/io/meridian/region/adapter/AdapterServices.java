package io.meridian.region.adapter;

import io.meridian.region.command.CommandRouter;
import io.meridian.region.registry.AdapterRegistryClients;
import io.meridian.region.tls.NodeTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentracing.Tracer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.hono.adapter.AbstractProtocolAdapterBase;
import org.eclipse.hono.adapter.MessagingClientProviders;
import org.eclipse.hono.adapter.ProtocolAdapterProperties;
import org.eclipse.hono.adapter.monitoring.ConnectionEventProducerConfig;
import org.eclipse.hono.adapter.monitoring.LoggingConnectionEventProducer;
import org.eclipse.hono.client.command.CommandResponseSender;
import org.eclipse.hono.client.command.kafka.KafkaBasedCommandResponseSender;
import org.eclipse.hono.client.kafka.CommonKafkaClientConfigProperties;
import org.eclipse.hono.client.kafka.KafkaAdminClientConfigProperties;
import org.eclipse.hono.client.kafka.consumer.MessagingKafkaConsumerConfigProperties;
import org.eclipse.hono.client.kafka.metrics.NoopKafkaClientMetricsSupport;
import org.eclipse.hono.client.kafka.producer.CachingKafkaProducerFactory;
import org.eclipse.hono.client.kafka.producer.MessagingKafkaProducerConfigProperties;
import org.eclipse.hono.client.telemetry.EventSender;
import org.eclipse.hono.client.telemetry.TelemetrySender;
import org.eclipse.hono.client.telemetry.kafka.KafkaBasedEventSender;
import org.eclipse.hono.client.telemetry.kafka.KafkaBasedTelemetrySender;
import org.eclipse.hono.client.util.MessagingClientProvider;

/**
 * What every protocol adapter of one region node shares: the in-process registry clients, Hono's Kafka
 * senders to the region's Kafka, command routing (an in-process Hono command router, {@link CommandRouter}), the
 * per-tenant connection counts, the tracer and the meter registry. One instance per node; {@link #configure}
 * hands them to an adapter before it is deployed, and {@link #stop} closes what the adapters do not own (the
 * command router) at node shutdown.
 */
public final class AdapterServices {

    private final AdapterRegistryClients registry;
    private final MessagingClientProviders messaging;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9._-]+");

    private final CommandRouter commands;
    private final String regionId;
    private final int ordinal;
    private final Tracer tracer;
    private final MeterRegistry meters;
    private final CachingKafkaProducerFactory<String, Buffer> producers;
    private final TenantConnections connections = new TenantConnections();

    private AdapterServices(AdapterRegistryClients registry, MessagingClientProviders messaging, CommandRouter commands,
            String regionId, int ordinal, Tracer tracer, MeterRegistry meters, CachingKafkaProducerFactory<String, Buffer> producers) {
        this.producers = producers;
        this.registry = registry;
        this.messaging = messaging;
        this.commands = commands;
        this.regionId = regionId;
        this.ordinal = ordinal;
        this.tracer = tracer;
        this.meters = meters;
    }

    /**
     * Creates the shared services of a node that is alone on its Kafka (tests): adapter instance ids
     * {@code local-<kind>-0}.
     *
     * @see #create(Vertx, String, AdapterRegistryClients, Tracer, MeterRegistry, String, int)
     */
    public static AdapterServices create(Vertx vertx, String kafkaBootstrapServers, AdapterRegistryClients registry,
            Tracer tracer, MeterRegistry meters) {
        return create(vertx, kafkaBootstrapServers, registry, tracer, meters, "local", 0);
    }

    /**
     * Creates the shared services; nothing connects until an adapter starts.
     *
     * @param kafkaBootstrapServers the region's Kafka, {@code host:port[,host:port...]}
     * @param regionId the region, first part of each adapter's command-routing instance id
     *        {@code <region>-<kind>-<ordinal>} (for example {@code eu-central-mqtt-0}), which names its Kafka topic
     *        {@code hono.command_internal.<id>}; stable across restarts, so a restart reuses the topic
     * @param ordinal this node's number within the region, 0 for the first; two live nodes of one region must differ
     * @throws IllegalArgumentException if the region is not a valid Kafka topic part or the ordinal is negative
     */
    public static AdapterServices create(Vertx vertx, String kafkaBootstrapServers, AdapterRegistryClients registry,
            Tracer tracer, MeterRegistry meters, String regionId, int ordinal) {
        if (regionId == null || !NAME.matcher(regionId).matches()) {
            throw new IllegalArgumentException("region id must be letters, digits, '.', '_' or '-', was " + regionId);
        }
        if (ordinal < 0) {
            throw new IllegalArgumentException("node ordinal must be 0 or more, was " + ordinal);
        }
        Objects.requireNonNull(vertx, "vertx must not be null");
        Objects.requireNonNull(registry, "registry must not be null");
        Objects.requireNonNull(tracer, "tracer must not be null");
        Objects.requireNonNull(meters, "meters must not be null");
        if (kafkaBootstrapServers == null || kafkaBootstrapServers.isBlank()) {
            throw new IllegalArgumentException("Kafka bootstrap servers must be host:port[,...], was " + kafkaBootstrapServers);
        }
        CommonKafkaClientConfigProperties common = new CommonKafkaClientConfigProperties();
        common.setCommonClientConfig(Map.of("bootstrap.servers", kafkaBootstrapServers));
        MessagingKafkaProducerConfigProperties producer = new MessagingKafkaProducerConfigProperties();
        producer.setCommonClientConfig(common);
        // fail a send within seconds when the broker is gone, rather than holding devices' PUBACKs for minutes
        producer.setProducerConfig(Map.of("max.block.ms", "5000", "request.timeout.ms", "5000", "delivery.timeout.ms", "15000"));
        // not sharedFactory(vertx): that one caches producers by name per Vert.x instance, so a second node in the
        // same JVM (as in the ITs) would silently send through the first node's producers, to the first region's Kafka
        CachingKafkaProducerFactory<String, Buffer> producers = CachingKafkaProducerFactory.nonSharedFactory(vertx);
        producers.setMetricsSupport(NoopKafkaClientMetricsSupport.INSTANCE);
        EventSender events = new KafkaBasedEventSender(vertx, producers, producer, true, tracer);
        CommandResponseSender responses = new KafkaBasedCommandResponseSender(vertx, producers, producer, tracer);
        MessagingClientProviders messaging = new MessagingClientProviders(
                new MessagingClientProvider<TelemetrySender>().setClient(new KafkaBasedTelemetrySender(vertx, producers, producer, true, tracer)),
                new MessagingClientProvider<EventSender>().setClient(events),
                new MessagingClientProvider<CommandResponseSender>().setClient(responses));
        MessagingKafkaConsumerConfigProperties consumer = new MessagingKafkaConsumerConfigProperties();
        consumer.setCommonClientConfig(common);
        KafkaAdminClientConfigProperties admin = new KafkaAdminClientConfigProperties();
        admin.setCommonClientConfig(common);
        CommandRouter commands = new CommandRouter(vertx,
                new CommandRouter.Kafka(kafkaBootstrapServers, producers, producer, consumer, admin),
                registry.tenantClient(), registry.registrationClient(), events, responses, tracer, meters);
        return new AdapterServices(registry, messaging, commands, regionId, ordinal, tracer, meters, producers);
    }

    /**
     * Hono's adapter properties for one protocol adapter of the node: the plain port, and the TLS port with the
     * node's key and certificate when {@code tls} is present.
     */
    public static ProtocolAdapterProperties adapterProperties(String bindAddress, int port, Optional<NodeTls> tls, int securePort,
            int maxPayloadSize) {
        ProtocolAdapterProperties properties = new ProtocolAdapterProperties();
        properties.setInsecurePortEnabled(true);
        properties.setInsecurePortBindAddress(bindAddress);
        properties.setInsecurePort(port);
        properties.setMaxPayloadSize(maxPayloadSize);
        tls.ifPresent(t -> {
            properties.setBindAddress(bindAddress);
            properties.setPort(securePort);
            properties.setKeyPath(t.keyPath().toString());
            properties.setCertPath(t.certPath().toString());
        });
        return properties;
    }

    /**
     * Hands the shared clients to an adapter; call before deploying it. The adapter gets its own command consumer
     * factory ({@code getCommandConsumerFactory()}), under the instance id {@code <region>-<kind>-<ordinal>}, where
     * kind is its type name without Hono's {@code hono-} prefix ({@code mqtt}, {@code http}); configure at most
     * one live adapter of each kind per node.
     */
    public void configure(AbstractProtocolAdapterBase<?> adapter) {
        adapter.setTracer(tracer);
        adapter.setTenantClient(registry.tenantClient());
        adapter.setRegistrationClient(registry.registrationClient());
        adapter.setCredentialsClient(registry.credentialsClient());
        adapter.setMessagingClientProviders(messaging);
        CommandRouter.AdapterCommands adapterCommands = commands.forAdapter(adapterInstanceId(adapter.getTypeName()));
        adapter.setCommandRouterClient(adapterCommands.routerClient());
        adapter.setCommandConsumerFactory(adapterCommands.consumerFactory());
        adapter.setResourceLimitChecks(connections);
        adapter.setConnectionEventProducer(new LoggingConnectionEventProducer(new ConnectionEventProducerConfig()));
    }

    /** The command-routing instance id of this node's adapter of the given Hono type, e.g. {@code eu-central-mqtt-0}. */
    public String adapterInstanceId(String adapterTypeName) {
        String kind = adapterTypeName.startsWith("hono-") ? adapterTypeName.substring("hono-".length()) : adapterTypeName;
        return regionId + "-" + kind + "-" + ordinal;
    }

    /**
     * Stops what the node's adapters share and do not stop themselves: the command router (its Kafka clients and
     * Infinispan). Call after the adapters have stopped.
     */
    public Future<Void> stop() {
        return commands.stop();
    }

    /**
     * Whether more than {@code maxBytes} of telemetry payload were handed to the Kafka producer and not yet
     * acknowledged (or failed). Hono's sender completes QoS 0 sends at once, so this backlog is the only
     * place where a QoS 0 flood would pile up (DESIGN.md section 3.3); adapters drop QoS 0 while it is full.
     * False until the telemetry producer exists.
     */
    public boolean telemetryBacklogOver(int maxBytes) {
        // "telemetry" is the producer name Hono's KafkaBasedTelemetrySender registers in this node's factory
        return producers.getProducer("telemetry").map(p -> p.setWriteQueueMaxSize(maxBytes).writeQueueFull()).orElse(false);
    }

    public Tracer tracer() {
        return tracer;
    }

    /** Where adapters register their counters (refusals, dropped QoS 0 messages, in-flight work). */
    public MeterRegistry meters() {
        return meters;
    }

    /** The node's per-tenant connection counts, which enforce each tenant's {@code max-connections}. */
    public TenantConnections connections() {
        return connections;
    }

    public AdapterRegistryClients registry() {
        return registry;
    }
}
