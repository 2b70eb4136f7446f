package io.meridian.gateway.app;

import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
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
 *   <li>{@value #CATALOG_TIMEOUT} [PT3S]: the limit on one call to the catalog or to Keycloak's token endpoint.</li>
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
 */
public record GatewayConfig(RegionId region, Jurisdiction jurisdiction, int port, URI catalogUrl, URI issuer, String clientId,
        String clientSecret, Duration regionsTtl, Duration catalogTimeout) {

    public static final String REGION = "meridian.gateway.region";
    public static final String PORT = "meridian.gateway.port";
    public static final String CATALOG_URL = "meridian.catalog.url";
    public static final String ISSUER = "meridian.keycloak.issuer";
    public static final String REGIONS_TTL = "meridian.gateway.regionsTtl";
    public static final String CATALOG_TIMEOUT = "meridian.gateway.catalogTimeout";
    public static final String CLIENT_SECRET_ENV = "MERIDIAN_GATEWAY_CLIENT_SECRET";

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
        return new GatewayConfig(region.id(), region.jurisdiction(), port, catalog, issuer, clientId, secret == null ? "" : secret,
                duration(REGIONS_TTL, properties.apply(REGIONS_TTL), Duration.ofSeconds(3)),
                duration(CATALOG_TIMEOUT, properties.apply(CATALOG_TIMEOUT), Duration.ofSeconds(3)));
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
                + ", catalogTimeout=" + catalogTimeout + "]";
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
