package io.meridian.region.adapter.http;

import io.meridian.region.adapter.IngestRate;

import io.meridian.region.adapter.DeviceAuthentication;
import io.netty.handler.codec.TooLongFrameException;
import io.opentracing.Span;
import io.opentracing.SpanContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.HttpURLConnection;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.hono.adapter.AbstractProtocolAdapterBase;
import org.eclipse.hono.adapter.MapBasedTelemetryExecutionContext;
import org.eclipse.hono.adapter.ProtocolAdapterProperties;
import org.eclipse.hono.adapter.auth.device.x509.TenantServiceBasedX509Authentication;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.client.ServiceInvocationException;
import org.eclipse.hono.client.command.Command;
import org.eclipse.hono.client.command.CommandContext;
import org.eclipse.hono.client.command.CommandResponse;
import org.eclipse.hono.client.command.ProtocolAdapterCommandConsumer;
import org.eclipse.hono.service.auth.DeviceUser;
import org.eclipse.hono.util.CommandConstants;
import org.eclipse.hono.util.Constants;
import org.eclipse.hono.util.EventConstants;
import org.eclipse.hono.util.QoS;
import org.eclipse.hono.util.RegistrationAssertion;
import org.eclipse.hono.util.TenantObject;

/**
 * The region's HTTP protocol adapter on Hono's adapter base, following Hono's HTTP adapter user guide: plain HTTP on
 * the insecure port and, when the node has TLS material, HTTPS on the secure port (client certificates requested).
 *
 * <ul>
 * <li>{@code POST /telemetry} and {@code POST /event}: the device authenticates with a client certificate from the
 *     TLS handshake (issued by its tenant's trusted CA, subject DN = an {@code x509-cert} auth-id) or, failing
 *     that, with HTTP Basic {@code auth-id@tenant}. {@code PUT /telemetry/<tenant>/<device>} and {@code PUT /event/<tenant>/<device>}:
 *     a gateway authenticates and publishes for a device that names it in {@code via}. Authentication is always
 *     required (Hono's default), so the unauthenticated use of the {@code PUT} forms is answered with 401.</li>
 * <li>{@code QoS-Level} 0 or 1 for telemetry; events are always at least once. QoS 1 telemetry and events are
 *     answered only after Kafka acknowledged the record. A {@code content-type} is required; an empty body is
 *     allowed only with Hono's empty-notification content type.</li>
 * <li>{@code hono-ttd} (header or query parameter, capped by the tenant's {@code max-ttd}) keeps the request open
 *     for a command: 200 with {@code hono-command}, {@code hono-cmd-req-id} (and {@code hono-cmd-target-device}
 *     for a gateway) when one arrives, else 202.</li>
 * <li>{@code POST /command/res/<req-id>} and {@code PUT /command/res/<tenant>/<device>/<req-id>} with
 *     {@code hono-cmd-status} send a command response to {@code hono.command_response.<tenant>}.</li>
 * <li>Refusals are 400, 401 (with {@code WWW-Authenticate}), 403, 404, 405, 413, 429 and 503, each counted and
 *     logged once by {@link HttpRefusals}. Requests beyond the in-flight budget get 503 at once, and a request
 *     body is never buffered beyond the maximum payload size.</li>
 * </ul>
 */
final class MeridianHttpAdapter extends AbstractProtocolAdapterBase<ProtocolAdapterProperties> {

    private static final String TENANT = "tenant";
    private static final String DEVICE = "device";
    private static final String REQUEST_ID = "reqId";
    /**
     * The longest a request may wait for a command, whatever its {@code hono-ttd} and the tenant's {@code max-ttd}
     * (Hono's default max-ttd is 60 s): the connection's idle timeout must outlast the wait.
     */
    static final int MAX_TTD_SECONDS = 300;
    /** A request whose headers and body have not all arrived this long after it began is cut off. */
    static final long REQUEST_READ_TIMEOUT_MILLIS = 30_000;

