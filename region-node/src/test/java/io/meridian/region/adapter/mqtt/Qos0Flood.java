package io.meridian.region.adapter.mqtt;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One device flooding QoS 0 telemetry over a raw socket at a fixed rate, bounded in time and count. It
 * writes only while the socket's write queue has room, so the generator itself stays within bounded memory;
 * what it could not write because TCP pushed back is counted as held back, not sent.
 */
final class Qos0Flood {

    private static final int TICK_MS = 10;

    private final Vertx vertx;
    private final String tenant;
    private final String device;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong heldBack = new AtomicLong();
    volatile boolean closedByServer;
    private NetSocket socket;

    Qos0Flood(Vertx vertx, String tenant, String device) {
        this.vertx = vertx;
        this.tenant = tenant;
        this.device = device;
    }

    /** Connects and waits for a successful CONNACK. */
    Future<Void> connect(int port) {
        Promise<Void> connack = Promise.promise();
        vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000)).connect(port, "127.0.0.1").onSuccess(so -> {
            socket = so;
            so.setWriteQueueMaxSize(128 * 1024);
            Buffer received = Buffer.buffer();
            so.handler(b -> {
                if (received.length() < 4) {
                    received.appendBuffer(b);
                    if (received.length() >= 4) {
                        if (received.getByte(0) == 0x20 && received.getByte(3) == 0) {
                            connack.tryComplete();
                        } else {
                            connack.tryFail("CONNACK of " + device + " was " + received);
                        }
                    }
                }
            });
            so.closeHandler(v -> {
                closedByServer = true;
                connack.tryFail(device + " was closed before its CONNACK");
            });
            so.write(Buffer.buffer(MqttFrames.connect(4, device, device + "@" + tenant, TestRegionNode.PASSWORD)));
        }).onFailure(connack::tryFail);
        return connack.future();
    }

    /**
     * Publishes {@code perSecond} messages a second for {@code millis}, at most {@code maxMessages} in all.
     *
     * @return a future completed when the time is up
     */
    Future<Void> run(int perSecond, long millis, long maxMessages, int payloadBytes) {
        byte[] frame = MqttFrames.publish("telemetry".getBytes(StandardCharsets.UTF_8), new byte[payloadBytes], 0, 0);
        long start = System.nanoTime();
        Promise<Void> done = Promise.promise();
        vertx.setPeriodic(TICK_MS, id -> {
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            if (elapsedMs >= millis || sent.get() >= maxMessages || closedByServer) {
                vertx.cancelTimer(id);
                done.tryComplete();
                return;
            }
            // catch up to the schedule, so a late tick does not lower the offered rate
            long due = Math.min(maxMessages, perSecond * elapsedMs / 1000) - sent.get() - heldBack.get();
            if (due <= 0) {
                return;
            }
            if (socket.writeQueueFull()) {
                heldBack.addAndGet(due);
                return;
            }
            Buffer batch = Buffer.buffer((int) due * frame.length);
            for (int i = 0; i < due; i++) {
                batch.appendBytes(frame);
            }
            socket.write(batch);
            sent.addAndGet(due);
        });
        return done.future();
    }

    Future<Void> close() {
        return socket == null ? Future.succeededFuture() : socket.close();
    }
}
