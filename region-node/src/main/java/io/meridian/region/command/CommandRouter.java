package io.meridian.region.command;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentracing.Tracer;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.Objects;
import java.util.regex.Pattern;
import org.eclipse.hono.client.command.CommandResponseSender;
import org.eclipse.hono.client.command.CommandRouterClient;
import org.eclipse.hono.client.command.ProtocolAdapterCommandConsumerFactory;
import org.eclipse.hono.client.command.ProtocolAdapterCommandConsumerFactoryImpl;
import org.eclipse.hono.client.command.kafka.KafkaBasedInternalCommandConsumer;
import org.eclipse.hono.client.kafka.KafkaAdminClientConfigProperties;
import org.eclipse.hono.client.kafka.consumer.MessagingKafkaConsumerConfigProperties;
import org.eclipse.hono.client.kafka.metrics.NoopKafkaClientMetricsSupport;
import org.eclipse.hono.client.kafka.producer.KafkaProducerFactory;
import org.eclipse.hono.client.kafka.producer.MessagingKafkaProducerConfigProperties;
import org.eclipse.hono.client.registry.DeviceRegistrationClient;
import org.eclipse.hono.client.registry.TenantClient;
import org.eclipse.hono.client.telemetry.EventSender;
import org.eclipse.hono.client.util.MessagingClientProvider;
import org.eclipse.hono.commandrouter.CommandConsumerFactory;
import org.eclipse.hono.commandrouter.CommandTargetMapper;
import org.eclipse.hono.commandrouter.MicrometerBasedCommandRouterMetrics;
import org.eclipse.hono.commandrouter.impl.CommandRouterServiceImpl;
import org.eclipse.hono.commandrouter.impl.UnknownStatusProvidingService;
import org.eclipse.hono.commandrouter.impl.kafka.KafkaBasedCommandConsumerFactoryImpl;
import org.eclipse.hono.config.ServiceConfigProperties;
import org.eclipse.hono.deviceconnection.common.CacheBasedDeviceConnectionInfo;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.configuration.global.ShutdownHookBehavior;
import org.infinispan.manager.DefaultCacheManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region node's command router, in-process: Hono 2.6.0's {@code CommandRouterServiceImpl} with its Kafka
 * consumer of {@code hono.command.<tenant>}, which forwards each command to
 * {@code hono.command_internal.<adapter-instance-id>} of the adapter instance that serves the device. Which
 * instance that is lives in an embedded Infinispan cache (Hono's {@code CacheBasedDeviceConnectionInfo}).
 *
 * <p>Protocol adapters reach it through {@link #forAdapter}: a command router client and a command consumer
 * factory per adapter instance, whose instance id is stable ({@code <region>-<kind>-<ordinal>}) so that a
 * restarted node reuses its {@code hono.command_internal.*} topic and consumer group instead of leaving a new
 * topic behind each time (Hono appends a random UUID outside Kubernetes).
 *
 * <p>Nothing connects until the first adapter starts; {@link #stop} (node shutdown) closes the Kafka clients
 * and Infinispan. One node's Infinispan is local: with more than one node per region it would have to be
 * clustered (DESIGN.md section 3.5).
 */
public final class CommandRouter {

    private static final Logger LOG = LoggerFactory.getLogger(CommandRouter.class);
    private static final String CACHE_NAME = "command-routing";
    private static final Pattern INSTANCE_ID = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    private final Vertx vertx;
    private final Kafka kafka;
    private final TenantClient tenants;
    private final CommandResponseSender responses;
    private final Tracer tracer;
    private final InfinispanDeviceConnectionCache cache = new InfinispanDeviceConnectionCache();
    private final CommandTopics topics;
    private final CommandRouterServiceImpl service;
    private DefaultCacheManager cacheManager;
    private Future<String> deployment;

    /**
     * The Kafka configuration the router and the adapters' internal command consumers use.
     *
     * @param bootstrapServers the region's Kafka, {@code host:port[,...]}
     * @param producers Hono's shared producer factory
     * @param producer producer settings (for {@code hono.command_internal.*} and error responses)
     * @param consumer consumer settings (for {@code hono.command.*} and {@code hono.command_internal.*})
     * @param admin admin client settings (to create {@code hono.command_internal.*})
     */
    public record Kafka(String bootstrapServers, KafkaProducerFactory<String, Buffer> producers,
            MessagingKafkaProducerConfigProperties producer, MessagingKafkaConsumerConfigProperties consumer,
            KafkaAdminClientConfigProperties admin) {
        public Kafka {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers must not be null");
            Objects.requireNonNull(producers, "producers must not be null");
            Objects.requireNonNull(producer, "producer must not be null");
            Objects.requireNonNull(consumer, "consumer must not be null");
            Objects.requireNonNull(admin, "admin must not be null");
        }
    }

    /**
     * A protocol adapter's view of command routing: hand both to the adapter before it is deployed.
     *
     * @param routerClient what the adapter base and the factory use to register command consumers
     * @param consumerFactory what the adapter uses to receive commands for a device
     */
    public record AdapterCommands(CommandRouterClient routerClient, ProtocolAdapterCommandConsumerFactory consumerFactory) {
    }

    /**
     * Wires Hono's router; nothing is started or connected yet.
     *
     * @param events where the router sends Hono's "device ready for commands" notifications (ttd events)
     * @param responses where the adapters' internal consumers send error responses for undeliverable commands
     * @param meters the node's registry; Hono's router needs real timers (its no-op metrics return a null sample
     *        and every command then fails)
     */
    public CommandRouter(Vertx vertx, Kafka kafka, TenantClient tenants, DeviceRegistrationClient registrations,
            EventSender events, CommandResponseSender responses, Tracer tracer, MeterRegistry meters) {
        this.vertx = Objects.requireNonNull(vertx, "vertx must not be null");
        this.kafka = Objects.requireNonNull(kafka, "kafka must not be null");
        this.tenants = Objects.requireNonNull(tenants, "tenants must not be null");
        Objects.requireNonNull(registrations, "registrations must not be null");
        Objects.requireNonNull(events, "events must not be null");
        this.responses = Objects.requireNonNull(responses, "responses must not be null");
        this.tracer = Objects.requireNonNull(tracer, "tracer must not be null");
        Objects.requireNonNull(meters, "meters must not be null");
        this.topics = new CommandTopics(vertx, kafka.bootstrapServers());
        CacheBasedDeviceConnectionInfo connections = new CacheBasedDeviceConnectionInfo(cache, tracer);
        KafkaBasedCommandConsumerFactoryImpl commandConsumers = new KafkaBasedCommandConsumerFactoryImpl(vertx, tenants,
                CommandTargetMapper.create(registrations, connections, tracer), kafka.producers(), kafka.producer(),
                kafka.producer(), kafka.consumer(), new MicrometerBasedCommandRouterMetrics(meters, vertx),
                NoopKafkaClientMetricsSupport.INSTANCE, tracer);
        this.service = new CommandRouterServiceImpl(new ServiceConfigProperties(), registrations, tenants, connections,
                new MessagingClientProvider<CommandConsumerFactory>().setClient(commandConsumers),
                new MessagingClientProvider<EventSender>().setClient(events), new UnknownStatusProvidingService(), tracer);
    }

    /**
     * The command router client and command consumer factory for one protocol adapter instance.
     *
     * @param adapterInstanceId the instance's stable id, for example {@code eu-central-mqtt-0}; it names the
     *        Kafka topic {@code hono.command_internal.<id>}, so only letters, digits, '.', '_' and '-'
     * @throws IllegalArgumentException if the id is not a valid Kafka topic suffix
     */
    public AdapterCommands forAdapter(String adapterInstanceId) {
        if (adapterInstanceId == null || !INSTANCE_ID.matcher(adapterInstanceId).matches()) {
            throw new IllegalArgumentException("adapter instance id must be 1-200 of [a-zA-Z0-9._-], was " + adapterInstanceId);
        }
        InProcessCommandRouterClient client = new InProcessCommandRouterClient(this, adapterInstanceId, tracer);
        ProtocolAdapterCommandConsumerFactoryImpl factory = new ProtocolAdapterCommandConsumerFactoryImpl(vertx, client, adapterInstanceId);
        // Hono hands a random "<name>-<uuid>" id to this supplier; the client above registers devices under the
        // stable id, so the internal consumer must read the stable id's topic
        factory.registerInternalCommandConsumer((ignoredRandomId, handlers) -> new KafkaBasedInternalCommandConsumer(vertx,
                kafka.admin(), kafka.consumer(), tenants, responses, adapterInstanceId, handlers, tracer));
        return new AdapterCommands(client, factory);
    }

    CommandRouterServiceImpl service() {
        return service;
    }

    CommandTopics topics() {
        return topics;
    }

    /**
     * Starts Infinispan and Hono's router on a Vert.x context of its own (so that it outlives any one adapter's
     * verticle). Idempotent: every adapter's start calls it, the first one starts it.
     *
     * @return a future that fails when Infinispan cannot start; Kafka connects in the background
     */
    public synchronized Future<Void> start() {
        if (deployment == null) {
            // Deployed from a verticle's context, the router would become that verticle's child and be undeployed
            // with it (stopping the MQTT adapter would stop routing for the HTTP adapter too); deployed from a
            // plain thread it is a top-level deployment that only stop() or Vert.x's close() ends.
            Promise<String> deployed = Promise.promise();
            Thread deployer = new Thread(() -> vertx.deployVerticle(new RouterVerticle()).onComplete(deployed), "command-router-deploy");
            deployer.setDaemon(true);
            deployer.start();
            deployment = deployed.future()
                    .onFailure(t -> LOG.error("command router did not start; command subscriptions will fail", t));
        }
        // continue on the caller's context, as Hono's clients expect
        Context caller = Vertx.currentContext();
        Future<Void> started = deployment.mapEmpty();
        return caller == null ? started : Future.fromCompletionStage(started.toCompletionStage(), caller);
    }

    /** Stops Hono's router, its Kafka clients and Infinispan; idempotent. */
    public synchronized Future<Void> stop() {
        if (deployment == null) {
            return Future.succeededFuture();
        }
        Future<String> d = deployment;
        deployment = Future.failedFuture(new IllegalStateException("command router stopped"));
        return d.transform(ar -> ar.succeeded() ? vertx.undeploy(ar.result()) : Future.succeededFuture());
    }

    /** The router's own context: start and stop Infinispan (blocking, on a worker) and Hono's service. */
    private final class RouterVerticle extends AbstractVerticle {
        @Override
        public void start(Promise<Void> started) {
            vertx.<Void>executeBlocking(() -> {
                GlobalConfigurationBuilder global = new GlobalConfigurationBuilder().nonClusteredDefault();
                // the node's shutdown hook stops Infinispan in order, after the adapters
                global.shutdown().hookBehavior(ShutdownHookBehavior.DONT_REGISTER);
                global.cacheContainer().name("meridian-command-routing");
                DefaultCacheManager manager = new DefaultCacheManager(global.build(), true);
                manager.defineConfiguration(CACHE_NAME, new ConfigurationBuilder().build());
                cache.use(manager.<String, String>getCache(CACHE_NAME));
                cacheManager = manager;
                return null;
            }).compose(v -> service.start())
                    .onSuccess(v -> LOG.info("command router started (routing state in embedded Infinispan)"))
                    .onComplete(started);
        }

        @Override
        public void stop(Promise<Void> stopped) {
            service.stop()
                    .transform(ar -> topics.close())
                    .transform(ar -> vertx.<Void>executeBlocking(() -> {
                        cache.release();
                        if (cacheManager != null) {
                            cacheManager.stop();
                        }
                        return null;
                    }))
                    .onSuccess(v -> LOG.info("command router stopped"))
                    .onComplete(stopped);
        }
    }
}
