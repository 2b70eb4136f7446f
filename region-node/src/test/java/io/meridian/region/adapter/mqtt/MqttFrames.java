package io.meridian.region.adapter.mqtt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Hand-encoded MQTT 3.1.1 frames, for raw-socket floods and the fuzz test (they may be made wrong on purpose). */
final class MqttFrames {

    private MqttFrames() {
    }

    /** A CONNECT with a clean session, keep-alive 60 s, and a username and password when not null. */
    static byte[] connect(int protocolLevel, String clientId, String username, String password) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT".getBytes(StandardCharsets.UTF_8));
        body.write(protocolLevel);
        int flags = 0x02 | (username != null ? 0x80 : 0) | (password != null ? 0x40 : 0);
        body.write(flags);
        body.write(0);
        body.write(60);
        writeString(body, clientId.getBytes(StandardCharsets.UTF_8));
        if (username != null) {
            writeString(body, username.getBytes(StandardCharsets.UTF_8));
        }
        if (password != null) {
            writeString(body, password.getBytes(StandardCharsets.UTF_8));
        }
        return frame(0x10, body.toByteArray());
    }

    /** A PUBLISH with the given raw topic bytes; a packet id is written for QoS 1 and 2. */
    static byte[] publish(byte[] topic, byte[] payload, int qos, int packetId) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, topic);
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId & 0xff);
        }
        body.writeBytes(payload);
        return frame(0x30 | (qos << 1), body.toByteArray());
    }

    static byte[] frame(int firstByte, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(firstByte);
        out.writeBytes(remainingLength(body.length));
        out.writeBytes(body);
        return out.toByteArray();
    }

    static byte[] remainingLength(int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        do {
            int digit = length % 128;
            length /= 128;
            out.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        return out.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, byte[] bytes) {
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xff);
        out.writeBytes(bytes);
    }
}
