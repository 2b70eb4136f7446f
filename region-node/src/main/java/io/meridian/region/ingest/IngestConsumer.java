package io.meridian.region.ingest;

import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.servererrors.QueryValidationException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region's ingest: reads every tenant's {@code hono.telemetry.*} and {@code hono.event.*} topic from the
 * region's Kafka and stores each record raw in Cassandra ({@link RawStore}), then hands the stored batch to the
 * listeners (the aggregator and the latest state), and only then commits the batch's offsets.
 *
 * <ul>
 * <li><b>Nothing acknowledged is lost:</b> when Cassandra, the registry or a listener's store fails, the batch
 *     is not committed; the consumer seeks back and tries the same records again, with a growing pause (up to
 *     {@link Settings#maxBackoff()}), for as long as it takes.</li>
 * <li><b>Nothing counts twice:</b> a raw row's key holds its Kafka partition and offset, and the aggregator
 *     remembers the offsets it applied, so a redelivered batch changes nothing.</li>
 * <li><b>Nothing blocks a partition:</b> a payload that is not JSON, or that the tenant's mapping finds nothing
 *     in, is stored raw with a parse-error flag and counted. A record without a device is recorded in
 *     {@code ingest_rejects} (without its payload) and skipped; so is a row Cassandra refuses as invalid. A
 *     listener that fails on the same batch {@link Settings#maxListenerAttempts()} times for a reason other
 *     than its store is skipped for that batch, logged and counted: the raw rows are already stored.</li>
 * </ul>
 *
 * One consumer thread per node, in consumer group {@code meridian-ingest-<region>}.
 */
public final class IngestConsumer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestConsumer.class);

    /**
     * @param bootstrap           the region's Kafka
     * @param groupId             the consumer group
     * @param maxPollRecords      the largest batch
     * @param storeTimeout        how long one batch's writes may take before the batch is retried
     * @param maxBackoff          the longest pause between retries of a failing batch
     * @param maxListenerAttempts attempts before a listener that keeps failing (not its store) is skipped for a batch
     * @param topicRefresh        how soon a new tenant's topic is picked up
     * @param defaultRetention    the retention of a tenant that sets none (region-configs' {@code tenantDefaults.retention})
     */
    public record Settings(String bootstrap, String groupId, int maxPollRecords, Duration storeTimeout, Duration maxBackoff,
            int maxListenerAttempts, Duration topicRefresh, Duration defaultRetention) {

        public Settings {
            Objects.requireNonNull(bootstrap, "bootstrap must not be null");
            Objects.requireNonNull(groupId, "groupId must not be null");
            if (maxPollRecords < 1) {
                throw new IllegalArgumentException("meridian.ingest.maxPollRecords must be at least 1, was " + maxPollRecords);
            }
            Objects.requireNonNull(defaultRetention, "defaultRetention must not be null");
            if (maxListenerAttempts < 1) {
                throw new IllegalArgumentException("meridian.ingest.maxListenerAttempts must be at least 1, was " + maxListenerAttempts);
            }
        }

        public static Settings defaults(String bootstrap, String regionId, Duration defaultRetention) {
            return new Settings(bootstrap, "meridian-ingest-" + regionId, 2000, Duration.ofSeconds(30), Duration.ofSeconds(30), 5,
                    Duration.ofSeconds(5), defaultRetention);
        }

        /** These settings with another topic refresh interval. */
        public Settings withTopicRefresh(Duration refresh) {
            return new Settings(bootstrap, groupId, maxPollRecords, storeTimeout, maxBackoff, maxListenerAttempts, refresh, defaultRetention);
        }

        /** These settings with another largest batch. */
        public Settings withMaxPollRecords(int records) {
            return new Settings(bootstrap, groupId, records, storeTimeout, maxBackoff, maxListenerAttempts, topicRefresh, defaultRetention);
        }

        public Map<String, Object> describe() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("ingest.bootstrap", bootstrap);
            d.put("ingest.group", groupId);
            d.put("ingest.maxPollRecords", maxPollRecords);
            d.put("ingest.storeTimeout", storeTimeout);
            d.put("ingest.topicRefresh", topicRefresh);
            d.put("ingest.defaultRetention", defaultRetention);
            return d;
        }
    }

    /** Where tenant and device documents come from: the region's registry. */
    public interface Directory {
        /** The tenant's management document; a failed stage means "registry unavailable", so the batch is retried. */
        CompletionStage<Optional<JsonObject>> tenant(String tenantId);

        /** The device's management document; failures as for {@link #tenant}. */
        CompletionStage<Optional<JsonObject>> device(String tenantId, String deviceId);
    }

    /**
     * A stored record, as the listeners see it.
     *
     * @param row         what was stored
     * @param settings    the tenant's data settings it was stored under
     * @param groupLabels the device's labels that the tenant groups aggregates by
     * @param source      {@code topic/partition}
     * @param parsed      what the payload mapping found
     */
    public record Ingested(RawStore.RawRow row, TenantDataSettings settings, Map<String, String> groupLabels, String source,
            PayloadMapping.Parsed parsed) {
    }

    /** Told of every stored batch before its offsets are committed; a throw keeps the batch uncommitted. */
    @FunctionalInterface
    public interface Listener {
        void stored(List<Ingested> batch) throws Exception;
    }

    private final Settings settings;
    private final RawStore store;
    private final Directory directory;
    private final List<Listener> listeners;
    private final MeterRegistry meters;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private final Counter retries;
    private final Counter batches;
    private final Timer adapterLatency;
    private final Timer deviceLatency;

    private IngestConsumer(Settings settings, RawStore store, Directory directory, List<Listener> listeners, MeterRegistry meters) {
        this.settings = settings;
        this.store = store;
        this.directory = directory;
        this.listeners = List.copyOf(listeners);
        this.meters = meters;
        this.retries = meters.counter("meridian.ingest.retries");
        this.batches = meters.counter("meridian.ingest.batches");
        this.adapterLatency = Timer.builder("meridian.ingest.latency").tag("from", "adapter")
                .description("from the adapter's creation time to the row being durable in Cassandra")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(meters);
        this.deviceLatency = Timer.builder("meridian.ingest.latency").tag("from", "device")
                .description("from the device's own time (when the tenant maps one) to the row being durable in Cassandra")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(meters);
        this.thread = new Thread(this::run, "meridian-ingest");
        this.thread.setDaemon(true);
    }

    /** Subscribes and starts the consumer thread. */
    public static IngestConsumer start(Settings settings, RawStore store, Directory directory, List<Listener> listeners,
            MeterRegistry meters) {
        IngestConsumer ingest = new IngestConsumer(Objects.requireNonNull(settings, "settings must not be null"),
                Objects.requireNonNull(store, "store must not be null"), Objects.requireNonNull(directory, "directory must not be null"),
                listeners, Objects.requireNonNull(meters, "meters must not be null"));
        ingest.consumer = new KafkaConsumer<>(ingest.consumerProperties(), new StringDeserializer(), new ByteArrayDeserializer());
        ingest.consumer.subscribe(Pattern.compile(DownstreamRecord.TOPIC_PATTERN));
        ingest.thread.start();
        return ingest;
    }

    private Properties consumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.groupId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, (int) settings.topicRefresh().toMillis());
        // a batch may be retried for a long time while Cassandra is down; keep the group membership meanwhile
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Duration.ofMinutes(10).toMillis());
        return p;
    }

    private void run() {
        Duration backoff = Duration.ofMillis(200);
        int listenerFailures = 0;
        try {
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    process(records, listenerFailures >= settings.maxListenerAttempts());
                    consumer.commitSync(nextOffsets(records));
                    batches.increment();
                    backoff = Duration.ofMillis(200);
                    listenerFailures = 0;
                } catch (ListenerFailure e) {
                    listenerFailures++;
                    LOG.warn("ingest listener failed on a batch of {} records (attempt {} of {}); retrying", records.count(),
                            listenerFailures, settings.maxListenerAttempts(), e.getCause());
                    backoff = retry(records, backoff);
                } catch (TransientFailure e) {
                    LOG.warn("ingest could not store a batch of {} records, retrying in {} ms: {}", records.count(), backoff.toMillis(),
                            e.getMessage());
                    backoff = retry(records, backoff);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("ingest consumer woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("ingest consumer stopped by an unexpected error; the node is no longer ingesting", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private Duration retry(ConsumerRecords<String, byte[]> records, Duration backoff) {
        retries.increment();
        for (TopicPartition tp : records.partitions()) {
            consumer.seek(tp, records.records(tp).get(0).offset());
        }
        sleep(backoff);
        Duration next = backoff.multipliedBy(2);
        return next.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : next;
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> list = records.records(tp);
            next.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
        }
        return next;
    }

    /** A batch could not be stored for a reason that passes (Cassandra, Kafka or the registry unavailable). */
    static final class TransientFailure extends Exception {
        TransientFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A listener failed for a reason other than its store. */
    static final class ListenerFailure extends Exception {
        ListenerFailure(Throwable cause) {
            super(cause);
        }
    }

    private void process(ConsumerRecords<String, byte[]> records, boolean skipFailingListeners) throws TransientFailure, ListenerFailure {
        List<DownstreamRecord> decoded = new ArrayList<>(records.count());
        List<CompletableFuture<Void>> rejects = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            Optional<DownstreamRecord> r = DownstreamRecord.decode(record);
            if (r.isPresent()) {
                decoded.add(r.get());
            } else {
                meters.counter("meridian.ingest.rejected", "reason", "no-device").increment();
                rejects.add(store.reject(Instant.ofEpochMilli(Math.max(0, record.timestamp())), record.topic(), record.partition(),
                        record.offset(), Optional.empty(), Optional.ofNullable(record.key()), "no device_id header and no key",
                        record.value() == null ? 0 : record.value().length).toCompletableFuture());
            }
        }
        Map<String, String> broken = new HashMap<>();
        Map<String, TenantDataSettings> tenants = tenantSettings(decoded, broken);
        Map<List<String>, Map<String, String>> labels = deviceLabels(decoded, tenants);
        List<Ingested> batch = new ArrayList<>(decoded.size());
        for (DownstreamRecord r : decoded) {
            TenantDataSettings s = tenants.get(r.tenantId());
            batch.add(ingested(r, s, Optional.ofNullable(broken.get(r.tenantId())),
                    labels.getOrDefault(List.of(r.tenantId(), r.deviceId()), Map.of())));
        }
        List<RawStore.RawRow> rows = batch.stream().map(Ingested::row).toList();
        try {
            await(store.write(rows, tenant -> tenants.get(tenant).ttlSeconds()));
        } catch (TransientFailure e) {
            if (!(e.getCause() instanceof QueryValidationException)) {
                throw e;
            }
            batch = writeOneByOne(batch);
        }
        for (CompletableFuture<Void> reject : rejects) {
            await(reject);
        }
        Instant stored = Instant.now();
        // tallied per batch: a meter lookup per record would sit on the hot path
        Map<String, Integer> perKind = new HashMap<>(4);
        Map<String, Integer> flagged = new HashMap<>(4);
        for (Ingested i : batch) {
            adapterLatency.record(Duration.between(i.row().arrived(), stored));
            i.parsed().eventTime().ifPresent(t -> deviceLatency.record(Duration.between(t, stored)));
            perKind.merge(i.row().kind().table(), 1, Integer::sum);
            i.row().parseError().ifPresent(p -> flagged.merge(p.substring(0, p.indexOf(':')), 1, Integer::sum));
        }
        perKind.forEach((kind, n) -> meters.counter("meridian.ingest.records", "kind", kind).increment(n));
        flagged.forEach((reason, n) -> meters.counter("meridian.ingest.flagged", "reason", reason).increment(n));
        for (Listener listener : listeners) {
            try {
                listener.stored(batch);
            } catch (Exception e) {
                if (storeFailure(e)) {
                    throw new TransientFailure("a listener's store failed: " + e, e);
                }
                if (!skipFailingListeners) {
                    throw new ListenerFailure(e);
                }
                meters.counter("meridian.ingest.listener.skipped").increment();
                LOG.error("ingest listener {} keeps failing on a batch of {} records; skipping it for this batch (raw rows are stored)",
                        listener, batch.size(), e);
            }
        }
    }

    /** Whether a listener failed because its store (Cassandra) did: then the batch is retried for as long as it takes. */
    static boolean storeFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DriverException || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private Ingested ingested(DownstreamRecord r, TenantDataSettings s, Optional<String> brokenSettings, Map<String, String> groupLabels) {
        PayloadMapping.Parsed parsed;
        if (r.isEmptyNotification()) {
            parsed = new PayloadMapping.Parsed(Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        } else if (brokenSettings.isPresent()) {
            parsed = PayloadMapping.Parsed.failed(PayloadMapping.UNMAPPED + ": the tenant's data settings are invalid: " + brokenSettings.get());
        } else {
            parsed = s.mapping().parse(r.payload());
        }
        Instant eventTime = parsed.eventTime().filter(t -> saneEventTime(t, r.arrived(), s)).orElse(r.creationTime());
        RawStore.RawRow row = new RawStore.RawRow(r.kind(), r.tenantId(), r.deviceId(), eventTime, r.partition(), r.offset(), r.arrived(),
                r.contentType(), r.payload(), parsed.metrics(), parsed.lat(), parsed.lon(), parsed.problem());
        return new Ingested(row, s, groupLabels, r.source(), parsed);
    }

    /** A device clock more than 5 minutes ahead, or older than the retention, is not believed. */
    private static boolean saneEventTime(Instant t, Instant arrived, TenantDataSettings s) {
        return !t.isAfter(arrived.plus(Duration.ofMinutes(5))) && t.isAfter(arrived.minus(s.retention()));
    }

    /** Each tenant's settings; a tenant whose settings are broken gets the defaults, and its reason in {@code broken}. */
    private Map<String, TenantDataSettings> tenantSettings(List<DownstreamRecord> records, Map<String, String> broken)
            throws TransientFailure {
        Map<String, CompletableFuture<Optional<JsonObject>>> lookups = new HashMap<>();
        for (DownstreamRecord r : records) {
            lookups.computeIfAbsent(r.tenantId(), t -> directory.tenant(t).toCompletableFuture());
        }
        Map<String, TenantDataSettings> settingsByTenant = new HashMap<>();
        for (Map.Entry<String, CompletableFuture<Optional<JsonObject>>> lookup : lookups.entrySet()) {
            Optional<JsonObject> doc = await(lookup.getValue());
            TenantDataSettings s;
            try {
                s = doc.map(d -> TenantDataSettings.fromTenant(d, settings.defaultRetention()))
                        .orElse(TenantDataSettings.defaults(settings.defaultRetention()));
            } catch (IllegalArgumentException e) {
                // the tenant's settings are broken: store its data with the defaults' retention, flagged, and say so
                LOG.warn("tenant {} has invalid data settings ({}); its records are stored raw and flagged", lookup.getKey(),
                        e.getMessage());
                s = TenantDataSettings.defaults(settings.defaultRetention());
                broken.put(lookup.getKey(), e.getMessage());
            }
            settingsByTenant.put(lookup.getKey(), s);
        }
        return settingsByTenant;
    }

    private Map<List<String>, Map<String, String>> deviceLabels(List<DownstreamRecord> records, Map<String, TenantDataSettings> tenants)
            throws TransientFailure {
        Map<List<String>, CompletableFuture<Optional<JsonObject>>> lookups = new HashMap<>();
        for (DownstreamRecord r : records) {
            if (!tenants.get(r.tenantId()).groupLabels().isEmpty()) {
                lookups.computeIfAbsent(List.of(r.tenantId(), r.deviceId()), k -> directory.device(k.get(0), k.get(1)).toCompletableFuture());
            }
        }
        Map<List<String>, Map<String, String>> labels = new HashMap<>();
        for (Map.Entry<List<String>, CompletableFuture<Optional<JsonObject>>> lookup : lookups.entrySet()) {
            List<String> wanted = tenants.get(lookup.getKey().get(0)).groupLabels();
            Map<String, String> groups = new LinkedHashMap<>();
            try {
                Map<String, String> all = await(lookup.getValue()).map(TenantDataSettings::deviceLabels).orElse(Map.of());
                wanted.forEach(key -> {
                    String value = all.get(key);
                    if (value != null) {
                        groups.put(key, value);
                    }
                });
            } catch (IllegalArgumentException e) {
                LOG.warn("device {} of tenant {} has invalid labels ({}); its data is aggregated without label groups",
                        lookup.getKey().get(1), lookup.getKey().get(0), e.getMessage());
            }
            labels.put(lookup.getKey(), groups);
        }
        return labels;
    }

    private List<Ingested> writeOneByOne(List<Ingested> batch) throws TransientFailure {
        List<Ingested> kept = new ArrayList<>(batch.size());
        for (Ingested i : batch) {
            try {
                await(store.writeOne(i.row(), i.settings().ttlSeconds()));
                kept.add(i);
            } catch (TransientFailure e) {
                if (!(e.getCause() instanceof QueryValidationException)) {
                    throw e;
                }
                RawStore.RawRow r = i.row();
                meters.counter("meridian.ingest.rejected", "reason", "invalid-row").increment();
                LOG.warn("Cassandra refused the row of {}/{} at {}@{}: {}", r.tenantId(), r.deviceId(), i.source(), r.offset(),
                        e.getCause().getMessage());
                String topic = i.source().substring(0, i.source().lastIndexOf('/'));
                await(store.reject(r.arrived(), topic, r.partition(), r.offset(), Optional.of(r.tenantId()), Optional.of(r.deviceId()),
                        "refused by Cassandra: " + e.getCause().getMessage(), r.payload().length));
            }
        }
        return kept;
    }

    private <T> T await(CompletionStage<T> stage) throws TransientFailure {
        try {
            return stage.toCompletableFuture().get(settings.storeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause()
                    : e.getCause();
            throw new TransientFailure(String.valueOf(cause), cause);
        } catch (TimeoutException e) {
            throw new TransientFailure("no answer within " + settings.storeTimeout().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientFailure("interrupted", e);
        }
    }

    private void sleep(Duration pause) {
        long until = System.nanoTime() + pause.toNanos();
        while (running && System.nanoTime() < until) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Stops after the batch in hand (committed or not), and closes the consumer. */
    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
