package io.meridian.region.adapter.mqtt;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.hono.client.ServerErrorException;
import org.eclipse.hono.client.command.ProtocolAdapterCommandConsumer;

/**
 * One MQTT connection's command subscriptions and the QoS 1 commands it has not acknowledged yet. Confined to
 * the connection's event loop: every method must be called there.
 *
 * <p>There is one Hono command consumer per target device. A second filter for the same device (say
 * {@code c///q/#} after {@code command///req/#}) replaces the first one's form and QoS but keeps the consumer,
 * as Hono's adapter lets the latest subscription win.
 */
final class MqttCommandConsumers {

    /**
     * A live subscription.
     *
     * @param subscription how the device subscribed (and so how commands are delivered)
     * @param targetDeviceId the device whose commands it receives
     * @param consumer Hono's command consumer, once registered with the command router
     */
    record Active(MqttCommandSubscription subscription, String targetDeviceId, Future<ProtocolAdapterCommandConsumer> consumer) {
        Active {
            Objects.requireNonNull(subscription, "subscription must not be null");
            Objects.requireNonNull(targetDeviceId, "targetDeviceId must not be null");
            Objects.requireNonNull(consumer, "consumer must not be null");
        }
    }

    private final Map<String, Active> byTarget = new HashMap<>();
    private final Map<Integer, Promise<Void>> unacknowledged = new HashMap<>();
    private boolean closed;

    Optional<Active> forTarget(String targetDeviceId) {
        return Optional.ofNullable(byTarget.get(targetDeviceId));
    }

    void put(Active active) {
        byTarget.put(active.targetDeviceId(), active);
    }

    /** Removes the entry if it is still the current one of its target (a later subscription may have replaced it). */
    void removeIfCurrent(Active active) {
        byTarget.remove(active.targetDeviceId(), active);
    }

    /** Removes and returns the subscription made with exactly this filter, if it is still current. */
    Optional<Active> removeFilter(String filter) {
        for (Active a : byTarget.values()) {
            if (a.subscription().filter().equals(filter)) {
                byTarget.remove(a.targetDeviceId());
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /**
     * Marks the connection closed, fails the commands still waiting for a PUBACK, and returns every live
     * subscription so that their consumers can be closed.
     */
    List<Active> close() {
        closed = true;
        List<Active> all = new ArrayList<>(byTarget.values());
        byTarget.clear();
        List<Promise<Void>> waiting = new ArrayList<>(unacknowledged.values());
        unacknowledged.clear();
        waiting.forEach(p -> p.tryFail(new ServerErrorException(HttpURLConnection.HTTP_UNAVAILABLE,
                "device disconnected before acknowledging the command")));
        return all;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Waits for the device's PUBACK of a QoS 1 command.
     *
     * @return a future that succeeds on the PUBACK, or fails with a {@link ServerErrorException} 503 after the
     *         timeout or when the connection closes first
     */
    Future<Void> awaitAcknowledgement(Vertx vertx, int messageId, Duration timeout) {
        Promise<Void> acked = Promise.promise();
        unacknowledged.put(messageId, acked);
        long timer = vertx.setTimer(timeout.toMillis(), id -> {
            if (unacknowledged.remove(messageId, acked)) {
                acked.tryFail(new ServerErrorException(HttpURLConnection.HTTP_UNAVAILABLE,
                        "device did not acknowledge the command within " + timeout.toMillis() + " ms"));
            }
        });
        return acked.future().onComplete(ar -> vertx.cancelTimer(timer));
    }

    /** Called with each PUBACK the device sends. */
    void acknowledged(int messageId) {
        Promise<Void> acked = unacknowledged.remove(messageId);
        if (acked != null) {
            acked.tryComplete();
        }
    }
}