    private final HttpRefusals refusals;
    private final int maxInFlight;
    private int inFlight;
    private HttpServer server;
    private HttpServer secureServer;
    private DeviceAuthentication authentication;

    private final IngestRate ingest;

    /** @param ingest where accepted messages are counted for the node's ingest rate ({@code GET /v1/stats}) */
    MeridianHttpAdapter(HttpRefusals refusals, int maxInFlight, IngestRate ingest) {
        this.refusals = refusals;
        this.maxInFlight = maxInFlight;
        this.ingest = java.util.Objects.requireNonNull(ingest, "ingest must not be null");
    }

    @Override
    public String getTypeName() {
        return Constants.PROTOCOL_ADAPTER_TYPE_HTTP;
    }

    @Override
    public int getPortDefaultValue() {
        return 8443;
    }

    @Override
    public int getInsecurePortDefaultValue() {
        return 8080;
    }

    @Override
    protected int getActualPort() {
        return secureServer == null ? Constants.PORT_UNCONFIGURED : secureServer.actualPort();
    }

    @Override
    protected int getActualInsecurePort() {
        return server == null ? Constants.PORT_UNCONFIGURED : server.actualPort();
    }

    int port() {
        return getActualInsecurePort();
    }

    /** The HTTPS port, once started; {@link Constants#PORT_UNCONFIGURED} without TLS. */
    int securePort() {
        return getActualPort();
    }

    @Override
    protected void doStart(Promise<Void> startPromise) {
        authentication = new DeviceAuthentication(getTenantClient(), getCredentialsClient(), tracer);
        Router router = router();
        HttpServerOptions options = serverOptions()
                .setHost(getConfig().getInsecurePortBindAddress())
                .setPort(getConfig().getInsecurePort(getInsecurePortDefaultValue()));
        server = createServer(options, router);
        Future<Void> secure = Future.succeededFuture();
        if (isSecurePortEnabled()) {
            HttpServerOptions tls = serverOptions()
                    .setHost(getConfig().getBindAddress())
                    .setPort(getConfig().getPort(getPortDefaultValue()));
            // as for MQTT: the node's key and certificate, then client certificates requested (not required) and
            // accepted at the TLS layer when within their validity; the tenant's trusted CA is only known after
            // the handshake, so TenantServiceBasedX509Authentication validates the chain per request
            addTlsKeyCertOptions(tls);
            addTlsTrustOptions(tls);
            secureServer = createServer(tls, router);
            secure = secureServer.listen()
                    .onSuccess(s -> log.info("HTTP adapter listening with TLS on {}:{} (client certificates {})", tls.getHost(),
                            s.actualPort(), tls.getClientAuth()))
                    .mapEmpty();
        }
        secure.compose(v -> server.listen())
                .onSuccess(s -> log.info("HTTP adapter listening on {}:{} (max payload {} bytes, {} requests in flight)",
                        options.getHost(), s.actualPort(), getConfig().getMaxPayloadSize(), maxInFlight))
                .<Void>mapEmpty()
                .onComplete(startPromise);
    }

    private static HttpServerOptions serverOptions() {
        return new HttpServerOptions()
                // a silent connection is closed after the longest command wait; a device that stops sending half-way
                // through a request is cut off sooner, by admit()'s read timeout
                .setIdleTimeout(MAX_TTD_SECONDS + 30)
                .setDecompressionSupported(false);
    }

    private HttpServer createServer(HttpServerOptions options, Router router) {
        return vertx.createHttpServer(options)
                .requestHandler(router)
                .invalidRequestHandler(this::onMalformedRequest)
                .exceptionHandler(t -> log.debug("HTTP connection failed: {}", t.toString()));
    }

    @Override
    protected void doStop(Promise<Void> stopPromise) {
        Future.join(close(server), close(secureServer)).<Void>mapEmpty().onComplete(stopPromise);
    }

