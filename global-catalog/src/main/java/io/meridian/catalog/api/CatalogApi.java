package io.meridian.catalog.api;

import com.nimbusds.jwt.JWTClaimsSet;
import io.meridian.auth.TokenValidator;
import io.meridian.catalog.service.CatalogProblem;
import io.meridian.catalog.service.CatalogService;
import io.meridian.policy.model.RegionId;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog's REST API (OpenAPI 3.1 at {@code /v1/openapi.json}, checked in as
 * {@code src/main/resources/openapi/catalog-api.json}). Errors are {@code application/problem+json} (RFC 9457).
 *
 * <p>Who may call what:
 * <ul>
 *   <li>{@code POST /v1/bootstrap}: devices, without a token (they prove themselves with their bootstrap secret or
 *       their enrollment group's secret);</li>
 *   <li>everything under {@code /v1/tenants/{tenant}}: a {@code customer-admin} whose {@code tenant} claim is that
 *       tenant, or a federation gateway's service client (a client with a {@code region} claim);</li>
 *   <li>{@code GET /v1/regions}: any valid token of the realm;</li>
 *   <li>{@code POST /v1/audit/assignments}: a {@code compliance-officer}, or a service client with a {@code region} claim
 *       (a region node forwards its auditor's token).</li>
 * </ul>
 * Tokens are Keycloak access tokens, checked by {@link TokenValidator} (signature by JWKS, issuer, expiry,
 * audience).
 */
public final class CatalogApi extends AbstractVerticle {

    private static final Logger LOG = LoggerFactory.getLogger(CatalogApi.class);
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String PROBLEM_BASE = "https://meridian.example/problems/";
    static final String CUSTOMER_ADMIN = "customer-admin";
    static final String COMPLIANCE_OFFICER = "compliance-officer";
    /** The largest request body the catalog reads. */
    static final long MAX_BODY = 64 * 1024;

    /** What the API serves besides the catalog service. */
    public interface Directory {
        /** The regions, their jurisdictions, endpoints and health. */
        JsonArray regions();

        /** Every region id, in order. */
        List<RegionId> ids();
    }

    private final CatalogService service;
    private final Directory directory;
    private final TokenValidator tokens;
    private final MeterRegistry meters;
    private final String bindAddress;
    private final int requestedPort;
    private volatile HttpServer server;
    private byte[] openApi;

    public CatalogApi(CatalogService service, Directory directory, TokenValidator tokens, MeterRegistry meters, String bindAddress, int port) {
        this.service = Objects.requireNonNull(service, "service must not be null");
        this.directory = Objects.requireNonNull(directory, "directory must not be null");
        this.tokens = Objects.requireNonNull(tokens, "tokens must not be null");
        this.meters = Objects.requireNonNull(meters, "meters must not be null");
        this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress must not be null");
        this.requestedPort = port;
    }

    /** The port it listens on, once started. */
    public int port() {
        return server.actualPort();
    }

    /** Deploys one instance and waits for it to listen. */
    public static CatalogApi deploy(Vertx vertx, CatalogApi api) throws Exception {
        vertx.deployVerticle(api).toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        return api;
    }

    @Override
    public void start(Promise<Void> started) {
        try (InputStream in = CatalogApi.class.getResourceAsStream("/openapi/catalog-api.json")) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document openapi/catalog-api.json must be on the classpath");
            }
            openApi = in.readAllBytes();
        } catch (IOException | IllegalStateException e) {
            started.fail(e);
            return;
        }
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
        router.get("/v1/openapi.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(Buffer.buffer(openApi)));
        router.get("/health/ready").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end("{\"status\":\"UP\"}"));
        router.post("/v1/bootstrap").handler(this::bootstrap);
        if (meters instanceof io.micrometer.prometheus.PrometheusMeterRegistry prometheus) {
            router.get("/metrics").handler(ctx -> ctx.vertx().executeBlocking((java.util.concurrent.Callable<String>) prometheus::scrape, false)
                    .onSuccess(text -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4").end(text))
                    .onFailure(ctx::fail));
        }
        router.get("/v1/regions").handler(ctx -> authorized(ctx, Optional.empty(), (c, b) -> completed(directory.regions())));
        router.put("/v1/tenants/:tenant").handler(ctx -> authorized(ctx, tenant(ctx), (c, body) -> service.putTenant(tenant(ctx).get(), object(body))
                .thenApply(e -> {
                    ctx.response().setStatusCode(e.getValue() ? 201 : 200);
                    return e.getKey().toJson(directory.ids());
                })));
        router.get("/v1/tenants/:tenant").handler(ctx -> authorized(ctx, tenant(ctx), (c, b) -> service.tenant(tenant(ctx).get())
                .thenApply(t -> t.toJson(directory.ids()))));
        router.post("/v1/tenants/:tenant/devices").handler(ctx -> authorized(ctx, tenant(ctx), (c, body) -> {
            JsonObject doc = object(body);
            Object location = doc.getValue("location");
            if (location != null && !(location instanceof JsonObject)) {
                throw CatalogProblem.badRequest("/location", "location must be an object, was " + location);
            }
            for (String k : doc.fieldNames()) {
                if (!List.of("device-id", "location", "labels").contains(k)) {
                    throw CatalogProblem.badRequest("/" + k, "unknown field; known are device-id, location, labels");
                }
            }
            Object deviceId = doc.getValue("device-id");
            return service.register(new CatalogService.DeviceRequest(tenant(ctx).get(), deviceId instanceof String s ? s : null,
                    (JsonObject) location, CatalogService.labels(doc.getValue("labels")), Optional.empty(), "api")).thenApply(r -> {
                        ctx.response().setStatusCode(201);
                        return r.toJson();
                    });
        }));
        router.get("/v1/tenants/:tenant/devices/:device").handler(ctx -> authorized(ctx, tenant(ctx),
                (c, b) -> service.device(tenant(ctx).get(), ctx.pathParam("device"))));
        router.delete("/v1/tenants/:tenant/devices/:device").handler(ctx -> authorized(ctx, tenant(ctx),
                (c, b) -> service.deregister(tenant(ctx).get(), ctx.pathParam("device")).thenApply(v -> {
                    ctx.response().setStatusCode(204);
                    return null;
                })));
        router.post("/v1/tenants/:tenant/devices/:device/rehome").handler(ctx -> authorized(ctx, tenant(ctx),
                (c, body) -> service.rehome(tenant(ctx).get(), ctx.pathParam("device"), object(body)).thenApply(r -> r.toJson())));
        router.post("/v1/tenants/:tenant/enrollment-groups").handler(ctx -> authorized(ctx, tenant(ctx), (c, body) -> {
            Object id = object(body).getValue("group-id");
            return service.createGroup(tenant(ctx).get(), id instanceof String s ? s : null).thenApply(g -> {
                ctx.response().setStatusCode(201);
                return g;
            });
        }));
        router.get("/v1/tenants/:tenant/enrollment-groups").handler(ctx -> authorized(ctx, tenant(ctx),
                (c, b) -> service.groups(tenant(ctx).get()).thenApply(list -> new JsonObject().put("items", list))));
        router.delete("/v1/tenants/:tenant/enrollment-groups/:group").handler(ctx -> authorized(ctx, tenant(ctx),
                (c, b) -> service.disableGroup(tenant(ctx).get(), ctx.pathParam("group")).thenApply(v -> {
                    ctx.response().setStatusCode(204);
                    return null;
                })));
        router.post("/v1/audit/assignments").handler(ctx -> authorized(ctx, Optional.empty(), (claims, body) -> {
            Optional<String> refusal = auditRefusal(claims);
            if (refusal.isPresent()) {
                throw new CatalogProblem(403, "Forbidden", refusal.get());
            }
            return service.assignments(object(body));
        }));
        List<java.util.regex.Pattern> paths = router.getRoutes().stream().map(io.vertx.ext.web.Route::getPath).filter(Objects::nonNull).distinct()
                .map(p -> java.util.regex.Pattern.compile(p.replaceAll(":[a-z]+", "[^/]+"))).toList();
        router.route().last().handler(ctx -> {
            boolean known = paths.stream().anyMatch(p -> p.matcher(ctx.request().path()).matches());
            problem(ctx, known ? new CatalogProblem(405, "Method Not Allowed", ctx.request().method() + " is not allowed on " + ctx.request().path()
                    + "; see /v1/openapi.json") : new CatalogProblem(404, "Not Found", ctx.request().method() + " " + ctx.request().path()
                    + " is not an operation of the catalog API; see /v1/openapi.json"));
        });
        router.errorHandler(405, ctx -> problem(ctx, new CatalogProblem(405, "Method Not Allowed",
                ctx.request().method() + " is not allowed on " + ctx.request().path())));
        router.errorHandler(413, ctx -> problem(ctx, new CatalogProblem(413, "Payload Too Large", "the request body is larger than " + MAX_BODY + " bytes")));
        router.errorHandler(500, ctx -> {
            LOG.error("catalog API failed on {}", ctx.request().path(), ctx.failure());
            problem(ctx, new CatalogProblem(500, "Internal Server Error", "the catalog failed; see its log"));
        });
        vertx.createHttpServer().requestHandler(router).listen(requestedPort, bindAddress).onSuccess(s -> {
            server = s;
            started.complete();
        }).onFailure(started::fail);
    }

    @Override
    public void stop(Promise<Void> stopped) {
        (server == null ? Future.<Void>succeededFuture() : server.close()).onComplete(stopped);
    }

    private void bootstrap(RoutingContext ctx) {
        Timer.Sample sample = Timer.start(meters);
        JsonObject body;
        try {
            body = object(ctx.body().buffer());
        } catch (CatalogProblem p) {
            problem(ctx, p);
            return;
        }
        Optional<InetAddress> observed = remote(ctx);
        respond(ctx, () -> service.bootstrap(body, observed).thenApply(answer -> {
            if (answer.containsKey("credentials")) {
                ctx.response().setStatusCode(201);
            }
            return answer;
        }), outcome -> sample.stop(meters.timer("meridian.catalog.bootstrap", "outcome", outcome)));
    }

    private static Optional<InetAddress> remote(RoutingContext ctx) {
        try {
            String host = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
            return host == null ? Optional.empty() : Optional.of(InetAddress.getByName(host));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** Validates the token (on a worker: a key fetch blocks), checks the caller may act for the tenant, then runs. */
    private void authorized(RoutingContext ctx, Optional<String> tenant, BiFunction<JWTClaimsSet, Buffer, CompletionStage<?>> handler) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"meridian\"");
            problem(ctx, new CatalogProblem(401, "Unauthorized", "a Keycloak bearer token is required"));
            return;
        }
        String token = header.substring(7).trim();
        vertx.<JWTClaimsSet>executeBlocking(() -> tokens.validate(token), false).onComplete(ar -> {
            if (ar.failed()) {
                Throwable t = ar.cause();
                if (t instanceof TokenValidator.InvalidTokenException) {
                    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"meridian\", error=\"invalid_token\"");
                    problem(ctx, new CatalogProblem(401, "Unauthorized", t.getMessage()));
                } else {
                    ctx.response().putHeader("Retry-After", "5");
                    problem(ctx, new CatalogProblem(503, "Service Unavailable", "the token cannot be checked now: " + t.getMessage()));
                }
                return;
            }
            JWTClaimsSet claims = ar.result();
            Optional<String> refusal = tenant.flatMap(t -> refusal(claims, t));
            if (refusal.isPresent()) {
                problem(ctx, new CatalogProblem(403, "Forbidden", refusal.get()));
                return;
            }
            respond(ctx, () -> handler.apply(claims, ctx.body().buffer()), outcome -> { });
        });
    }

    /** Why these claims may not manage the tenant, if they may not. */
    static Optional<String> refusal(JWTClaimsSet claims, String tenant) {
        Map<String, Object> all = claims.getClaims();
        if (all.get("region") != null) {
            return Optional.empty(); // a federation gateway's service client acts for the tenants of its users
        }
        Collection<?> roles = all.get("realm_access") instanceof Map<?, ?> access && access.get("roles") instanceof Collection<?> r ? r : List.of();
        if (!roles.contains(CUSTOMER_ADMIN)) {
            return Optional.of("the catalog's tenant API needs the " + CUSTOMER_ADMIN + " role or a gateway client");
        }
        if (!tenant.equals(all.get("tenant"))) {
            return Optional.of("a " + CUSTOMER_ADMIN + " may manage only its own tenant, not " + tenant);
        }
        return Optional.empty();
    }

    /** Why these claims may not ask for device assignments in bulk, if they may not: a compliance officer or a service client of a region. */
    static Optional<String> auditRefusal(JWTClaimsSet claims) {
        Map<String, Object> all = claims.getClaims();
        if (all.get("region") != null) {
            return Optional.empty();
        }
        Collection<?> roles = all.get("realm_access") instanceof Map<?, ?> access && access.get("roles") instanceof Collection<?> r ? r : List.of();
        if (roles.contains(COMPLIANCE_OFFICER)) {
            return Optional.empty();
        }
        return Optional.of("device assignments for an audit need the " + COMPLIANCE_OFFICER + " role or a gateway's or region's service client");
    }

    private void respond(RoutingContext ctx, Supplier<CompletionStage<?>> work, java.util.function.Consumer<String> outcome) {
        CompletionStage<?> stage;
        try {
            stage = work.get();
        } catch (RuntimeException e) {
            stage = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        Future.fromCompletionStage(stage, vertx.getOrCreateContext()).onComplete(ar -> {
            if (ar.succeeded()) {
                outcome.accept("ok");
                Object body = ar.result();
                if (body == null) {
                    ctx.response().setStatusCode(ctx.response().getStatusCode() == 200 ? 204 : ctx.response().getStatusCode()).end();
                } else {
                    ctx.response().putHeader("content-type", "application/json").end(body instanceof JsonArray a ? a.encode() : ((JsonObject) body).encode());
                }
                return;
            }
            Throwable t = ar.cause();
            while (t instanceof CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            if (t instanceof CatalogProblem p) {
                outcome.accept(String.valueOf(p.status()));
                problem(ctx, p);
            } else if (t instanceof com.datastax.oss.driver.api.core.DriverException) {
                outcome.accept("503");
                LOG.warn("catalog store unavailable on {} {}: {}", ctx.request().method(), ctx.request().path(), t.toString());
                ctx.response().putHeader("Retry-After", "5");
                problem(ctx, new CatalogProblem(503, "Service Unavailable", "the catalog's store is temporarily unavailable"));
            } else {
                outcome.accept("500");
                LOG.error("catalog API failed on {} {}", ctx.request().method(), ctx.request().path(), t);
                problem(ctx, new CatalogProblem(500, "Internal Server Error", "the catalog failed; see its log"));
            }
        });
    }

    private static void problem(RoutingContext ctx, CatalogProblem p) {
        if (ctx.response().ended()) {
            return;
        }
        if (p.status() == 503 && ctx.response().headers().get("Retry-After") == null) {
            ctx.response().putHeader("Retry-After", "5");
        }
        JsonObject body = new JsonObject().put("type", PROBLEM_BASE + slug(p.title())).put("title", p.title()).put("status", p.status())
                .put("detail", p.getMessage()).put("instance", ctx.request().path());
        p.pointer().ifPresent(ptr -> body.put("pointer", ptr));
        ctx.response().setStatusCode(p.status()).putHeader("content-type", PROBLEM_JSON).end(body.encode());
    }

    private static String slug(String title) {
        return title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }

    private static Optional<String> tenant(RoutingContext ctx) {
        return Optional.ofNullable(ctx.pathParam("tenant"));
    }

    private static <T> CompletionStage<T> completed(T value) {
        return java.util.concurrent.CompletableFuture.completedFuture(value);
    }

    /** The request body as a JSON object, or a 400 naming what is wrong. */
    static JsonObject object(Buffer body) {
        if (body == null || body.length() == 0) {
            throw CatalogProblem.badRequest(null, "a JSON object body is required");
        }
        try {
            Object parsed = io.vertx.core.json.Json.decodeValue(body);
            if (parsed instanceof JsonObject o) {
                return o;
            }
            throw CatalogProblem.badRequest(null, "the body must be a JSON object, was " + (parsed == null ? "null" : parsed.getClass().getSimpleName()));
        } catch (DecodeException e) {
            throw CatalogProblem.badRequest(null, "the body is not JSON: " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        String m = String.valueOf(s);
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
