package io.meridian.region.adapter.mqtt;

import io.meridian.region.registry.AdapterRegistryClients;
import io.opentracing.Tracer;
import io.opentracing.noop.NoopTracerFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import java.util.Objects;
import org.eclipse.hono.adapter.MessagingClientProviders;
import org.eclipse.hono.adapter.ProtocolAdapterProperties;
import org.eclipse.hono.adapter.monitoring.ConnectionEventProducerConfig;
import org.eclipse.hono.adapter.monitoring.LoggingConnectionEventProducer;
import org.eclipse.hono.adapter.resourcelimits.NoopResourceLimitChecks;
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

/** A running MQTT adapter of a region node: where it listens, and how to stop it. */
public final class MqttAdapter {

    /**
     * The adapter's configuration.
     *
     * @param bindAddress the address to listen on (loopback for local runs)
     * @param port the plain MQTT port; 0 picks a free one
     * @param kafkaBootstrapServers the region's Kafka, {@code host:port[,host:port...]}
     */
    public record Config(String bindAddress, int port, String kafkaBootstrapServers) {
        public Config {
            Objects.requireNonNull(bindAddress, "bindAddress must not be null");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("MQTT port must be between 0 and 65535, was " + port);
            }
            if (kafkaBootstrapServers == null || kafkaBootstrapServers.isBlank()) {
                throw new IllegalArgumentException("Kafka bootstrap servers must be host:port[,...], was " + kafkaBootstrapServers);
            }
        }

        /** The effective configuration, for the start-up log. */
        public Map<String, Object> describe() {
            return Map.of("mqtt.bind", bindAddress, "mqtt.port", port, "kafka.bootstrap", kafkaBootstrapServers);
        }
    }

    private final Vertx vertx;
    private final MeridianMqttAdapter adapter;
    private final String deploymentId;

    private MqttAdapter(Vertx vertx, MeridianMqttAdapter adapter, String deploymentId) {
        this.vertx = vertx;
        this.adapter = adapter;
        this.deploymentId = deploymentId;
    }

    /**
     * Deploys the adapter. Its registry lookups go in-process to {@code registry}; its telemetry and events go
     * to the region's Kafka.
     *
     * @return a future that fails when the port cannot be bound or a collaborator cannot start
     */
    public static Future<MqttAdapter> start(Vertx vertx, Config config, AdapterRegistryClients registry) {
        Objects.requireNonNull(vertx, "vertx must not be null");
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(registry, "registry must not be null");
        Tracer tracer = NoopTracerFactory.create();

        CommonKafkaClientConfigProperties common = new CommonKafkaClientConfigProperties();
        common.setCommonClientConfig(Map.of("bootstrap.servers", config.kafkaBootstrapServers()));
        MessagingKafkaProducerConfigProperties producer = new MessagingKafkaProducerConfigProperties();
        producer.setCommonClientConfig(common);
        // fail a send within seconds when the broker is gone, rather than holding devices' PUBACKs for minutes
        producer.setProducerConfig(Map.of("max.block.ms", "5000", "request.timeout.ms", "5000", "delivery.timeout.ms", "15000"));
        CachingKafkaProducerFactory<String, Buffer> producers = CachingKafkaProducerFactory.sharedFactory(vertx);
        producers.setMetricsSupport(NoopKafkaClientMetricsSupport.INSTANCE);
        MessagingClientProviders messaging = new MessagingClientProviders(
                new MessagingClientProvider<TelemetrySender>().setClient(new KafkaBasedTelemetrySender(vertx, producers, producer, true, tracer)),
                new MessagingClientProvider<EventSender>().setClient(new KafkaBasedEventSender(vertx, producers, producer, true, tracer)),
                new MessagingClientProvider<CommandResponseSender>().setClient(new KafkaBasedCommandResponseSender(vertx, producers, producer, tracer)));

        ProtocolAdapterProperties properties = new ProtocolAdapterProperties();
        properties.setInsecurePortEnabled(true);
        properties.setInsecurePortBindAddress(config.bindAddress());
        properties.setInsecurePort(config.port());

        MeridianMqttAdapter adapter = new MeridianMqttAdapter();
        UnsupportedCommands commands = new UnsupportedCommands();
        adapter.setConfig(properties);
        adapter.setTracer(tracer);
        adapter.setTenantClient(registry.tenantClient());
        adapter.setRegistrationClient(registry.registrationClient());
        adapter.setCredentialsClient(registry.credentialsClient());
        adapter.setMessagingClientProviders(messaging);
        adapter.setCommandRouterClient(commands);
        adapter.setCommandConsumerFactory(commands);
        adapter.setResourceLimitChecks(new NoopResourceLimitChecks());
        adapter.setConnectionEventProducer(new LoggingConnectionEventProducer(new ConnectionEventProducerConfig()));
        return vertx.deployVerticle(adapter).map(id -> new MqttAdapter(vertx, adapter, id));
    }

    /** The port the adapter listens on. */
    public int port() {
        return adapter.port();
    }

    /** Stops the MQTT server and the Kafka senders. */
    public Future<Void> stop() {
        return vertx.undeploy(deploymentId);
    }
}
