package io.meridian.gateway.app;

import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The gateway's settings, bound once and validated at start-up. Every port and URL the gateway uses is here.
 *
 * <p>System properties (defaults in brackets suit {@code ./meridian up}):
 * <ul>
 *   <li>{@value #REGION} (required): this gateway's own region, one of region-configs' regions; its jurisdiction comes
 *       from that region's file;</li>
 *   <li>{@value #PORT} [the region's {@code localPorts.gateway()}]; the gateway always binds {@value #BIND_HOST};</li>
 *   <li>{@value #CATALOG_URL} [{@code http://127.0.0.1:<local-services catalog>/v1}];</li>
 *   <li>{@value #ISSUER} [{@code http://127.0.0.1:<local-services keycloak>/realms/meridian}];</li>
 *   <li>{@value #REGIONS_TTL} [PT3S]: how long the catalog's region directory is reused;</li>
 *   <li>{@value #CATALOG_TIMEOUT} [PT3S]: the limit on one call to the catalog or to Keycloak's token endpoint;</li>
 *   <li>{@code meridian.gateway.region.<id>.dataApi} and {@code meridian.gateway.region.<id>.gateway}, for every region of
 *       region-configs [local: {@code http://127.0.0.1:<localPorts.dataApi()>/v1} and
 *       {@code http://127.0.0.1:<localPorts.gateway()>/v1}]: where that region's data API and its gateway answer;</li>
 *   <li>{@value #REGION_TIMEOUT} [PT2S]: the limit on one call to a region's data API;</li>
 *   <li>{@value #CASSANDRA_CONTACT_POINTS} [{@code 127.0.0.1:<own region's localPorts.cassandraCql()>}],
 *       {@value #CASSANDRA_DATACENTER} [{@code datacenter1}], {@value #KEYSPACE} [{@code meridian_gateway}]: the gateway's own
 *       region's Cassandra, which holds its transfer ledger and the export schedules;</li>
 *   <li>{@value #EXPORT_S3_ENDPOINT}, {@value #EXPORT_KINESIS_ENDPOINT} [unset: AWS itself]: endpoint overrides for the
 *       stand-ins (s3mock, kinesalite); {@value #EXPORT_AWS_REGION} [the cloud region of this gateway's region file, else
 *       us-east-1]; credentials from {@value #EXPORT_ACCESS_KEY_ENV} and {@value #EXPORT_SECRET_KEY_ENV} (both or
 *       neither; neither: the AWS default credentials chain);</li>
 *   <li>{@value #EXPORT_MIN_EVERY} [PT5M]: the shortest schedule period accepted (tests lower it);
 *       {@value #EXPORT_CHECK_EVERY} [PT30S]: how often the scheduler looks for due export schedules.</li>
 *   <li>{@value #BREAKER_CALLS} [10], {@value #BREAKER_MINIMUM_CALLS} [5], {@value #BREAKER_FAILURE_RATE} [50],
 *       {@value #BREAKER_OPEN_FOR} [PT10S]: each region's circuit breaker, for the aggregate fan-out and the device
 *       routes alike ({@code client.RegionBreakers}): over its last
 *       {@code calls} calls (once at least {@code minimumCalls} were made), a failure rate of at least
 *       {@code failureRate} percent opens it for {@code openFor}, during which that region is skipped at once;</li>
 *   <li>{@value #REGIONS} [every region of region-configs]: the comma-separated regions this federation runs, when it
 *       runs only some (a local federation of three); the aggregate fan-out asks exactly these;</li>
 *   <li>{@value #AUDIT_INFRA_DIR} [none: check 6 is SKIPPED]: a directory of synthesized Terraform JSON the audit runs check;
 *       {@value #AUDIT_PAGE_TIMEOUT} [PT60S]: the limit on one page an audit reads; {@value #AUDIT_STORAGE_TIMEOUT} [PT10M]: the
 *       limit on a region's storage check;</li>
 *   <li>{@value #TRACING_SAMPLER} [0.01] ({@code off} or a ratio, parent-based) and {@value #TRACING_OTLP_ENDPOINT}
 *       [none: sampled spans are dropped]: the same property names as the region node's tracing.</li>
 * </ul>
 * The secret comes from the environment only, {@value #CLIENT_SECRET_ENV}: the secret of the Keycloak client
 * {@code gateway-<region>} the gateway calls the catalog as.
 *
 * @param region         this gateway's region
 * @param jurisdiction   the jurisdiction of that region
 * @param port           the HTTP port, 0 for any free one (tests)
 * @param catalogUrl     the catalog's API base, for example {@code http://127.0.0.1:18090/v1}
 * @param issuer         the Keycloak realm's issuer; tokens must carry exactly this {@code iss}
 * @param clientId       the gateway's own Keycloak client, {@code gateway-<region>}
 * @param clientSecret   its secret; never logged
 * @param regionsTtl     how long a fetched region directory is served from the cache
 * @param catalogTimeout the limit on one call to the catalog or the token endpoint
 * @param regions        every region of the federation (this one included) with its jurisdiction and endpoints, in
 *                       region-configs' order
 * @param regionTimeout  the limit on one call to a region's data API
 * @param cassandra      the gateway's own region's Cassandra (the transfer ledger)
 * @param export         where exports go: the S3 and Kinesis endpoints, signing region and credentials, schedule bounds
 * @param breaker        the per-region circuit breaker of the aggregate fan-out and the device routes
 * @param tracing        sampling and export of the gateway's spans
 * @param audit          the audit runs' infrastructure directory and limits
 */
public record GatewayConfig(RegionId region, Jurisdiction jurisdiction, int port, URI catalogUrl, URI issuer, String clientId,
        String clientSecret, Duration regionsTtl, Duration catalogTimeout, List<RegionLinks> regions, Duration regionTimeout,
        Cassandra cassandra, Export export, Breaker breaker, Tracing tracing, Audit audit) {

    public static final String REGION = "meridian.gateway.region";
    public static final String PORT = "meridian.gateway.port";
    public static final String CATALOG_URL = "meridian.catalog.url";
    public static final String ISSUER = "meridian.keycloak.issuer";
    public static final String REGIONS_TTL = "meridian.gateway.regionsTtl";
    public static final String CATALOG_TIMEOUT = "meridian.gateway.catalogTimeout";
    public static final String CLIENT_SECRET_ENV = "MERIDIAN_GATEWAY_CLIENT_SECRET";
    public static final String REGION_PREFIX = "meridian.gateway.region.";
    public static final String REGION_TIMEOUT = "meridian.gateway.regionTimeout";
    public static final String CASSANDRA_CONTACT_POINTS = "meridian.cassandra.contactPoints";
    public static final String CASSANDRA_DATACENTER = "meridian.cassandra.datacenter";
    public static final String KEYSPACE = "meridian.gateway.keyspace";
    public static final String BREAKER_CALLS = "meridian.gateway.breaker.calls";
    public static final String BREAKER_MINIMUM_CALLS = "meridian.gateway.breaker.minimumCalls";
    public static final String BREAKER_FAILURE_RATE = "meridian.gateway.breaker.failureRate";
    public static final String BREAKER_OPEN_FOR = "meridian.gateway.breaker.openFor";
    public static final String REGIONS = "meridian.gateway.regions";
    public static final String TRACING_SAMPLER = "meridian.tracing.sampler";
    public static final String TRACING_OTLP_ENDPOINT = "meridian.tracing.otlp.endpoint";
    public static final String EXPORT_S3_ENDPOINT = "meridian.gateway.export.s3.endpoint";
    public static final String EXPORT_KINESIS_ENDPOINT = "meridian.gateway.export.kinesis.endpoint";
    public static final String EXPORT_AWS_REGION = "meridian.gateway.export.awsRegion";
    public static final String EXPORT_MIN_EVERY = "meridian.gateway.export.minEvery";
    public static final String EXPORT_CHECK_EVERY = "meridian.gateway.export.checkEvery";
    public static final String EXPORT_ACCESS_KEY_ENV = "MERIDIAN_EXPORT_ACCESS_KEY_ID";
    public static final String EXPORT_SECRET_KEY_ENV = "MERIDIAN_EXPORT_SECRET_ACCESS_KEY";
    public static final String AUDIT_INFRA_DIR = "meridian.gateway.audit.infraDir";
    public static final String AUDIT_PAGE_TIMEOUT = "meridian.gateway.audit.pageTimeout";
    public static final String AUDIT_STORAGE_TIMEOUT = "meridian.gateway.audit.storageTimeout";

    /** Loopback only: the gateway of a local federation is never reachable from outside the machine. */
    public static final String BIND_HOST = "127.0.0.1";
    /** The audience every Meridian access token carries. */
    public static final String AUDIENCE = "meridian";
    /** The Keycloak realm of the federation. */
    public static final String REALM = "meridian";

    public GatewayConfig {
        Objects.requireNonNull(region, "region must not be null");
        Objects.requireNonNull(jurisdiction, "jurisdiction must not be null");
        Objects.requireNonNull(catalogUrl, "catalogUrl must not be null");
        Objects.requireNonNull(issuer, "issuer must not be null");
        Objects.requireNonNull(clientId, "clientId must not be null");
        Objects.requireNonNull(clientSecret, "clientSecret must not be null");
        Objects.requireNonNull(regionsTtl, "regionsTtl must not be null");
        Objects.requireNonNull(catalogTimeout, "catalogTimeout must not be null");
        if (port < 0 || port > 65535) {
            throw new GatewayConfigException(PORT + " must be 0-65535, was " + port);
        }
        requireHttp(CATALOG_URL, catalogUrl);
        requireHttp(ISSUER, issuer);
        if (clientSecret.isBlank()) {
            throw new GatewayConfigException(CLIENT_SECRET_ENV + " (the secret of Keycloak client " + clientId + ") must be set");
        }
        if (regionsTtl.isNegative()) {
            throw new GatewayConfigException(REGIONS_TTL + " must not be negative, was " + regionsTtl);
        }
        if (catalogTimeout.isNegative() || catalogTimeout.isZero()) {
            throw new GatewayConfigException(CATALOG_TIMEOUT + " must be positive, was " + catalogTimeout);
        }
        Objects.requireNonNull(regions, "regions must not be null");
        Objects.requireNonNull(regionTimeout, "regionTimeout must not be null");
        Objects.requireNonNull(cassandra, "cassandra must not be null");
        Objects.requireNonNull(export, "export must not be null");
        regions = List.copyOf(regions);
        if (regions.stream().noneMatch(r -> r.id().equals(region))) {
            throw new GatewayConfigException("the regions must include this gateway's own region " + region.value());
        }
        if (regionTimeout.isNegative() || regionTimeout.isZero()) {
            throw new GatewayConfigException(REGION_TIMEOUT + " must be positive, was " + regionTimeout);
        }
        Objects.requireNonNull(breaker, "breaker must not be null");
        Objects.requireNonNull(tracing, "tracing must not be null");
        Objects.requireNonNull(audit, "audit must not be null");
    }

    /**
     * The audit runs' settings ({@code POST /v1/audit/runs}).
     *
     * @param infrastructure  synthesized Terraform JSON to check (check 6), or empty: the check is SKIPPED
     * @param pageTimeout     the limit on one page of decisions, releases or ledger entries
     * @param storageTimeout  the limit on a region's storage check, which walks everything the region stores
     */
    public record Audit(java.util.Optional<java.nio.file.Path> infrastructure, Duration pageTimeout, Duration storageTimeout) {
        public Audit {
            Objects.requireNonNull(infrastructure, "infrastructure must not be null");
            infrastructure.ifPresent(dir -> {
                if (!java.nio.file.Files.isDirectory(dir)) {
                    throw new GatewayConfigException(AUDIT_INFRA_DIR + " must name a directory of synthesized infrastructure, was '" + dir + "'");
                }
            });
            if (pageTimeout.isNegative() || pageTimeout.isZero()) {
                throw new GatewayConfigException(AUDIT_PAGE_TIMEOUT + " must be positive, was " + pageTimeout);
            }
            if (storageTimeout.isNegative() || storageTimeout.isZero()) {
                throw new GatewayConfigException(AUDIT_STORAGE_TIMEOUT + " must be positive, was " + storageTimeout);
            }
        }
    }

    /**
     * A region's circuit breaker (resilience4j, count-based window).
     *
     * @param calls        how many recent calls the failure rate is computed over
     * @param minimumCalls how many calls must have been made before the rate counts
     * @param failureRate  the failure percentage (1-100) that opens the breaker
     * @param openFor      how long an open breaker refuses calls before it lets a few through again
     */
    public record Breaker(int calls, int minimumCalls, int failureRate, Duration openFor) {
        public Breaker {
            Objects.requireNonNull(openFor, "openFor must not be null");
            if (calls < 1) {
                throw new GatewayConfigException(BREAKER_CALLS + " must be at least 1, was " + calls);
            }
            if (minimumCalls < 1 || minimumCalls > calls) {
                throw new GatewayConfigException(BREAKER_MINIMUM_CALLS + " must be 1-" + BREAKER_CALLS + " (" + calls + "), was " + minimumCalls);
            }
            if (failureRate < 1 || failureRate > 100) {
                throw new GatewayConfigException(BREAKER_FAILURE_RATE + " must be a percentage 1-100, was " + failureRate);
            }
            if (openFor.isNegative() || openFor.isZero()) {
                throw new GatewayConfigException(BREAKER_OPEN_FOR + " must be positive, was " + openFor);
            }
        }
    }

    /**
     * How the gateway traces.
     *
     * @param ratio        the share of new traces sampled, 0 (off) to 1; a caller's sampled {@code traceparent} is followed
     * @param otlpEndpoint the OTLP/HTTP traces URL spans are exported to, or empty to export none
     */
    public record Tracing(double ratio, java.util.Optional<URI> otlpEndpoint) {
        public Tracing {
            Objects.requireNonNull(otlpEndpoint, "otlpEndpoint must not be null");
            if (!(ratio >= 0 && ratio <= 1)) {
                throw new GatewayConfigException(TRACING_SAMPLER + " must be 'off' or a ratio between 0 and 1, was " + ratio);
            }
            otlpEndpoint.ifPresent(u -> requireHttp(TRACING_OTLP_ENDPOINT, u));
        }
    }

    /**
     * One region of the federation as this gateway sees it.
     *
     * @param id           the region
     * @param jurisdiction its jurisdiction (from its region file)
     * @param dataApi      its data API's base, ending in {@code /v1}
     * @param gateway      its federation gateway's base, ending in {@code /v1} (the {@code Link} of a 451)
     */
    public record RegionLinks(RegionId id, Jurisdiction jurisdiction, URI dataApi, URI gateway) {
        public RegionLinks {
            Objects.requireNonNull(id, "id must not be null");
            Objects.requireNonNull(jurisdiction, "jurisdiction must not be null");
            Objects.requireNonNull(dataApi, "dataApi must not be null");
            Objects.requireNonNull(gateway, "gateway must not be null");
            requireHttp(REGION_PREFIX + id.value() + ".dataApi", dataApi);
            requireHttp(REGION_PREFIX + id.value() + ".gateway", gateway);
        }
    }

    /**
     * The gateway's own region's Cassandra.
     *
     * @param contactPoints {@code host:port} entries
     * @param datacenter    the local data centre the driver is pinned to
     * @param keyspace      the gateway's keyspace (the ledger's tables)
     */
    public record Cassandra(List<String> contactPoints, String datacenter, String keyspace) {
        public Cassandra {
            contactPoints = List.copyOf(Objects.requireNonNull(contactPoints, "contactPoints must not be null"));
            Objects.requireNonNull(datacenter, "datacenter must not be null");
            Objects.requireNonNull(keyspace, "keyspace must not be null");
            if (contactPoints.isEmpty()) {
                throw new GatewayConfigException(CASSANDRA_CONTACT_POINTS + " must name at least one host:port");
            }
            for (String c : contactPoints) {
                int colon = c.lastIndexOf(':');
                boolean ok = colon > 0;
                if (ok) {
                    try {
                        int p = Integer.parseInt(c.substring(colon + 1));
                        ok = p > 0 && p <= 65535;
                    } catch (NumberFormatException e) {
                        ok = false;
                    }
                }
                if (!ok) {
                    throw new GatewayConfigException(CASSANDRA_CONTACT_POINTS + " entries must be host:port, was '" + c + "'");
                }
            }
            if (datacenter.isBlank()) {
                throw new GatewayConfigException(CASSANDRA_DATACENTER + " must not be blank");
            }
            if (!keyspace.matches("[a-z][a-z0-9_]{0,47}")) {
                throw new GatewayConfigException(KEYSPACE + " must be a lower-case CQL name (letters, digits, _), was '" + keyspace + "'");
            }
        }
    }

    /**
     * Where exports go.
     *
     * @param s3Endpoint       an S3 endpoint override (path-style access), empty for AWS itself
     * @param kinesisEndpoint  a Kinesis endpoint override (CBOR off, for kinesalite), empty for AWS itself
     * @param awsRegion        the region requests are signed for, for example {@code eu-central-1}
     * @param sinkJurisdiction the jurisdiction of that AWS region (the federation region whose cloud region it is, else
     *                         this gateway's): the destination an export is recorded with
     * @param accessKeyId      static credentials, empty for the AWS default credentials chain
     * @param secretAccessKey  their secret, never logged
     * @param minEvery         the shortest schedule period accepted
     * @param checkEvery       how often due schedules are looked for
     */
    public record Export(java.util.Optional<URI> s3Endpoint, java.util.Optional<URI> kinesisEndpoint, String awsRegion,
            Jurisdiction sinkJurisdiction, java.util.Optional<String> accessKeyId, java.util.Optional<String> secretAccessKey,
            Duration minEvery, Duration checkEvery) {
        public Export {
            Objects.requireNonNull(s3Endpoint, "s3Endpoint must not be null");
            Objects.requireNonNull(kinesisEndpoint, "kinesisEndpoint must not be null");
            Objects.requireNonNull(awsRegion, "awsRegion must not be null");
            Objects.requireNonNull(sinkJurisdiction, "sinkJurisdiction must not be null");
            Objects.requireNonNull(accessKeyId, "accessKeyId must not be null");
            Objects.requireNonNull(secretAccessKey, "secretAccessKey must not be null");
            Objects.requireNonNull(minEvery, "minEvery must not be null");
            Objects.requireNonNull(checkEvery, "checkEvery must not be null");
            s3Endpoint.ifPresent(u -> requireHttp(EXPORT_S3_ENDPOINT, u));
            kinesisEndpoint.ifPresent(u -> requireHttp(EXPORT_KINESIS_ENDPOINT, u));
            if (!awsRegion.matches("[a-z]{2}(-[a-z]+)+-[0-9]")) {
                throw new GatewayConfigException(EXPORT_AWS_REGION + " must be an AWS region code such as eu-central-1, was '" + awsRegion + "'");
            }
            if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
                throw new GatewayConfigException(EXPORT_ACCESS_KEY_ENV + " and " + EXPORT_SECRET_KEY_ENV
                        + " must be set together or not at all; only " + (accessKeyId.isPresent() ? EXPORT_ACCESS_KEY_ENV : EXPORT_SECRET_KEY_ENV)
                        + " is set");
            }
            if (minEvery.isNegative() || minEvery.isZero()) {
                throw new GatewayConfigException(EXPORT_MIN_EVERY + " must be positive, was " + minEvery);
            }
            if (checkEvery.compareTo(Duration.ofMillis(100)) < 0) {
                throw new GatewayConfigException(EXPORT_CHECK_EVERY + " must be at least PT0.1S, was " + checkEvery);
            }
        }

        @Override
        public String toString() {
            return "Export[s3=" + s3Endpoint.map(URI::toString).orElse("(AWS)") + ", kinesis=" + kinesisEndpoint.map(URI::toString).orElse("(AWS)")
                    + ", awsRegion=" + awsRegion + ", sinkJurisdiction=" + sinkJurisdiction.code() + ", credentials="
                    + (accessKeyId.isPresent() ? "static ****" : "default chain") + ", minEvery=" + minEvery + ", checkEvery=" + checkEvery + "]";
        }
    }

    /** The links of {@code id}. */
    public java.util.Optional<RegionLinks> links(RegionId id) {
        return regions.stream().filter(r -> r.id().equals(id)).findFirst();
    }

    /** This gateway's own region's links. */
    public RegionLinks own() {
        return links(region).orElseThrow();
    }

    /**
     * Binds the settings from properties and environment, with defaults from region-configs.
     *
     * @param configs    the loaded region-configs
     * @param properties system properties by name, null when unset
     * @param env        environment variables by name, null when unset
     * @throws GatewayConfigException naming the first setting that is missing or unusable
     */
    public static GatewayConfig from(RegionConfigs configs, Function<String, String> properties, Function<String, String> env) {
        String regionId = properties.apply(REGION);
        if (regionId == null || regionId.isBlank()) {
            throw new GatewayConfigException(REGION + " (this gateway's own region) must be set, one of " + regionIds(configs));
        }
        RegionConfig region;
        try {
            region = configs.require(regionId.trim());
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(REGION + " must be one of " + regionIds(configs) + ", was '" + regionId + "'", e);
        }
        int port = region.localPorts().gateway();
        String portSetting = properties.apply(PORT);
        if (portSetting != null && !portSetting.isBlank()) {
            try {
                port = Integer.parseInt(portSetting.trim());
            } catch (NumberFormatException e) {
                throw new GatewayConfigException(PORT + " must be a port number, was '" + portSetting + "'", e);
            }
        }
        URI catalog = uri(CATALOG_URL, properties.apply(CATALOG_URL), "http://127.0.0.1:" + configs.localServices().catalog() + "/v1");
        URI issuer = uri(ISSUER, properties.apply(ISSUER), "http://127.0.0.1:" + configs.localServices().keycloak() + "/realms/" + REALM);
        String clientId = "gateway-" + region.id().value();
        String secret = env.apply(CLIENT_SECRET_ENV);
        List<RegionLinks> links = new ArrayList<>();
        String running = properties.apply(REGIONS);
        java.util.Set<String> federation = new java.util.HashSet<>();
        if (running != null && !running.isBlank()) {
            for (String id : running.trim().split("\\s*,\\s*")) {
                if (configs.regions().stream().noneMatch(r -> r.id().value().equals(id))) {
                    throw new GatewayConfigException(REGIONS + " must list regions of " + regionIds(configs) + ", had '" + id + "'");
                }
                federation.add(id);
            }
        }
        for (RegionConfig r : configs.regions()) {
            if (!federation.isEmpty() && !federation.contains(r.id().value())) {
                continue;
            }
            String p = REGION_PREFIX + r.id().value() + ".";
            links.add(new RegionLinks(r.id(), r.jurisdiction(),
                    uri(p + "dataApi", properties.apply(p + "dataApi"), "http://127.0.0.1:" + r.localPorts().dataApi() + "/v1"),
                    uri(p + "gateway", properties.apply(p + "gateway"), "http://127.0.0.1:" + r.localPorts().gateway() + "/v1")));
        }
        String contact = properties.apply(CASSANDRA_CONTACT_POINTS);
        List<String> contacts = contact == null || contact.isBlank() ? List.of("127.0.0.1:" + region.localPorts().cassandraCql())
                : List.of(contact.trim().split("\\s*,\\s*"));
        String dc = properties.apply(CASSANDRA_DATACENTER);
        String keyspace = properties.apply(KEYSPACE);
        Cassandra cassandra = new Cassandra(contacts, dc == null || dc.isBlank() ? "datacenter1" : dc.trim(),
                keyspace == null || keyspace.isBlank() ? "meridian_gateway" : keyspace.trim());
        return new GatewayConfig(region.id(), region.jurisdiction(), port, catalog, issuer, clientId, secret == null ? "" : secret,
                duration(REGIONS_TTL, properties.apply(REGIONS_TTL), Duration.ofSeconds(3)),
                duration(CATALOG_TIMEOUT, properties.apply(CATALOG_TIMEOUT), Duration.ofSeconds(3)), links,
                duration(REGION_TIMEOUT, properties.apply(REGION_TIMEOUT), Duration.ofSeconds(2)), cassandra,
                export(configs, region, properties, env),
                new Breaker(integer(BREAKER_CALLS, properties.apply(BREAKER_CALLS), 10),
                        integer(BREAKER_MINIMUM_CALLS, properties.apply(BREAKER_MINIMUM_CALLS), 5),
                        integer(BREAKER_FAILURE_RATE, properties.apply(BREAKER_FAILURE_RATE), 50),
                        duration(BREAKER_OPEN_FOR, properties.apply(BREAKER_OPEN_FOR), Duration.ofSeconds(10))),
                tracing(properties), audit(properties));
    }

    private static Audit audit(Function<String, String> properties) {
        String dir = properties.apply(AUDIT_INFRA_DIR);
        return new Audit(dir == null || dir.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(java.nio.file.Path.of(dir.trim()).toAbsolutePath()),
                duration(AUDIT_PAGE_TIMEOUT, properties.apply(AUDIT_PAGE_TIMEOUT), Duration.ofSeconds(60)),
                duration(AUDIT_STORAGE_TIMEOUT, properties.apply(AUDIT_STORAGE_TIMEOUT), Duration.ofMinutes(10)));
    }

    private static Tracing tracing(Function<String, String> properties) {
        String sampler = properties.apply(TRACING_SAMPLER);
        double ratio = 0.01;
        if (sampler != null && !sampler.isBlank()) {
            if (sampler.trim().equalsIgnoreCase("off")) {
                ratio = 0;
            } else {
                try {
                    ratio = Double.parseDouble(sampler.trim());
                } catch (NumberFormatException e) {
                    throw new GatewayConfigException(TRACING_SAMPLER + " must be 'off' or a ratio between 0 and 1, was '" + sampler + "'", e);
                }
            }
        }
        String endpoint = properties.apply(TRACING_OTLP_ENDPOINT);
        java.util.Optional<URI> otlp = endpoint == null || endpoint.isBlank() ? java.util.Optional.empty()
                : java.util.Optional.of(uri(TRACING_OTLP_ENDPOINT, endpoint, null));
        return new Tracing(ratio, otlp);
    }

    private static int integer(String name, String value, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new GatewayConfigException(name + " must be a whole number, was '" + value + "'", e);
        }
    }

    private static Export export(RegionConfigs configs, RegionConfig own, Function<String, String> properties, Function<String, String> env) {
        String s3 = properties.apply(EXPORT_S3_ENDPOINT);
        String kinesis = properties.apply(EXPORT_KINESIS_ENDPOINT);
        String awsRegion = properties.apply(EXPORT_AWS_REGION);
        if (awsRegion == null || awsRegion.isBlank()) {
            awsRegion = own.cloudRegion().isBlank() ? "us-east-1" : own.cloudRegion();
        }
        String signing = awsRegion.trim();
        // the sink lies in the jurisdiction of the federation region hosted in that cloud region, if any
        Jurisdiction sink = configs.regions().stream().filter(r -> r.cloudRegion().equals(signing)).map(RegionConfig::jurisdiction)
                .findFirst().orElse(own.jurisdiction());
        return new Export(optionalUri(EXPORT_S3_ENDPOINT, s3), optionalUri(EXPORT_KINESIS_ENDPOINT, kinesis), signing, sink,
                nonBlank(env.apply(EXPORT_ACCESS_KEY_ENV)), nonBlank(env.apply(EXPORT_SECRET_KEY_ENV)),
                duration(EXPORT_MIN_EVERY, properties.apply(EXPORT_MIN_EVERY), Duration.ofMinutes(5)),
                duration(EXPORT_CHECK_EVERY, properties.apply(EXPORT_CHECK_EVERY), Duration.ofSeconds(30)));
    }

    private static java.util.Optional<URI> optionalUri(String name, String value) {
        return value == null || value.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(uri(name, value, null));
    }

    private static java.util.Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(value.trim());
    }

    /** The realm's published signing keys. */
    public URI jwksUri() {
        return URI.create(issuer + "/protocol/openid-connect/certs");
    }

    /** The realm's token endpoint, for the gateway's own client-credentials grant. */
    public URI tokenEndpoint() {
        return URI.create(issuer + "/protocol/openid-connect/token");
    }

    /** For the start-up log: every setting, the secret masked. */
    @Override
    public String toString() {
        return "GatewayConfig[region=" + region.value() + ", jurisdiction=" + jurisdiction.code() + ", bind=" + BIND_HOST + ":" + port
                + ", catalog=" + catalogUrl + ", issuer=" + issuer + ", client=" + clientId + ", secret=****, regionsTtl=" + regionsTtl
                + ", catalogTimeout=" + catalogTimeout + ", regionTimeout=" + regionTimeout + ", regions=" + regions + ", cassandra="
                + cassandra + ", export=" + export + ", breaker=" + breaker + ", tracing=" + tracing + ", audit=" + audit + "]";
    }

    private static String regionIds(RegionConfigs configs) {
        return configs.regions().stream().map(r -> r.id().value()).toList().toString();
    }

    private static void requireHttp(String name, URI uri) {
        String scheme = uri.getScheme();
        if (!uri.isAbsolute() || uri.getHost() == null || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
            throw new GatewayConfigException(name + " must be an absolute http(s) URL with a host, was '" + uri + "'");
        }
        if (uri.getPath() != null && uri.getPath().endsWith("/")) {
            throw new GatewayConfigException(name + " must not end with '/', was '" + uri + "'");
        }
    }

    private static URI uri(String name, String value, String fallback) {
        String v = value == null || value.isBlank() ? fallback : value.trim();
        try {
            return new URI(v);
        } catch (java.net.URISyntaxException e) {
            throw new GatewayConfigException(name + " must be a URL, was '" + v + "'", e);
        }
    }

    private static Duration duration(String name, String value, Duration fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Duration.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new GatewayConfigException(name + " must be an ISO-8601 duration such as PT3S, was '" + value + "'", e);
        }
    }
}
