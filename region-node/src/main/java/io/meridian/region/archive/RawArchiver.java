package io.meridian.region.archive;

import com.datastax.oss.driver.api.core.CqlSession;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Copies the region's raw rows, hour by hour, into the region's own S3 bucket as gzip-compressed JSON lines
 * ({@link ArchiveLines} describes a line, {@link ArchiveKeys} the object keys).
 *
 * <p><b>What an hour is.</b> Rows are archived by their Kafka arrival hour ({@code arrived}), not by event
 * time, because arrival is what the ingest indexes in {@code raw_hours} and what is finished at a known
 * moment. An hour is due {@link ArchiveConfig#lag()} after it ends, so that rows of that hour still in the
 * ingest's pipeline are written first. A run looks at every due hour within {@link ArchiveConfig#backlog()}
 * (oldest first), so hours missed while the node was down are caught up.
 *
 * <p><b>One object per tenant, kind and hour.</b> For each {@code (tenant, kind)} that {@code raw_hours}
 * lists for the hour and {@code archive_manifest} does not, the archiver reads the listed partitions' rows
 * with {@code arrived} in the hour (paged), spools them through gzip into a temporary file (so memory stays
 * bounded by a page, whatever the hour's size), uploads the file and only then records the manifest row
 * (key, partitions, rows, bytes, SHA-256 of the object). A failed upload records nothing: the next run tries
 * that group again and overwrites the same key. A group whose manifest row covers fewer partitions than the
 * index now lists (a device whose rows arrived late in a new partition) is archived again, whole.
 *
 * <p><b>Limits.</b> Rows written into an already archived partition after its hour was archived (an ingest
 * delayed longer than the lag) are not archived: raise the lag above the ingest's worst delay. Rows whose
 * TTL ran out before their hour was archived are gone; keep the backlog below the shortest retention.
 * Several nodes of one region archive the same hours independently and overwrite the same objects with
 * the same rows; that is wasted work, not duplication.
 *
 * <p><b>Threads.</b> {@link #start()} runs the archiver on its own thread (every call here blocks on
 * Cassandra and S3, so never on a Vert.x event loop); {@link #runOnce()} runs it on the caller's thread.
 * Runs never overlap. {@link #stop()} closes the S3 client; the Cassandra session stays the caller's.
 *
 * <p>Meters (tag {@code region}): {@code meridian.archive.objects}, {@code meridian.archive.rows},
 * {@code meridian.archive.bytes} and {@code meridian.archive.failures}.
 */
public final class RawArchiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RawArchiver.class);
    /** After this many failed groups in a row a run stops, since S3 or Cassandra is most likely down. */
    static final int MAX_CONSECUTIVE_FAILURES = 3;
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final Duration HOUR = Duration.ofHours(1);

    private final ArchiveConfig config;
    private final ArchiveStore store;
    private final S3Client s3;
    private final Clock clock;
    private final Counter objects;
    private final Counter rows;
    private final Counter bytes;
    private final Counter failures;
    private final Object runLock = new Object();
    private boolean bucketChecked;
    private ScheduledExecutorService scheduler;

    private RawArchiver(ArchiveConfig config, ArchiveStore store, S3Client s3, MeterRegistry meters, Clock clock) {
        this.config = config;
        this.store = store;
        this.s3 = s3;
        this.clock = clock;
        String region = config.regionId();
        objects = Counter.builder("meridian.archive.objects").description("archive objects written").tag("region", region)
                .register(meters);
        rows = Counter.builder("meridian.archive.rows").description("raw rows written to the archive").tag("region", region)
                .register(meters);
        bytes = Counter.builder("meridian.archive.bytes").description("compressed bytes written to the archive")
                .baseUnit("bytes").tag("region", region).register(meters);
        failures = Counter.builder("meridian.archive.failures")
                .description("archive objects (tenant, kind, hour) that failed and wait for a later run").tag("region", region)
                .register(meters);
    }

    /** As {@link #open(CqlSession, ArchiveConfig, MeterRegistry, Clock)} with the UTC system clock. */
    public static RawArchiver open(CqlSession session, ArchiveConfig config, MeterRegistry meters) {
        return open(session, config, meters, Clock.systemUTC());
    }

    /**
     * Creates the manifest table when missing, prepares the statements and builds the S3 client (which
     * connects lazily: S3 being down does not fail this). Blocking. Nothing runs until {@link #start()} or
     * {@link #runOnce()}.
     *
     * @param session a session to the region's Cassandra; not null, stays the caller's to close
     * @param config  validated configuration; not null. {@link ArchiveConfig#enabled()} is the caller's to
     *                honour: it decides whether to call {@link #start()}
     * @param meters  where the archive's counters go; not null
     * @param clock   decides which hours are due; not null
     * @throws IllegalStateException when the raw tables are missing from the configured keyspace, or the
     *                               spool directory cannot be created
     */
    public static RawArchiver open(CqlSession session, ArchiveConfig config, MeterRegistry meters, Clock clock) {
        Objects.requireNonNull(session, "session must not be null");
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(meters, "meters must not be null");
        Objects.requireNonNull(clock, "clock must not be null");
        try {
            Files.createDirectories(config.spoolDirectory());
        } catch (IOException e) {
            throw new IllegalStateException("archive spool directory " + config.spoolDirectory() + " cannot be created: " + e, e);
        }
        ArchiveStore store = ArchiveStore.open(session, config.keyspace(), config.pageSize());
        return new RawArchiver(config, store, s3Client(config), meters, clock);
    }

    private static S3Client s3Client(ArchiveConfig config) {
        AwsCredentialsProvider credentials = config.credentials()
                .<AwsCredentialsProvider>map(c -> StaticCredentialsProvider.create(AwsBasicCredentials.create(c.accessKeyId(),
                        c.secretAccessKey())))
                .orElseGet(() -> DefaultCredentialsProvider.builder().build());
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(config.awsRegion()))
                .credentialsProvider(credentials)
                // path-style: works with s3mock and with bucket names that contain dots
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClientBuilder(ApacheHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(10)));
        config.endpointOverride().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /**
     * Runs the archiver now and then whenever the next hour is due, on a thread of its own; after a run with
     * failures, again after {@link ArchiveConfig#retryDelay()} at the latest.
     *
     * @throws IllegalStateException when already started or stopped
     */
    public synchronized void start() {
        if (scheduler != null) {
            throw new IllegalStateException("archiver of region " + config.regionId() + " must be started only once");
        }
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "meridian-archiver-" + config.regionId());
            t.setDaemon(true);
            return t;
        });
        // stop() waits for a run in progress, not for the next hour's
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler = executor;
        LOG.info("archiver of region {} started: bucket {}, lag {}, backlog {}", config.regionId(), config.bucket(), config.lag(),
                config.backlog());
        scheduler.execute(this::scheduledRun);
    }

    /**
     * Stops the schedule (a run in progress may finish within 30 s, else it is interrupted and its group is
     * retried by the next start) and closes the S3 client. Idempotent.
     */
    public void stop() {
        ScheduledExecutorService s;
        synchronized (this) {
            s = scheduler;
            scheduler = null;
        }
        if (s != null) {
            s.shutdown();
            try {
                if (!s.awaitTermination(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    s.shutdownNow();
                }
            } catch (InterruptedException e) {
                s.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        s3.close();
    }

    @Override
    public void close() {
        stop();
    }

    /** Archives every due hour now, on the caller's thread (blocking), by the archiver's clock. */
    public ArchiveRun runOnce() {
        return runAt(clock.instant());
    }

    /**
     * Archives every hour that is due at {@code now}, on the caller's thread (blocking). Failures are counted
     * in the result and the meters, never thrown.
     */
    public ArchiveRun runAt(Instant now) {
        synchronized (runLock) {
            return archive(now);
        }
    }

    /** The first arrival hour that is not due yet at {@code now}; every earlier hour is. */
    static Instant firstOpenHour(Instant now, Duration lag) {
        return now.minus(lag).truncatedTo(ChronoUnit.HOURS);
    }

    /** How long after {@code now} the next run should start. */
    static Duration nextDelay(Instant now, Duration lag, boolean failed, Duration retryDelay) {
        Instant nextDue = firstOpenHour(now, lag).plus(HOUR).plus(lag);
        Duration untilDue = Duration.between(now, nextDue);
        return failed && retryDelay.compareTo(untilDue) < 0 ? retryDelay : untilDue;
    }

    private void scheduledRun() {
        boolean failed;
        try {
            failed = !runOnce().complete();
        } catch (RuntimeException e) {
            // archive() catches per group; this is a bug or an Error's cousin, and the schedule must survive it
            LOG.error("archive run of region {} failed", config.regionId(), e);
            failed = true;
        }
        synchronized (this) {
            if (scheduler != null && !scheduler.isShutdown()) {
                Duration delay = nextDelay(clock.instant(), config.lag(), failed, config.retryDelay());
                scheduler.schedule(this::scheduledRun, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
            }
        }
    }

    private ArchiveRun archive(Instant now) {
        Instant open = firstOpenHour(now, config.lag());
        long hours = Math.max(1, config.backlog().toHours());
        int examined = 0;
        int written = 0;
        long rowCount = 0;
        long byteCount = 0;
        int failed = 0;
        int consecutive = 0;
        if (!bucketReady()) {
            failures.increment();
            return new ArchiveRun(now, 0, 0, 0, 0, 1, true);
        }
        for (Instant hour = open.minus(HOUR.multipliedBy(hours)); hour.isBefore(open); hour = hour.plus(HOUR)) {
            examined++;
            Map<ArchiveStore.Group, List<ArchiveStore.Partition>> index;
            Map<ArchiveStore.Group, Integer> done;
            try {
                index = store.hourIndex(hour);
                done = index.isEmpty() ? Map.of() : store.manifest(hour);
            } catch (RuntimeException e) {
                LOG.warn("archive of region {}: the index of hour {} cannot be read: {}", config.regionId(), hour, e.toString());
                failures.increment();
                failed++;
                if (++consecutive >= MAX_CONSECUTIVE_FAILURES) {
                    return new ArchiveRun(now, examined, written, rowCount, byteCount, failed, true);
                }
                continue;
            }
            for (Map.Entry<ArchiveStore.Group, List<ArchiveStore.Partition>> e : index.entrySet()) {
                Integer covered = done.get(e.getKey());
                if (covered != null && covered >= e.getValue().size()) {
                    continue;
                }
                try {
                    Written w = archiveGroup(hour, e.getKey(), e.getValue());
                    written++;
                    rowCount += w.rows();
                    byteCount += w.bytes();
                    consecutive = 0;
                } catch (RuntimeException | IOException ex) {
                    LOG.warn("archive of region {}: tenant {} kind {} hour {} failed and waits for the next run: {}",
                            config.regionId(), e.getKey().tenant(), e.getKey().kind(), hour, ex.toString());
                    failures.increment();
                    failed++;
                    if (ex instanceof SdkException) {
                        // the bucket may have gone: check it again before the next upload
                        bucketChecked = false;
                    }
                    if (++consecutive >= MAX_CONSECUTIVE_FAILURES) {
                        return new ArchiveRun(now, examined, written, rowCount, byteCount, failed, true);
                    }
                }
            }
        }
        if (written > 0 || failed > 0) {
            LOG.info("archive run of region {}: {} objects, {} rows, {} bytes, {} failures", config.regionId(), written, rowCount,
                    byteCount, failed);
        }
        return new ArchiveRun(now, examined, written, rowCount, byteCount, failed, false);
    }

    private Written archiveGroup(Instant hour, ArchiveStore.Group group, List<ArchiveStore.Partition> partitions)
            throws IOException {
        String key = ArchiveKeys.objectKey(config.regionId(), group.tenant(), group.kind(), hour);
        Path spool = Files.createTempFile(config.spoolDirectory(), "meridian-archive-", ".jsonl.gz");
        try {
            MessageDigest sha256 = sha256();
            long[] count = {0};
            try (ArchiveLines lines = new ArchiveLines(new GZIPOutputStream(new DigestOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(spool)), sha256), 64 * 1024))) {
                for (ArchiveStore.Partition partition : partitions) {
                    store.rows(group, partition, hour, row -> {
                        try {
                            lines.write(row);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        count[0]++;
                    });
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            byte[] digest = sha256.digest();
            long size = Files.size(spool);
            if (count[0] == 0) {
                LOG.warn("archive of region {}: raw_hours lists {} partitions of tenant {} kind {} for hour {}, but none holds a"
                        + " row of that hour (expired?); writing an empty object", config.regionId(), partitions.size(),
                        group.tenant(), group.kind(), hour);
            }
            s3.putObject(PutObjectRequest.builder()
                    .bucket(config.bucket())
                    .key(key)
                    .contentType("application/gzip")
                    .checksumSHA256(Base64.getEncoder().encodeToString(digest))
                    .metadata(Map.of("meridian-region", config.regionId(), "meridian-rows", Long.toString(count[0]),
                            "meridian-format", "jsonl-v1"))
                    .build(), RequestBody.fromFile(spool));
            // only after the upload succeeded: a failure above leaves the group due for the next run
            store.recordManifest(hour, group, config.bucket(), key, partitions.size(), count[0], size,
                    HexFormat.of().formatHex(digest), clock.instant());
            objects.increment();
            rows.increment(count[0]);
            bytes.increment(size);
            return new Written(count[0], size);
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    /** Checks that the bucket exists, creating it when missing; false (logged) when S3 cannot be reached. */
    private boolean bucketReady() {
        if (bucketChecked) {
            return true;
        }
        String bucket = config.bucket();
        try {
            try {
                s3.headBucket(h -> h.bucket(bucket));
            } catch (NoSuchBucketException missing) {
                CreateBucketRequest.Builder create = CreateBucketRequest.builder().bucket(bucket);
                // us-east-1 is S3's default location and must not be named as a constraint
                if (!config.awsRegion().equals(Region.US_EAST_1.id())) {
                    create.createBucketConfiguration(c -> c.locationConstraint(config.awsRegion()));
                }
                try {
                    s3.createBucket(create.build());
                    LOG.info("archive of region {}: created bucket {} in {}", config.regionId(), bucket, config.awsRegion());
                } catch (BucketAlreadyOwnedByYouException raced) {
                    // another node of this region created it meanwhile
                }
            }
            bucketChecked = true;
            return true;
        } catch (SdkException e) {
            LOG.warn("archive of region {}: bucket {} cannot be checked or created; the run waits for the next one: {}",
                    config.regionId(), bucket, e.toString());
            return false;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide SHA-256", e);
        }
    }

    private record Written(long rows, long bytes) {
    }
}
