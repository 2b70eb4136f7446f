package io.meridian.region.command;

import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.hono.client.kafka.HonoTopic;

/**
 * The northbound side of Hono's Kafka-based command &amp; control, for the region data API: it writes a command to
 * {@code hono.command.<tenant>} in Hono's format (key and header {@code device_id}, {@code subject}, {@code content-type},
 * and for a request-response command {@code correlation-id} and {@code response-required}), and for a request-response
 * command waits for the record with that correlation id on {@code hono.command_response.<tenant>}.
 *
 * <p>Blocking: call it on a worker thread. How a response is awaited: before the command is written, a consumer of
 * its own is assigned to every partition of the tenant's response topic at the current end, so a response cannot be
 * missed however fast the device answers. One consumer per waiting command is simple and needs no consumer group;
 * the number waiting at once is bounded ({@link #MAX_WAITING}), beyond which a request is refused as busy.
 */
public final class NorthboundCommands implements AutoCloseable {

    /** Hono's content type of the error response it sends when a command could not be delivered to the device. */
    public static final String DELIVERY_FAILURE = "application/vnd.eclipse-hono-delivery-failure-notification+json";
    /** How many request-response commands may wait for their responses at once. */
    public static final int MAX_WAITING = 16;

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    /**
     * A command to send.
     *
     * @param timeout how long to wait for the response (request-response only)
     */
    public record Command(String tenant, String device, String name, byte[] payload, String contentType, boolean responseRequired,
            Duration timeout) {
        public Command {
            Objects.requireNonNull(tenant, "tenant must not be null");
            Objects.requireNonNull(device, "device must not be null");
            Objects.requireNonNull(name, "name must not be null");
            Objects.requireNonNull(payload, "payload must not be null");
            Objects.requireNonNull(contentType, "contentType must not be null");
            Objects.requireNonNull(timeout, "timeout must not be null");
        }
    }

    /**
     * A device's response, or Hono's answer that the command could not be delivered.
     *
     * @param status          the response's {@code status} header
     * @param deliveryFailure whether Hono (not the device) answered, because the command could not be delivered
     */
    public record Response(int status, String contentType, byte[] payload, boolean deliveryFailure) {
    }

    /** The command could not be written to Kafka, or too many commands are waiting already. */
    public static final class Unavailable extends Exception {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String bootstrapServers;
    private final CommandTopics topics;
    private final KafkaProducer<String, byte[]> producer;
    private final Semaphore waiting = new Semaphore(MAX_WAITING);

    private NorthboundCommands(String bootstrapServers, CommandTopics topics, KafkaProducer<String, byte[]> producer) {
        this.bootstrapServers = bootstrapServers;
        this.topics = topics;
        this.producer = producer;
    }

    /**
     * Opens the producer. Kafka need not be up yet: the producer connects on the first send.
     *
     * @param bootstrapServers the region's Kafka, {@code host:port[,...]}
     * @param clientId         the Kafka client id of the producer, for the broker's logs
     */
    public static NorthboundCommands open(Vertx vertx, String bootstrapServers, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis() + 1000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new NorthboundCommands(bootstrapServers, new CommandTopics(vertx, bootstrapServers), new KafkaProducer<>(p));
    }

    /**
     * Writes a one-way command and returns once Kafka acknowledged it (all in-sync replicas). Whether the device
     * receives it is not known: Hono answers nothing for a one-way command, delivered or not.
     *
     * @throws Unavailable when Kafka did not acknowledge within 10 s
     */
    public void sendOneWay(Command command) throws Unavailable, InterruptedException {
        if (command.responseRequired()) {
            throw new IllegalArgumentException("sendOneWay takes a one-way command, was request-response");
        }
        ensureTopics(command.tenant());
        write(command, Optional.empty());
    }

    /**
     * Writes a request-response command and waits for its response.
     *
     * @return the response, or empty when none came within the command's timeout
     * @throws Unavailable when Kafka did not acknowledge the command, or {@link #MAX_WAITING} commands wait already
     */
    public Optional<Response> request(Command command) throws Unavailable, InterruptedException {
        if (!command.responseRequired()) {
            throw new IllegalArgumentException("request takes a request-response command, was one-way");
        }
        if (!waiting.tryAcquire()) {
            throw new Unavailable(MAX_WAITING + " request-response commands are waiting for their responses already", null);
        }
        try {
            ensureTopics(command.tenant());
            String responseTopic = new HonoTopic(HonoTopic.Type.COMMAND_RESPONSE, command.tenant()).toString();
            try (KafkaConsumer<String, byte[]> consumer = consumer()) {
                List<TopicPartition> partitions = partitions(consumer, responseTopic);
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                // resolve the end offsets now, before the command is written, so that the response is after them
                partitions.forEach(tp -> consumer.position(tp, SEND_TIMEOUT));
                String correlationId = "meridian-" + UUID.randomUUID();
                write(command, Optional.of(correlationId));
                Instant deadline = Instant.now().plus(command.timeout());
                while (Instant.now().isBefore(deadline)) {
                    long left = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(Math.min(left, 200)))) {
                        Map<String, String> h = headers(r);
                        if (correlationId.equals(h.get("correlation-id"))) {
                            String contentType = h.getOrDefault("content-type", "application/octet-stream");
                            return Optional.of(new Response(status(h.get("status")), contentType, r.value() == null ? new byte[0] : r.value(),
                                    DELIVERY_FAILURE.equals(contentType)));
                        }
                    }
                }
                return Optional.empty();
            } catch (org.apache.kafka.common.KafkaException e) {
                throw new Unavailable("the region's Kafka cannot be read for the response: " + e.getMessage(), e);
            }
        } finally {
            waiting.release();
        }
    }

    private void ensureTopics(String tenant) throws Unavailable, InterruptedException {
        try {
            topics.ensure(tenant).toCompletionStage().toCompletableFuture().get(SEND_TIMEOUT.toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new Unavailable("the region's Kafka cannot create the command topics of tenant " + tenant, e);
        }
    }

    private void write(Command command, Optional<String> correlationId) throws Unavailable, InterruptedException {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(new HonoTopic(HonoTopic.Type.COMMAND, command.tenant()).toString(),
                command.device(), command.payload());
        record.headers().add("device_id", bytes(command.device()));
        record.headers().add("subject", bytes(command.name()));
        record.headers().add("content-type", bytes(command.contentType()));
        correlationId.ifPresent(id -> {
            record.headers().add("correlation-id", bytes(id));
            record.headers().add("response-required", bytes("true"));
        });
        try {
            producer.send(record).get(SEND_TIMEOUT.toMillis() + 2000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            throw new Unavailable("the region's Kafka did not acknowledge the command within " + SEND_TIMEOUT.toMillis() + " ms", e);
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer, String topic) throws Unavailable {
        List<PartitionInfo> info = consumer.partitionsFor(topic, SEND_TIMEOUT);
        if (info == null || info.isEmpty()) {
            throw new Unavailable("the command response topic " + topic + " has no partitions", null);
        }
        return info.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "meridian-command-response-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    private static int status(String header) {
        try {
            return header == null ? 500 : Integer.parseInt(header.trim());
        } catch (NumberFormatException e) {
            return 500;
        }
    }

    private static Map<String, String> headers(ConsumerRecord<String, byte[]> r) {
        Map<String, String> h = new java.util.HashMap<>();
        for (Header header : r.headers()) {
            h.put(header.key(), header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
        }
        return h;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Closes the producer (waiting at most 5 s for records in flight) and the topic admin client. */
    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        topics.close();
    }
}
