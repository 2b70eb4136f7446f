package io.meridian.region.adapter.mqtt;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.opentracing.Span;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import org.eclipse.hono.adapter.AbstractProtocolAdapterBase;
import org.eclipse.hono.adapter.MapBasedTelemetryExecutionContext;
import org.eclipse.hono.adapter.ProtocolAdapterProperties;
import org.eclipse.hono.adapter.auth.device.usernamepassword.UsernamePasswordAuthProvider;
import org.eclipse.hono.adapter.auth.device.usernamepassword.UsernamePasswordCredentials;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.client.ServiceInvocationException;
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
 * <li>SUBSCRIBE is answered with a failure for every filter: commands are not built yet.</li>
 * </ul>
 */
final class MeridianMqttAdapter extends AbstractProtocolAdapterBase<ProtocolAdapterProperties> {

    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

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
        endpoint.closeHandler(v -> session.close());
        endpoint.publishHandler(message -> onPublish(endpoint, device, session, message));
        endpoint.subscribeHandler(subscribe -> {
            log.info("{} subscribed to {}: refused, commands are not supported yet", device, subscribe.topicSubscriptions());
            endpoint.subscribeAcknowledge(subscribe.messageId(),
                    Collections.nCopies(subscribe.topicSubscriptions().size(), MqttQoS.FAILURE));
        });
        endpoint.unsubscribeHandler(unsubscribe -> endpoint.unsubscribeAcknowledge(unsubscribe.messageId()));
        endpoint.pingHandler(v -> { });
        endpoint.disconnectHandler(v -> log.debug("{} disconnected", device));
        endpoint.accept(false);
        span.finish();
    }

    private void onPublish(MqttEndpoint endpoint, DeviceUser device, MqttDeviceSession session, MqttPublishMessage message) {
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
}
