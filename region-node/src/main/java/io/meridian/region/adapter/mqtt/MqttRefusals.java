package io.meridian.region.adapter.mqtt;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import java.net.HttpURLConnection;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.client.ServiceInvocationException;

/**
 * The CONNACK code that refuses a connection, from the failure that refused it, as Hono's MQTT adapter
 * documents: unknown or wrong credentials (401, 404) are "bad user name or password"; a disabled tenant,
 * device or adapter (403) is "not authorized"; the registry or Kafka being unreachable (5xx, or anything
 * unexpected) is "server unavailable".
 */
final class MqttRefusals {

    private MqttRefusals() {
    }

    static MqttConnectReturnCode connackCode(Throwable failure) {
        if (failure instanceof ClientErrorException e) {
            return switch (e.getErrorCode()) {
                case HttpURLConnection.HTTP_UNAUTHORIZED, HttpURLConnection.HTTP_NOT_FOUND, HttpURLConnection.HTTP_BAD_REQUEST ->
                        MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
                default -> MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
            };
        }
        return MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE;
    }

    /** A short reason for the log, without a stack trace for expected refusals. */
    static String reason(Throwable failure) {
        if (failure instanceof ServiceInvocationException e) {
            return e.getErrorCode() + " " + e.getMessage();
        }
        return String.valueOf(failure);
    }
}
