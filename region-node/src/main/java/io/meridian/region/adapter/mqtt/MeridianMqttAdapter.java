package io.meridian.region.adapter.mqtt;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.hono.adapter.AbstractProtocolAdapterBase;
import org.eclipse.hono.adapter.MapBasedTelemetryExecutionContext;
import org.eclipse.hono.adapter.ProtocolAdapterProperties;
import org.eclipse.hono.adapter.auth.device.usernamepassword.UsernamePasswordAuthProvider;
import org.eclipse.hono.adapter.auth.device.usernamepassword.UsernamePasswordCredentials;
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
 * The region's MQTT 3.1.1 protocol adapter on Hono's adapter base: plain MQTT on the insecure port.
 *
 * <ul>
 * <li>CONNECT needs username {@code <auth-id>@<tenant>} and the password of a {@code hashed-password}
 *     credential in the region's registry; refusals are CONNACK codes ({@link MqttRefusals}), each logged.</li>
 * <li>PUBLISH on {@code telemetry}/{@code t} and {@code event}/{@code e} at QoS 0 or 1 goes to Kafka through
 *     Hono's senders ({@code hono.telemetry.<tenant>}, {@code hono.event.<tenant>}). A QoS 1 PUBACK is sent
 *     only after Kafka acknowledged the record. QoS 2, other topics and failed sends close the connection,
 *     as Hono's adapter does for a device that has not subscribed to error topics.</li>
 * <li>SUBSCRIBE to {@code command///req/#} (and Hono's other command filters, {@link MqttCommandSubscription})
 *     registers a Hono command consumer with the node's command router; the SUBACK grants the QoS only once it
 *     is registered, else it carries 0x80. Commands are published to the device in the subscription's form;
 *     at QoS 1 a command counts as delivered on the device's PUBACK. UNSUBSCRIBE and disconnect close the
 *     consumer. Responses published to {@code command///res/<req-id>/<status>} go to
 *     {@code hono.command_response.<tenant>} ({@link MqttCommandResponseTopic}). Other filters get 0x80.</li>
 * </ul>
 */
final class MeridianMqttAdapter extends AbstractProtocolAdapterBase<ProtocolAdapterProperties> {

    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    /** How long a QoS 1 command may wait for the device's PUBACK before it is released (Hono then answers 503). */
    private static final Duration COMMAND_ACK_TIMEOUT = Duration.ofSeconds(10);

    private final InFlightBudget budget;
    private MqttServer server;
    private UsernamePasswordAuthProvider authProvider;

    /** @param budget the node's in-flight work and backpressure (DESIGN.md section 3.3) */
    MeridianMqttAdapter(InFlightBudget budget) {
        this.budget = java.util.Objects.requireNonNull(budget, "budget must not be null");
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
        return Constants.PORT_UNCONFIGURED;
    }

    @Override
    protected int getActualInsecurePort() {
        return server == null ? Constants.PORT_UNCONFIGURED : server.actualPort();
    }

    /** The port the adapter listens on, once started. */
    int port() {
        return getActualInsecurePort();
    }

    @Override
    protected void doStart(Promise<Void> startPromise) {
        authProvider = new UsernamePasswordAuthProvider(getCredentialsClient(), tracer);
        MqttServerOptions options = new MqttServerOptions()
                .setHost(getConfig().getInsecurePortBindAddress())
                .setPort(getConfig().getInsecurePort(getInsecurePortDefaultValue()));
        server = MqttServer.create(vertx, options).endpointHandler(this::onConnect);
        server.listen()
                .onSuccess(s -> log.info("MQTT adapter listening on {}:{}", options.getHost(), s.actualPort()))
                .<Void>mapEmpty()
                .onComplete(startPromise);
    }

    @Override
    protected void doStop(Promise<Void> stopPromise) {
        (server == null ? Future.<Void>succeededFuture() : server.close()).onComplete(stopPromise);
    }

    private void onConnect(MqttEndpoint endpoint) {
        Span span = tracer.buildSpan("CONNECT").start();
        String client = endpoint.clientIdentifier() + " from " + endpoint.remoteAddress();
        if (budget.refuseConnect()) {
            refuse(endpoint, span, client, "overloaded: " + budget.inFlight() + " messages in flight", MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
            return;
        }
        if (endpoint.auth() == null || endpoint.auth().getUsername() == null || endpoint.auth().getPassword() == null) {
            refuse(endpoint, span, client, "no username and password", MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            return;
        }
        UsernamePasswordCredentials credentials = UsernamePasswordCredentials.create(endpoint.auth().getUsername(),
                endpoint.auth().getPassword());
        if (credentials == null) {
            refuse(endpoint, span, client, "username " + endpoint.auth().getUsername() + " is not of the form auth-id@tenant",
                    MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            return;
        }
        Promise<DeviceUser> authenticated = Promise.promise();
        authProvider.authenticate(credentials, span.context(), authenticated);
        authenticated.future()
                .compose(device -> getTenantConfiguration(device.getTenantId(), span.context())
                        .compose(MeridianMqttAdapter::requireEnabled)
                        .compose(this::isAdapterEnabled)
                        .compose(tenant -> checkConnectionLimit(tenant, span.context()))
                        // the device itself must be registered and enabled, not only its credentials
                        .compose(v -> getRegistrationAssertion(device.getTenantId(), device.getDeviceId(), device, span.context()))
                        .map(device))
                .onSuccess(device -> accept(endpoint, device, span))
                .onFailure(t -> {
                    if (!(t instanceof ServiceInvocationException)) {
                        // not a registry or Kafka answer: a defect or an outage, so the log gets the stack trace
                        log.warn("unexpected failure while connecting {}", client, t);
                    }
                    refuse(endpoint, span, client + " as " + endpoint.auth().getUsername(), MqttRefusals.reason(t),
                            MqttRefusals.connackCode(t));
                });
    }

    private static Future<TenantObject> requireEnabled(TenantObject tenant) {
        return tenant.isEnabled() ? Future.succeededFuture(tenant)
                : Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_FORBIDDEN, "tenant " + tenant.getTenantId() + " is disabled"));
    }

    private void refuse(MqttEndpoint endpoint, Span span, String client, String reason, MqttConnectReturnCode code) {
        log.info("refused MQTT connection of {}: {} -> CONNACK {}", client, reason, code);
        endpoint.reject(code);
        span.finish();
    }

    private void accept(MqttEndpoint endpoint, DeviceUser device, Span span) {
        TracingHelper.setDeviceTags(span, device.getTenantId(), device.getDeviceId());
        log.info("accepted MQTT connection of {} as {}", endpoint.clientIdentifier(), device);
        endpoint.publishAutoAck(false);
        endpoint.subscriptionAutoAck(false);
        MqttDeviceSession session = budget.open(ChannelReadGate.of(endpoint));
        MqttCommandConsumers commands = new MqttCommandConsumers();
        endpoint.closeHandler(v -> {
            session.close();
            closeCommandConsumers(device, commands);
        });
        endpoint.publishHandler(message -> onPublish(endpoint, device, session, message));
        endpoint.subscribeHandler(subscribe -> onSubscribe(endpoint, device, commands, subscribe));
        endpoint.unsubscribeHandler(unsubscribe -> onUnsubscribe(endpoint, device, commands, unsubscribe));
        endpoint.publishAcknowledgeHandler(commands::acknowledged);
        endpoint.pingHandler(v -> { });
        endpoint.disconnectHandler(v -> log.debug("{} disconnected", device));
        endpoint.accept(false);
        span.finish();
    }

    private void onPublish(MqttEndpoint endpoint, DeviceUser device, MqttDeviceSession session, MqttPublishMessage message) {
        if (MqttCommandResponseTopic.isCommandResponse(message.topicName())) {
            onCommandResponse(endpoint, device, session, message);
            return;
        }
        Optional<MqttTopic> parsed = MqttTopic.parse(message.topicName());
        if (parsed.isEmpty()) {
            closeOn(endpoint, device, "PUBLISH to unsupported topic " + message.topicName());
            return;
        }
        if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
            closeOn(endpoint, device, "PUBLISH at QoS 2, which is not supported, on " + message.topicName());
            return;
        }
        MqttTopic topic = parsed.get();
        String tenantId = topic.tenantId().orElse(device.getTenantId());
        String deviceId = topic.deviceId().orElse(device.getDeviceId());
        if (!tenantId.equals(device.getTenantId()) || !deviceId.equals(device.getDeviceId())) {
            closeOn(endpoint, device, "PUBLISH for " + tenantId + "/" + deviceId + " (gateways are not supported yet)");
            return;
        }
        if (!session.admit(message.qosLevel())) {
            return; // a QoS 0 message over the limits: dropped and counted
        }
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
                .compose(MeridianMqttAdapter::requireEnabled)
                .compose(this::isAdapterEnabled)
                .compose(tenant -> checkMessageLimit(tenant, message.payload().length(), span.context()).map(tenant))
                .compose(tenant -> getRegistrationAssertion(tenantId, deviceId, device, span.context())
                        .compose(assertion -> topic.event()
                                ? getEventSender(tenant).sendEvent(tenant, assertion, contentType, message.payload(),
                                        getDownstreamMessageProperties(context), span.context())
                                : getTelemetrySender(tenant).sendTelemetry(tenant, assertion, qos, contentType, message.payload(),
                                        getDownstreamMessageProperties(context), span.context())))
                .onComplete(sent -> {
                    session.done();
                    span.finish();
                    if (sent.succeeded()) {
                        if (message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                            // only now: for QoS 1 the sender's future completes when Kafka acknowledged the record
                            endpoint.publishAcknowledge(message.messageId());
                        }
                    } else {
                        if (!(sent.cause() instanceof ServiceInvocationException)) {
                            log.warn("unexpected failure while forwarding {} of {}", message.topicName(), device, sent.cause());
                        }
                        closeOn(endpoint, device, "could not forward " + message.topicName() + ": " + MqttRefusals.reason(sent.cause()));
                    }
                });
    }

    private void closeOn(MqttEndpoint endpoint, DeviceUser device, String reason) {
        log.info("closing MQTT connection of {}: {}", device, reason);
        if (endpoint.isConnected()) {
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
                .compose(MeridianMqttAdapter::requireEnabled)
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
            closeOn(endpoint, device, "PUBLISH to malformed command response topic " + message.topicName());
            return;
        }
        if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
            closeOn(endpoint, device, "PUBLISH at QoS 2, which is not supported, on " + message.topicName());
            return;
        }
        MqttCommandResponseTopic topic = parsed.get();
        String tenantId = device.getTenantId();
        if (topic.tenantId().isPresent() && !topic.tenantId().get().equals(tenantId)) {
            closeOn(endpoint, device, "command response for another tenant on " + message.topicName());
            return;
        }
        String deviceId = topic.deviceId().orElse(device.getDeviceId());
        Buffer payload = message.payload();
        String contentType = topic.contentType().orElse(payload.length() > 0 ? DEFAULT_CONTENT_TYPE : null);
        CommandResponse response = CommandResponse.fromRequestId(topic.requestId(), tenantId, deviceId, payload, contentType, topic.status());
        if (response == null) {
            closeOn(endpoint, device, "command response with a request id this adapter did not issue: " + message.topicName());
            return;
        }
        if (!session.admit(message.qosLevel())) {
            return; // a QoS 0 response over the in-flight limits: dropped and counted, like QoS 0 telemetry
        }
        Span span = tracer.buildSpan("PUBLISH command response").withTag("tenant_id", tenantId).start();
        getTenantConfiguration(tenantId, span.context())
                .compose(MeridianMqttAdapter::requireEnabled)
                .compose(this::isAdapterEnabled)
                .compose(tenant -> checkMessageLimit(tenant, payload.length(), span.context()).map(tenant))
                // for a gateway this also checks that it may answer for the device
                .compose(tenant -> getRegistrationAssertion(tenantId, deviceId, device, span.context())
                        .compose(assertion -> sendCommandResponse(tenant, assertion, response, span.context())))
                .onComplete(sent -> {
                    session.done();
                    span.finish();
                    if (sent.succeeded()) {
                        if (message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                            endpoint.publishAcknowledge(message.messageId());
                        }
                    } else {
                        if (!(sent.cause() instanceof ServiceInvocationException)) {
                            log.warn("unexpected failure while forwarding the command response {} of {}", message.topicName(), device, sent.cause());
                        }
                        closeOn(endpoint, device, "could not forward command response " + message.topicName() + ": "
                                + MqttRefusals.reason(sent.cause()));
                    }
                });
    }
}
