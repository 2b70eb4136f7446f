package io.meridian.region.command;

import io.opentracing.Span;
import io.opentracing.SpanContext;
import io.opentracing.Tracer;
import io.opentracing.tag.Tags;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.eclipse.hono.client.ServerErrorException;
import org.eclipse.hono.client.command.CommandRouterClient;
import org.eclipse.hono.client.util.StatusCodeMapper;
import org.eclipse.hono.commandrouter.CommandRouterResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hono's Command Router API for one adapter instance, answered in-process by the node's {@link CommandRouter}
 * instead of over AMQP.
 *
 * <ul>
 * <li>Every registration is made under this adapter's stable instance id, whatever id Hono's consumer factory
 *     passes (it appends a random UUID outside Kubernetes).</li>
 * <li>Before a tenant's first registration, its {@code hono.command.<tenant>} topic is created
 *     ({@link CommandTopics}), and a 5xx answer is retried once: Hono's router may still be catching up with
 *     a topic it has just seen.</li>
 * <li>{@link #start()} starts the shared router; {@link #stop()} does nothing, because other adapters of the node
 *     may still use it; the node stops the router in its shutdown.</li>
 * </ul>
 *
 * Failed futures carry Hono's {@link org.eclipse.hono.client.ServiceInvocationException}s with the router's status.
 */
final class InProcessCommandRouterClient implements CommandRouterClient {

    private static final Logger LOG = LoggerFactory.getLogger(InProcessCommandRouterClient.class);

    private final CommandRouter router;
    private final String adapterInstanceId;
    private final Tracer tracer;

    InProcessCommandRouterClient(CommandRouter router, String adapterInstanceId, Tracer tracer) {
        this.router = Objects.requireNonNull(router, "router must not be null");
        this.adapterInstanceId = Objects.requireNonNull(adapterInstanceId, "adapterInstanceId must not be null");
        this.tracer = Objects.requireNonNull(tracer, "tracer must not be null");
    }

    @Override
    public Future<Void> start() {
        return router.start();
    }

    @Override
    public Future<Void> stop() {
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> setLastKnownGatewayForDevice(String tenantId, String deviceId, String gatewayId, SpanContext context) {
        return call("set last known gateway", context,
                span -> router.service().setLastKnownGatewayForDevice(tenantId, deviceId, gatewayId, span));
    }

    @Override
    public Future<Void> registerCommandConsumer(String tenantId, String deviceId, boolean sendEvent, String ignoredInstanceId,
            Duration lifespan, SpanContext context) {
        Function<Span, Future<CommandRouterResult>> register = span -> router.service()
                .registerCommandConsumer(tenantId, deviceId, sendEvent, adapterInstanceId, lifespan, span);
        // the adapter base starts the router without waiting for it: wait here, before the first registration
        return router.start()
                .compose(v -> router.topics().ensure(tenantId))
                .compose(v -> call("register command consumer", context, register))
                .recover(t -> {
                    if (!(t instanceof ServerErrorException)) {
                        return Future.failedFuture(t);
                    }
                    LOG.info("registering the command consumer of {}/{} failed ({}); retrying once", tenantId, deviceId, t.getMessage());
                    return call("register command consumer (retry)", context, register);
                });
    }

    @Override
    public Future<Void> unregisterCommandConsumer(String tenantId, String deviceId, boolean sendEvent, String ignoredInstanceId,
            SpanContext context) {
        return call("unregister command consumer", context,
                span -> router.service().unregisterCommandConsumer(tenantId, deviceId, sendEvent, adapterInstanceId, span));
    }

    @Override
    public Future<Void> enableCommandRouting(List<String> tenantIds, SpanContext context) {
        return call("enable command routing", context, span -> router.service().enableCommandRouting(tenantIds, span));
    }

    private Future<Void> call(String operation, SpanContext context, Function<Span, Future<CommandRouterResult>> invocation) {
        Span span = tracer.buildSpan(operation).asChildOf(context).withTag(Tags.SPAN_KIND, Tags.SPAN_KIND_CLIENT)
                .withTag("adapter_instance_id", adapterInstanceId).start();
        Future<Void> result;
        try {
            result = invocation.apply(span).compose(r -> StatusCodeMapper.isSuccessful(r.getStatus())
                    ? Future.<Void>succeededFuture()
                    : Future.<Void>failedFuture(StatusCodeMapper.from(r)));
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        return result.onComplete(ar -> {
            if (ar.failed()) {
                Tags.ERROR.set(span, true);
            }
            span.finish();
        });
    }
}