    private static Future<Void> close(HttpServer server) {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private Router router() {
        Router router = Router.router(vertx);
        router.route().handler(this::admit);
        router.route().handler(BodyHandler.create(false).setBodyLimit(getConfig().getMaxPayloadSize()));
        router.post("/telemetry").handler(ctx -> upload(ctx, false, false));
        router.put("/telemetry/:" + TENANT + "/:" + DEVICE).handler(ctx -> upload(ctx, false, true));
        router.post("/event").handler(ctx -> upload(ctx, true, false));
        router.put("/event/:" + TENANT + "/:" + DEVICE).handler(ctx -> upload(ctx, true, true));
        router.post("/command/res/:" + REQUEST_ID).handler(ctx -> commandResponse(ctx, false));
        router.put("/command/res/:" + TENANT + "/:" + DEVICE + "/:" + REQUEST_ID).handler(ctx -> commandResponse(ctx, true));
        router.route().failureHandler(this::onRouteFailure);
        router.errorHandler(HttpURLConnection.HTTP_NOT_FOUND,
                ctx -> refusals.refuse(ctx.request(), HttpURLConnection.HTTP_NOT_FOUND, "no such resource"));
        router.errorHandler(HttpURLConnection.HTTP_BAD_METHOD,
                ctx -> refusals.refuse(ctx.request(), HttpURLConnection.HTTP_BAD_METHOD, "method not allowed on this resource"));
        return router;
    }

    /** Bounds the requests in flight: beyond the budget, answer 503 at once instead of queueing without bound. */
    private void admit(RoutingContext ctx) {
        if (inFlight >= maxInFlight) {
            refusals.refuse(ctx.request(), HttpURLConnection.HTTP_UNAVAILABLE, "adapter is at its limit of " + maxInFlight + " requests in flight");
            return;
        }
        inFlight++;
        HttpServerRequest request = ctx.request();
        long readTimeout = vertx.setTimer(REQUEST_READ_TIMEOUT_MILLIS, id -> {
            if (!request.isEnded()) {
                log.info("closing the HTTP connection of {}: its request was not complete after {} ms", request.remoteAddress(),
                        REQUEST_READ_TIMEOUT_MILLIS);
                request.connection().close();
            }
        });
        ctx.addEndHandler(done -> {
            inFlight--;
            vertx.cancelTimer(readTimeout);
        });
        ctx.next();
    }

    private void onMalformedRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
        int status = 400;
        if (cause instanceof TooLongFrameException) {
            // the same statuses Vert.x's default answer uses: too long a request line or too large headers
            status = cause.getClass().getSimpleName().contains("Line") ? 414 : 431;
        }
        refusals.countMalformed(request, status);
        HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(request);
    }

