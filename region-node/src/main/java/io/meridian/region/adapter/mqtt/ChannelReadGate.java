package io.meridian.region.adapter.mqtt;

import io.netty.channel.Channel;
import io.vertx.core.net.impl.NetSocketInternal;
import io.vertx.mqtt.MqttEndpoint;
import java.lang.reflect.Field;

/**
 * Pauses reading from an MQTT endpoint's socket by switching Netty's {@code autoRead} off, so that TCP flow
 * control pushes back on the device.
 *
 * <p>Why reflection: vertx-mqtt 4.5.7's {@code MqttEndpoint} has no {@code pause()}, and pausing the
 * {@code NetSocket} does not stop PUBLISH delivery because the MQTT decoder hands messages straight to the
 * handler (DESIGN.md section 3.3, observed here). The socket is the private field {@code conn} of
 * {@code io.vertx.mqtt.impl.MqttEndpointImpl}. The jars are on the class path (the unnamed module), so no
 * {@code --add-opens} is needed. {@code ChannelReadGateTest} fails loudly if an upgrade renames the field.
 */
final class ChannelReadGate implements ReadGate {

    static final String ENDPOINT_CLASS = "io.vertx.mqtt.impl.MqttEndpointImpl";
    static final String CONNECTION_FIELD = "conn";

    private static final Field CONNECTION = connectionField();

    private final Channel channel;

    private ChannelReadGate(Channel channel) {
        this.channel = channel;
    }

    /**
     * The gate of an endpoint accepted by vertx-mqtt's server.
     *
     * @throws IllegalStateException if the endpoint is not vertx-mqtt's implementation or its connection
     *                               cannot be read
     */
    static ChannelReadGate of(MqttEndpoint endpoint) {
        if (CONNECTION == null || !CONNECTION.getDeclaringClass().isInstance(endpoint)) {
            throw new IllegalStateException("cannot pause MQTT reads: endpoint " + endpoint.getClass().getName()
                    + " is not " + ENDPOINT_CLASS + " with a field " + CONNECTION_FIELD + " (vertx-mqtt upgraded?)");
        }
        try {
            NetSocketInternal socket = (NetSocketInternal) CONNECTION.get(endpoint);
            return new ChannelReadGate(socket.channelHandlerContext().channel());
        } catch (IllegalAccessException | ClassCastException e) {
            throw new IllegalStateException("cannot pause MQTT reads: " + ENDPOINT_CLASS + "." + CONNECTION_FIELD
                    + " is not a readable NetSocketInternal (vertx-mqtt upgraded?)", e);
        }
    }

    /**
     * The reflected field, or null when it is missing; {@link #of} then fails with a clear message, and
     * {@code ChannelReadGateTest} fails the build.
     */
    static Field connectionField() {
        try {
            Field field = Class.forName(ENDPOINT_CLASS).getDeclaredField(CONNECTION_FIELD);
            if (!NetSocketInternal.class.isAssignableFrom(field.getType())) {
                return null;
            }
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void pause() {
        channel.config().setAutoRead(false);
    }

    @Override
    public void resume() {
        // setAutoRead(true) also triggers a read, so data the kernel held back is picked up at once
        channel.config().setAutoRead(true);
    }
}
