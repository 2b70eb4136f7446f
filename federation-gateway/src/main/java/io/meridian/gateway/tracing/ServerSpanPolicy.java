package io.meridian.gateway.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;
import java.util.Locale;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.component.rest.RestEndpoint;
import org.apache.camel.support.RoutePolicySupport;

/**
 * A server span per exchange of a REST route, named {@code <METHOD> <template>} (for example
 * {@code GET /v1/tenants/{tenant}/devices/{device}}): the template comes from the route's REST endpoint, so the raw
 * path with its identifiers is never seen. A caller's {@code traceparent} is followed. The span is current on the
 * request's thread while the route runs, and its context is in {@link GatewayTracing#CONTEXT_PROPERTY} for work that
 * moves to other threads.
 */
final class ServerSpanPolicy extends RoutePolicySupport {

    private static final String HELD = "meridian.trace.server";

    private static final TextMapGetter<Exchange> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Exchange carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(Exchange carrier, String key) {
            return carrier == null ? null : carrier.getMessage().getHeader(key, String.class);
        }
    };

    /** The span, its scope and the thread that opened the scope. */
    private record Held(Span span, Scope scope, Thread thread) {
    }

    private final GatewayTracing tracing;

    ServerSpanPolicy(GatewayTracing tracing) {
        this.tracing = tracing;
    }

    @Override
    public void onExchangeBegin(Route route, Exchange exchange) {
        Endpoint from = route.getEndpoint();
        if (!(from instanceof RestEndpoint rest) || exchange.getProperty(HELD) != null) {
            return;
        }
        String method = rest.getMethod() == null ? "HTTP" : rest.getMethod().toUpperCase(Locale.ROOT);
        String template = rest.getPath() + (rest.getUriTemplate() == null ? "" : rest.getUriTemplate());
        // the root, not Context.current(): a worker thread must never lend one request's trace to the next
        Context parent = tracing.propagator().extract(Context.root(), exchange, HEADERS);
        Span span = tracing.tracer().spanBuilder(method + " " + template).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(GatewayTracing.REGION, tracing.region()).setAttribute(GatewayTracing.METHOD, method)
                .setAttribute(GatewayTracing.ROUTE, template).startSpan();
        Context context = parent.with(span);
        exchange.setProperty(GatewayTracing.CONTEXT_PROPERTY, context);
        exchange.setProperty(HELD, new Held(span, context.makeCurrent(), Thread.currentThread()));
    }

    @Override
    public void onExchangeDone(Route route, Exchange exchange) {
        Held held = exchange.getProperty(HELD, Held.class);
        if (held == null) {
            return;
        }
        exchange.removeProperty(HELD);
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (status != null) {
            held.span().setAttribute(GatewayTracing.STATUS, status.longValue());
            if (status >= 500) {
                held.span().setStatus(StatusCode.ERROR);
            }
        }
        held.span().end();
        // a scope may only be closed on its own thread; platform-http runs a route to its end on the thread it began on
        if (held.thread() == Thread.currentThread()) {
            held.scope().close();
        }
    }
}
