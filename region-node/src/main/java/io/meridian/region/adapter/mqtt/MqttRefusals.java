package io.meridian.region.adapter.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import java.net.HttpURLConnection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.hono.adapter.AdapterConnectionsExceededException;
import org.eclipse.hono.adapter.AuthorizationException;
import org.eclipse.hono.adapter.TenantConnectionsExceededException;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.client.ServiceInvocationException;

/**
 * How the MQTT adapter refuses, as Hono's MQTT adapter documents it, and the counter of refusals.
 *
 * <p>At CONNECT the refusal is a CONNACK code from the failure that refused it: unknown or wrong credentials
 * or an untrusted client certificate (401, 404) are "bad user name or password"; a disabled tenant, device
 * or adapter (403) and a tenant over its connection limit (Hono's {@link AuthorizationException}s) are "not
 * authorized"; the registry or Kafka being unreachable (5xx, or anything unexpected) is "server unavailable".
 * After CONNECT (a PUBLISH to a topic the device may not use, a payload over the limit, a failed forward)
 * Hono closes the connection, as it does for a device that has not subscribed to error topics.
 *
 * <p>Every refusal counts once in {@value #METER}, tagged {@code reason} with a {@link Reason}.
 */
final class MqttRefusals {

    /** The refusals counter's name. */
    static final String METER = "meridian.mqtt.refusals";

    /** Why a connection was refused or closed; the {@code reason} tag is the lower-case name. */
    enum Reason {
        /** Unknown auth-id, wrong password, or no credentials at all. */
        BAD_CREDENTIALS,
        /** A client certificate that does not chain to a trusted CA of any tenant, or has no credential. */
        UNTRUSTED_CERTIFICATE,
        /** The tenant, the device or the MQTT adapter for the tenant is disabled. */
        NOT_AUTHORIZED,
        /** The tenant already has {@code max-connections} connections. */
        CONNECTION_LIMIT,
        /** A PUBLISH to a topic the device may not use: unknown, another tenant's, or a device it is no gateway for. */
        UNAUTHORISED_TOPIC,
        /** A PUBLISH whose payload is larger than the configured maximum. */
        OVERSIZE_PAYLOAD,
        /** A PUBLISH at QoS 2, which Hono's MQTT adapter does not support. */
        UNSUPPORTED_QOS,
        /** The registry or Kafka could not answer, or an unexpected failure. */
        UNAVAILABLE;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Reason, Counter> counters = new EnumMap<>(Reason.class);

    MqttRefusals(MeterRegistry meters) {
        for (Reason reason : Reason.values()) {
            counters.put(reason, Counter.builder(METER).tag("reason", reason.tag())
                    .description("MQTT connections refused at CONNECT or closed by the adapter, by reason").register(meters));
        }
    }

    void count(Reason reason) {
        counters.get(reason).increment();
    }

    static MqttConnectReturnCode connackCode(Throwable failure) {
        if (failure instanceof AuthorizationException) {
            // Hono's adapter exceptions for resource limits carry 401, yet Hono documents 0x05 for them
            return MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
        }
        if (failure instanceof ClientErrorException e) {
            return switch (e.getErrorCode()) {
                case HttpURLConnection.HTTP_UNAUTHORIZED, HttpURLConnection.HTTP_NOT_FOUND, HttpURLConnection.HTTP_BAD_REQUEST ->
                        MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
                default -> MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
            };
        }
        return MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
    }

    /** The reason a failure refuses a CONNECT for; {@code certificate} tells a client certificate from a password. */
    static Reason connectReason(Throwable failure, boolean certificate) {
        if (failure instanceof TenantConnectionsExceededException || failure instanceof AdapterConnectionsExceededException) {
            return Reason.CONNECTION_LIMIT;
        }
        return switch (connackCode(failure)) {
            case CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD -> certificate ? Reason.UNTRUSTED_CERTIFICATE : Reason.BAD_CREDENTIALS;
            case CONNECTION_REFUSED_NOT_AUTHORIZED -> Reason.NOT_AUTHORIZED;
            default -> Reason.UNAVAILABLE;
        };
    }

    /** The reason a failed PUBLISH closes the connection for. */
    static Reason publishReason(Throwable failure) {
        if (failure instanceof TopicNotAuthorized) {
            return Reason.UNAUTHORISED_TOPIC;
        }
        return failure instanceof ClientErrorException ? Reason.NOT_AUTHORIZED : Reason.UNAVAILABLE;
    }

    /**
     * A PUBLISH names a tenant or device the connected device may not publish for (403): another tenant, or a
     * device that does not name the connected gateway in {@code via}/{@code viaGroups}, or no such device.
     */
    static final class TopicNotAuthorized extends ClientErrorException {
        private static final long serialVersionUID = 1L;

        TopicNotAuthorized(String message, Throwable cause) {
            super(HttpURLConnection.HTTP_FORBIDDEN, message, cause);
        }
    }

    /** A short reason for the log, without a stack trace for expected refusals. */
    static String reason(Throwable failure) {
        if (failure instanceof ServiceInvocationException e) {
            return e.getErrorCode() + " " + e.getMessage();
        }
        return String.valueOf(failure);
    }
}
