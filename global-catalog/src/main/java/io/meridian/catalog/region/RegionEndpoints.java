package io.meridian.catalog.region;

import io.meridian.regions.Endpoints;
import io.meridian.regions.LocalPorts;
import io.meridian.regions.RegionConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where one region's services answer, as the catalog needs them: the registry it pushes tenants and devices to,
 * the health check it polls, and the device-facing endpoints bootstrap hands out.
 *
 * @param registry    base URI of the region's Device Registry Management API; its path ends in {@code /v1}
 * @param health      URI that answers 200 when the region node is ready ({@code /health/ready} of its management port)
 * @param mqttHost    host name devices connect to over MQTT
 * @param mqttPort    the plain MQTT port; empty where the region offers only TLS (production)
 * @param mqttTlsPort the MQTT-over-TLS port
 * @param httpAdapter base URI of the HTTP protocol adapter
 * @param caPem       the PEM certificate of the CA that signs the region's device-facing server certificates; empty
 *                    when devices are to trust the public roots
 */
public record RegionEndpoints(URI registry, URI health, String mqttHost, OptionalInt mqttPort, int mqttTlsPort, URI httpAdapter,
        Optional<String> caPem) {

    /** Loopback, where every local region runs ({@code ./meridian up} and the tests). */
    public static final String LOCAL_HOST = "127.0.0.1";
    /** The registry's path under a production region's API host (see {@link #production}). */
    public static final String PRODUCTION_REGISTRY_PATH = "/registry/v1";
    /** The readiness path, on a local node's management port and under a production region's API host. */
    public static final String HEALTH_PATH = "/health/ready";

    private static final String PEM_BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String PEM_END = "-----END CERTIFICATE-----";

    /**
     * @throws NullPointerException     when an argument is null
     * @throws IllegalArgumentException naming the field and the value when a URI is not absolute http(s) with a host, the
     *                                  registry path does not end in {@code /v1}, the host is blank, a port is outside
     *                                  1-65535 or the CA is not a PEM certificate
     */
    public RegionEndpoints {
        Objects.requireNonNull(registry, "registry must not be null");
        Objects.requireNonNull(health, "health must not be null");
        Objects.requireNonNull(mqttHost, "mqttHost must not be null");
        Objects.requireNonNull(mqttPort, "mqttPort must not be null (use OptionalInt.empty() when there is no plain port)");
        Objects.requireNonNull(httpAdapter, "httpAdapter must not be null");
        Objects.requireNonNull(caPem, "caPem must not be null (use Optional.empty() when there is none)");
        requireHttp("registry", registry);
        requireHttp("health", health);
        requireHttp("httpAdapter", httpAdapter);
        String path = registry.getPath() == null ? "" : registry.getPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
            registry = URI.create(registry.toString().substring(0, registry.toString().length() - 1));
        }
        if (!path.endsWith("/v1")) {
            throw new IllegalArgumentException("registry must be the management API's base URI ending in /v1, was " + registry);
        }
        if (mqttHost.isBlank()) {
            throw new IllegalArgumentException("mqttHost must not be blank, was '" + mqttHost + "'");
        }
        if (mqttPort.isPresent()) {
            requirePort("mqttPort", mqttPort.getAsInt());
        }
        requirePort("mqttTlsPort", mqttTlsPort);
        if (mqttPort.isPresent() && mqttPort.getAsInt() == mqttTlsPort) {
            throw new IllegalArgumentException("mqttPort and mqttTlsPort must differ, both were " + mqttTlsPort);
        }
        if (caPem.isPresent()) {
            String pem = caPem.get().strip();
            if (!pem.startsWith(PEM_BEGIN) || !pem.endsWith(PEM_END)) {
                throw new IllegalArgumentException("caPem must be a PEM certificate (" + PEM_BEGIN + " ... " + PEM_END + "), was "
                        + (pem.isEmpty() ? "empty" : "'" + pem.substring(0, Math.min(40, pem.length())) + "...'"));
            }
            caPem = Optional.of(pem + "\n");
        }
    }

    /**
     * A region as {@code ./meridian up} runs it: every service on {@value #LOCAL_HOST} at its offset in the region's
     * {@link LocalPorts} block, no CA yet (the node generates it at first start; see {@link #withCaPemFile}).
     */
    public static RegionEndpoints local(RegionConfig region) {
        Objects.requireNonNull(region, "region must not be null");
        LocalPorts p = region.localPorts();
        String base = "http://" + LOCAL_HOST + ":";
        return new RegionEndpoints(URI.create(base + p.registryApi() + "/v1"), URI.create(base + p.nodeManagement() + HEALTH_PATH),
                LOCAL_HOST, OptionalInt.of(p.mqtt()), p.mqttTls(), URI.create(base + p.httpAdapter()), Optional.empty());
    }

    /**
     * A region in production, from its file's {@code endpoints}: MQTT over TLS only (no plain port), the HTTP adapter
     * as declared. The region file names no registry or health endpoint, so both are taken to sit behind the region's
     * API host: {@value #PRODUCTION_REGISTRY_PATH} and {@value #HEALTH_PATH}. Devices trust the public roots (no CA).
     */
    public static RegionEndpoints production(RegionConfig region) {
        Objects.requireNonNull(region, "region must not be null");
        Endpoints e = region.endpoints();
        URI api = e.api();
        String root = api.getScheme() + "://" + api.getRawAuthority();
        return new RegionEndpoints(URI.create(root + PRODUCTION_REGISTRY_PATH), URI.create(root + HEALTH_PATH), e.mqttHost(),
                OptionalInt.empty(), e.mqttPort(), e.http(), Optional.empty());
    }

    /** These endpoints with the given CA certificate (PEM text). */
    public RegionEndpoints withCaPem(String pem) {
        return new RegionEndpoints(registry, health, mqttHost, mqttPort, mqttTlsPort, httpAdapter, Optional.of(pem));
    }

    /**
     * These endpoints with the CA certificate read from a PEM file (locally, the {@code ca} endpoint of the region node
     * process).
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or holds no PEM certificate
     */
    public RegionEndpoints withCaPemFile(Path file) {
        Objects.requireNonNull(file, "file must not be null");
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("the region CA file " + file + " must be readable: " + e.getMessage(), e);
        }
        try {
            return withCaPem(pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the region CA file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The base URI of the registry's tenants, devices or credentials resources. */
    URI registryResource(String... segments) {
        StringBuilder b = new StringBuilder(registry.toString());
        for (String s : segments) {
            b.append('/').append(PathSegments.encode(s));
        }
        return URI.create(b.toString());
    }

    private static void requireHttp(String field, URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException(field + " must be an absolute http or https URI with a host, was " + uri);
        }
    }

    private static void requirePort(String field, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(field + " must be between 1 and 65535, was " + port);
        }
    }
}
