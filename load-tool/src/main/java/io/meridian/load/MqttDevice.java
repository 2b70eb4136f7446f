package io.meridian.load;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import org.HdrHistogram.Histogram;

/**
 * A minimal MQTT 3.1.1 device on a raw Vert.x socket: CONNECT, PUBLISH at QoS 0 or 1, PUBACK timing. It is
 * far lighter than a full client, so that one load JVM holds 20,000 connections, and it writes QoS 0 only
 * while its socket has room, so that the generator never buffers without bound. Every method runs on the
 * device's event loop (its lane).
 */
final class MqttDevice {

    /** At most this many QoS 1 messages unacknowledged per device; packet ids index a ring of send times. */
    static final int MAX_WINDOW = 1024;

    private final String clientId;
    private final String username;
    private final String password;
    private final byte[] topic;
    private final byte[] payload;
    private final boolean json;
    private NetSocket socket;
    private long[] sentAt;
    private int nextId = 1;
    int unacked;
    long sent;
    long acked;
    boolean closed;

    MqttDevice(String clientId, String username, String password, String topic, int payloadBytes, boolean json) {
        this.clientId = clientId;
        this.username = username;
        this.password = password;
        this.topic = topic.getBytes(StandardCharsets.UTF_8);
        this.payload = new byte[payloadBytes];
        this.json = json;
    }

    /**
     * The next payload: zero bytes, or with {@code --payload-format json} a JSON object with the send time in epoch
     * milliseconds ({@code sent}, which the ingest benchmark's tenant maps as the device's time), a value {@code v}
     * and padding up to the payload size.
     */
    private byte[] nextPayload() {
        if (!json) {
            return payload;
        }
        String head = "{\"sent\":" + System.currentTimeMillis() + ",\"v\":" + (sent % 100) + ",\"p\":\"";
        int pad = Math.max(0, payload.length - head.length() - 2);
        return (head + "x".repeat(pad) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Connects on the given context and completes with the CONNACK; fails on any refusal. */
    Future<Void> connect(Vertx vertx, Context lane, NetClient client, String host, int port, Histogram pubacks, Runnable onAck) {
        Promise<Void> connack = Promise.promise();
        lane.runOnContext(v -> client.connect(port, host).onFailure(connack::tryFail).onSuccess(so -> {
            socket = so;
            so.setWriteQueueMaxSize(64 * 1024);
            // the node and Mosquitto answer this device only with CONNACK and PUBACK, both 4 bytes
            RecordParser frames = RecordParser.newFixed(4, frame -> {
                int type = frame.getUnsignedByte(0) >> 4;
                if (type == 2) {
                    if (frame.getByte(3) == 0) {
                        connack.tryComplete();
                    } else {
                        connack.tryFail("CONNACK code " + frame.getByte(3) + " for " + username);
                        so.close();
                    }
                } else if (type == 4) {
                    int id = frame.getUnsignedShort(2);
                    if (sentAt != null && unacked > 0) {
                        pubacks.recordValue(Math.max(0, (System.nanoTime() - sentAt[id % MAX_WINDOW]) / 1000));
                        unacked--;
                        acked++;
                        onAck.run();
                    }
                } else {
                    so.close();
                }
            });
            so.handler(frames);
            so.closeHandler(x -> {
                closed = true;
                connack.tryFail(username + " was closed before its CONNACK");
            });
            so.write(Buffer.buffer(connectFrame()));
        }));
        return connack.future();
    }

    boolean writable() {
        return !closed && !socket.writeQueueFull();
    }

    void publishQos0() {
        socket.write(Buffer.buffer(publishFrame(0, 0)));
        sent++;
    }

    void publishQos1() {
        if (sentAt == null) {
            sentAt = new long[MAX_WINDOW];
        }
        int id = nextId;
        nextId = nextId == 65535 ? 1 : nextId + 1;
        sentAt[id % MAX_WINDOW] = System.nanoTime();
        unacked++;
        sent++;
        socket.write(Buffer.buffer(publishFrame(1, id)));
    }

    Future<Void> close() {
        return socket == null || closed ? Future.succeededFuture() : socket.write(Buffer.buffer(new byte[] {(byte) 0xe0, 0}))
                .compose(v -> socket.close());
    }

    private byte[] connectFrame() {
        Buffer body = Buffer.buffer();
        string(body, "MQTT".getBytes(StandardCharsets.UTF_8));
        // protocol level 4, clean session, username and password, keep-alive 0 (idle devices are never timed out)
        body.appendByte((byte) 4).appendByte((byte) 0xc2).appendShort((short) 0);
        string(body, clientId.getBytes(StandardCharsets.UTF_8));
        string(body, username.getBytes(StandardCharsets.UTF_8));
        string(body, password.getBytes(StandardCharsets.UTF_8));
        return frame(0x10, body);
    }

    private byte[] publishFrame(int qos, int id) {
        byte[] p = nextPayload();
        Buffer body = Buffer.buffer(topic.length + p.length + 4);
        string(body, topic);
        if (qos > 0) {
            body.appendShort((short) id);
        }
        body.appendBytes(p);
        return frame(0x30 | qos << 1, body);
    }

    private static void string(Buffer b, byte[] s) {
        b.appendShort((short) s.length).appendBytes(s);
    }

    private static byte[] frame(int first, Buffer body) {
        Buffer out = Buffer.buffer(body.length() + 5).appendByte((byte) first);
        int length = body.length();
        do {
            int digit = length % 128;
            length /= 128;
            out.appendByte((byte) (length > 0 ? digit | 0x80 : digit));
        } while (length > 0);
        return out.appendBuffer(body).getBytes();
    }
}
