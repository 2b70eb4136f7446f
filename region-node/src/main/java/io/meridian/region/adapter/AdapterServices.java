package io.meridian.region.adapter;

import io.meridian.region.registry.AdapterRegistryClients;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentracing.Tracer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.Objects;
import org.eclipse.hono.adapter.AbstractProtocolAdapterBase;
import org.eclipse.hono.adapter.MessagingClientProviders;
import org.eclipse.hono.adapter.monitoring.ConnectionEventProducerConfig;
import org.eclipse.hono.adapter.monitoring.LoggingConnectionEventProducer;
import org.eclipse.hono.client.command.CommandResponseSender;
import org.eclipse.hono.client.command.kafka.KafkaBasedCommandResponseSender;
import org.eclipse.hono.client.kafka.CommonKafkaClientConfigProperties;
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
 * senders to the region's Kafka, command routing, the per-tenant connection counts, the tracer and the meter
 * registry. One instance per node;
 * {@link #configure} hands them to an adapter before it is deployed.
 */
public final class AdapterServices {

    private final AdapterRegistryClients registry;
    private final MessagingClientProviders messaging;
    private final UnsupportedCommands commands;
    private final Tracer tracer;
    private final MeterRegistry meters;
    private final CachingKafkaProducerFactory<String, Buffer> producers;
    private final TenantConnections connections = new TenantConnections();

    private AdapterServices(AdapterRegistryClients registry, MessagingClientProviders messaging, UnsupportedCommands commands,
            Tracer tracer, MeterRegistry meters, CachingKafkaProducerFactory<String, Buffer> producers) {
        this.producers = producers;
        this.registry = registry;
        this.messaging = messaging;
        this.commands = commands;
        this.tracer = tracer;
        this.meters = meters;
    }

    /**
     * Creates the shared services; nothing connects until an adapter starts.
     *
     * @param kafkaBootstrapServers the region's Kafka, {@code host:port[,host:port...]}
     */
    public static AdapterServices create(Vertx vertx, String kafkaBootstrapServers, AdapterRegistryClients registry,
            Tracer tracer, MeterRegistry meters) {
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
        MessagingClientProviders messaging = new MessagingClientProviders(
                new MessagingClientProvider<TelemetrySender>().setClient(new KafkaBasedTelemetrySender(vertx, producers, producer, true, tracer)),
                new MessagingClientProvider<EventSender>().setClient(new KafkaBasedEventSender(vertx, producers, producer, true, tracer)),
                new MessagingClientProvider<CommandResponseSender>().setClient(new KafkaBasedCommandResponseSender(vertx, producers, producer, tracer)));
        return new AdapterServices(registry, messaging, new UnsupportedCommands(), tracer, meters, producers);
    }

    /** Hands the shared clients to an adapter; call before deploying it. */
    public void configure(AbstractProtocolAdapterBase<?> adapter) {
        adapter.setTracer(tracer);
        adapter.setTenantClient(registry.tenantClient());
        adapter.setRegistrationClient(registry.registrationClient());
        adapter.setCredentialsClient(registry.credentialsClient());
        adapter.setMessagingClientProviders(messaging);
        adapter.setCommandRouterClient(commands);
        adapter.setCommandConsumerFactory(commands);
        adapter.setResourceLimitChecks(connections);
        adapter.setConnectionEventProducer(new LoggingConnectionEventProducer(new ConnectionEventProducerConfig()));
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
