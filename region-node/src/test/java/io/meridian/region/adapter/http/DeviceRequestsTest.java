package io.meridian.region.adapter.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.client.ServerErrorException;
import org.eclipse.hono.util.QoS;
import org.junit.jupiter.api.Test;

class DeviceRequestsTest {

    private static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void basicCredentials_splitAtTheFirstColon_soPasswordsMayContainColons() {
        assertEquals(Optional.of(new DeviceRequests.BasicCredentials("lamp@t1", "pa:ss")), DeviceRequests.basic(basic("lamp@t1:pa:ss")));
        assertEquals(Optional.of(new DeviceRequests.BasicCredentials("lamp@t1", "x")), DeviceRequests.basic("basic " + basic("lamp@t1:x").substring(6)));
        assertEquals(Optional.empty(), DeviceRequests.basic(null));
    }

    @Test
    void malformedAuthorization_isRefusedWithAMessageNamingTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceRequests.basic("Basic !!!notbase64"))
                .getMessage().contains("base64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceRequests.basic(basic("no-colon")))
                .getMessage().contains("user-id:password"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceRequests.basic("Bearer abc"))
                .getMessage().contains("Basic"));
        assertThrows(IllegalArgumentException.class, () -> DeviceRequests.basic("Basic"));
    }

    @Test
    void qosLevel_isZeroWhenAbsent_andOnlyZeroOrOne() {
        assertEquals(QoS.AT_MOST_ONCE, DeviceRequests.qos(null));
        assertEquals(QoS.AT_MOST_ONCE, DeviceRequests.qos("0"));
        assertEquals(QoS.AT_LEAST_ONCE, DeviceRequests.qos(" 1 "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceRequests.qos("2")).getMessage().contains("QoS-Level must be 0 or 1, was 2"));
        assertThrows(IllegalArgumentException.class, () -> DeviceRequests.qos("one"));
    }

    @Test
    void ttd_comesFromTheHeaderBeforeTheQuery_andMustBeNonNegative() {
        assertEquals(Optional.of(10), DeviceRequests.seconds("hono-ttd", "10", "20"));
        assertEquals(Optional.of(20), DeviceRequests.seconds("hono-ttd", null, "20"));
        assertEquals(Optional.empty(), DeviceRequests.seconds("hono-ttd", null, null));
        assertThrows(IllegalArgumentException.class, () -> DeviceRequests.seconds("hono-ttd", "-5", null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceRequests.seconds("hono-ttd", "soon", null))
                .getMessage().contains("hono-ttd"));
    }

    @Test
    void commandStatus_isRequired_andAStatusCode() {
        assertEquals(200, DeviceRequests.commandStatus("200", null));
        assertEquals(404, DeviceRequests.commandStatus(null, "404"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceRequests.commandStatus(null, null)).getMessage().contains("missing"));
        assertThrows(IllegalArgumentException.class, () -> DeviceRequests.commandStatus("99", null));
        assertThrows(IllegalArgumentException.class, () -> DeviceRequests.commandStatus("ok", null));
    }

    @Test
    void refusalStatus_isTheServiceAnswer_andAnythingUnexpectedIs503() {
        assertEquals(404, HttpRefusals.status(new ClientErrorException(404, "no such device")));
        assertEquals(429, HttpRefusals.status(new ClientErrorException(429, "limit")));
        assertEquals(503, HttpRefusals.status(new ServerErrorException(503, "kafka down")));
        assertEquals(503, HttpRefusals.status(new IllegalStateException("bug")));
        assertEquals("temporarily unavailable", HttpRefusals.bodyFor(503, "kafka at 127.0.0.1:9092 is down"));
        assertEquals("no such device", HttpRefusals.bodyFor(404, "no such device"));
    }
}
