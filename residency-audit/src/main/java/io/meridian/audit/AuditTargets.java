package io.meridian.audit;

import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the audit finds what it checks.
 *
 * @param configs         the federation's region-configs: each region's jurisdiction and cloud region
 * @param dataApis        region id -&gt; its data API base, for example {@code http://127.0.0.1:20082/v1}
 * @param gateways        region id -&gt; its gateway's API base, for every gateway whose ledger is read
 * @param infrastructure  a directory of synthesized Terraform JSON ({@code manifest.json}, {@code stacks/}), or empty
 * @param noInfraReason   why check 6 is skipped when {@code infrastructure} is empty
 * @param requestTimeout  the limit on one page of decisions, releases or ledger entries
 * @param storageTimeout  the limit on a region's storage check, which walks everything the region stores
 */
public record AuditTargets(RegionConfigs configs, Map<String, URI> dataApis, Map<String, URI> gateways, Optional<Path> infrastructure,
        String noInfraReason, Duration requestTimeout, Duration storageTimeout) {

    /** The default limit on one page. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** The default limit on a region's storage check. */
    public static final Duration DEFAULT_STORAGE_TIMEOUT = Duration.ofMinutes(10);

    /**
     * @throws IllegalArgumentException when a region is not one of {@code configs}', a base ends with '/', or a timeout is
     *                                  not positive
     */
    public AuditTargets {
        Objects.requireNonNull(configs, "configs must not be null");
        dataApis = Map.copyOf(new LinkedHashMap<>(dataApis));
        gateways = Map.copyOf(new LinkedHashMap<>(gateways));
        Objects.requireNonNull(infrastructure, "infrastructure must not be null");
        Objects.requireNonNull(noInfraReason, "noInfraReason must not be null");
        Objects.requireNonNull(requestTimeout, "requestTimeout must not be null");
        Objects.requireNonNull(storageTimeout, "storageTimeout must not be null");
        for (Map<String, URI> m : java.util.List.of(dataApis, gateways)) {
            m.forEach((id, uri) -> {
                configs.require(id);
                if (uri.toString().endsWith("/")) {
                    throw new IllegalArgumentException("an API base must not end with '/', was " + uri);
                }
            });
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero() || storageTimeout.isNegative() || storageTimeout.isZero()) {
            throw new IllegalArgumentException("audit timeouts must be positive, were " + requestTimeout + " and " + storageTimeout);
        }
    }

    /** Targets with the default timeouts. */
    public static AuditTargets of(RegionConfigs configs, Map<String, URI> dataApis, Map<String, URI> gateways,
            Optional<Path> infrastructure, String noInfraReason) {
        return new AuditTargets(configs, dataApis, gateways, infrastructure, noInfraReason, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_STORAGE_TIMEOUT);
    }

    /** The same targets with other timeouts (tests shorten them). */
    public AuditTargets withTimeouts(Duration request, Duration storage) {
        return new AuditTargets(configs, dataApis, gateways, infrastructure, noInfraReason, request, storage);
    }

    RegionConfig region(String id) {
        return configs.require(id);
    }
}
