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

    @Test
    void tenantOverItsConnectionLimit_isNotAuthorized_asHonoDocuments() {
        // Hono's exception carries 401, but its MQTT adapter documents CONNACK 0x05 for the connection limit
        Throwable limit = new org.eclipse.hono.adapter.TenantConnectionsExceededException("lampco", null);
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, MqttRefusals.connackCode(limit));
        assertEquals(MqttRefusals.Reason.CONNECTION_LIMIT, MqttRefusals.connectReason(limit, false));
    }

    @Test
    void refusalReasons_tellCertificatesFromPasswords_andTopicsFromOutages() {
        assertEquals(MqttRefusals.Reason.BAD_CREDENTIALS, MqttRefusals.connectReason(new ClientErrorException(401, "x"), false));
        assertEquals(MqttRefusals.Reason.UNTRUSTED_CERTIFICATE, MqttRefusals.connectReason(new ClientErrorException(401, "x"), true));
        assertEquals(MqttRefusals.Reason.NOT_AUTHORIZED, MqttRefusals.connectReason(new ClientErrorException(403, "x"), false));
        assertEquals(MqttRefusals.Reason.UNAVAILABLE, MqttRefusals.connectReason(new ServerErrorException(503, "x"), false));
        assertEquals(MqttRefusals.Reason.UNAUTHORISED_TOPIC,
                MqttRefusals.publishReason(new MqttRefusals.TopicNotAuthorized("gw", new ClientErrorException(403, "x"))));
        assertEquals(MqttRefusals.Reason.UNAVAILABLE, MqttRefusals.publishReason(new ServerErrorException(503, "x")));
    }

    @Test
    void everyReason_hasItsOwnCounter() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        MqttRefusals refusals = new MqttRefusals(meters);
        refusals.count(MqttRefusals.Reason.OVERSIZE_PAYLOAD);
        refusals.count(MqttRefusals.Reason.OVERSIZE_PAYLOAD);
        assertEquals(2.0, meters.counter(MqttRefusals.METER, "reason", "oversize_payload").count());
        assertEquals(0.0, meters.counter(MqttRefusals.METER, "reason", "connection_limit").count());
    }
}
