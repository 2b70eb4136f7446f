package io.meridian.region.api;

import io.meridian.policy.ChainHead;
import io.meridian.policy.ChainVerification;
import io.meridian.policy.ChainVerifier;
import io.meridian.policy.Decision;
import io.meridian.policy.DecisionLog;
import io.meridian.policy.DecisionRecord;
import io.meridian.policy.TransferRequest;
import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.auth.TokenValidator;
import io.meridian.region.audit.CatalogAssignments;
import io.meridian.region.audit.ReleaseAudit;
import io.meridian.region.audit.ReleaseStore;
import io.meridian.region.audit.StorageAudit;
import io.meridian.region.egress.CassandraDecisionLog;
import io.meridian.region.egress.EgressGate;
import io.meridian.region.egress.LabelDeviceIds;
import io.meridian.region.egress.TenantExportPolicy;
import io.meridian.region.ingest.DownstreamRecord.Kind;
import io.meridian.region.ingest.LatestState;
import io.meridian.region.ingest.RawStore;
import io.meridian.region.command.NorthboundCommands;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region data API: device state, raw telemetry and events for callers of this region, aggregates through the
 * egress gate for any caller of the tenant, and the decision log for compliance officers. The OpenAPI document is
 * served at {@code /v1/openapi.json} (and lives in {@code src/main/resources/openapi/region-data-api.json}).
 *
 * <p>Every request but the OpenAPI document needs a Keycloak bearer token of the realm (signature, issuer,
 * expiry and audience checked by {@link TokenValidator}). Errors are {@code application/problem+json}
 * (RFC 9457). A raw request from outside the region is answered {@code 451} (RFC 7725) naming the rule, and
 * logged.
 */
public final class RegionDataApi {