    private void onRouteFailure(RoutingContext ctx) {
        int status = ctx.statusCode();
        if (status == HttpURLConnection.HTTP_ENTITY_TOO_LARGE) {
            refusals.refuse(ctx.request(), status, "request body exceeds " + getConfig().getMaxPayloadSize() + " bytes");
        } else if (status >= 400 && status < 600) {
            refusals.refuse(ctx.request(), status, ctx.failure() == null ? "request refused" : String.valueOf(ctx.failure().getMessage()));
        } else if (ctx.failure() instanceof ServiceInvocationException e) {
            refusals.refuse(ctx.request(), HttpRefusals.status(e), e.getMessage());
        } else if (ctx.failure() instanceof HttpClosedException || ctx.response().closed()) {
            log.debug("{} {} from {}: the client closed the connection before the request was complete", ctx.request().method(),
                    ctx.request().path(), ctx.request().remoteAddress());
        } else if (HttpRefusals.isMalformedInput(ctx.failure())) {
            refusals.refuse(ctx.request(), HttpURLConnection.HTTP_BAD_REQUEST, "malformed request: " + ctx.failure().getMessage());
        } else {
            // a defect of ours: the log gets the stack trace, the device a 500
            log.warn("unexpected failure while handling {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
            refusals.refuse(ctx.request(), HttpURLConnection.HTTP_INTERNAL_ERROR, String.valueOf(ctx.failure()));
        }
    }

    // ---- telemetry and events

    private void upload(RoutingContext ctx, boolean event, boolean gatewayForm) {
        HttpServerRequest request = ctx.request();
        Span span = tracer.buildSpan("upload " + (event ? "event" : "telemetry")).start();
        authenticate(request, span.context())
                .compose(device -> {
                    Upload upload = Upload.parse(ctx, event);
                    String tenantId = gatewayForm ? ctx.pathParam(TENANT) : device.getTenantId();
                    String deviceId = gatewayForm ? ctx.pathParam(DEVICE) : device.getDeviceId();
                    if (!tenantId.equals(device.getTenantId())) {
                        return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_FORBIDDEN,
                                device + " may not publish for tenant " + tenantId));
                    }
                    return forward(request, span, device, tenantId, deviceId, upload);
                })
                .onComplete(done -> span.finish())
                .onSuccess(command -> respond(request, command))
                .onFailure(t -> fail(request, t));
    }

    /** What a device asked for in one telemetry or event request. */
    private record Upload(boolean event, QoS qos, String contentType, Buffer payload, Optional<Integer> ttd, Optional<Duration> ttl,
            String origAddress) {

        static Upload parse(RoutingContext ctx, boolean event) {
            HttpServerRequest request = ctx.request();
            try {
                QoS qos = event ? QoS.AT_LEAST_ONCE : DeviceRequests.qos(request.getHeader(Constants.HEADER_QOS_LEVEL));
                Optional<Integer> ttd = DeviceRequests.seconds(Constants.HEADER_TIME_TILL_DISCONNECT,
                        request.getHeader(Constants.HEADER_TIME_TILL_DISCONNECT), request.getParam(Constants.HEADER_TIME_TILL_DISCONNECT));
                Optional<Duration> ttl = event
                        ? DeviceRequests.seconds(Constants.HEADER_TIME_TO_LIVE, request.getHeader(Constants.HEADER_TIME_TO_LIVE),
                                request.getParam(Constants.HEADER_TIME_TO_LIVE)).map(Duration::ofSeconds)
                        : Optional.empty();
                String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
                Buffer payload = ctx.body() == null || ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
                if (contentType == null || contentType.isBlank()) {
                    throw new IllegalArgumentException("the content-type header is missing");
                }
                boolean emptyNotification = EventConstants.isEmptyNotificationType(contentType);
                if (payload.length() == 0 && !emptyNotification) {
                    throw new IllegalArgumentException("the request body is empty, which only " + EventConstants.CONTENT_TYPE_EMPTY_NOTIFICATION
                            + " allows");
                }
                if (payload.length() > 0 && emptyNotification) {
                    throw new IllegalArgumentException("an " + EventConstants.CONTENT_TYPE_EMPTY_NOTIFICATION + " must have an empty body");
                }
                return new Upload(event, qos, contentType, payload, ttd, ttl, request.path());
            } catch (IllegalArgumentException e) {
                throw new ClientErrorException(HttpURLConnection.HTTP_BAD_REQUEST, e.getMessage());
            }
        }
    }

    /** The tenant and registration checks of Hono's adapter base, then the send to Kafka, then the wait for a command. */
    private Future<Optional<PendingCommand>> forward(HttpServerRequest request, Span span, DeviceUser device, String tenantId,
            String deviceId, Upload upload) {
        SpanContext spanContext = span.context();
        MapBasedTelemetryExecutionContext context = new MapBasedTelemetryExecutionContext(span, device) {
            @Override
            public QoS getRequestedQos() {
                return upload.qos();
            }

            @Override
            public Optional<Duration> getTimeToLive() {
                return upload.ttl();
            }

            @Override
            public String getOrigAddress() {
                return upload.origAddress();
            }
        };
        return getTenantConfiguration(tenantId, spanContext)
                .compose(DeviceAuthentication::requireEnabled)
                .compose(this::isAdapterEnabled)
                .compose(tenant -> checkMessageLimit(tenant, upload.payload().length(), spanContext).map(tenant))
                .compose(tenant -> getRegistrationAssertion(tenantId, deviceId, device, spanContext).compose(assertion -> {
                    int ttd = upload.ttd().map(t -> Math.min(Math.min(t, tenant.getMaxTimeUntilDisconnect(getTypeName())), MAX_TTD_SECONDS))
                            .orElse(0);
                    Map<String, Object> properties = new HashMap<>(getDownstreamMessageProperties(context));
                    if (ttd > 0) {
                        properties.put(CommandConstants.MSG_PROPERTY_DEVICE_TTD, ttd);
                    }
                    Future<Optional<PendingCommand>> waiting = ttd > 0
                            ? openCommandConsumer(tenantId, deviceId, device, ttd, spanContext).map(Optional::of)
                            : Future.succeededFuture(Optional.empty());
                    return waiting.compose(pending -> send(tenant, assertion, upload, properties, spanContext)
                            .recover(t -> {
                                pending.ifPresent(PendingCommand::close);
                                return Future.failedFuture(t);
                            })
                            .compose(sent -> pending.isPresent() ? pending.get().await(request, ttd) : Future.succeededFuture(pending)));
                }));
    }

    private Future<Void> send(TenantObject tenant, RegistrationAssertion assertion, Upload upload, Map<String, Object> properties,
            SpanContext spanContext) {
        // for QoS 1 and events the senders' futures complete only when Kafka acknowledged the record
        return (upload.event()
                ? getEventSender(tenant).sendEvent(tenant, assertion, upload.contentType(), upload.payload(), properties, spanContext)
                : getTelemetrySender(tenant).sendTelemetry(tenant, assertion, upload.qos(), upload.contentType(), upload.payload(), properties,
                        spanContext)).onSuccess(v -> ingest.accepted(tenant.getTenantId()));
    }

    // ---- commands piggy-backed on the response

    private Future<PendingCommand> openCommandConsumer(String tenantId, String deviceId, DeviceUser device, int ttd, SpanContext spanContext) {
        PendingCommand pending = new PendingCommand(device, spanContext);
        Duration lifespan = Duration.ofSeconds(ttd);
        Future<ProtocolAdapterCommandConsumer> consumer = deviceId.equals(device.getDeviceId())
                ? getCommandConsumerFactory().createCommandConsumer(tenantId, deviceId, false, pending::offer, lifespan, spanContext)
                : getCommandConsumerFactory().createCommandConsumer(tenantId, deviceId, device.getDeviceId(), false, pending::offer, lifespan,
                        spanContext);
        return consumer.map(c -> {
            pending.consumer = c;
            return pending;
        });
    }

    /** One device's wait for a command: the first valid command wins, later ones are released for redelivery. */
    private final class PendingCommand {
        private final DeviceUser device;
        private final SpanContext spanContext;
        private final Promise<CommandContext> command = Promise.promise();
        private ProtocolAdapterCommandConsumer consumer;

        PendingCommand(DeviceUser device, SpanContext spanContext) {
            this.device = device;
            this.spanContext = spanContext;
        }

        Future<Void> offer(CommandContext commandContext) {
            Command c = commandContext.getCommand();
            if (!c.isValid()) {
                commandContext.reject("malformed command: " + c.getInvalidCommandReason());
            } else if (!command.tryComplete(commandContext)) {
                commandContext.release();
            }
            return Future.succeededFuture();
        }

        /** Waits up to {@code ttd} seconds, or until the device goes away, then closes the consumer. */
        Future<Optional<PendingCommand>> await(HttpServerRequest request, int ttd) {
            long timer = vertx.setTimer(ttd * 1000L, id -> command.tryFail("no command within " + ttd + " s"));
            request.response().closeHandler(v -> command.tryFail("device closed the connection"));
            return command.future()
                    .<Optional<PendingCommand>>map(c -> Optional.of(this))
                    .otherwise(Optional.of(this))
                    .onComplete(done -> {
                        vertx.cancelTimer(timer);
                        close();
                    });
        }

        Optional<CommandContext> received() {
            return command.future().succeeded() ? Optional.of(command.future().result()) : Optional.empty();
        }

        void close() {
            command.tryFail("request finished");
            if (consumer != null) {
                consumer.close(false, spanContext)
                        .onFailure(t -> log.debug("could not close command consumer of {}: {}", device, t.toString()));
            }
        }
    }

    private void respond(HttpServerRequest request, Optional<PendingCommand> pending) {
        HttpServerResponse response = request.response();
        Optional<CommandContext> received = pending.flatMap(PendingCommand::received);
        if (received.isEmpty()) {
            if (!response.ended() && !response.closed()) {
                response.setStatusCode(HttpURLConnection.HTTP_ACCEPTED).end();
            }
            return;
        }
        CommandContext commandContext = received.get();
        Command command = commandContext.getCommand();
        if (response.ended() || response.closed()) {
            commandContext.release();
            return;
        }
        response.setStatusCode(HttpURLConnection.HTTP_OK).putHeader(Constants.HEADER_COMMAND, command.getName());
        if (!command.isOneWay()) {
            response.putHeader(Constants.HEADER_COMMAND_REQUEST_ID, command.getRequestId());
        }
        if (!command.getDeviceId().equals(pending.get().device.getDeviceId())) {
            response.putHeader(Constants.HEADER_COMMAND_TARGET_DEVICE, command.getDeviceId());
        }
        Buffer payload = command.getPayload() == null ? Buffer.buffer() : command.getPayload();
        if (payload.length() > 0 && command.getContentType() != null) {
            response.putHeader(HttpHeaders.CONTENT_TYPE, command.getContentType());
        }
        response.end(payload)
                .onSuccess(v -> commandContext.accept())
                .onFailure(commandContext::release);
    }

    // ---- command responses

    private void commandResponse(RoutingContext ctx, boolean gatewayForm) {
        HttpServerRequest request = ctx.request();
        Span span = tracer.buildSpan("upload command response").start();
        authenticate(request, span.context())
                .compose(device -> {
                    String tenantId = gatewayForm ? ctx.pathParam(TENANT) : device.getTenantId();
                    String deviceId = gatewayForm ? ctx.pathParam(DEVICE) : device.getDeviceId();
                    if (!tenantId.equals(device.getTenantId())) {
                        return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_FORBIDDEN,
                                device + " may not respond for tenant " + tenantId));
                    }
                    int status;
                    try {
                        status = DeviceRequests.commandStatus(request.getHeader(Constants.HEADER_COMMAND_RESPONSE_STATUS),
                                request.getParam(Constants.HEADER_COMMAND_RESPONSE_STATUS));
                    } catch (IllegalArgumentException e) {
                        return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_BAD_REQUEST, e.getMessage()));
                    }
                    Buffer payload = ctx.body() == null ? null : ctx.body().buffer();
                    CommandResponse response = CommandResponse.fromRequestId(ctx.pathParam(REQUEST_ID), tenantId, deviceId,
                            payload == null || payload.length() == 0 ? null : payload, request.getHeader(HttpHeaders.CONTENT_TYPE), status);
                    if (response == null) {
                        return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_BAD_REQUEST,
                                "command request id " + DeviceRequests.abbreviate(ctx.pathParam(REQUEST_ID)) + " is not valid"));
                    }
                    return getTenantConfiguration(tenantId, span.context())
                            .compose(DeviceAuthentication::requireEnabled)
                            .compose(this::isAdapterEnabled)
                            .compose(tenant -> checkMessageLimit(tenant, payload == null ? 0 : payload.length(), span.context()).map(tenant))
                            .compose(tenant -> getRegistrationAssertion(tenantId, deviceId, device, span.context())
                                    .compose(assertion -> sendCommandResponse(tenant, assertion, response, span.context())));
                })
                .onComplete(done -> span.finish())
                .onSuccess(v -> request.response().setStatusCode(HttpURLConnection.HTTP_ACCEPTED).end())
                .onFailure(t -> fail(request, t));
    }

    // ---- authentication and refusals

    /**
     * Authenticates the device the way Hono's HTTP adapter chains its handlers: a client certificate from the TLS
     * handshake first (the tenant is the one whose trusted CA issued it, the device the one with an
     * {@code x509-cert} credential for its subject DN), then HTTP Basic {@code auth-id@tenant} when the request
     * has it. Fails with a 401 {@link ClientErrorException} when neither succeeds.
     */
    private Future<DeviceUser> authenticate(HttpServerRequest request, SpanContext spanContext) {
        Optional<Certificate[]> certificates = clientCertificates(request);
        if (certificates.isEmpty()) {
            return authenticateBasic(request, spanContext);
        }
        Future<DeviceUser> byCertificate = authenticateCertificate(certificates.get(), spanContext);
        if (request.getHeader(HttpHeaders.AUTHORIZATION) == null) {
            return byCertificate;
        }
        return byCertificate.recover(t -> {
            log.debug("client certificate of {} not accepted ({}), trying its Basic credentials", request.remoteAddress(), t.getMessage());
            return authenticateBasic(request, spanContext);
        });
    }

    /** The client's certificate chain from the TLS handshake; empty on the plain port or when it sent none. */
    private static Optional<Certificate[]> clientCertificates(HttpServerRequest request) {
        return DeviceAuthentication.peerCertificates(request.isSSL(), request.sslSession());
    }

    private Future<DeviceUser> authenticateCertificate(Certificate[] chain, SpanContext spanContext) {
        return authentication.certificate(chain, spanContext)
                // Hono's tenant lookup answers an unknown issuer with 404, and a chain that does not validate fails with
                // a CertificateException: both are credentials the device cannot use, 401 as Hono's HTTP adapter
                // answers them; only an outage (5xx) stays what it is
                .recover(t -> Future.failedFuture(t instanceof ServiceInvocationException e && e.getErrorCode() >= 500 ? t
                        : new ClientErrorException(HttpURLConnection.HTTP_UNAUTHORIZED, "client certificate not accepted: " + t.getMessage())));
    }

    /** HTTP Basic with {@code auth-id@tenant}, verified against the region's credentials; 401 when that fails. */
    private Future<DeviceUser> authenticateBasic(HttpServerRequest request, SpanContext spanContext) {
        Optional<DeviceRequests.BasicCredentials> basic;
        try {
            basic = DeviceRequests.basic(request.getHeader(HttpHeaders.AUTHORIZATION));
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_UNAUTHORIZED, e.getMessage()));
        }
        if (basic.isEmpty()) {
            return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_UNAUTHORIZED,
                    "authentication required: a client certificate, or HTTP Basic with user-id auth-id@tenant"));
        }
        return authentication.password(basic.get().username(), basic.get().password(), DeviceRequests.abbreviate(basic.get().username()),
                spanContext);
    }

    private void fail(HttpServerRequest request, Throwable failure) {
        if (!(failure instanceof ServiceInvocationException)) {
            // not a registry, Kafka or validation answer: a defect or an outage, so the log gets the stack trace
            log.warn("unexpected failure while handling {} {}", request.method(), request.path(), failure);
        }
        int status = HttpRefusals.status(failure);
        refusals.refuse(request, status, HttpRefusals.reason(failure));
    }
}
