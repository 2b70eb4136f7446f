package io.meridian.region.adapter.mqtt;

import io.meridian.region.adapter.DeviceAuthentication;
import io.meridian.region.adapter.TenantConnections;
import io.meridian.region.adapter.mqtt.MqttRefusals.Reason;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.opentracing.Span;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.MqttUnsubscribeMessage;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.hono.adapter.AbstractProtocolAdapterBase;
import org.eclipse.hono.adapter.MapBasedTelemetryExecutionContext;
import org.eclipse.hono.adapter.ProtocolAdapterProperties;
import org.eclipse.hono.adapter.TenantConnectionsExceededException;
import org.eclipse.hono.adapter.auth.device.x509.TenantServiceBasedX509Authentication;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.client.ServerErrorException;
import org.eclipse.hono.client.ServiceInvocationException;
import org.eclipse.hono.client.command.Command;
import org.eclipse.hono.client.command.CommandContext;
import org.eclipse.hono.client.command.CommandResponse;
import org.eclipse.hono.client.command.ProtocolAdapterCommandConsumer;
import org.eclipse.hono.service.auth.DeviceUser;
import org.eclipse.hono.tracing.TracingHelper;
import org.eclipse.hono.util.Constants;
import org.eclipse.hono.util.QoS;
import org.eclipse.hono.util.TenantObject;

/**
 * The region's MQTT 3.1.1 protocol adapter on Hono's adapter base: plain MQTT on the insecure port and, when
 * the node has TLS material, MQTT over TLS on the secure port.
 *
 * <ul>
 * <li>CONNECT authenticates, in Hono's order, with a client certificate presented in the TLS handshake (the
 *     tenant is the one whose trusted CA issued it, Hono's {@link TenantServiceBasedX509Authentication}; the
 *     device is the one with an {@code x509-cert} credential whose auth-id is the subject DN), else with
 *     username {@code <auth-id>@<tenant>} and the password of a {@code hashed-password} credential. Then the
 *     tenant and device must be enabled and the tenant under its {@code max-connections}
 *     ({@link TenantConnections}). Refusals are CONNACK codes ({@link MqttRefusals}).</li>
 * <li>PUBLISH on {@code telemetry}/{@code t} and {@code event}/{@code e} at QoS 0 or 1 goes to Kafka through
 *     Hono's senders ({@code hono.telemetry.<tenant>}, {@code hono.event.<tenant>}). A QoS 1 PUBACK is sent
 *     only after Kafka acknowledged the record. A gateway publishes for a device with
 *     {@code telemetry/<tenant>/<device>}: the message goes as that device's, if the device names the gateway
 *     in {@code via} or {@code viaGroups}. QoS 2, unknown topics, another tenant's or a device the gateway
 *     does not serve, a payload over the maximum, and failed sends close the connection, as Hono's adapter
 *     does for a device that has not subscribed to error topics.</li>
 * <li>SUBSCRIBE to {@code command///req/#} (and Hono's other command filters, {@link MqttCommandSubscription})
 *     registers a Hono command consumer with the node's command router; the SUBACK grants the QoS only once it
 *     is registered, else it carries 0x80. Commands are published to the device in the subscription's form;
 *     at QoS 1 a command counts as delivered on the device's PUBACK. UNSUBSCRIBE and disconnect close the
 *     consumer. Responses published to {@code command///res/<req-id>/<status>} go to
 *     {@code hono.command_response.<tenant>} ({@link MqttCommandResponseTopic}). Other filters get 0x80.</li>
 * </ul>
 *
 * Every refusal and every closing is one log line and one count in {@value MqttRefusals#METER}.
 */
final class MeridianMqttAdapter extends AbstractProtocolAdapterBase<ProtocolAdapterProperties> {

    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    /** How long a QoS 1 command may wait for the device's PUBACK before it is released (Hono then answers 503). */
    private static final Duration COMMAND_ACK_TIMEOUT = Duration.ofSeconds(10);

    private final InFlightBudget budget;
    /**
     * Room for the rest of a PUBLISH beside its payload (a topic of up to 64 KiB, the packet id): the decoder
     * lets every PUBLISH through whose payload could be within the limit, so the adapter itself measures the
     * payload, counts the refusal and closes; only frames larger still are cut off by the decoder.
     */
    static final int PUBLISH_HEADROOM = 2 + 65_535 + 2;

