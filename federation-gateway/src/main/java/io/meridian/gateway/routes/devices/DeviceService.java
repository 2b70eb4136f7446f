package io.meridian.gateway.routes.devices;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.client.ClientToken;
import io.meridian.gateway.client.RegionBreakers;
import io.meridian.gateway.client.RegionClient;
import io.meridian.gateway.problem.GatewayProblem;
import io.meridian.gateway.problem.ProblemJson;
import io.meridian.gateway.tracing.GatewayTracing;
import io.meridian.policy.model.RegionId;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logic of the device routes, apart from Camel: registration, lookup and deregistration through the catalog; the
 * device list of this region plus every other region's count; raw data (state, telemetry, events) and commands through
 * the device's home region.
 *
 * <p>The residency rule R1: raw data (and a command's response, which is device data) never leaves its home region. The
 * home region is always asked, so that it logs its own decision (a DENY for another region's gateway), and when it is
 * not this gateway's region the answer is a 451 with a {@code Link} to the home region's gateway, whatever the region
 * answered and even when it did not answer: the law does not depend on availability. A foreign region that answers 2xx
 * with raw data anyway (a bug or a misconfiguration there) is overruled here: the body is dropped.
 *
 * <p>Blocking; the routes run on worker threads, every call bounded by the catalog or region timeout.
 */
final class DeviceService {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The catalog's rule for device ids. */
    static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    static final int MAX_BODY = 64 * 1024;
    static final Duration MAX_COMMAND_TIMEOUT = Duration.ofSeconds(60);
    static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /**
     * What a command call may take beyond the device's own timeout: the region may first create the tenant's command
     * topics and waits up to 10 s for Kafka's acknowledgement.
     */
    static final Duration COMMAND_SLACK = Duration.ofSeconds(30);
    private static final Set<String> REGISTRATION_FIELDS = Set.of("device-id", "location", "labels");
    private static final Set<String> RAW_QUERY = Set.of("from", "to", "limit", "cursor");
    private static final Set<String> LIST_QUERY = Set.of("pageSize", "pageOffset");

    /** The raw data a region serves per device. */
    enum Raw {
        STATE("state", Set.of()), TELEMETRY("telemetry", RAW_QUERY), EVENTS("events", RAW_QUERY);

        final String segment;
        final Set<String> query;

        Raw(String segment, Set<String> query) {
            this.segment = segment;
            this.query = query;
        }
    }

    private record Assignment(RegionId region, GatewayConfig.RegionLinks home) {
    }

    private final GatewayConfig config;
    private final CatalogDevices catalog;
    private final RegionClient regions;
    private final Optional<GatewayTracing> tracing;

    DeviceService(GatewayConfig config, CatalogDevices catalog, RegionClient regions) {
        this(config, catalog, regions, Optional.empty());
    }

    /** @param tracing makes a client span around each call to a device's home region (named by template, no ids) */
    DeviceService(GatewayConfig config, CatalogDevices catalog, RegionClient regions, Optional<GatewayTracing> tracing) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        this.catalog = Objects.requireNonNull(catalog, "catalog must not be null");
        this.regions = Objects.requireNonNull(regions, "regions must not be null");
        this.tracing = Objects.requireNonNull(tracing, "tracing must not be null");
    }

    /** A blocking call to a region. */
    @FunctionalInterface
    private interface RegionCall {
        HttpResponse<byte[]> run() throws IOException, InterruptedException;
    }

    /**
     * Runs {@code call} inside a client span named {@code template} (the region data API's route template, so that no
     * device id reaches a span), current while the call is made, so that the region receives its traceparent.
     */
    private HttpResponse<byte[]> traced(RegionId region, String template, RegionCall call) throws IOException, InterruptedException {
        if (tracing.isEmpty()) {
            return call.run();
        }
        try (GatewayTracing.RegionCallSpan span = tracing.get().regionCall(null, region, template)) {
            try {
                HttpResponse<byte[]> r = call.run();
                span.status(r.statusCode());
                return r;
            } catch (IOException e) {
                span.failed("the region did not answer");
                throw e;
            }
        }
    }

    // ---- through the catalog

    /** Registers a device through the catalog; its answer (201 with the region and the credentials, once) is passed on. */
    Answer register(String tenant, String body) throws InterruptedException {
        JsonNode json = jsonObject(body);
        for (var it = json.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!REGISTRATION_FIELDS.contains(field)) {
                throw GatewayProblem.of(400, "unknown field " + field + "; a registration has " + new TreeSet<>(REGISTRATION_FIELDS));
            }
        }
        JsonNode id = json.get("device-id");
        if (id == null || !id.isTextual()) {
            throw GatewayProblem.of(400, "device-id is required and must be a string");
        }
        requireDevice(id.asText());
        if (json.has("labels") && !json.get("labels").isObject()) {
            throw GatewayProblem.of(400, "labels must be an object of strings");
        }
        if (json.has("location") && !json.get("location").isObject()) {
            throw GatewayProblem.of(400, "location must be an object (lat/lon, country or ip)");
        }
        CatalogDevices.Reply r = catalog.call("POST", "/tenants/" + segment(tenant) + "/devices", Optional.of(body));
        return catalogAnswer(r, "POST /tenants/" + tenant + "/devices", Set.of(201, 400, 404, 409, 422));
    }

    /** Deregisters a device through the catalog (204; 404 and 409 passed on). */
    Answer delete(String tenant, String device) throws InterruptedException {
        requireDevice(device);
        CatalogDevices.Reply r = catalog.call("DELETE", devicePath(tenant, device), Optional.empty());
        return catalogAnswer(r, "DELETE " + devicePath(tenant, device), Set.of(204, 404, 409));
    }

    /**
     * The device's assignment: {@code {id, region, jurisdiction, homeGateway}}, and when its home is this gateway's region
     * also its labels from the region (device identity stays home, so only then).
     */
    Answer get(String tenant, String device) throws InterruptedException {
        requireDevice(device);
        Assignment a = assignment(tenant, device);
        ObjectNode out = JSON.createObjectNode().put("id", device).put("tenant", tenant).put("region", a.region().value())
                .put("jurisdiction", a.home().jurisdiction().code()).put("homeGateway", a.home().gateway().toString());
        if (isOwn(a.region())) {
            try {
                HttpResponse<byte[]> r = traced(a.region(), "GET /tenants/{tenant}/devices/{device}",
                        () -> regions.call(a.region(), "GET", devicePath(tenant, device), Optional.empty()));
                if (r.statusCode() == 200) {
                    out.set("labels", JSON.readTree(r.body()).path("labels"));
                } else {
                    out.put("labelsUnavailable", "region " + a.region().value() + " answered " + r.statusCode());
                }
            } catch (IOException e) {
                out.put("labelsUnavailable", notAnswered(a.region(), e));
            }
        }
        return Answer.json(200, out.toString());
    }

    // ---- the device list

    /**
     * This region's devices (a page from its data API) and, for every other region, how many devices the tenant has
     * there with a link to that region's gateway. The regions are asked in parallel; one that fails is listed as
     * unavailable, not left out.
     */
    Answer list(String tenant, String rawQuery) {
        Map<String, String> q = query(rawQuery, LIST_QUERY);
        int size = integer(q, "pageSize", 100, 1, 500);
        int offset = integer(q, "pageOffset", 0, 0, 10_000);
        GatewayConfig.RegionLinks own = config.own();
        CompletableFuture<HttpResponse<byte[]>> local = regions.send(own.id(), "GET",
                "/tenants/" + segment(tenant) + "/devices?pageSize=" + size + "&pageOffset=" + offset, Optional.empty());
        Map<GatewayConfig.RegionLinks, CompletableFuture<HttpResponse<byte[]>>> counts = new LinkedHashMap<>();
        for (GatewayConfig.RegionLinks r : config.regions()) {
            if (!r.id().equals(own.id())) {
                counts.put(r, regions.send(r.id(), "GET", "/tenants/" + segment(tenant) + "/devices/count", Optional.empty()));
            }
        }
        ObjectNode out = JSON.createObjectNode().put("tenant", tenant);
        ObjectNode here = out.putObject("devices").put("region", own.id().value()).put("jurisdiction", own.jurisdiction().code());
        regionJson(local).ifPresentOrElse(page -> {
            here.put("status", "UP").put("pageOffset", offset).put("pageSize", size);
            here.set("items", page.path("items"));
            if (page.has("nextPageOffset")) {
                here.set("nextPageOffset", page.get("nextPageOffset"));
            }
        }, () -> here.put("status", "UNAVAILABLE").put("reason", failure(local, own)));
        ArrayNode others = out.putArray("otherRegions");
        counts.forEach((links, call) -> {
            ObjectNode o = others.addObject().put("region", links.id().value()).put("jurisdiction", links.jurisdiction().code());
            Optional<JsonNode> count = regionJson(call).filter(c -> c.path("devices").isIntegralNumber());
            if (count.isPresent()) {
                o.put("status", "UP").put("devices", count.get().get("devices").asLong());
            } else {
                o.put("status", "UNAVAILABLE").put("reason", failure(call, links));
            }
            o.put("link", links.gateway() + "/tenants/" + segment(tenant) + "/devices");
        });
        return Answer.json(200, out.toString());
    }

    /** The 200 JSON body of a region call, or empty when it failed, timed out or answered otherwise. */
    private static Optional<JsonNode> regionJson(CompletableFuture<HttpResponse<byte[]>> call) {
        try {
            HttpResponse<byte[]> r = call.join();
            if (r.statusCode() != 200) {
                return Optional.empty();
            }
            return Optional.of(JSON.readTree(r.body()));
        } catch (RuntimeException | IOException e) {
            return Optional.empty();
        }
    }

    private String failure(CompletableFuture<HttpResponse<byte[]>> call, GatewayConfig.RegionLinks region) {
        try {
            HttpResponse<byte[]> r = call.join();
            return "region " + region.id().value() + " answered " + r.statusCode();
        } catch (RuntimeException e) {
            return notAnswered(region.id(), e.getCause() != null ? e.getCause() : e);
        }
    }

    /** Why a region gave no answer: its open breaker's message, or that it did not answer in time. */
    private String notAnswered(RegionId region, Throwable e) {
        if (e instanceof RegionBreakers.Open open) {
            return open.getMessage();
        }
        return "region " + region.value() + " did not answer within " + config.regionTimeout().toMillis() + " ms";
    }

    // ---- raw data and commands through the home region

    /**
     * A device's state, telemetry or events. The query is checked before any call; the home region is always asked;
     * only when it is this gateway's region is its answer passed on, otherwise 451.
     *
     * @param instance the request path, for the 451 problem
     */
    Answer raw(String tenant, String device, Raw what, String rawQuery, String instance) throws InterruptedException {
        requireDevice(device);
        Map<String, String> q = query(rawQuery, what.query);
        for (String name : List.of("from", "to")) {
            if (q.containsKey(name)) {
                try {
                    Instant.parse(q.get(name));
                } catch (DateTimeException e) {
                    throw GatewayProblem.of(400, name + " must be an ISO-8601 instant such as 2026-11-24T10:00:00Z, was " + q.get(name));
                }
            }
        }
        if (q.containsKey("limit")) {
            integer(q, "limit", 100, 1, 1000);
        }
        if (q.containsKey("cursor") && (q.get("cursor").isBlank() || q.get("cursor").length() > 1024)) {
            throw GatewayProblem.of(400, "cursor must be the nextCursor of a previous page");
        }
        Assignment a = assignment(tenant, device);
        StringBuilder path = new StringBuilder(devicePath(tenant, device)).append('/').append(what.segment);
        String sep = "?";
        for (Map.Entry<String, String> e : q.entrySet()) {
            path.append(sep).append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = "&";
        }
        HttpResponse<byte[]> r;
        try {
            r = traced(a.region(), "GET /tenants/{tenant}/devices/{device}/" + what.segment,
                    () -> regions.call(a.region(), "GET", path.toString(), Optional.empty()));
        } catch (IOException e) {
            if (!isOwn(a.region())) {
                return unavailableForLegalReasons(tenant, device, what.segment, a, Optional.empty(), instance,
                        " (the home region did not answer; the rule does not depend on it)");
            }
            throw unreachable(a.region(), e);
        }
        if (!isOwn(a.region())) {
            return foreign(r, tenant, device, what.segment, a, instance);
        }
        return regionAnswer(r, a.region(), Set.of(200, 400, 404, 451));
    }

    /**
     * A command to the device's home region; its answer (202, 200, 451, 404, 503 not delivered, 504 timed out, ...) is
     * relayed. A request-response answer from another region is device data: if one ever comes, it is dropped and
     * answered 451.
     */
    Answer command(String tenant, String device, String body, String instance) throws InterruptedException {
        requireDevice(device);
        JsonNode json = jsonObject(body);
        boolean responseRequired = json.path("responseRequired").asBoolean(false);
        Duration timeout = DEFAULT_COMMAND_TIMEOUT;
        if (json.has("timeout")) {
            try {
                timeout = Duration.parse(json.get("timeout").asText());
            } catch (DateTimeException e) {
                throw GatewayProblem.of(400, "timeout must be an ISO-8601 duration such as PT10S, was " + json.get("timeout"));
            }
            if (timeout.isNegative() || timeout.compareTo(MAX_COMMAND_TIMEOUT) > 0) {
                throw GatewayProblem.of(400, "timeout must be at most " + MAX_COMMAND_TIMEOUT + ", was " + json.get("timeout").asText());
            }
        }
        Assignment a = assignment(tenant, device);
        Duration limit = (responseRequired ? timeout : Duration.ZERO).plus(COMMAND_SLACK);
        HttpResponse<byte[]> r;
        try {
            r = traced(a.region(), "POST /tenants/{tenant}/devices/{device}/commands", () -> {
                try {
                    return regions.sendCommand(a.region(), devicePath(tenant, device) + "/commands", body.getBytes(StandardCharsets.UTF_8),
                            limit).join();
                } catch (java.util.concurrent.CompletionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw unreachable(a.region(), e);
        }
        if (!isOwn(a.region()) && r.statusCode() >= 200 && r.statusCode() < 300 && responseRequired) {
            return foreign(r, tenant, device, "commands", a, instance);
        }
        return regionAnswer(r, a.region(), Set.of(200, 202, 400, 403, 404, 413, 451, 503, 504));
    }

    /** A foreign home region's answer to a raw request: always 451, with its decision id when it gave one. */
    private Answer foreign(HttpResponse<byte[]> r, String tenant, String device, String what, Assignment a, String instance) {
        Optional<JsonNode> decision = Optional.empty();
        if (r.statusCode() == 451) {
            try {
                decision = Optional.of(JSON.readTree(r.body())).filter(d -> d.path("decisionId").isTextual());
            } catch (IOException e) {
                // no decision id to pass on; the 451 stands
            }
        } else if (r.statusCode() >= 200 && r.statusCode() < 300) {
            // the second line of defence: the home region should have refused; its data does not go further
            LOG.warn("region {} answered {} with raw {} of tenant {} to the gateway of {}; the body is dropped and 451 answered",
                    a.region().value(), r.statusCode(), what, tenant, config.region().value());
        }
        return unavailableForLegalReasons(tenant, device, what, a, decision, instance, "");
    }

    /**
     * @param decision the home region's 451 problem, whose {@code decisionId} and {@code decisionSequence} (where its decision
     *                 log holds the DENY) are passed on
     */
    private Answer unavailableForLegalReasons(String tenant, String device, String what, Assignment a, Optional<JsonNode> decision,
            String instance, String note) {
        String link = a.home().gateway() + devicePath(tenant, device) + "/" + what;
        ObjectNode p = JSON.createObjectNode().put("type", "about:blank").put("title", ProblemJson.reasonPhrase(451)).put("status", 451)
                .put("detail", what + " of device " + device + " is raw data stored in region " + a.region().value() + " ("
                        + a.home().jurisdiction().code() + ") and is served only by that region's gateway, not by the gateway of "
                        + config.region().value() + " (" + config.jurisdiction().code() + "); rule R1" + note)
                .put("instance", instance).put("rule", "R1").put("homeRegion", a.region().value())
                .put("homeJurisdiction", a.home().jurisdiction().code()).put("link", link);
        decision.ifPresent(d -> {
            p.put("decisionId", d.get("decisionId").asText());
            if (d.path("decisionSequence").isIntegralNumber()) {
                p.put("decisionSequence", d.get("decisionSequence").asLong());
            }
        });
        return new Answer(451, ProblemJson.MEDIA_TYPE, p.toString(), Map.of("Link", "<" + link + ">; rel=\"alternate\""));
    }

    /** This region's answer: the listed statuses passed on, a 503 as unavailable, anything else a 502. */
    private static Answer regionAnswer(HttpResponse<byte[]> r, RegionId region, Set<Integer> passed) {
        int status = r.statusCode();
        if (passed.contains(status)) {
            String type = r.headers().firstValue("Content-Type").orElse(Answer.JSON);
            return new Answer(status, type, r.body().length == 0 ? null : new String(r.body(), StandardCharsets.UTF_8),
                    r.headers().firstValue("Retry-After").map(v -> Map.of("Retry-After", v)).orElse(Map.of()));
        }
        if (status == 503) {
            throw GatewayProblem.unavailable("region " + region.value() + " is temporarily unavailable (it answered 503)", 5, null);
        }
        throw GatewayProblem.of(502, "region " + region.value() + " answered " + status);
    }

    private GatewayProblem unreachable(RegionId region, IOException e) {
        if (e instanceof ClientToken.TokenException) {
            return GatewayProblem.unavailable("the gateway cannot get its own token from Keycloak, so region " + region.value()
                    + " cannot be asked", 5, e);
        }
        return GatewayProblem.unavailable(notAnswered(region, e), e instanceof RegionBreakers.Open open ? open.retryAfterSeconds() : 5, e);
    }

    // ---- the catalog's assignment

    private Assignment assignment(String tenant, String device) throws InterruptedException {
        CatalogDevices.Reply r = catalog.call("GET", devicePath(tenant, device), Optional.empty());
        if (r.status() == 404) {
            throw GatewayProblem.of(404, "device " + device + " of tenant " + tenant + " is not registered in any region");
        }
        if (r.status() == 503) {
            throw GatewayProblem.unavailable("the catalog is temporarily unavailable (it answered 503), so the device's region is not known", 5,
                    null);
        }
        if (r.status() != 200) {
            throw GatewayProblem.of(502, "the catalog answered " + r.status() + " to the lookup of device " + device);
        }
        String region;
        try {
            region = JSON.readTree(r.body()).path("region").asText("");
        } catch (IOException e) {
            throw GatewayProblem.of(502, "the catalog's assignment of device " + device + " is not JSON");
        }
        RegionId id;
        try {
            id = RegionId.of(region);
        } catch (IllegalArgumentException e) {
            throw GatewayProblem.of(502, "the catalog's assignment of device " + device + " names no usable region, was '" + region + "'");
        }
        GatewayConfig.RegionLinks home = config.links(id)
                .orElseThrow(() -> GatewayProblem.of(502, "the catalog assigns device " + device + " to region " + region
                        + ", which this gateway does not know"));
        return new Assignment(id, home);
    }

    private static Answer catalogAnswer(CatalogDevices.Reply r, String what, Set<Integer> passed) {
        if (passed.contains(r.status())) {
            return new Answer(r.status(), r.contentType(), r.body() == null || r.body().isEmpty() ? null : r.body(), Map.of());
        }
        if (r.status() == 503) {
            throw GatewayProblem.unavailable("the catalog is temporarily unavailable (it answered 503 to " + what + ")", 5, null);
        }
        throw GatewayProblem.of(502, "the catalog answered " + r.status() + " to " + what);
    }

    // ---- checks

    private boolean isOwn(RegionId region) {
        return region.equals(config.region());
    }

    static void requireDevice(String device) {
        if (device == null || !DEVICE_ID.matcher(device).matches()) {
            throw GatewayProblem.of(400, "a device id must be 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit, was '"
                    + device + "'");
        }
    }

    private static JsonNode jsonObject(String body) {
        if (body == null || body.isBlank()) {
            throw GatewayProblem.of(400, "a JSON object body is required");
        }
        if (body.length() > MAX_BODY) {
            throw GatewayProblem.of(413, "the body must be at most " + MAX_BODY + " bytes");
        }
        try {
            JsonNode json = JSON.readTree(body);
            if (json == null || !json.isObject()) {
                throw GatewayProblem.of(400, "the body must be a JSON object");
            }
            return json;
        } catch (IOException e) {
            throw GatewayProblem.of(400, "the body is not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
    }

    /** The query's parameters (decoded), refusing any not in {@code allowed} and any given twice. */
    static Map<String, String> query(String raw, Set<String> allowed) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!allowed.contains(name)) {
                throw GatewayProblem.of(400, "unknown query parameter " + name + (allowed.isEmpty() ? "; this operation takes none"
                        : "; this operation takes " + new TreeSet<>(allowed)));
            }
            if (q.put(name, value) != null) {
                throw GatewayProblem.of(400, "query parameter " + name + " is given twice");
            }
        }
        return q;
    }

    private static int integer(Map<String, String> q, String name, int defaultValue, int min, int max) {
        String v = q.get(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            int i = Integer.parseInt(v);
            if (i >= min && i <= max) {
                return i;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw GatewayProblem.of(400, name + " must be an integer between " + min + " and " + max + ", was " + v);
    }

    private static String devicePath(String tenant, String device) {
        return "/tenants/" + segment(tenant) + "/devices/" + segment(device);
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
