package io.meridian.region.command;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentracing.noop.NoopTracerFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import org.eclipse.hono.client.command.CommandResponseSender;
import org.eclipse.hono.client.kafka.CommonKafkaClientConfigProperties;
import org.eclipse.hono.client.kafka.KafkaAdminClientConfigProperties;
import org.eclipse.hono.client.kafka.consumer.MessagingKafkaConsumerConfigProperties;
import org.eclipse.hono.client.kafka.producer.CachingKafkaProducerFactory;
import org.eclipse.hono.client.kafka.producer.MessagingKafkaProducerConfigProperties;
import org.eclipse.hono.client.registry.DeviceRegistrationClient;
import org.eclipse.hono.client.registry.TenantClient;
import org.eclipse.hono.client.telemetry.EventSender;
import org.eclipse.hono.util.MessagingType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Wiring and validation of the node's command router, without Kafka (nothing connects before an adapter starts). */
class CommandRouterTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    private static <T> T unused(Class<T> type) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> switch (m.getName()) {
            // Hono's client providers ask each client which messaging it speaks
            case "getMessagingType" -> MessagingType.kafka;
            case "toString" -> "unused " + type.getSimpleName();
            case "hashCode" -> System.identityHashCode(p);
            case "equals" -> p == a[0];
            // the router starts and stops its collaborators
            case "start", "stop" -> Future.succeededFuture();
            default -> throw new UnsupportedOperationException(m.getName() + " is not expected in this test");
        });
    }

    private CommandRouter router() {
        CommonKafkaClientConfigProperties common = new CommonKafkaClientConfigProperties();
        common.setCommonClientConfig(java.util.Map.of("bootstrap.servers", "127.0.0.1:1"));
        MessagingKafkaProducerConfigProperties producer = new MessagingKafkaProducerConfigProperties();
        producer.setCommonClientConfig(common);
        MessagingKafkaConsumerConfigProperties consumer = new MessagingKafkaConsumerConfigProperties();
        consumer.setCommonClientConfig(common);
        KafkaAdminClientConfigProperties admin = new KafkaAdminClientConfigProperties();
        admin.setCommonClientConfig(common);
        return new CommandRouter(vertx, new CommandRouter.Kafka("127.0.0.1:1", CachingKafkaProducerFactory.sharedFactory(vertx),
                producer, consumer, admin), unused(TenantClient.class), unused(DeviceRegistrationClient.class),
                unused(EventSender.class), unused(CommandResponseSender.class), NoopTracerFactory.create(), new SimpleMeterRegistry());
    }

    @Test
    void adapterInstanceIds_mustBeKafkaTopicSafe() {
        CommandRouter router = router();
        for (String bad : new String[] {"", "eu central-mqtt-0", "eu/central", "x".repeat(201)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> router.forAdapter(bad));
            assertTrue(e.getMessage().contains("adapter instance id"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> router.forAdapter(null));
        CommandRouter.AdapterCommands commands = router.forAdapter("eu-central-mqtt-0");
        assertNotNull(commands.routerClient());
        assertNotNull(commands.consumerFactory());
    }

    @Test
    void start_bringsUpInfinispanAndHonosRouter_beforeKafkaIsReachable_andStopClosesThem() throws Exception {
        CommandRouter router = router();
        router.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        // idempotent: every adapter's start calls it
        router.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        router.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    void stop_beforeStart_isANoOp() throws Exception {
        Future<Void> stopped = router().stop();
        stopped.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(stopped.succeeded());
    }
}