    private final MqttRefusals refusals;
    private final TenantConnections connections;
    private MqttServer server;
    private MqttServer secureServer;
    private DeviceAuthentication authentication;

    /** @param budget the node's in-flight work and backpressure (DESIGN.md section 3.3) */
    MeridianMqttAdapter(MeterRegistry meters, TenantConnections connections, InFlightBudget budget) {
        this.refusals = new MqttRefusals(Objects.requireNonNull(meters, "meters must not be null"));
        this.connections = Objects.requireNonNull(connections, "connections must not be null");
        this.budget = Objects.requireNonNull(budget, "budget must not be null");
    }

    @Override
    public String getTypeName() {
        return Constants.PROTOCOL_ADAPTER_TYPE_MQTT;
    }

    @Override
    public int getPortDefaultValue() {
        return 8883;
    }

    @Override
    public int getInsecurePortDefaultValue() {
        return 1883;
    }

    @Override
    protected int getActualPort() {
        return secureServer == null ? Constants.PORT_UNCONFIGURED : secureServer.actualPort();
    }

    @Override
    protected int getActualInsecurePort() {
        return server == null ? Constants.PORT_UNCONFIGURED : server.actualPort();
    }

    /** The port the adapter listens on, once started. */
    int port() {
        return getActualInsecurePort();
    }

    /** The TLS port, once started; {@link Constants#PORT_UNCONFIGURED} without TLS. */
    int securePort() {
        return getActualPort();
    }

    @Override
    protected void doStart(Promise<Void> startPromise) {
        authentication = new DeviceAuthentication(getTenantClient(), getCredentialsClient(), tracer);
        int maxMessageSize = getConfig().getMaxPayloadSize() + PUBLISH_HEADROOM;
        MqttServerOptions options = new MqttServerOptions()
                .setHost(getConfig().getInsecurePortBindAddress())
                .setPort(getConfig().getInsecurePort(getInsecurePortDefaultValue()))
                .setMaxMessageSize(maxMessageSize);
        server = MqttServer.create(vertx, options).endpointHandler(this::onConnect);
        Future<Void> secure = Future.succeededFuture();
        if (isSecurePortEnabled()) {
            MqttServerOptions tls = new MqttServerOptions()
                    .setHost(getConfig().getBindAddress())
                    .setPort(getConfig().getPort(getPortDefaultValue()))
                    .setMaxMessageSize(maxMessageSize);
            // Hono's: the key and certificate, then client certificates requested (not required) and accepted
            // at the TLS layer when within their validity, since the tenant's CA is only known after the
            // handshake (TenantServiceBasedX509Authentication validates the chain)
            addTlsKeyCertOptions(tls);
            addTlsTrustOptions(tls);
            secureServer = MqttServer.create(vertx, tls).endpointHandler(this::onConnect);
            secure = secureServer.listen()
                    .onSuccess(s -> log.info("MQTT adapter listening with TLS on {}:{} (client certificates {})", tls.getHost(),
                            s.actualPort(), tls.getClientAuth()))
                    .mapEmpty();
        }
        secure.compose(v -> server.listen())
                .onSuccess(s -> log.info("MQTT adapter listening on {}:{}, payloads up to {} bytes", options.getHost(), s.actualPort(),
                        getConfig().getMaxPayloadSize()))
                .<Void>mapEmpty()
                .onComplete(startPromise);
    }

    @Override
    protected void doStop(Promise<Void> stopPromise) {
        Future.join(close(server), close(secureServer)).<Void>mapEmpty().onComplete(stopPromise);
    }

