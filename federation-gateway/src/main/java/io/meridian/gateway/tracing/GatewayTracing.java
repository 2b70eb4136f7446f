package io.meridian.gateway.tracing;

import io.meridian.gateway.app.GatewayConfig;
import io.meridian.policy.model.RegionId;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.spi.RoutePolicyFactory;

/**
 * The gateway's tracing: the OpenTelemetry SDK with a server span for every HTTP request, named by the route's
 * template (never the request's path), and a client span around every call to a region, whose context the
 * {@link io.meridian.gateway.client.RegionClient} sends as a W3C {@code traceparent}.
 *
 * <p><b>No raw identifiers leave in spans.</b> A path holds device ids, so only the template is recorded; spans carry
 * no subject, user, device, query string or peer address, only the method, the template, the status, this gateway's
 * region and the region called. Unlike the region node there is no "exporter in region" switch: the gateway serves
 * several regions' data, so wherever its collector is, it is outside most of them.
 *
 * <p>Every route gets its server span without edits: {@link #routePolicyFactory()} is installed on the context before
 * the routes are added. A route's processors find the request's trace context in the exchange property
 * {@value #CONTEXT_PROPERTY} (and, on the request's own thread, as {@link Context#current()}).
 */
public final class GatewayTracing implements AutoCloseable {

    /** The exchange property that holds the request's {@link Context} (its server span). */
    public static final String CONTEXT_PROPERTY = "meridian.trace.context";

    static final AttributeKey<String> REGION = AttributeKey.stringKey("meridian.region");
    static final AttributeKey<String> TARGET_REGION = AttributeKey.stringKey("meridian.target.region");
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final String region;
    private final TextMapPropagator propagator = W3CTraceContextPropagator.getInstance();

    private GatewayTracing(SdkTracerProvider provider, String region) {
        this.provider = provider;
        this.tracer = provider.get("io.meridian.gateway");
        this.region = region;
    }

    /** Tracing as the configuration says: OTLP/HTTP export when an endpoint is set, else sampled spans are dropped. */
    public static GatewayTracing create(GatewayConfig config) {
        Optional<SpanExporter> exporter = config.tracing().otlpEndpoint().map(u -> OtlpHttpSpanExporter.builder()
                .setEndpoint(u.toString()).setTimeout(Duration.ofSeconds(5)).build());
        return create(config.region(), config.tracing().ratio(),
                exporter.map(e -> (SpanProcessor) BatchSpanProcessor.builder(e).build()).orElse(SpanProcessor.composite()));
    }

    /** Tracing that hands every ended span straight to {@code exporter} (tests pass the SDK's in-memory exporter). */
    public static GatewayTracing create(RegionId region, double ratio, SpanExporter exporter) {
        return create(region, ratio, SimpleSpanProcessor.create(exporter));
    }

    private static GatewayTracing create(RegionId region, double ratio, SpanProcessor processor) {
        Objects.requireNonNull(region, "region must not be null");
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("the tracing sample ratio must be between 0 and 1, was " + ratio);
        }
        // off means off, whatever a caller's traceparent asks for; otherwise a sampled caller's trace is followed
        Sampler sampler = ratio == 0 ? Sampler.alwaysOff() : Sampler.parentBased(Sampler.traceIdRatioBased(ratio));
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"),
                "federation-gateway", REGION, region.value())));
        SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource).setSampler(sampler).addSpanProcessor(processor).build();
        return new GatewayTracing(provider, region.value());
    }

    /** Gives every route of the context a server span per HTTP request (routes that are not REST routes get none). */
    public RoutePolicyFactory routePolicyFactory() {
        return (camelContext, routeId, route) -> new ServerSpanPolicy(this);
    }

    /**
     * Starts a client span for one call to {@code target} and makes it current, so that the region client's
     * {@code traceparent} names it. Close it on the thread that opened it.
     *
     * @param exchange  the exchange whose request's trace this call belongs to (its {@value #CONTEXT_PROPERTY}), or
     *                  null to use the current context
     * @param operation a name without identifiers, for example {@code GET /tenants/{tenant}/aggregates}
     */
    public RegionCallSpan regionCall(Exchange exchange, RegionId target, String operation) {
        Context parent = exchange == null ? null : exchange.getProperty(CONTEXT_PROPERTY, Context.class);
        if (parent == null) {
            parent = Context.current();
        }
        Span span = tracer.spanBuilder(operation).setParent(parent).setSpanKind(SpanKind.CLIENT).setAttribute(REGION, region)
                .setAttribute(TARGET_REGION, target.value()).startSpan();
        return new RegionCallSpan(span, parent.with(span).makeCurrent());
    }

    Tracer tracer() {
        return tracer;
    }

    String region() {
        return region;
    }

    TextMapPropagator propagator() {
        return propagator;
    }

    /** Exports what is pending and stops. */
    @Override
    public void close() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }

    /** A region call's span, current until closed. */
    public static final class RegionCallSpan implements AutoCloseable {
        private final Span span;
        private final Scope scope;

        RegionCallSpan(Span span, Scope scope) {
            this.span = span;
            this.scope = scope;
        }

        /** Records the region's HTTP status; 5xx marks the span as an error. */
        public void status(int status) {
            span.setAttribute(STATUS, (long) status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
        }

        /** Marks the call as failed with a short reason that must name no device or user. */
        public void failed(String reason) {
            span.setStatus(StatusCode.ERROR, reason);
        }

        @Override
        public void close() {
            scope.close();
            span.end();
        }
    }
}
