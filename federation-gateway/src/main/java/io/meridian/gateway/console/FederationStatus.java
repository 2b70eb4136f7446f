package io.meridian.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.client.RegionClient;
import io.meridian.policy.model.RegionId;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The federation's live numbers ({@code GET /v1/federation/status}): every region's {@code GET /v1/stats}, asked in parallel
 * with the gateway's own token through {@link RegionClient} (its timeout, its {@code traceparent}), for one tenant or, for a
 * compliance officer, for the whole region. A region that does not answer in time is listed {@code UNAVAILABLE} with null
 * numbers; the answer as a whole never fails for one region.
 *
 * <p>Health: {@code UP} when the region answered and the catalog's health poll has it UP (or the catalog cannot say),
 * {@code DEGRADED} when it answered but the catalog has it DOWN or not yet checked. Answers are cached per scope for
 * {@link #CACHE_FOR}, so that many open consoles (each stream asks every 2 s) cost the regions one query per second.
 */
public final class FederationStatus {

    /** How long one scope's answer is reused. */
    public static final Duration CACHE_FOR = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(FederationStatus.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALL = "\u0000all";

    /** One region's numbers, null when it did not answer. */
    public record RegionNumbers(RegionId region, String health, Long registered, Long connected, Double ingestPerSecond) {
    }

    private final GatewayConfig config;
    private final RegionClient regions;
    private final Supplier<Map<String, String>> catalogHealth;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Instant at, List<RegionNumbers> numbers) {
    }

    /**
     * @param catalogHealth region id to the catalog's polled status (UP, DOWN, UNKNOWN); empty when the catalog cannot say
     */
    public FederationStatus(GatewayConfig config, RegionClient regions, Supplier<Map<String, String>> catalogHealth, Clock clock) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.regions = Objects.requireNonNull(regions, "regions must not be null");
        this.catalogHealth = Objects.requireNonNull(catalogHealth, "catalogHealth must not be null");
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /** Every region's numbers for the tenant, or the region totals when {@code tenant} is empty. Blocks up to the region timeout. */
    public List<RegionNumbers> numbers(Optional<String> tenant) {
        String key = tenant.orElse(ALL);
        Cached hit = cache.get(key);
        Instant now = clock.instant();
        if (hit != null && now.isBefore(hit.at().plus(CACHE_FOR))) {
            return hit.numbers();
        }
        String path = "/stats" + tenant.map(t -> "?tenant=" + URLEncoder.encode(t, StandardCharsets.UTF_8)).orElse("");
        Map<RegionId, CompletableFuture<HttpResponse<byte[]>>> calls = new LinkedHashMap<>();
        for (GatewayConfig.RegionLinks r : config.regions()) {
            calls.put(r.id(), regions.send(r.id(), "GET", path, Optional.empty()));
        }
        Map<String, String> health = catalogHealth.get();
        List<RegionNumbers> out = new ArrayList<>();
        calls.forEach((region, call) -> out.add(numbers(region, call, health)));
        if (cache.size() > 1000) {
            cache.clear(); // one entry per tenant asked; a bound against a flood of tenant names
        }
        cache.put(key, new Cached(now, List.copyOf(out)));
        return out;
    }

    private RegionNumbers numbers(RegionId region, CompletableFuture<HttpResponse<byte[]>> call, Map<String, String> health) {
        try {
            HttpResponse<byte[]> r = call.join();
            if (r.statusCode() == 200) {
                JsonNode body = JSON.readTree(r.body());
                String polled = health.get(region.value());
                String state = polled == null || polled.equals("UP") ? "UP" : "DEGRADED";
                return new RegionNumbers(region, state, body.path("devicesRegistered").asLong(), body.path("devicesConnected").asLong(),
                        body.path("ingestPerSecond").asDouble());
            }
            LOG.debug("region {} answered {} to /v1/stats", region.value(), r.statusCode());
        } catch (Exception e) {
            LOG.debug("region {} did not answer /v1/stats: {}", region.value(), e.toString());
        }
        return new RegionNumbers(region, "UNAVAILABLE", null, null, null);
    }

    /** The body of {@code GET /v1/federation/status} (and of the {@code status} event). */
    public ObjectNode body(Optional<String> tenant) {
        ObjectNode body = JSON.createObjectNode();
        body.put("at", clock.instant().toString());
        ObjectNode scope = body.putObject("scope");
        tenant.ifPresentOrElse(t -> scope.put("tenant", t), () -> scope.putNull("tenant"));
        ArrayNode list = body.putArray("regions");
        Map<RegionId, String> jurisdictions = new HashMap<>();
        config.regions().forEach(r -> jurisdictions.put(r.id(), r.jurisdiction().code()));
        for (RegionNumbers n : numbers(tenant)) {
            ObjectNode o = list.addObject().put("id", n.region().value()).put("jurisdiction", jurisdictions.get(n.region())).put("health", n.health());
            putOrNull(o, "devicesRegistered", n.registered());
            putOrNull(o, "devicesConnected", n.connected());
            if (n.ingestPerSecond() == null) {
                o.putNull("ingestPerSecond");
            } else {
                o.put("ingestPerSecond", n.ingestPerSecond());
            }
        }
        return body;
    }

    private static void putOrNull(ObjectNode o, String name, Long value) {
        if (value == null) {
            o.putNull(name);
        } else {
            o.put(name, value);
        }
    }
}
