package io.meridian.region.adapter;

import io.opentracing.SpanContext;
import io.vertx.core.Future;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.eclipse.hono.client.ServerErrorException;
import org.eclipse.hono.client.command.CommandContext;
import org.eclipse.hono.client.command.CommandRouterClient;
import org.eclipse.hono.client.command.ProtocolAdapterCommandConsumer;
import org.eclipse.hono.client.command.ProtocolAdapterCommandConsumerFactory;

/**
 * Command and control is not built yet (no in-process command router). Hono's adapter base insists on a
 * command router client and a command consumer factory; this one refuses every request with 501, so a
 * device's command subscription gets a SUBACK failure instead of silence.
 */
final class UnsupportedCommands implements CommandRouterClient, ProtocolAdapterCommandConsumerFactory {

    private static <T> Future<T> notImplemented() {
        return Future.failedFuture(new ServerErrorException(HttpURLConnection.HTTP_NOT_IMPLEMENTED,
                "command and control is not supported by this region node yet"));
    }

    @Override
    public Future<Void> start() {
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> stop() {
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> setLastKnownGatewayForDevice(String tenantId, String deviceId, String gatewayId, SpanContext context) {
        return notImplemented();
    }

    @Override
    public Future<Void> registerCommandConsumer(String tenantId, String deviceId, boolean sendEvent, String adapterInstanceId,
            Duration lifespan, SpanContext context) {
        return notImplemented();
    }

    @Override
    public Future<Void> unregisterCommandConsumer(String tenantId, String deviceId, boolean sendEvent, String adapterInstanceId,
            SpanContext context) {
        return notImplemented();
    }

    @Override
    public Future<Void> enableCommandRouting(List<String> tenantIds, SpanContext context) {
        return notImplemented();
    }

    @Override
    public Future<ProtocolAdapterCommandConsumer> createCommandConsumer(String tenantId, String deviceId, boolean sendEvent,
            Function<CommandContext, Future<Void>> commandHandler, Duration lifespan, SpanContext context) {
        return notImplemented();
    }

    @Override
    public Future<ProtocolAdapterCommandConsumer> createCommandConsumer(String tenantId, String deviceId, String gatewayId,
            boolean sendEvent, Function<CommandContext, Future<Void>> commandHandler, Duration lifespan, SpanContext context) {
        return notImplemented();
    }
}
