package io.meridian.region.adapter.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One device publishing QoS 1 telemetry as fast as its PUBACKs allow: it keeps {@code window} messages
 * unacknowledged until its deadline, and remembers the payload of every message that was PUBACKed, so a
 * test can check each of them is on Kafka. All callbacks run on the client's event loop.
 */
final class Qos1Pump {

    private final MqttClient client;
    private final String name;
    private final int window;
    private final Map<Integer, String> unacked = new ConcurrentHashMap<>();
    /** PUBACKs that arrived before the publish future told the packet id. */
    private final Set<Integer> earlyAcks = ConcurrentHashMap.newKeySet();
    private int sending;
    final Set<String> acked = ConcurrentHashMap.newKeySet();
    final AtomicLong failed = new AtomicLong();
    private long seq;
    private volatile long deadlineNanos;

    Qos1Pump(Vertx vertx, String tenant, String device, int window) {
        this.name = device;
        this.window = window;
        client = MqttClient.create(vertx, new MqttClientOptions().setClientId(device).setUsername(device + "@" + tenant)
                .setPassword(TestRegionNode.PASSWORD).setMaxInflightQueue(window).setAutoKeepAlive(true));
        client.publishCompletionHandler(id -> {
            String payload = unacked.remove(id);
            if (payload != null) {
                acked.add(payload);
            } else {
                earlyAcks.add(id);
            }
            completed();
            next();
        });
        client.publishCompletionExpirationHandler(id -> {
            unacked.remove(id);
            failed.incrementAndGet();
            completed();
            next();
        });
    }

    Future<Void> connect(int port) {
        return client.connect(port, "127.0.0.1").mapEmpty();
    }

    /** Publishes until the deadline; call on any thread. */
    void runFor(long millis) {
        deadlineNanos = System.nanoTime() + millis * 1_000_000;
        for (int i = 0; i < window; i++) {
            next();
        }
    }

    synchronized int unacked() {
        return sending;
    }

    private synchronized void next() {
        if (System.nanoTime() >= deadlineNanos || sending >= window || !client.isConnected()) {
            return;
        }
        String payload = name + "-" + (seq++);
        sending++;
        client.publish("telemetry", Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false)
                .onSuccess(id -> {
                    if (earlyAcks.remove(id)) {
                        acked.add(payload);
                    } else {
                        unacked.put(id, payload);
                    }
                })
                .onFailure(t -> {
                    failed.incrementAndGet();
                    completed();
                });
    }

    private synchronized void completed() {
        sending--;
    }

    Future<Void> disconnect() {
        return client.isConnected() ? client.disconnect() : Future.succeededFuture();
    }
}
