package io.meridian.region.adapter.mqtt;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reflective read pause on vertx-mqtt's endpoint. The first test is the tripwire for a vertx-mqtt
 * upgrade that renames {@code MqttEndpointImpl.conn}; the second proves that the pause holds back PUBLISH
 * delivery on a real loopback socket (pausing the NetSocket alone does not, DESIGN.md section 3.3).
 */
class ChannelReadGateTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void vertxMqttStillHasThePrivateConnectionField() {
        assertNotNull(ChannelReadGate.connectionField(), ChannelReadGate.ENDPOINT_CLASS + " has no NetSocketInternal field '"
                + ChannelReadGate.CONNECTION_FIELD + "': vertx-mqtt changed, so the MQTT adapter cannot pause reads; "
                + "find the new field with javap -p and update ChannelReadGate");
    }

    @Test
    void pausedEndpoint_receivesOnlyWhatWasAlreadyRead_thenEverythingAfterResume() throws Exception {
        int sent = 3000;
        AtomicInteger received = new AtomicInteger();
        CompletableFuture<ChannelReadGate> gate = new CompletableFuture<>();
        MqttServer server = MqttServer.create(vertx, new MqttServerOptions().setHost("127.0.0.1").setPort(0))
                .endpointHandler(endpoint -> {
                    ChannelReadGate g = ChannelReadGate.of(endpoint);
                    g.pause();
                    endpoint.publishHandler(m -> received.incrementAndGet());
                    endpoint.accept(false);
                    gate.complete(g);
                });
        int port = server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId("gate-test"));
        client.connect(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        Buffer payload = Buffer.buffer(new byte[200]);
        vertx.runOnContext(v -> {
            for (int i = 0; i < sent; i++) {
                client.publish("telemetry", payload, MqttQoS.AT_MOST_ONCE, false, false);
            }
        });
        Thread.sleep(2000);
        int whilePaused = received.get();
        // 3000 x ~215 bytes is ~650 KB; one read buffer is at most 64 KiB, about 300 messages
        assertTrue(whilePaused < sent / 2, "while paused " + whilePaused + " of " + sent + " arrived");

        gate.get(10, TimeUnit.SECONDS).resume();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (received.get() < sent && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(received.get() == sent, "after resume " + received.get() + " of " + sent + " arrived");
    }
}
