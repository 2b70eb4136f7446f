package io.meridian.region.adapter.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.client.ServerErrorException;
import org.junit.jupiter.api.Test;

class MqttRefusalsTest {

    @Test
    void wrongOrUnknownCredentials_areBadUsernameOrPassword() {
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                MqttRefusals.connackCode(new ClientErrorException(401, "bad credentials")));
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                MqttRefusals.connackCode(new ClientErrorException(404, "no such device")));
    }

    @Test
    void disabledTenantOrAdapter_isNotAuthorized() {
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
                MqttRefusals.connackCode(new ClientErrorException(403, "tenant disabled")));
    }

    @Test
    void registryOrKafkaDown_isServerUnavailable() {
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                MqttRefusals.connackCode(new ServerErrorException(503, "registry unavailable")));
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                MqttRefusals.connackCode(new IllegalStateException("unexpected")));
    }
}