    private static Future<Void> close(MqttServer server) {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void onConnect(MqttEndpoint endpoint) {
        Span span = tracer.buildSpan("CONNECT").start();
        String client = endpoint.clientIdentifier() + " from " + endpoint.remoteAddress();
        if (budget.refuseConnect()) {
            refuse(endpoint, span, client, Reason.UNAVAILABLE, "overloaded: " + budget.inFlight() + " messages in flight",
                    MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
            return;
        }
        ConnectionSlot slot = new ConnectionSlot();
        // set before anything else: a client may go away while it is being authenticated
        endpoint.closeHandler(v -> slot.close(client));
        Optional<Certificate[]> certificates = clientCertificates(endpoint);
        boolean hasPassword = endpoint.auth() != null && endpoint.auth().getUsername() != null && endpoint.auth().getPassword() != null;
        Future<DeviceUser> authenticated;
        if (certificates.isPresent()) {
            // Hono's order: the client certificate first, then username and password if the certificate fails
            authenticated = authenticateCertificate(certificates.get(), span);
            if (hasPassword) {
                authenticated = authenticated.recover(t -> authenticatePassword(endpoint, span));
            }
        } else if (hasPassword) {
            authenticated = authenticatePassword(endpoint, span);
        } else {
            refuse(endpoint, span, client, Reason.BAD_CREDENTIALS, "no client certificate and no username and password",
                    MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            return;
        }
        String as = hasPassword ? " as " + endpoint.auth().getUsername() : certificates.map(c -> " with certificate "
                + ((java.security.cert.X509Certificate) c[0]).getSubjectX500Principal().getName()).orElse("");
        authenticated
                .compose(device -> getTenantConfiguration(device.getTenantId(), span.context())
                        .compose(DeviceAuthentication::requireEnabled)
                        .compose(this::isAdapterEnabled)
                        .compose(tenant -> checkConnectionLimit(tenant, span.context()).map(tenant))
                        // the device itself must be registered and enabled, not only its credentials
                        .compose(tenant -> getRegistrationAssertion(device.getTenantId(), device.getDeviceId(), device, span.context())
                                .map(tenant))
                        .compose(tenant -> slot.take(tenant) ? Future.succeededFuture(device)
                                // Hono's own check above passed, but others took the last slots meanwhile
                                : Future.failedFuture(new TenantConnectionsExceededException(tenant.getTenantId(), null))))
                .onSuccess(device -> accept(endpoint, device, span, slot, client))
                .onFailure(t -> {
                    if (!(t instanceof ServiceInvocationException)) {
                        // not a registry or Kafka answer: a defect or an outage, so the log gets the stack trace
                        log.warn("unexpected failure while connecting {}", client, t);
                    }
                    refuse(endpoint, span, client + as, MqttRefusals.connectReason(t, certificates.isPresent() && !hasPassword),
                            MqttRefusals.reason(t), MqttRefusals.connackCode(t));
                });
    }

    /** The client's certificate chain from the TLS handshake; empty on the plain port or without one. */
    private static Optional<Certificate[]> clientCertificates(MqttEndpoint endpoint) {
        return DeviceAuthentication.peerCertificates(endpoint.isSsl(), endpoint.sslSession());
    }

    private Future<DeviceUser> authenticateCertificate(Certificate[] chain, Span span) {
        return authentication.certificate(chain, span.context());
    }

    private Future<DeviceUser> authenticatePassword(MqttEndpoint endpoint, Span span) {
        return authentication.password(endpoint.auth().getUsername(), endpoint.auth().getPassword(), endpoint.auth().getUsername(),
                span.context());
    }

    private void refuse(MqttEndpoint endpoint, Span span, String client, Reason reason, String detail, MqttConnectReturnCode code) {
        refusals.count(reason);
        log.info("refused MQTT connection of {}: {} ({}) -> CONNACK {}", client, reason.tag(), detail, code);
        endpoint.reject(code);
        span.finish();
    }

    private void accept(MqttEndpoint endpoint, DeviceUser device, Span span, ConnectionSlot slot, String client) {
        TracingHelper.setDeviceTags(span, device.getTenantId(), device.getDeviceId());
        log.info("accepted MQTT connection of {} as {}{}", endpoint.clientIdentifier(), device, endpoint.isSsl() ? " over TLS" : "");
        endpoint.exceptionHandler(t -> {
            if (t instanceof TooLongFrameException || t.getCause() instanceof TooLongFrameException) {
                // the decoder cut off a frame beyond even the payload limit and its headroom
                closeOn(endpoint, device, Reason.OVERSIZE_PAYLOAD, "frame over " + (getConfig().getMaxPayloadSize() + PUBLISH_HEADROOM)
                        + " bytes: " + t.getMessage());
            } else {
                log.debug("MQTT connection of {} failed", device, t);
            }
        });
        endpoint.publishAutoAck(false);
        endpoint.subscriptionAutoAck(false);
        MqttDeviceSession session = budget.open(ChannelReadGate.of(endpoint));
        MqttCommandConsumers commands = new MqttCommandConsumers();
        // the endpoint has one close handler: it gives back the in-flight session and the tenant slot, and closes
        // the command consumers
        endpoint.closeHandler(v -> {
            session.close();
            slot.close(client);
            closeCommandConsumers(device, commands);
        });
        endpoint.publishHandler(message -> onPublish(endpoint, device, session, message));
        endpoint.subscribeHandler(subscribe -> onSubscribe(endpoint, device, commands, subscribe));
        endpoint.unsubscribeHandler(unsubscribe -> onUnsubscribe(endpoint, device, commands, unsubscribe));
        endpoint.publishAcknowledgeHandler(commands::acknowledged);
        endpoint.pingHandler(v -> { });
        endpoint.disconnectHandler(v -> log.debug("{} sent DISCONNECT", device));
        endpoint.accept(false);
        span.finish();
    }

    /**
     * The tenant connection slot of one MQTT connection: taken once the connection is about to be accepted,
     * given back when it closes, however early, exactly once.
     */
    private final class ConnectionSlot {
        private String tenantId;
        private boolean closed;

        /** Takes a slot of the tenant; false when the tenant has none left. */
        synchronized boolean take(TenantObject tenant) {
            if (closed) {
                // gone while it was being authenticated: nothing to hold, and accepting it does nothing
                return true;
            }
            if (!connections.tryAcquire(tenant)) {
                return false;
            }
            tenantId = tenant.getTenantId();
            return true;
        }

        synchronized void close(String client) {
            closed = true;
            if (tenantId != null) {
                connections.release(tenantId);
                tenantId = null;
            }
            log.debug("MQTT connection of {} closed", client);
        }
    }

    private void onPublish(MqttEndpoint endpoint, DeviceUser device, MqttDeviceSession session, MqttPublishMessage message) {
        if (MqttCommandResponseTopic.isCommandResponse(message.topicName())) {
            onCommandResponse(endpoint, device, session, message);
            return;
        }
        Optional<MqttTopic> parsed = MqttTopic.parse(message.topicName());
        if (parsed.isEmpty()) {
            closeOn(endpoint, device, Reason.UNAUTHORISED_TOPIC, "PUBLISH to unsupported topic " + message.topicName());
            return;
        }
        if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
            closeOn(endpoint, device, Reason.UNSUPPORTED_QOS, "PUBLISH at QoS 2, which is not supported, on " + message.topicName());
            return;
        }
        int maxPayloadSize = getConfig().getMaxPayloadSize();
        if (message.payload().length() > maxPayloadSize) {
            closeOn(endpoint, device, Reason.OVERSIZE_PAYLOAD, "PUBLISH of " + message.payload().length() + " bytes on "
                    + message.topicName() + ", the maximum is " + maxPayloadSize);
            return;
        }
        MqttTopic topic = parsed.get();
        String tenantId = topic.tenantId().orElse(device.getTenantId());
        String deviceId = topic.deviceId().orElse(device.getDeviceId());
        if (!tenantId.equals(device.getTenantId())) {
            closeOn(endpoint, device, Reason.UNAUTHORISED_TOPIC, "PUBLISH on " + message.topicName() + " for another tenant");
            return;
        }
        if (!session.admit(message.qosLevel())) {
            return; // a QoS 0 message over the limits: dropped and counted
        }
        boolean forOther = !deviceId.equals(device.getDeviceId());
        QoS qos = QoS.from(message.qosLevel().value());
        Span span = tracer.buildSpan("PUBLISH " + (topic.event() ? "event" : "telemetry")).start();
        // tenant and device as attributes; NodeTracing removes the device id unless the exporter stays in the region
        TracingHelper.setDeviceTags(span, tenantId, deviceId);
        TracingHelper.TAG_QOS.set(span, qos.name());
        MapBasedTelemetryExecutionContext context = new MapBasedTelemetryExecutionContext(span, device) {
            @Override
            public QoS getRequestedQos() {
                return qos;
            }

            @Override
            public Optional<Duration> getTimeToLive() {
                return Optional.empty();
            }

            @Override
            public String getOrigAddress() {
                return message.topicName();
            }
        };
        String contentType = topic.contentType().orElse(DEFAULT_CONTENT_TYPE);
        getTenantConfiguration(tenantId, span.context())
                .compose(DeviceAuthentication::requireEnabled)
                .compose(this::isAdapterEnabled)
                .compose(tenant -> checkMessageLimit(tenant, message.payload().length(), span.context()).map(tenant))
                .compose(tenant -> getRegistrationAssertion(tenantId, deviceId, device, span.context())
                        // Hono's registration service validates the gateway: 403 when the device does not name
                        // it in via/viaGroups, 404 when the device is unknown or disabled
                        .recover(t -> forOther && t instanceof ClientErrorException
                                ? Future.failedFuture(new MqttRefusals.TopicNotAuthorized(
                                        "gateway " + device.getDeviceId() + " may not publish for " + deviceId + ": " + t.getMessage(), t))
                                : Future.failedFuture(t))
                        .compose(assertion -> topic.event()
                                ? getEventSender(tenant).sendEvent(tenant, assertion, contentType, message.payload(),
                                        getDownstreamMessageProperties(context), span.context())
                                : getTelemetrySender(tenant).sendTelemetry(tenant, assertion, qos, contentType, message.payload(),
                                        getDownstreamMessageProperties(context), span.context())))
                .onComplete(sent -> {
                    session.done();
                    span.finish();
                    if (sent.succeeded()) {
                        connections.ingest().accepted(tenantId);
                        if (message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                            // only now: for QoS 1 the sender's future completes when Kafka acknowledged the record
                            endpoint.publishAcknowledge(message.messageId());
                        }
                    } else {
                        if (!(sent.cause() instanceof ServiceInvocationException)) {
                            log.warn("unexpected failure while forwarding {} of {}", message.topicName(), device, sent.cause());
                        }
                        closeOn(endpoint, device, MqttRefusals.publishReason(sent.cause()),
                                "could not forward " + message.topicName() + ": " + MqttRefusals.reason(sent.cause()));
                    }
                });
    }

    private void closeOn(MqttEndpoint endpoint, DeviceUser device, Reason reason, String detail) {
        if (endpoint.isConnected()) {
            refusals.count(reason);
            log.info("closing MQTT connection of {}: {} ({})", device, reason.tag(), detail);
            endpoint.close();
        }
    }

    // ---- command and control

    private void onSubscribe(MqttEndpoint endpoint, DeviceUser device, MqttCommandConsumers commands, MqttSubscribeMessage subscribe) {
        List<Future<MqttQoS>> granted = new ArrayList<>();
        for (MqttTopicSubscription filter : subscribe.topicSubscriptions()) {
            granted.add(subscribeToCommands(endpoint, device, commands, filter.topicName(), filter.qualityOfService()));
        }
        // SUBACK only when every consumer is registered (or has failed): a device that got its SUBACK gets commands
        Future.join(granted).onComplete(done -> {
            if (endpoint.isConnected()) {
                endpoint.subscribeAcknowledge(subscribe.messageId(), granted.stream().map(Future::result).toList());
            }
        });
    }

    private Future<MqttQoS> subscribeToCommands(MqttEndpoint endpoint, DeviceUser device, MqttCommandConsumers commands,
            String filter, MqttQoS requested) {
        Optional<MqttCommandSubscription> parsed = MqttCommandSubscription.parse(filter, requested);
        if (parsed.isEmpty()) {
            log.info("{} subscribed to unsupported topic filter {}: SUBACK failure", device, filter);
            return Future.succeededFuture(MqttQoS.FAILURE);
        }
        MqttCommandSubscription subscription = parsed.get();
        String tenantId = device.getTenantId();
        if (subscription.tenantId().isPresent() && !subscription.tenantId().get().equals(tenantId)) {
            log.info("{} subscribed to {}, which names another tenant: SUBACK failure", device, filter);
            return Future.succeededFuture(MqttQoS.FAILURE);
        }
        String target = subscription.targetDeviceId(device.getDeviceId());
        Optional<MqttCommandConsumers.Active> existing = commands.forTarget(target);
        if (existing.isPresent()) {
            commands.put(new MqttCommandConsumers.Active(subscription, target, existing.get().consumer()));
            return existing.get().consumer().map(subscription.qos()).otherwise(MqttQoS.FAILURE);
        }
        boolean forOtherDevice = !target.equals(device.getDeviceId());
        Span span = tracer.buildSpan("subscribe to commands").withTag("tenant_id", tenantId).start();
        Function<CommandContext, Future<Void>> handler = command -> deliverCommand(endpoint, device, commands, target, command);
        Future<ProtocolAdapterCommandConsumer> consumer = getTenantConfiguration(tenantId, span.context())
                .compose(DeviceAuthentication::requireEnabled)
                .compose(this::isAdapterEnabled)
                // a gateway may subscribe for a device only if the device names it as a gateway
                .compose(tenant -> forOtherDevice ? getRegistrationAssertion(tenantId, target, device, span.context()).mapEmpty()
                        : Future.succeededFuture())
                .compose(v -> forOtherDevice
                        ? getCommandConsumerFactory().createCommandConsumer(tenantId, target, device.getDeviceId(), true, handler, null, span.context())
                        : getCommandConsumerFactory().createCommandConsumer(tenantId, target, true, handler, null, span.context()));
        MqttCommandConsumers.Active active = new MqttCommandConsumers.Active(subscription, target, consumer);
        commands.put(active);
        return consumer
                .map(c -> {
                    log.info("{} subscribed to commands for {} with {} at {}", device, target, filter, subscription.qos());
                    if (commands.isClosed()) {
                        // the device went away while the consumer was being registered
                        closeCommandConsumer(device, active);
                    }
                    return subscription.qos();
                })
                .otherwise(t -> {
                    commands.removeIfCurrent(active);
                    log.info("{} could not subscribe to {}: {}: SUBACK failure", device, filter, MqttRefusals.reason(t));
                    return MqttQoS.FAILURE;
                })
                .onComplete(ar -> span.finish());
    }

    private void onUnsubscribe(MqttEndpoint endpoint, DeviceUser device, MqttCommandConsumers commands, MqttUnsubscribeMessage unsubscribe) {
        List<Future<Void>> closed = new ArrayList<>();
        for (String filter : unsubscribe.topics()) {
            commands.removeFilter(filter).ifPresent(active -> closed.add(closeCommandConsumer(device, active)));
        }
        Future.join(closed).onComplete(done -> {
            if (endpoint.isConnected()) {
                endpoint.unsubscribeAcknowledge(unsubscribe.messageId());
            }
        });
    }

    private void closeCommandConsumers(DeviceUser device, MqttCommandConsumers commands) {
        log.debug("{} disconnected", device);
        commands.close().forEach(active -> closeCommandConsumer(device, active));
    }

    /** Unregisters one subscription's consumer from the command router (and sends Hono's ttd=0 notification). */
    private Future<Void> closeCommandConsumer(DeviceUser device, MqttCommandConsumers.Active active) {
        Span span = tracer.buildSpan("close command consumer").withTag("tenant_id", device.getTenantId()).start();
        return active.consumer()
                .compose(consumer -> consumer.close(true, span.context()))
                .onFailure(t -> log.debug("command consumer of {} for {} not closed cleanly: {}", device, active.targetDeviceId(), t.toString()))
                .onComplete(ar -> span.finish())
                .otherwiseEmpty();
    }

    /**
     * Publishes a command to the device in its subscription's form. The command is accepted once written (QoS 0)
     * or acknowledged (QoS 1); otherwise it is released, and Hono answers the application with an error response.
     */
    private Future<Void> deliverCommand(MqttEndpoint endpoint, DeviceUser device, MqttCommandConsumers commands, String target,
            CommandContext context) {
        Command command = context.getCommand();
        Span span = tracer.buildSpan("deliver command").asChildOf(context.getTracingContext())
                .withTag("tenant_id", command.getTenant()).start();
        Optional<MqttCommandConsumers.Active> active = commands.forTarget(target);
        if (active.isEmpty() || !endpoint.isConnected()) {
            return settle(context, span, Future.failedFuture(new ServerErrorException(HttpURLConnection.HTTP_UNAVAILABLE,
                    "device is no longer subscribed to commands")));
        }
        MqttCommandSubscription subscription = active.get().subscription();
        if (!subscription.allDevices() && !command.getDeviceId().equals(target)) {
            return settle(context, span, Future.failedFuture(new ServerErrorException(HttpURLConnection.HTTP_UNAVAILABLE,
                    "gateway " + device.getDeviceId() + " has not subscribed to commands for " + command.getDeviceId())));
        }
        String topic = subscription.commandTopic(command.getDeviceId(), device.getDeviceId(),
                command.isOneWay() ? null : command.getRequestId(), command.getName());
        Buffer payload = command.getPayload() == null ? Buffer.buffer() : command.getPayload();
        Future<Void> delivered = getTenantConfiguration(command.getTenant(), span.context())
                .compose(tenant -> checkMessageLimit(tenant, command.getPayloadSize(), span.context()))
                .compose(v -> endpoint.publish(topic, payload, subscription.qos(), false, false))
                .compose(messageId -> subscription.qos() == MqttQoS.AT_LEAST_ONCE
                        ? commands.awaitAcknowledgement(vertx, messageId, COMMAND_ACK_TIMEOUT)
                        : Future.succeededFuture());
        return settle(context, span, delivered.onSuccess(v -> log.debug("delivered command on {} to {}", topic, device)));
    }

    private static Future<Void> settle(CommandContext context, Span span, Future<Void> delivered) {
        return delivered.transform(ar -> {
            if (ar.succeeded()) {
                context.accept();
            } else if (ar.cause() instanceof ClientErrorException) {
                // e.g. the tenant's message limit: the command itself cannot be delivered, now or later
                context.reject(ar.cause());
            } else {
                context.release(ar.cause());
            }
            span.finish();
            return Future.<Void>succeededFuture();
        });
    }

    /** A device's (or gateway's) response to a request-response command, to {@code hono.command_response.<tenant>}. */
    private void onCommandResponse(MqttEndpoint endpoint, DeviceUser device, MqttDeviceSession session, MqttPublishMessage message) {
        Optional<MqttCommandResponseTopic> parsed = MqttCommandResponseTopic.parse(message.topicName());
        if (parsed.isEmpty()) {
            closeOn(endpoint, device, Reason.UNAUTHORISED_TOPIC, "PUBLISH to malformed command response topic " + message.topicName());
            return;
        }
        if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
            closeOn(endpoint, device, Reason.UNSUPPORTED_QOS, "PUBLISH at QoS 2, which is not supported, on " + message.topicName());
            return;
        }
        if (message.payload().length() > getConfig().getMaxPayloadSize()) {
            closeOn(endpoint, device, Reason.OVERSIZE_PAYLOAD, "command response of " + message.payload().length() + " bytes on "
                    + message.topicName() + ", the maximum is " + getConfig().getMaxPayloadSize());
            return;
        }
        MqttCommandResponseTopic topic = parsed.get();
        String tenantId = device.getTenantId();
        if (topic.tenantId().isPresent() && !topic.tenantId().get().equals(tenantId)) {
            closeOn(endpoint, device, Reason.UNAUTHORISED_TOPIC, "command response for another tenant on " + message.topicName());
            return;
        }
        String deviceId = topic.deviceId().orElse(device.getDeviceId());
        Buffer payload = message.payload();
        String contentType = topic.contentType().orElse(payload.length() > 0 ? DEFAULT_CONTENT_TYPE : null);
        CommandResponse response = CommandResponse.fromRequestId(topic.requestId(), tenantId, deviceId, payload, contentType, topic.status());
        if (response == null) {
            closeOn(endpoint, device, Reason.UNAUTHORISED_TOPIC, "command response with a request id this adapter did not issue: " + message.topicName());
            return;
        }
        if (!session.admit(message.qosLevel())) {
            return; // a QoS 0 response over the in-flight limits: dropped and counted, like QoS 0 telemetry
        }
        Span span = tracer.buildSpan("PUBLISH command response").withTag("tenant_id", tenantId).start();
        getTenantConfiguration(tenantId, span.context())
                .compose(DeviceAuthentication::requireEnabled)
                .compose(this::isAdapterEnabled)
                .compose(tenant -> checkMessageLimit(tenant, payload.length(), span.context()).map(tenant))
                // for a gateway this also checks that it may answer for the device
                .compose(tenant -> getRegistrationAssertion(tenantId, deviceId, device, span.context())
                        .compose(assertion -> sendCommandResponse(tenant, assertion, response, span.context())))
                .onComplete(sent -> {
                    session.done();
                    span.finish();
                    if (sent.succeeded()) {
                        connections.ingest().accepted(tenantId);
                        if (message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                            endpoint.publishAcknowledge(message.messageId());
                        }
                    } else {
                        if (!(sent.cause() instanceof ServiceInvocationException)) {
                            log.warn("unexpected failure while forwarding the command response {} of {}", message.topicName(), device, sent.cause());
                        }
                        closeOn(endpoint, device, MqttRefusals.publishReason(sent.cause()), "could not forward command response " + message.topicName() + ": "
                                + MqttRefusals.reason(sent.cause()));
                    }
                });
    }
}