    private static final Logger LOG = LoggerFactory.getLogger(RegionDataApi.class);
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String PROBLEM_BASE = "https://meridian.example/problems/";
    private static final int DEFAULT_LIMIT = 100;
    /** The longest range a raw query may span; a longer one is refused, not truncated. */
    static final Duration MAX_RAW_RANGE = Duration.ofDays(31);
    /** How long an aggregate query waits for the registry to say which group values are device ids (A9). */
    static final Duration LABEL_LOOKUP_TIMEOUT = Duration.ofSeconds(10);
    /** The longest range an aggregate query may span. */
    static final Duration MAX_AGGREGATE_RANGE = Duration.ofDays(31);
    /** The largest command request body. */
    static final int MAX_COMMAND_BODY = 64 * 1024;
    /** The longest a request-response command may wait for the device. */
    static final Duration MAX_COMMAND_TIMEOUT = Duration.ofSeconds(60);
    static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_PAGE_SIZE = 500;
    static final int MAX_PAGE_OFFSET = 10_000;
    private static final java.util.regex.Pattern TENANT_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final java.util.regex.Pattern COMMAND_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final java.util.regex.Pattern MEDIA_TYPE = java.util.regex.Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}");
    private static final java.util.Set<String> COMMAND_FIELDS = java.util.Set.of("name", "payload", "contentType", "responseRequired", "timeout");
    private static final List<Duration> RESOLUTIONS = List.of(Duration.ofMinutes(1), Duration.ofMinutes(15), Duration.ofHours(1));

    /** Where the API listens. */
    public record Config(String bindAddress, int port) {
        public Config {
            Objects.requireNonNull(bindAddress, "bindAddress must not be null");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("meridian.dataApi.port must be between 0 and 65535, was " + port);
            }
        }
    }

    /**
     * The region's side of the residency audit.
     *
     * @param releases     where each aggregate release is recorded before it leaves
     * @param releaseAudit check 4 over the decision log
     * @param storageAudit checks 1 and 5
     */
    public record Audit(ReleaseStore releases, ReleaseAudit releaseAudit, StorageAudit storageAudit) {
        public Audit {
            Objects.requireNonNull(releases, "releases must not be null");
            Objects.requireNonNull(releaseAudit, "releaseAudit must not be null");
            Objects.requireNonNull(storageAudit, "storageAudit must not be null");
        }
    }

    /** The region's device registry as the API sees it. */
    public interface Devices {
        /** The device's management document, empty when the device is not registered in this region. */
        Future<Optional<JsonObject>> document(String tenant, String device);

        /** One page of the tenant's devices in device-id order: id and management document. */
        Future<List<Map.Entry<String, JsonObject>>> page(String tenant, int offset, int size);

        /** How many devices the tenant has in this region. */
        Future<Long> count(String tenant);

        /**
         * Which of at most {@link LabelDeviceIds#BATCH} ids are devices of the tenant in this region (one existence query,
         * not cached): rule A9's check of group-label values.
         */
        Future<java.util.Set<String>> registeredAmong(String tenant, List<String> ids);
    }

    /**
     * What the API reads from and writes to.
     *
     * @param devices   the registry's devices (the device list and count, and the command's device check)
     * @param commands  where commands go (Hono's Kafka command topics)
     * @param telemetry the API's server spans; a caller's W3C {@code traceparent} is continued
     * @param stats     the node's device counts and ingest rate ({@code GET /v1/stats})
     */
    public record Backends(TokenValidator tokens, EgressGate gate, RawStore raw, LatestState state, AggregateReader aggregates,
            Function<String, Future<Optional<JsonObject>>> tenantDocuments, Clock clock, Devices devices, NorthboundCommands commands,
            OpenTelemetry telemetry, Audit audit, NodeStats stats) {
        public Backends {
            Objects.requireNonNull(stats, "stats must not be null");
            Objects.requireNonNull(audit, "audit must not be null");
            Objects.requireNonNull(devices, "devices must not be null");
            Objects.requireNonNull(commands, "commands must not be null");
            Objects.requireNonNull(telemetry, "telemetry must not be null");
            Objects.requireNonNull(tokens, "tokens must not be null");
            Objects.requireNonNull(gate, "gate must not be null");
            Objects.requireNonNull(raw, "raw must not be null");
            Objects.requireNonNull(state, "state must not be null");
            Objects.requireNonNull(aggregates, "aggregates must not be null");
            Objects.requireNonNull(tenantDocuments, "tenantDocuments must not be null");
            Objects.requireNonNull(clock, "clock must not be null");
        }
    }

    private final Vertx vertx;
    private final String deploymentId;
    private final int port;

    private RegionDataApi(Vertx vertx, String deploymentId, int port) {
        this.vertx = vertx;
        this.deploymentId = deploymentId;
        this.port = port;
    }

    /**
     * Starts the API.
     *
     * @return a future failing when the port cannot be bound
     */
    public static Future<RegionDataApi> start(Vertx vertx, Config config, Backends backends) {
        Server server = new Server(config, backends);
        return vertx.deployVerticle(server).map(id -> new RegionDataApi(vertx, id, server.port));
    }

    public int port() {
        return port;
    }

    public Future<Void> stop() {
        return vertx.undeploy(deploymentId);
    }

    /** A refusal that becomes a problem+json response. */
    static final class Problem extends RuntimeException {
        final int status;
        final String slug;
        final Map<String, Object> extensions;

        Problem(int status, String slug, String detail, Map<String, Object> extensions) {
            super(detail, null, false, false);
            this.status = status;
            this.slug = slug;
            this.extensions = extensions;
        }

        static Problem badRequest(String detail) {
            return new Problem(400, "bad-request", detail, Map.of());
        }
    }

    private static final class Server extends AbstractVerticle {
        private final Config config;
        private final Backends b;
        private volatile int port;
        private HttpServer http;
        private byte[] openApi;

        Server(Config config, Backends backends) {
            this.config = config;
            this.b = backends;
            this.labelDeviceIds = new LabelDeviceIds(backends.devices()::registeredAmong, LABEL_LOOKUP_TIMEOUT);
        }

        /** Which group-label values are device ids of the tenant (A9); asked from the worker that answers the query. */
        private final LabelDeviceIds labelDeviceIds;

        /** Tenants' export policies, parsed once per registry document. */
        private final TenantExportPolicy.Reader tenantPolicies = new TenantExportPolicy.Reader();

        @Override
        public void start(Promise<Void> started) {
            try (InputStream in = RegionDataApi.class.getResourceAsStream("/openapi/region-data-api.json")) {
                if (in == null) {
                    throw new IllegalStateException("the OpenAPI document openapi/region-data-api.json must be on the classpath");
                }
                openApi = in.readAllBytes();
            } catch (IOException e) {
                started.fail(e);
                return;
            }
            Router router = Router.router(vertx);
            router.route().order(-1).handler(this::traced);
            router.get("/v1/openapi.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(
                    io.vertx.core.buffer.Buffer.buffer(openApi)));
            router.get("/v1/tenants/:tenant/devices/:device/state").handler(ctx -> authenticated(ctx, c -> state(ctx, c)));
            router.get("/v1/tenants/:tenant/devices/:device/telemetry").handler(ctx -> authenticated(ctx, c -> raw(ctx, c, Kind.TELEMETRY)));
            router.get("/v1/tenants/:tenant/devices/:device/events").handler(ctx -> authenticated(ctx, c -> raw(ctx, c, Kind.EVENT)));
            router.post("/v1/tenants/:tenant/devices/:device/commands").handler(BodyHandler.create(false).setBodyLimit(MAX_COMMAND_BODY))
                    .handler(ctx -> authenticated(ctx, c -> command(ctx, c)));
            router.get("/v1/tenants/:tenant/devices").handler(ctx -> authenticated(ctx, c -> devices(ctx, c)));
            router.get("/v1/tenants/:tenant/devices/count").handler(ctx -> authenticated(ctx, c -> deviceCount(ctx, c)));
            // after .../count, which this template would match too
            router.get("/v1/tenants/:tenant/devices/:device").handler(ctx -> authenticated(ctx, c -> device(ctx, c)));
            router.get("/v1/tenants/:tenant/aggregates").handler(ctx -> authenticated(ctx, c -> aggregates(ctx, c)));
            router.get("/v1/stats").handler(ctx -> authenticated(ctx, c -> stats(ctx, c)));
            router.get("/v1/decisions").handler(ctx -> authenticated(ctx, c -> decisions(ctx, c)));
            router.get("/v1/decisions/verify").handler(ctx -> authenticated(ctx, c -> verify(ctx, c)));
            router.get("/v1/audit/storage").handler(ctx -> authenticated(ctx, c -> auditStorage(ctx, c)));
            router.get("/v1/audit/releases").handler(ctx -> authenticated(ctx, c -> auditReleases(ctx, c)));
            router.route().last().handler(ctx -> problem(ctx, new Problem(404, "not-found",
                    ctx.request().method() + " " + ctx.request().path() + " is not an operation of the region data API; see /v1/openapi.json",
                    Map.of())));
            router.errorHandler(405, ctx -> problem(ctx, new Problem(405, "method-not-allowed",
                    ctx.request().method() + " is not allowed on " + ctx.request().path(), Map.of())));
            router.errorHandler(413, ctx -> problem(ctx, new Problem(413, "too-large",
                    "the request body must be at most " + MAX_COMMAND_BODY + " bytes", Map.of())));
            router.errorHandler(500, ctx -> {
                LOG.error("region data API failed on {}", ctx.request().path(), ctx.failure());
                problem(ctx, new Problem(500, "internal", "the region data API failed; see the node's log", Map.of()));
            });
            vertx.createHttpServer().requestHandler(router).listen(config.port(), config.bindAddress()).onSuccess(s -> {
                http = s;
                port = s.actualPort();
                started.complete();
            }).onFailure(started::fail);
        }

        @Override
        public void stop(Promise<Void> stopped) {
            (http == null ? Future.<Void>succeededFuture() : http.close()).onComplete(stopped);
        }

        private interface Handler {
            Object handle(Caller caller) throws Exception;
        }

        /** Validates the token and runs the handler on a worker; its result is the JSON body (200). */
        private void authenticated(RoutingContext ctx, Handler handler) {
            String header = ctx.request().getHeader("Authorization");
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"meridian\"");
                problem(ctx, new Problem(401, "unauthorized", "a Keycloak bearer token is required", Map.of()));
                return;
            }
            String token = header.substring(7).trim();
            vertx.executeBlocking((Callable<Object>) () -> {
                Caller caller;
                try {
                    caller = Caller.of(b.tokens().validate(token));
                } catch (TokenValidator.InvalidTokenException e) {
                    throw new Problem(401, "unauthorized", e.getMessage(), Map.of());
                } catch (IllegalArgumentException e) {
                    throw new Problem(401, "unauthorized", "the token's claims are not usable: " + e.getMessage(), Map.of());
                }
                return handler.handle(caller);
            }, false).onSuccess(body -> {
                if (!ctx.response().ended()) {
                    if (body instanceof Reply r) {
                        ctx.response().setStatusCode(r.status());
                        body = r.body();
                    }
                    ctx.response().putHeader("content-type", "application/json").end(body instanceof String s ? s
                            : ((JsonObject) body).encode());
                }
            }).onFailure(t -> {
                if (t instanceof Problem p) {
                    problem(ctx, p);
                } else if (t instanceof IllegalStateException && String.valueOf(t.getMessage()).contains("signing keys")) {
                    problem(ctx, new Problem(503, "unavailable", "the token cannot be checked now: " + t.getMessage(), Map.of()));
                } else {
                    LOG.warn("region data API could not answer {} {}", ctx.request().method(), ctx.request().path(), t);
                    ctx.response().putHeader("Retry-After", "5");
                    problem(ctx, new Problem(503, "unavailable", "the region's store is temporarily unavailable", Map.of()));
                }
            });
        }

        private void problem(RoutingContext ctx, Problem p) {
            if (ctx.response().ended()) {
                return;
            }
            JsonObject body = new JsonObject().put("type", PROBLEM_BASE + p.slug).put("title", title(p.status)).put("status", p.status)
                    .put("detail", p.getMessage()).put("instance", ctx.request().path());
            p.extensions.forEach(body::put);
            ctx.response().setStatusCode(p.status).putHeader("content-type", PROBLEM_JSON).end(body.encode());
        }

        private static String title(int status) {
            return switch (status) {
                case 400 -> "Bad Request";
                case 401 -> "Unauthorized";
                case 403 -> "Forbidden";
                case 404 -> "Not Found";
                case 405 -> "Method Not Allowed";
                case 413 -> "Content Too Large";
                case 451 -> "Unavailable For Legal Reasons";
                case 502 -> "Bad Gateway";
                case 503 -> "Service Unavailable";
                case 504 -> "Gateway Timeout";
                default -> "Internal Server Error";
            };
        }

        private String tenantOf(RoutingContext ctx, Caller caller) {
            String tenant = ctx.pathParam("tenant");
            caller.refusalFor(tenant).ifPresent(reason -> {
                throw new Problem(403, "forbidden", reason, Map.of());
            });
            return tenant;
        }

        private TenantResidencyPolicy tenantPolicy(String tenant) throws Exception {
            Optional<JsonObject> doc = b.tenantDocuments().apply(tenant).toCompletionStage().toCompletableFuture()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            try {
                return tenantPolicies.read(tenant, doc, b.gate().policy().rules());
            } catch (IllegalArgumentException e) {
                // a broken export setting can only make the answer stricter: nothing leaves the jurisdiction
                LOG.warn("tenant {} has an invalid export policy ({}); applying the strictest defaults", tenant, e.getMessage());
                return TenantResidencyPolicy.defaults(tenant);
            }
        }

        /** Lets a raw request through only for callers of this region; otherwise logs the refusal and answers 451. */
        private void requireRawAccess(RoutingContext ctx, Caller caller, String tenant, DataCategory category) throws Exception {
            Jurisdiction destination = caller.region().flatMap(r -> b.gate().policy().rules().jurisdictionOf(r))
                    .orElse(b.gate().jurisdiction());
            EgressGate.Outcome outcome = b.gate().raw(new EgressGate.Requester(caller.name(),
                    caller.region().filter(r -> b.gate().policy().rules().jurisdictionOf(r).isPresent()), destination), tenant, category,
                    tenantPolicy(tenant));
            Decision d = outcome.decision();
            if (d.permits() && outcome.record().isEmpty()) {
                return;
            }
            Map<String, Object> ext = new LinkedHashMap<>();
            ext.put("rule", d.ruleIds().get(0));
            ext.put("rules", d.ruleIds());
            ext.put("ruleDescription", d.rules().get(0).description());
            ext.put("decisionId", d.id().toString());
            outcome.record().ifPresent(r -> ext.put("decisionSequence", r.sequence()));
            ext.put("homeRegion", b.gate().region().value());
            ext.put("category", category.name());
            String who = caller.region().map(r -> "region " + r.value()).orElse("no region (a user token, not a gateway of this region)");
            ctx.response().putHeader("Link", "<" + ctx.request().scheme() + "://" + ctx.request().authority() + ctx.request().path()
                    + ">; rel=\"blocked-by\"");
            throw new Problem(451, "raw-data-stays-in-region", category.name().toLowerCase() + " of tenant " + tenant
                    + " is stored in region " + b.gate().region().value() + " and goes only to callers of that region; the caller acts for "
                    + who + " (rule " + d.ruleIds().get(0) + ")", ext);
        }


        /** A non-200 answer of a handler. */
        private record Reply(int status, JsonObject body) {
        }

        private static final TextMapGetter<io.vertx.core.http.HttpServerRequest> HEADERS = new TextMapGetter<>() {
            @Override
            public Iterable<String> keys(io.vertx.core.http.HttpServerRequest request) {
                return request.headers().names();
            }

            @Override
            public String get(io.vertx.core.http.HttpServerRequest request, String key) {
                return request == null ? null : request.getHeader(key);
            }
        };

        /**
         * One server span per request, continuing the caller's W3C {@code traceparent} (a gateway's trace). Its name
         * is the method and the route's template, never the path itself, so no device id is in a span name; the span
         * carries no path either.
         */
        private void traced(RoutingContext ctx) {
            io.opentelemetry.context.Context parent = W3CTraceContextPropagator.getInstance()
                    .extract(io.opentelemetry.context.Context.root(), ctx.request(), HEADERS);
            Span span = b.telemetry().getTracer("io.meridian.region.api").spanBuilder(ctx.request().method().name())
                    .setParent(parent).setSpanKind(SpanKind.SERVER)
                    .setAttribute("http.request.method", ctx.request().method().name()).startSpan();
            ctx.addEndHandler(done -> {
                String route = ctx.currentRoute() == null || ctx.currentRoute().getPath() == null ? "unmatched"
                        : ctx.currentRoute().getPath();
                int status = ctx.response().getStatusCode();
                span.updateName(ctx.request().method().name() + " " + route);
                span.setAttribute("http.route", route);
                span.setAttribute(AttributeKey.longKey("http.response.status_code"), (long) status);
                if (status >= 500) {
                    span.setStatus(StatusCode.ERROR);
                }
                span.end();
            });
            ctx.next();
        }

        /**
         * {@code POST /v1/tenants/{tenant}/devices/{device}/commands}: a command to a device of this region, one-way
         * (202 once Kafka acknowledged it) or request-response (200 with the device's answer). A response is device
         * data, so only this region's own gateway may ask for one (451 and a logged decision for anyone else).
         */
        private Object command(RoutingContext ctx, Caller caller) throws Exception {
            String tenant = tenantOf(ctx, caller);
            if (!caller.isGateway() && !caller.roles().contains("customer-admin")) {
                throw new Problem(403, "forbidden", "commands need the customer-admin role of tenant " + tenant + " or a gateway's client",
                        Map.of());
            }
            String device = ctx.pathParam("device");
            CommandBody body = commandBody(ctx);
            if (body.responseRequired()) {
                // before the device lookup: a caller that may not have the answer learns nothing about the device either
                requireRawAccess(ctx, caller, tenant, DataCategory.EVENT);
            }
            if (b.devices().document(tenant, device).toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS)
                    .isEmpty()) {
                throw new Problem(404, "not-found", "device " + device + " of tenant " + tenant + " is not registered in region "
                        + b.gate().region().value(), Map.of());
            }
            NorthboundCommands.Command command = new NorthboundCommands.Command(tenant, device, body.name(), body.payload(),
                    body.contentType(), body.responseRequired(), body.timeout());
            JsonObject answer = new JsonObject().put("tenant", tenant).put("device", device).put("region", b.gate().region().value())
                    .put("name", body.name());
            try {
                if (!body.responseRequired()) {
                    b.commands().sendOneWay(command);
                    // Hono reports nothing back for a one-way command, delivered or not: say so rather than imply delivery
                    return new Reply(202, answer.put("accepted", true).put("delivery",
                            "one-way: the region's Kafka accepted the command; Hono does not confirm one-way delivery to the device"));
                }
                Optional<NorthboundCommands.Response> response = b.commands().request(command);
                if (response.isEmpty()) {
                    throw new Problem(504, "command-timeout", "device " + device + " did not answer command " + body.name() + " within "
                            + body.timeout(), Map.of());
                }
                NorthboundCommands.Response r = response.get();
                if (r.deliveryFailure()) {
                    String reason = deliveryFailureReason(r.payload());
                    ctx.response().putHeader("Retry-After", "5");
                    throw new Problem(503, "command-not-delivered", "command " + body.name() + " could not be delivered to device " + device
                            + " (it is not connected or not subscribed to commands): " + reason,
                            Map.of("commandStatus", r.status()));
                }
                return answer.put("status", r.status()).put("contentType", r.contentType()).put("payload", responsePayload(r));
            } catch (NorthboundCommands.Unavailable e) {
                LOG.warn("command {} for tenant {} not sent: {}", body.name(), tenant, e.getMessage());
                ctx.response().putHeader("Retry-After", "5");
                throw new Problem(503, "unavailable", "commands cannot be sent now: " + e.getMessage(), Map.of());
            }
        }

        private record CommandBody(String name, byte[] payload, String contentType, boolean responseRequired, Duration timeout) {
        }

        private static CommandBody commandBody(RoutingContext ctx) {
            JsonObject json;
            try {
                json = ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
            } catch (DecodeException | ClassCastException e) {
                throw Problem.badRequest("the body must be a JSON object: " + e.getMessage());
            }
            if (json == null) {
                throw Problem.badRequest("a JSON body {\"name\": ..., \"payload\": ...} is required");
            }
            for (String field : json.fieldNames()) {
                if (!COMMAND_FIELDS.contains(field)) {
                    throw Problem.badRequest("unknown field " + field + "; a command has " + new java.util.TreeSet<>(COMMAND_FIELDS));
                }
            }
            if (!(json.getValue("name") instanceof String name) || !COMMAND_NAME.matcher(name).matches()) {
                throw Problem.badRequest("name must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit, was "
                        + json.getValue("name"));
            }
            Object type = json.getValue("contentType", "application/json");
            if (!(type instanceof String contentType) || !MEDIA_TYPE.matcher(contentType).matches()) {
                throw Problem.badRequest("contentType must be a media type such as application/json, was " + type);
            }
            Object rr = json.getValue("responseRequired", false);
            if (!(rr instanceof Boolean responseRequired)) {
                throw Problem.badRequest("responseRequired must be true or false, was " + rr);
            }
            Object t = json.getValue("timeout");
            Duration timeout = DEFAULT_COMMAND_TIMEOUT;
            if (t != null) {
                try {
                    timeout = Duration.parse(String.valueOf(t));
                } catch (DateTimeException e) {
                    throw Problem.badRequest("timeout must be an ISO-8601 duration such as PT10S, was " + t);
                }
                if (!(t instanceof String) || timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(MAX_COMMAND_TIMEOUT) > 0) {
                    throw Problem.badRequest("timeout must be between PT1S and " + MAX_COMMAND_TIMEOUT + ", was " + t);
                }
            }
            byte[] payload;
            if (!json.containsKey("payload")) {
                payload = new byte[0];
            } else if (json.getValue("payload") instanceof String text && !contentType.contains("json")) {
                // a text payload of a non-JSON type goes as it is, not as a quoted JSON string
                payload = text.getBytes(StandardCharsets.UTF_8);
            } else {
                payload = Json.encode(json.getValue("payload")).getBytes(StandardCharsets.UTF_8);
            }
            return new CommandBody(name, payload, contentType, responseRequired, timeout);
        }

        private static Object responsePayload(NorthboundCommands.Response r) {
            String text = new String(r.payload(), StandardCharsets.UTF_8);
            if (r.payload().length == 0) {
                return null;
            }
            if (r.contentType().contains("json")) {
                try {
                    return Json.decodeValue(text);
                } catch (DecodeException e) {
                    // a device that labels text as JSON: passed on as text
                }
            }
            return text;
        }

        private static String deliveryFailureReason(byte[] payload) {
            try {
                return new JsonObject(new String(payload, StandardCharsets.UTF_8)).getString("error", "no reason given");
            } catch (DecodeException | ClassCastException e) {
                return "no reason given";
            }
        }

        /**
         * {@code GET /v1/tenants/{tenant}/devices}: the tenant's device ids in this region with their labels. Device
         * identities are raw data of the region: only its own gateway is served; anyone else gets 451, logged.
         */
        private Object devices(RoutingContext ctx, Caller caller) throws Exception {
            String tenant = tenantOf(ctx, caller);
            int size = integer(ctx, "pageSize", DEFAULT_LIMIT, 1, MAX_PAGE_SIZE);
            int offset = integer(ctx, "pageOffset", 0, 0, MAX_PAGE_OFFSET);
            requireRawAccess(ctx, caller, tenant, DataCategory.DEVICE_IDENTITY);
            // one more than the page, to know whether there is a next one
            List<Map.Entry<String, JsonObject>> rows = b.devices().page(tenant, offset, size + 1).toCompletionStage().toCompletableFuture()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            JsonArray items = new JsonArray();
            rows.stream().limit(size).forEach(e -> {
                items.add(new JsonObject().put("id", e.getKey()).put("enabled", e.getValue().getBoolean("enabled", true))
                        .put("labels", labelsOf(e.getValue())));
            });
            JsonObject body = new JsonObject().put("tenant", tenant).put("region", b.gate().region().value()).put("pageOffset", offset)
                    .put("pageSize", size).put("items", items);
            if (rows.size() > size) {
                body.put("nextPageOffset", offset + size);
            }
            return body;
        }

        /** {@code GET /v1/tenants/{tenant}/devices/{device}}: one device's id and labels; raw like the list. */
        private Object device(RoutingContext ctx, Caller caller) throws Exception {
            String tenant = tenantOf(ctx, caller);
            String device = ctx.pathParam("device");
            requireRawAccess(ctx, caller, tenant, DataCategory.DEVICE_IDENTITY);
            JsonObject doc = b.devices().document(tenant, device).toCompletionStage().toCompletableFuture()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS)
                    .orElseThrow(() -> new Problem(404, "not-found", "device " + device + " of tenant " + tenant + " is not registered in region "
                            + b.gate().region().value(), Map.of()));
            return new JsonObject().put("tenant", tenant).put("region", b.gate().region().value()).put("id", device)
                    .put("enabled", doc.getBoolean("enabled", true)).put("labels", labelsOf(doc));
        }

        private static JsonObject labelsOf(JsonObject doc) {
            return Optional.ofNullable(doc.getJsonObject("ext")).map(x -> x.getJsonObject("meridian")).map(m -> m.getJsonObject("labels"))
                    .orElse(new JsonObject());
        }

        /** {@code GET /v1/tenants/{tenant}/devices/count}: how many devices, an operational figure without identifiers. */
        private Object deviceCount(RoutingContext ctx, Caller caller) throws Exception {
            String tenant = tenantOf(ctx, caller);
            long n = b.devices().count(tenant).toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
            return new JsonObject().put("tenant", tenant).put("region", b.gate().region().value()).put("devices", n);
        }

        private Object state(RoutingContext ctx, Caller caller) throws Exception {
            String tenant = tenantOf(ctx, caller);
            String device = ctx.pathParam("device");
            requireRawAccess(ctx, caller, tenant, DataCategory.TELEMETRY);
            Optional<LatestState.DeviceState> held = b.state().get(tenant, device);
            JsonObject body = new JsonObject().put("tenant", tenant).put("device", device).put("region", b.gate().region().value());
            if (held.isPresent()) {
                LatestState.DeviceState s = held.get();
                JsonObject metrics = new JsonObject();
                s.metrics().forEach((k, v) -> metrics.put(k, new JsonObject().put("value", v.value()).put("time", v.time().toString())));
                body.put("source", "latest-state").put("lastSeen", s.lastSeen().toString()).put("metrics", metrics);
                s.lat().ifPresent(lat -> body.put("location", new JsonObject().put("lat", lat).put("lon", s.lon().orElseThrow())
                        .put("time", s.locatedAt().orElseThrow().toString())));
                return body;
            }
            // after a restart the cache is empty until the device sends again: fall back to its newest stored row
            Optional<RawStore.RawRow> newest = b.raw().latest(Kind.TELEMETRY, tenant, device, b.clock().instant(), 7);
            if (newest.isEmpty()) {
                throw new Problem(404, "not-found", "no data of device " + device + " of tenant " + tenant + " in region "
                        + b.gate().region().value() + " within 7 days", Map.of());
            }
            RawStore.RawRow r = newest.get();
            JsonObject metrics = new JsonObject();
            r.metrics().forEach((k, v) -> metrics.put(k, new JsonObject().put("value", v).put("time", r.eventTime().toString())));
            body.put("source", "raw").put("lastSeen", r.eventTime().toString()).put("metrics", metrics);
            r.lat().ifPresent(lat -> body.put("location", new JsonObject().put("lat", lat).put("lon", r.lon().orElseThrow())
                    .put("time", r.eventTime().toString())));
            return body;
        }

        private Object raw(RoutingContext ctx, Caller caller, Kind kind) throws Exception {
            String tenant = tenantOf(ctx, caller);
            String device = ctx.pathParam("device");
            Instant to = instant(ctx, "to").orElse(b.clock().instant());
            Instant from = instant(ctx, "from").orElse(to.minus(Duration.ofHours(1)));
            if (!from.isBefore(to)) {
                throw Problem.badRequest("from must be before to, was from=" + from + " to=" + to);
            }
            if (Duration.between(from, to).compareTo(MAX_RAW_RANGE) > 0) {
                throw Problem.badRequest("a raw query may span at most " + MAX_RAW_RANGE.toDays() + " days, was " + Duration.between(from, to));
            }
            int limit = integer(ctx, "limit", DEFAULT_LIMIT, 1, RawStore.MAX_PAGE);
            Optional<RawStore.Cursor> cursor;
            try {
                cursor = Optional.ofNullable(ctx.request().getParam("cursor")).map(RawStore.Cursor::decode);
            } catch (IllegalArgumentException e) {
                throw Problem.badRequest(e.getMessage());
            }
            requireRawAccess(ctx, caller, tenant, kind == Kind.EVENT ? DataCategory.EVENT : DataCategory.TELEMETRY);
            List<RawStore.RawRow> rows = b.raw().range(kind, tenant, device, from, to, cursor, limit);
            JsonArray items = new JsonArray();
            rows.forEach(r -> items.add(new JsonObject(r.toJson())));
            JsonObject body = new JsonObject().put("tenant", tenant).put("device", device).put("region", b.gate().region().value())
                    .put("from", from.toString()).put("to", to.toString()).put("items", items);
            if (rows.size() == limit) {
                body.put("nextCursor", RawStore.Cursor.of(rows.get(rows.size() - 1)).encode());
            }
            return body;
        }


        private Object aggregates(RoutingContext ctx, Caller caller) throws Exception {
            String tenant = tenantOf(ctx, caller);
            String metric = Optional.ofNullable(ctx.request().getParam("metric")).filter(m -> !m.isBlank())
                    .orElseThrow(() -> Problem.badRequest("the query parameter metric is required"));
            Duration resolution = resolution(ctx);
            Instant to = instant(ctx, "to").orElse(b.clock().instant());
            Instant from = instant(ctx, "from").orElse(to.minus(Duration.ofHours(1)));
            if (!from.isBefore(to)) {
                throw Problem.badRequest("from must be before to, was from=" + from + " to=" + to);
            }
            if (Duration.between(from, to).compareTo(MAX_AGGREGATE_RANGE) > 0) {
                throw Problem.badRequest("an aggregate query may span at most " + MAX_AGGREGATE_RANGE.toDays() + " days, was "
                        + Duration.between(from, to));
            }
            // windows are aligned to the epoch: widen the range to whole windows, and say so in the answer
            long step = resolution.toMillis();
            from = Instant.ofEpochMilli(Math.floorDiv(from.toEpochMilli(), step) * step);
            to = Instant.ofEpochMilli(-Math.floorDiv(-to.toEpochMilli(), step) * step);
            Optional<String> group = Optional.ofNullable(ctx.request().getParam("group")).filter(g -> !g.isBlank());
            group.ifPresent(g -> {
                if (!g.equals("all") && !g.equals("geohash") && !g.matches("label:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
                    throw Problem.badRequest("group must be all, geohash or label:<key>, was " + g);
                }
            });
            boolean merge = Boolean.parseBoolean(ctx.request().getParam("merge", "false"));
            EgressGate.Requester requester = requester(ctx, caller);
            Optional<Jurisdiction> onward = onward(ctx, caller);
            TenantResidencyPolicy policy = tenantPolicy(tenant);
            List<AggregateReader.Cell> cells;
            try {
                cells = b.aggregates().read(tenant, metric, resolution, from, to, group, merge);
            } catch (IllegalArgumentException e) {
                throw Problem.badRequest(e.getMessage());
            }
            // A9: a group value that equals one of the tenant's device ids names that device, whatever it looks like
            java.util.Set<String> namingDevices;
            try {
                namingDevices = labelDeviceIds.among(tenant, cells.stream().map(AggregateReader.Cell::groupValue).toList());
            } catch (LabelDeviceIds.Unavailable e) {
                LOG.warn("aggregate query of tenant {} refused: {}", tenant, e.getMessage());
                throw new Problem(503, "registry-unavailable", "the region cannot check the group values against its device registry now,"
                        + " so nothing is released; ask again later", Map.of("upstream", "registry"));
            }
            Map<String, AggregateReader.Cell> byKey = new LinkedHashMap<>();
            List<TransferRequest.Cell> requested = new ArrayList<>(cells.size());
            for (AggregateReader.Cell c : cells) {
                String key = c.windowStart() + "/" + c.window() + "/" + c.groupKind() + (c.groupValue().isEmpty() ? "" : "=" + c.groupValue());
                byKey.put(key, c);
                requested.add(policyCell(key, c, namingDevices));
            }
            EgressGate.Outcome outcome = b.gate().aggregate(requester, onward, tenant, policy, requested, released -> {
                JsonArray array = new JsonArray();
                released.forEach(r -> array.add(cellJson(r.key(), byKey.get(r.key()))));
                return array.encode().getBytes(StandardCharsets.UTF_8);
            });
            Decision d = outcome.decision();
            DecisionRecord record = outcome.record().orElseThrow();
            if (outcome.payload().isPresent() && !d.released().isEmpty()) {
                recordRelease(record, tenant, metric, resolution, from, to, group, merge, outcome.payload().get(), policy);
            }
            JsonObject decision = new JsonObject().put("id", d.id().toString()).put("sequence", record.sequence())
                    .put("outcome", d.outcome().name()).put("rules", new JsonArray(d.ruleIds()))
                    .put("suppressedCells", d.suppressed().size()).put("releasedCells", d.released().size())
                    .put("policyRevision", d.policyRevision()).put("tenantPolicy", d.tenantPolicyFingerprint())
                    .put("destination", record.destinationJurisdiction().code());
            JsonObject counts = new JsonObject();
            d.suppressedCounts().forEach((rule, n) -> counts.put(rule.id(), n));
            decision.put("suppressedCounts", counts);
            record.payloadHash().ifPresent(h -> decision.put("payloadHash", h));
            if (!d.errors().isEmpty()) {
                decision.put("errors", new JsonArray(d.errors()));
            }
            // the cells go out as exactly the bytes whose hash was logged, so a receiver can check them
            String released = new String(outcome.payload().orElse("[]".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
            JsonObject head = new JsonObject().put("tenant", tenant).put("region", b.gate().region().value()).put("metric", metric)
                    .put("resolution", resolution.toString()).put("from", from.toString()).put("to", to.toString()).put("merged", merge)
                    .put("decision", decision);
            String prefix = head.encode();
            return prefix.substring(0, prefix.length() - 1) + ",\"cells\":" + released + "}";
        }

        /**
         * Stores what a release lets out, in the region, before it leaves; when that fails nothing leaves. The decision is
         * already in the log by then, so the 503 names it: the audit will show it as a release without a record.
         */
        private void recordRelease(DecisionRecord record, String tenant, String metric, Duration resolution, Instant from, Instant to,
                Optional<String> group, boolean merge, byte[] payload, TenantResidencyPolicy policy) {
            try {
                b.audit().releases().record(new ReleaseStore.Release(record.decisionId(), record.time(), tenant, metric, resolution, from, to,
                        group, merge, payload, record.payloadHash().orElseThrow(), record.policyRevision(), record.tenantPolicyFingerprint()),
                        b.gate().policy().rules(), policy);
            } catch (RuntimeException e) {
                LOG.warn("release of decision {} (sequence {}) not recorded, so not sent", record.decisionId(), record.sequence(), e);
                throw new Problem(503, "release-not-recorded", "decision " + record.decisionId() + " (sequence " + record.sequence()
                        + ") was logged, but what it releases could not be recorded in the region, so nothing was released; ask again later",
                        Map.of("decisionId", record.decisionId().toString(), "decisionSequence", record.sequence()));
            }
        }

        /** {@code GET /v1/audit/storage}: checks 1 and 5, with the caller's token forwarded to the catalog. */
        private Object auditStorage(RoutingContext ctx, Caller caller) {
            requireAuditor(caller);
            String token = ctx.request().getHeader("Authorization").substring(7).trim();
            try {
                return b.audit().storageAudit().run(token);
            } catch (CatalogAssignments.Unavailable e) {
                LOG.warn("storage audit could not ask the catalog: {}", e.getMessage());
                throw new Problem(502, "catalog-unavailable", "the storage check needs the global catalog's device assignments: "
                        + e.getMessage(), Map.of("upstream", "catalog"));
            }
        }

        /** {@code GET /v1/audit/releases}: check 4 over one page of the decision log. */
        private Object auditReleases(RoutingContext ctx, Caller caller) {
            requireAuditor(caller);
            long fromSequence = longParam(ctx, "fromSequence", 1, 1, Long.MAX_VALUE);
            int limit = integer(ctx, "limit", 500, 1, ReleaseAudit.MAX_LIMIT);
            Optional<Instant> from = instant(ctx, "from");
            Optional<Instant> to = instant(ctx, "to");
            if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
                throw Problem.badRequest("from must be before to, was from=" + from.get() + " to=" + to.get());
            }
            return b.audit().releaseAudit().page(fromSequence, limit, from, to);
        }

        private EgressGate.Requester requester(RoutingContext ctx, Caller caller) {
            if (caller.region().isPresent()) {
                RegionId region = caller.region().get();
                Jurisdiction j = b.gate().policy().rules().jurisdictionOf(region).orElseThrow(() -> new Problem(403, "forbidden",
                        "the token's region " + region.value() + " is not a defined region", Map.of()));
                return new EgressGate.Requester(caller.name(), Optional.of(region), j);
            }
            String declared = ctx.request().getParam("destination");
            if (declared == null || declared.isBlank()) {
                throw Problem.badRequest("a caller without a region claim must name the destination jurisdiction of the data"
                        + " (query parameter destination, for example destination=" + b.gate().jurisdiction().code() + ")");
            }
            try {
                return new EgressGate.Requester(caller.name(), Optional.empty(), Jurisdiction.of(declared));
            } catch (IllegalArgumentException e) {
                throw Problem.badRequest("destination must be a jurisdiction code, was " + declared);
            }
        }

        /**
         * The optional {@code onward} parameter: a gateway that will export the cells names the jurisdiction of its sink,
         * so that this region decides for where the data ends up, not only for the gateway. Only a caller acting for a
         * region (a gateway's token) passes data on; anyone else names its destination with {@code destination}.
         */
        private Optional<Jurisdiction> onward(RoutingContext ctx, Caller caller) {
            String declared = ctx.request().getParam("onward");
            if (declared == null || declared.isBlank()) {
                return Optional.empty();
            }
            if (caller.region().isEmpty()) {
                throw Problem.badRequest("onward is for gateways exporting what they receive (a token with a region claim);"
                        + " a caller without a region claim names where the data goes with destination");
            }
            try {
                return Optional.of(Jurisdiction.of(declared));
            } catch (IllegalArgumentException e) {
                throw Problem.badRequest("onward must be a jurisdiction code, was " + declared);
            }
        }

        /**
         * The policy's view of a cell: its group as a label, and whether the group's value is one of {@code namingDevices},
         * the tenant's device ids among the answer's group values.
         */
        private static TransferRequest.Cell policyCell(String key, AggregateReader.Cell c, java.util.Set<String> namingDevices) {
            Map<String, String> labels = new LinkedHashMap<>();
            if (c.groupKind().startsWith("label:")) {
                labels.put(c.groupKind().substring("label:".length()), c.groupValue());
            } else if (c.groupKind().equals("geohash")) {
                labels.put("geohash", c.groupValue());
            }
            TransferRequest.Cell cell = TransferRequest.Cell.of(key, c.distinctDevices(), c.window(), labels)
                    .withLabelNamingDevice(!labels.isEmpty() && namingDevices.contains(c.groupValue()));
            return c.groupKind().equals("geohash") ? cell.withGeohashPrecision(c.groupValue().length()) : cell;
        }

        private static JsonObject cellJson(String key, AggregateReader.Cell c) {
            JsonObject group = new JsonObject().put("kind", c.groupKind());
            if (!c.groupValue().isEmpty()) {
                group.put("value", c.groupValue());
            }
            JsonObject quantiles = new JsonObject();
            c.quantiles().forEach(quantiles::put);
            return new JsonObject().put("key", key).put("windowStart", c.windowStart().toString()).put("window", c.window().toString())
                    .put("group", group).put("count", c.count()).put("sum", c.sum()).put("min", c.min()).put("max", c.max())
                    .put("mean", c.count() == 0 ? 0.0 : c.sum() / c.count()).put("distinctDevices", c.distinctDevices())
                    .put("quantiles", quantiles).put("state", Base64.getEncoder().encodeToString(c.state()));
        }


        /**
         * {@code GET /v1/stats[?tenant=X]}: counts only, never device ids. Node-wide numbers need a gateway's service
         * client or a compliance officer; a customer asks for its own tenant.
         */
        private Object stats(RoutingContext ctx, Caller caller) throws Exception {
            String tenant = ctx.request().getParam("tenant");
            Optional<String> scope = Optional.ofNullable(tenant).filter(t -> !t.isEmpty());
            if (scope.isPresent() && !TENANT_ID.matcher(scope.get()).matches()) {
                throw Problem.badRequest("tenant must be 1 to 128 letters, digits, '.', '_', ':' or '-', was " + abbreviate(scope.get()));
            }
            if (!caller.mayAudit()) {
                if (scope.isEmpty()) {
                    throw new Problem(403, "forbidden", "the node-wide numbers need the " + Caller.COMPLIANCE_OFFICER
                            + " role or a gateway's service client; a customer asks with tenant=<its tenant>", Map.of());
                }
                caller.refusalFor(scope.get()).ifPresent(reason -> {
                    throw new Problem(403, "forbidden", reason, Map.of());
                });
            }
            long registered = b.stats().registered(scope).toCompletionStage().toCompletableFuture()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            JsonObject body = new JsonObject().put("region", b.gate().region().value()).put("at", b.clock().instant().toString());
            scope.ifPresent(t -> body.put("tenant", t));
            return body.put("devicesRegistered", registered).put("devicesConnected", b.stats().connected(scope))
                    .put("ingestPerSecond", Math.round(b.stats().ingestPerSecond(scope) * 100) / 100.0)
                    .put("window", io.meridian.region.adapter.IngestRate.WINDOW.toString());
        }

        private static String abbreviate(String value) {
            return value.length() <= 64 ? value : value.substring(0, 64) + "...";
        }

        private Object decisions(RoutingContext ctx, Caller caller) {
            requireAuditor(caller);
            long from = longParam(ctx, "from", 1, 1, Long.MAX_VALUE);
            int limit = integer(ctx, "limit", DEFAULT_LIMIT, 1, 1000);
            DecisionLog log = b.gate().log();
            List<DecisionRecord> records = log.read(from, limit);
            JsonArray items = new JsonArray();
            records.forEach(r -> items.add(recordJson(r)));
            ChainHead head = log.head();
            JsonObject body = new JsonObject().put("region", b.gate().region().value()).put("items", items)
                    .put("head", new JsonObject().put("sequence", head.sequence()).put("hash", head.hash()));
            if (!records.isEmpty() && records.get(records.size() - 1).sequence() < head.sequence()) {
                body.put("next", records.get(records.size() - 1).sequence() + 1);
            }
            return body;
        }

        private Object verify(RoutingContext ctx, Caller caller) {
            requireAuditor(caller);
            DecisionLog log = b.gate().log();
            ChainHead head = log.head();
            Iterable<DecisionRecord> records = log instanceof CassandraDecisionLog c ? c.records(1, 500) : log.read(1, Integer.MAX_VALUE);
            ChainVerification v = ChainVerifier.verify(records, head);
            JsonObject body = new JsonObject().put("region", b.gate().region().value()).put("intact", v.intact())
                    .put("recordsChecked", v.recordsChecked())
                    .put("head", new JsonObject().put("sequence", head.sequence()).put("hash", head.hash()))
                    .put("lastGood", new JsonObject().put("sequence", v.lastGoodHead().sequence()).put("hash", v.lastGoodHead().hash()));
            v.firstBreak().ifPresent(br -> body.put("firstBreak", new JsonObject().put("sequence", br.sequence())
                    .put("kind", br.kind().name()).put("detail", br.detail())));
            return body;
        }


        private static void requireAuditor(Caller caller) {
            if (!caller.mayAudit()) {
                throw new Problem(403, "forbidden", "the decision log and the audit need the " + Caller.COMPLIANCE_OFFICER
                        + " role or a gateway's service client", Map.of());
            }
        }

        private static JsonObject recordJson(DecisionRecord r) {
            JsonObject counts = new JsonObject();
            r.suppressedCounts().forEach(counts::put);
            JsonObject json = new JsonObject().put("formatVersion", r.formatVersion()).put("sequence", r.sequence())
                    .put("decisionId", r.decisionId().toString()).put("time", r.time().toString()).put("requester", r.requester())
                    .put("tenant", r.tenantId()).put("sourceRegion", r.sourceRegion().value())
                    .put("destinationJurisdiction", r.destinationJurisdiction().code())
                    .put("categories", new JsonArray(r.categories().stream().map(Enum::name).toList()))
                    .put("policyRevision", r.policyRevision()).put("tenantPolicy", r.tenantPolicyFingerprint())
                    .put("outcome", r.outcome().name()).put("rules", new JsonArray(r.ruleIds())).put("suppressedCounts", counts)
                    .put("releasedCells", r.releasedCells()).put("previousHash", r.previousHash()).put("hash", r.hash());
            r.destinationRegion().ifPresent(d -> json.put("destinationRegion", d.value()));
            r.payloadHash().ifPresent(h -> json.put("payloadHash", h));
            return json;
        }

        private static Duration resolution(RoutingContext ctx) {
            String value = ctx.request().getParam("resolution", "PT15M");
            try {
                Duration d = Duration.parse(value);
                if (RESOLUTIONS.contains(d)) {
                    return d;
                }
            } catch (DateTimeException e) {
                // refused below
            }
            throw Problem.badRequest("resolution must be one of PT1M, PT15M, PT1H, was " + value);
        }

        private static Optional<Instant> instant(RoutingContext ctx, String name) {
            String value = ctx.request().getParam(name);
            if (value == null || value.isBlank()) {
                return Optional.empty();
            }
            try {
                return Optional.of(Instant.parse(value));
            } catch (DateTimeException e) {
                throw Problem.badRequest(name + " must be an ISO-8601 instant such as 2026-11-24T10:00:00Z, was " + value);
            }
        }

        private static int integer(RoutingContext ctx, String name, int defaultValue, int min, int max) {
            return (int) longParam(ctx, name, defaultValue, min, max);
        }

        private static long longParam(RoutingContext ctx, String name, long defaultValue, long min, long max) {
            String value = ctx.request().getParam(name);
            if (value == null || value.isBlank()) {
                return defaultValue;
            }
            try {
                long v = Long.parseLong(value);
                if (v >= min && v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw Problem.badRequest(name + " must be an integer between " + min + " and " + max + ", was " + value);
        }
    }
}
