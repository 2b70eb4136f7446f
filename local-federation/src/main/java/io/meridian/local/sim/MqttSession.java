package io.meridian.local.sim;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * One simulated device's MQTT 3.1.1 connection on a plain blocking socket: CONNECT with the device's credentials, then
 * PUBLISH at QoS 1, each waited for until its PUBACK. This is the load tool's approach (hand-written frames, no client
 * library) in blocking form: a simulator publishes a few messages per second per device, so one thread per device group
 * is plenty, and a broker's refusal or a lost acknowledgement is seen at once, on the message that caused it.
 *
 * <p>Not thread-safe: one thread uses a session at a time.
 */
final class MqttSession implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private int nextPacketId = 1;

    private MqttSession(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /**
     * Connects and waits for the CONNACK.
     *
     * @throws IOException when the connection fails, times out, or the broker refuses (the message names its return code)
     */
    static MqttSession connect(String host, int port, String clientId, String username, String password, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            MqttSession session = new MqttSession(socket);
            session.out.write(connectFrame(clientId, username, password));
            session.out.flush();
            int[] header = session.readPacket();
            if (header[0] != 2) {
                throw new IOException("expected CONNACK from " + host + ":" + port + ", got packet type " + header[0]);
            }
            if (header[2] != 0) {
                throw new IOException("CONNACK return code " + header[2] + " for " + username + " (" + connackReason(header[2]) + ")");
            }
            return session;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Publishes at QoS 1 and waits for the PUBACK of this packet.
     *
     * @throws IOException when the broker closed the connection or did not acknowledge within the timeout
     */
    void publish(String topic, byte[] payload) throws IOException {
        int id = nextPacketId;
        nextPacketId = nextPacketId == 65535 ? 1 : nextPacketId + 1;
        out.write(publishFrame(topic, payload, id));
        out.flush();
        while (true) {
            int[] packet = readPacket();
            if (packet[0] == 4 && packet[1] == id) {
                return;
            }
            if (packet[0] != 4) {
                throw new IOException("expected PUBACK " + id + ", got packet type " + packet[0]);
            }
            // a PUBACK of an earlier packet that timed out on our side: skip it
        }
    }

    @Override
    public void close() {
        try {
            out.write(new byte[] {(byte) 0xE0, 0}); // DISCONNECT, so the broker does not publish a will or log an error
            out.flush();
        } catch (IOException e) {
            // the connection is gone already; closing the socket is all that is left
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
        }
    }

    /** Reads one packet; answers {type, first two bytes of the variable header as an unsigned short, second byte}. */
    private int[] readPacket() throws IOException {
        int first;
        try {
            first = in.read();
        } catch (SocketTimeoutException e) {
            throw new IOException("no answer from the broker within " + socket.getSoTimeout() + " ms", e);
        }
        if (first < 0) {
            throw new EOFException("the broker closed the connection");
        }
        int length = 0;
        int multiplier = 1;
        int b;
        do {
            b = in.readUnsignedByte();
            length += (b & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((b & 0x80) != 0 && multiplier <= 128 * 128 * 128);
        byte[] body = new byte[length];
        in.readFully(body);
        int shortValue = length >= 2 ? ((body[0] & 0xFF) << 8) | (body[1] & 0xFF) : -1;
        int second = length >= 2 ? body[1] & 0xFF : -1;
        return new int[] {first >> 4, shortValue, second};
    }

    static byte[] connectFrame(String clientId, String username, String password) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        writeString(v, "MQTT");
        v.write(4); // protocol level 3.1.1
        v.write(0xC2); // user name, password, clean session
        // keep-alive 0: a simulated device may stay silent longer than any keep-alive while the fleet is paced slowly
        v.write(0);
        v.write(0);
        writeString(v, clientId);
        writeString(v, username);
        writeString(v, password);
        return frame(0x10, v.toByteArray());
    }

    static byte[] publishFrame(String topic, byte[] payload, int packetId) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        writeString(v, topic);
        v.write(packetId >> 8);
        v.write(packetId & 0xFF);
        v.writeBytes(payload);
        return frame(0x32, v.toByteArray()); // PUBLISH, QoS 1
    }

    private static byte[] frame(int header, byte[] rest) {
        ByteArrayOutputStream f = new ByteArrayOutputStream(rest.length + 5);
        f.write(header);
        int length = rest.length;
        do {
            int digit = length % 128;
            length /= 128;
            f.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        f.writeBytes(rest);
        return f.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = Objects.requireNonNull(s).getBytes(StandardCharsets.UTF_8);
        if (b.length > 65535) {
            throw new IllegalArgumentException("an MQTT string is at most 65535 bytes, was " + b.length);
        }
        out.write(b.length >> 8);
        out.write(b.length & 0xFF);
        out.writeBytes(b);
    }

    private static String connackReason(int code) {
        return switch (code) {
            case 1 -> "unacceptable protocol version";
            case 2 -> "identifier rejected";
            case 3 -> "server unavailable";
            case 4 -> "bad user name or password";
            case 5 -> "not authorized";
            default -> "unknown";
        };
    }

    /** For tests: the raw input, to decode frames written by {@link #connectFrame} and {@link #publishFrame}. */
    static int remainingLength(InputStream in) throws IOException {
        int length = 0;
        int multiplier = 1;
        int b;
        do {
            b = in.read();
            length += (b & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((b & 0x80) != 0);
        return length;
    }
}
