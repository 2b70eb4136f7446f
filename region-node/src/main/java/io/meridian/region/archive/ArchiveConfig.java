package io.meridian.region.archive;

import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The validated configuration of one region's raw archive. {@link Builder#build()} checks everything at
 * start-up, so a running archiver never meets an impossible value; in particular the bucket must name this
 * region and no other (see {@link BucketName}), so that writing to another region's bucket is refused by
 * configuration rather than discovered in an audit.
 *
 * <p>When no endpoint override is set (real AWS), the signing region must also be this region's cloud region
 * from region-configs: the archiver creates a missing bucket in the signing region, and a bucket created in
 * another cloud region would hold the region's raw data abroad. An endpoint override (s3mock locally) lifts
 * that check, because the stand-in has no geography.
 */
public final class ArchiveConfig {

    /** The default keyspace of the raw tables and the archive manifest. */
    public static final String DEFAULT_KEYSPACE = "meridian_data";
    /** How long after an arrival hour ends it is archived, so that late writes of that hour are in. */
    public static final Duration DEFAULT_LAG = Duration.ofMinutes(10);
    /** How far back a run looks for hours not yet archived, for example after downtime. */
    public static final Duration DEFAULT_BACKLOG = Duration.ofHours(72);
    /** How soon a run that had failures is repeated (instead of waiting for the next hour). */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMinutes(5);
    /** Rows per Cassandra page while reading a partition. */
    public static final int DEFAULT_PAGE_SIZE = 1000;

    /** Prefix of the system properties {@link #fromProperties} reads. */
    public static final String PROPERTY_PREFIX = "meridian.archive.";
    /** The data plane's keyspace property, which {@link #fromProperties} falls back to. */
    public static final String DATA_KEYSPACE_PROPERTY = "meridian.data.keyspace";
    /** Environment variable with the static access key id (optional; the default AWS chain otherwise). */
    public static final String ACCESS_KEY_ENV = "MERIDIAN_ARCHIVE_ACCESS_KEY_ID";
    /** Environment variable with the static secret key; set together with {@link #ACCESS_KEY_ENV}. */
    public static final String SECRET_KEY_ENV = "MERIDIAN_ARCHIVE_SECRET_ACCESS_KEY";

    private static final Pattern CQL_IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,47}");
    private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
    private static final Duration MAX_BACKLOG = Duration.ofDays(31);

    private final String regionId;
    private final Set<String> otherRegionIds;
    private final String cloudRegion;
    private final boolean enabled;
    private final String bucket;
    private final Optional<URI> endpointOverride;
    private final String awsRegion;
    private final Optional<StaticCredentials> credentials;
    private final String keyspace;
    private final Duration lag;
    private final Duration backlog;
    private final Duration retryDelay;
    private final int pageSize;
    private final Path spoolDirectory;

    private ArchiveConfig(Builder b) {
        this.regionId = b.regionId;
        this.otherRegionIds = Set.copyOf(b.otherRegionIds);
        this.cloudRegion = b.cloudRegion;
        this.enabled = b.enabled;
        this.bucket = b.bucket != null ? b.bucket : defaultBucket(b.regionId);
        this.endpointOverride = Optional.ofNullable(b.endpointOverride);
        this.awsRegion = b.awsRegion != null ? b.awsRegion : b.cloudRegion;
        this.credentials = Optional.ofNullable(b.credentials);
        this.keyspace = b.keyspace;
        this.lag = b.lag;
        this.backlog = b.backlog;
        this.retryDelay = b.retryDelay;
        this.pageSize = b.pageSize;
        this.spoolDirectory = b.spoolDirectory != null ? b.spoolDirectory : Path.of(System.getProperty("java.io.tmpdir"));
        validate();
    }

    /** {@code meridian-<region>-raw}. */
    public static String defaultBucket(String regionId) {
        return "meridian-" + regionId + "-raw";
    }

    /**
     * A builder for the region {@code regionId}: the other regions and this region's cloud region come from
     * {@code configs}.
     *
     * @throws IllegalArgumentException naming the known regions when {@code regionId} is not one of them
     */
    public static Builder builder(RegionConfigs configs, String regionId) {
        Objects.requireNonNull(configs, "configs must not be null");
        RegionConfig region = configs.require(regionId);
        Set<String> others = configs.regions().stream().map(r -> r.id().value()).filter(id -> !id.equals(regionId))
                .collect(Collectors.toSet());
        return new Builder(regionId, others, region.cloudRegion());
    }

    /**
     * A builder from explicit facts, for tests and for callers that do not load region-configs.
     *
     * @param regionId       this region's id; not blank
     * @param otherRegionIds every other region's id; not null
     * @param cloudRegion    this region's cloud region code, for example {@code eu-central-1}; not blank
     */
    public static Builder builder(String regionId, Set<String> otherRegionIds, String cloudRegion) {
        return new Builder(regionId, otherRegionIds, cloudRegion);
    }

    /**
     * Reads the configuration of {@code regionId} from {@code meridian.archive.*} properties and the two
     * credential environment variables: {@code enabled} (default true), {@code bucket}, {@code endpoint},
     * {@code awsRegion}, {@code keyspace} (else {@value #DATA_KEYSPACE_PROPERTY}), {@code lag}, {@code backlog}, {@code retryDelay} (ISO-8601
     * durations such as {@code PT10M}), {@code pageSize}, {@code spoolDir}.
     *
     * @param properties for example {@code System::getProperty}; returns null for unset names
     * @param env        for example {@code System::getenv}; returns null for unset names
     * @throws IllegalArgumentException naming the property and its value when one is malformed or the
     *                                  resulting configuration is invalid
     */
    public static ArchiveConfig fromProperties(RegionConfigs configs, String regionId, Function<String, String> properties,
            Function<String, String> env) {
        Objects.requireNonNull(properties, "properties must not be null");
        Objects.requireNonNull(env, "env must not be null");
        Builder b = builder(configs, regionId);
        property(properties, "enabled").ifPresent(v -> b.enabled(parseBoolean("enabled", v)));
        property(properties, "bucket").ifPresent(b::bucket);
        property(properties, "endpoint").ifPresent(v -> b.endpointOverride(parseUri("endpoint", v)));
        property(properties, "awsRegion").ifPresent(b::awsRegion);
        // the raw tables' keyspace: the archive's own setting, else the data plane's (RegionNodeApp's)
        property(properties, "keyspace").or(() -> Optional.ofNullable(properties.apply(DATA_KEYSPACE_PROPERTY))
                .map(String::trim).filter(v -> !v.isEmpty())).ifPresent(b::keyspace);
        property(properties, "lag").ifPresent(v -> b.lag(parseDuration("lag", v)));
        property(properties, "backlog").ifPresent(v -> b.backlog(parseDuration("backlog", v)));
        property(properties, "retryDelay").ifPresent(v -> b.retryDelay(parseDuration("retryDelay", v)));
        property(properties, "pageSize").ifPresent(v -> b.pageSize(parseInt("pageSize", v)));
        property(properties, "spoolDir").ifPresent(v -> b.spoolDirectory(Path.of(v)));
        String keyId = env.apply(ACCESS_KEY_ENV);
        String secret = env.apply(SECRET_KEY_ENV);
        if (keyId != null || secret != null) {
            if (keyId == null || secret == null) {
                throw new IllegalArgumentException(ACCESS_KEY_ENV + " and " + SECRET_KEY_ENV + " must be set together, was only "
                        + (keyId != null ? ACCESS_KEY_ENV : SECRET_KEY_ENV));
            }
            b.staticCredentials(keyId, secret);
        }
        return b.build();
    }

    private void validate() {
        // builder() has checked regionId, otherRegionIds and cloudRegion
        BucketName.validate(bucket, regionId, otherRegionIds);
        endpointOverride.ifPresent(uri -> {
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("archive endpoint must be an absolute http(s) URI, was " + uri);
            }
        });
        if (!AWS_REGION.matcher(awsRegion).matches()) {
            throw new IllegalArgumentException("archive awsRegion must be an AWS region code such as eu-central-1, was '"
                    + awsRegion + "'");
        }
        if (endpointOverride.isEmpty() && !awsRegion.equals(cloudRegion)) {
            throw new IllegalArgumentException("archive awsRegion must be region " + regionId + "'s cloud region "
                    + cloudRegion + " when no endpoint override is set (a bucket created elsewhere would keep the raw"
                    + " data outside the region), was " + awsRegion);
        }
        if (!CQL_IDENTIFIER.matcher(keyspace).matches()) {
            throw new IllegalArgumentException("archive keyspace must be a lower-case CQL identifier, was '" + keyspace + "'");
        }
        if (lag.isNegative()) {
            throw new IllegalArgumentException("archive lag must not be negative, was " + lag);
        }
        if (backlog.compareTo(Duration.ofHours(1)) < 0 || backlog.compareTo(MAX_BACKLOG) > 0) {
            throw new IllegalArgumentException("archive backlog must be between PT1H and " + MAX_BACKLOG + ", was " + backlog);
        }
        if (retryDelay.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("archive retryDelay must be at least PT1S, was " + retryDelay);
        }
        if (pageSize < 1 || pageSize > 10_000) {
            throw new IllegalArgumentException("archive pageSize must be between 1 and 10000, was " + pageSize);
        }
    }

    public String regionId() {
        return regionId;
    }

    /** Whether the node should start the hourly archiver at all; the configuration is validated either way. */
    public boolean enabled() {
        return enabled;
    }

    public String bucket() {
        return bucket;
    }

    /** The S3 endpoint instead of AWS's, for the s3mock stand-in; empty for real AWS. */
    public Optional<URI> endpointOverride() {
        return endpointOverride;
    }

    /** The region the S3 client signs for and creates a missing bucket in. */
    public String awsRegion() {
        return awsRegion;
    }

    /** Static keys; empty means the SDK's default credentials chain. */
    public Optional<StaticCredentials> credentials() {
        return credentials;
    }

    /** The keyspace of the raw tables, where the manifest table is created too. */
    public String keyspace() {
        return keyspace;
    }

    public Duration lag() {
        return lag;
    }

    public Duration backlog() {
        return backlog;
    }

    public Duration retryDelay() {
        return retryDelay;
    }

    public int pageSize() {
        return pageSize;
    }

    /** Where an object is spooled (gzip) before its upload, so that memory stays bounded. */
    public Path spoolDirectory() {
        return spoolDirectory;
    }

    /** The effective configuration for the start-up log, with the secret key masked. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("archive enabled", String.valueOf(enabled));
        m.put("archive bucket", bucket);
        m.put("archive endpoint", endpointOverride.map(URI::toString).orElse("(AWS)"));
        m.put("archive aws region", awsRegion);
        m.put("archive credentials", credentials.map(StaticCredentials::toString).orElse("(default chain)"));
        m.put("archive keyspace", keyspace);
        m.put("archive lag / backlog / retry", lag + " / " + backlog + " / " + retryDelay);
        m.put("archive page size", String.valueOf(pageSize));
        m.put("archive spool", spoolDirectory.toString());
        return m;
    }

    @Override
    public String toString() {
        return "ArchiveConfig" + describe();
    }

    private static Optional<String> property(Function<String, String> properties, String name) {
        return Optional.ofNullable(properties.apply(PROPERTY_PREFIX + name)).map(String::trim).filter(v -> !v.isEmpty());
    }

    private static boolean parseBoolean(String name, String value) {
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException(PROPERTY_PREFIX + name + " must be true or false, was '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }

    private static URI parseUri(String name, String value) {
        try {
            return URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY_PREFIX + name + " must be a URI, was '" + value + "'", e);
        }
    }

    private static Duration parseDuration(String name, String value) {
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(PROPERTY_PREFIX + name + " must be an ISO-8601 duration such as PT10M, was '"
                    + value + "'", e);
        }
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY_PREFIX + name + " must be an integer, was '" + value + "'", e);
        }
    }

    /**
     * A static access key pair; {@link #toString()} masks the secret.
     *
     * @param accessKeyId     not blank
     * @param secretAccessKey not blank; never logged
     */
    public record StaticCredentials(String accessKeyId, String secretAccessKey) {

        public StaticCredentials {
            requireText("archive accessKeyId", accessKeyId);
            requireText("archive secretAccessKey", secretAccessKey);
        }

        @Override
        public String toString() {
            return "static key " + accessKeyId + " / ****";
        }
    }

    /** Collects settings; {@link #build()} validates them all. Not thread-safe. */
    public static final class Builder {

        private final String regionId;
        private final Set<String> otherRegionIds;
        private final String cloudRegion;
        private boolean enabled = true;
        private String bucket;
        private URI endpointOverride;
        private String awsRegion;
        private StaticCredentials credentials;
        private String keyspace = DEFAULT_KEYSPACE;
        private Duration lag = DEFAULT_LAG;
        private Duration backlog = DEFAULT_BACKLOG;
        private Duration retryDelay = DEFAULT_RETRY_DELAY;
        private int pageSize = DEFAULT_PAGE_SIZE;
        private Path spoolDirectory;

        private Builder(String regionId, Set<String> otherRegionIds, String cloudRegion) {
            requireText("archive regionId", regionId);
            Objects.requireNonNull(otherRegionIds, "otherRegionIds must not be null");
            requireText("archive cloudRegion", cloudRegion);
            this.regionId = regionId;
            this.otherRegionIds = new TreeSet<>(otherRegionIds);
            this.cloudRegion = cloudRegion;
        }

        public Builder enabled(boolean value) {
            this.enabled = value;
            return this;
        }

        /** The bucket name; default {@code meridian-<region>-raw}. */
        public Builder bucket(String value) {
            this.bucket = Objects.requireNonNull(value, "archive bucket must not be null");
            return this;
        }

        public Builder endpointOverride(URI value) {
            this.endpointOverride = Objects.requireNonNull(value, "archive endpoint must not be null");
            return this;
        }

        /** The signing region; default this region's cloud region. */
        public Builder awsRegion(String value) {
            this.awsRegion = Objects.requireNonNull(value, "archive awsRegion must not be null");
            return this;
        }

        public Builder staticCredentials(String accessKeyId, String secretAccessKey) {
            this.credentials = new StaticCredentials(accessKeyId, secretAccessKey);
            return this;
        }

        public Builder keyspace(String value) {
            this.keyspace = Objects.requireNonNull(value, "archive keyspace must not be null");
            return this;
        }

        public Builder lag(Duration value) {
            this.lag = Objects.requireNonNull(value, "archive lag must not be null");
            return this;
        }

        public Builder backlog(Duration value) {
            this.backlog = Objects.requireNonNull(value, "archive backlog must not be null");
            return this;
        }

        public Builder retryDelay(Duration value) {
            this.retryDelay = Objects.requireNonNull(value, "archive retryDelay must not be null");
            return this;
        }

        public Builder pageSize(int value) {
            this.pageSize = value;
            return this;
        }

        public Builder spoolDirectory(Path value) {
            this.spoolDirectory = Objects.requireNonNull(value, "archive spoolDirectory must not be null");
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the setting, the rule and the value of the first problem
         */
        public ArchiveConfig build() {
            return new ArchiveConfig(this);
        }
    }

    private static void requireText(String name, String value) {
        Objects.requireNonNull(value, name + " must not be null");
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank, was '" + value + "'");
        }
    }
}
