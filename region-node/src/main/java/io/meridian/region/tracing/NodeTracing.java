package io.meridian.region.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.opentracingshim.OpenTracingShim;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentracing.Tracer;
import io.opentracing.noop.NoopTracerFactory;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The region node's tracing: the OpenTelemetry SDK behind the OpenTracing API that Hono's adapter framework
 * speaks, with a configurable sampler and residency-aware export.
 *
 * <ul>
 * <li><b>Sampling.</b> Parent-based trace-id ratio, default {@value #DEFAULT_RATIO} (1 in 100 traces), because
 *     Hono's always-on default cost 5–20 % of adapter throughput on a 2-core machine. {@code off} builds no SDK at
 *     all (OpenTracing's no-op tracer), the cheapest choice.</li>
 * <li><b>Attributes.</b> Every span carries {@code meridian.region} (and Hono's {@code tenant_id} where Hono or
 *     our adapters know the tenant).</li>
 * <li><b>Residency.</b> Device identifiers are personal data that must stay in the region. Unless the exporter is
 *     declared to stay in the region ({@link Settings#exporterInRegion}), every span is exported without the
 *     attributes that identify a device or its owner (device, gateway, auth and client ids, certificate subject,
 *     peer addresses) and without its events, whose free-text messages may name a device.</li>
 * <li><b>Export.</b> OTLP over HTTP to {@link Settings#otlpEndpoint} when set; with no endpoint, sampled spans
 *     are recorded and dropped.</li>
 * </ul>
 */
public final class NodeTracing implements AutoCloseable {

    /** The default share of traces sampled. */
    public static final double DEFAULT_RATIO = 0.01;

    /** The span attribute that names the region of the node. */
    public static final AttributeKey<String> REGION = AttributeKey.stringKey("meridian.region");

    /**
     * How the node traces.
     *
     * @param regionId the node's region, put on every span
     * @param ratio the share of new traces sampled, 0 to 1; 0 means tracing off
     * @param otlpEndpoint where spans go (OTLP/HTTP traces URL), or empty to export nowhere
     * @param exporterInRegion whether the endpoint is inside the region, so device identifiers may be exported
     */
    public record Settings(String regionId, double ratio, Optional<URI> otlpEndpoint, boolean exporterInRegion) {
        public Settings {
            Objects.requireNonNull(regionId, "regionId must not be null");
            Objects.requireNonNull(otlpEndpoint, "otlpEndpoint must not be null");
            if (!(ratio >= 0 && ratio <= 1)) {
                throw new IllegalArgumentException("the tracing sample ratio must be between 0 and 1, was " + ratio);
            }
        }

        /** The defaults for a region: 1 % sampling, no exporter, exporter not in the region. */
        public static Settings defaults(String regionId) {
            return new Settings(regionId, DEFAULT_RATIO, Optional.empty(), false);
        }

        /**
         * Reads {@code meridian.tracing.sampler} ({@code off} or a ratio like {@code 0.01}),
         * {@code meridian.tracing.otlp.endpoint} and {@code meridian.tracing.exporterInRegion} from
         * {@code properties} (system properties in the node), defaulting each.
         *
         * @throws IllegalArgumentException naming the property and its value when one is malformed
         */
        public static Settings from(String regionId, java.util.function.Function<String, String> properties) {
            String sampler = properties.apply("meridian.tracing.sampler");
            double ratio = DEFAULT_RATIO;
            if (sampler != null && !sampler.isBlank()) {
                if (sampler.trim().equalsIgnoreCase("off")) {
                    ratio = 0;
                } else {
                    try {
                        ratio = Double.parseDouble(sampler.trim());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("meridian.tracing.sampler must be 'off' or a ratio between 0 and 1, was '" + sampler + "'", e);
                    }
                    if (!(ratio >= 0 && ratio <= 1)) {
                        throw new IllegalArgumentException("meridian.tracing.sampler must be 'off' or a ratio between 0 and 1, was '" + sampler + "'");
                    }
                }
            }
            String endpoint = properties.apply("meridian.tracing.otlp.endpoint");
            Optional<URI> uri = Optional.empty();
            if (endpoint != null && !endpoint.isBlank()) {
                URI u;
                try {
                    u = URI.create(endpoint.trim());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("meridian.tracing.otlp.endpoint must be an http(s) URL, was '" + endpoint + "'", e);
                }
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                    throw new IllegalArgumentException("meridian.tracing.otlp.endpoint must be an http(s) URL, was '" + endpoint + "'");
                }
                uri = Optional.of(u);
            }
            String inRegion = properties.apply("meridian.tracing.exporterInRegion");
            boolean exporterInRegion = false;
            if (inRegion != null && !inRegion.isBlank()) {
                if (!inRegion.trim().equalsIgnoreCase("true") && !inRegion.trim().equalsIgnoreCase("false")) {
                    throw new IllegalArgumentException("meridian.tracing.exporterInRegion must be true or false, was '" + inRegion + "'");
                }
                exporterInRegion = Boolean.parseBoolean(inRegion.trim());
            }
            return new Settings(regionId, ratio, uri, exporterInRegion);
        }

        /** The effective settings, for the start-up log. */
        public Map<String, Object> describe() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tracing.sampler", ratio == 0 ? "off" : Double.toString(ratio));
            m.put("tracing.otlp.endpoint", otlpEndpoint.map(URI::toString).orElse("(none: sampled spans are dropped)"));
            m.put("tracing.exporterInRegion", exporterInRegion + (exporterInRegion ? " (device ids exported)" : " (device ids removed before export)"));
            return m;
        }
    }

    private final Tracer tracer;
    private final OpenTelemetrySdk sdk;

    private NodeTracing(Tracer tracer, OpenTelemetrySdk sdk) {
        this.tracer = tracer;
        this.sdk = sdk;
    }

    /** Tracing that exports over OTLP as {@code settings} say. */
    public static NodeTracing create(Settings settings) {
        return create(settings, settings.otlpEndpoint().map(u -> (SpanExporter) OtlpHttpSpanExporter.builder()
                .setEndpoint(u.toString()).setTimeout(Duration.ofSeconds(5)).build()));
    }

    /** Tracing that exports to {@code exporter} (tests hand in an in-memory exporter). */
    public static NodeTracing create(Settings settings, Optional<SpanExporter> exporter) {
        Objects.requireNonNull(settings, "settings must not be null");
        if (settings.ratio() == 0) {
            exporter.ifPresent(SpanExporter::shutdown);
            return new NodeTracing(NoopTracerFactory.create(), null);
        }
        SdkTracerProviderBuilder provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), "meridian-region-node", REGION, settings.regionId()))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.ratio())))
                .addSpanProcessor(new RegionAttribute(settings.regionId()));
        exporter.ifPresent(e -> provider.addSpanProcessor(BatchSpanProcessor.builder(
                settings.exporterInRegion() ? e : new DeviceIdentifierFilter(e)).build()));
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider.build()).build();
        return new NodeTracing(OpenTracingShim.createTracerShim(sdk), sdk);
    }

    /** The OpenTracing tracer that Hono's adapter base and our adapters use. */
    public Tracer tracer() {
        return tracer;
    }

    /**
     * The OpenTelemetry API of this tracing, for code that traces without Hono's OpenTracing (the region data API),
     * or the no-op API when tracing is off. It has no propagators of its own (so the OpenTracing shim injects nothing
     * into Kafka headers, as before); the data API reads a caller's W3C {@code traceparent} with the W3C propagator.
     */
    public OpenTelemetry openTelemetry() {
        return sdk != null ? sdk : OpenTelemetry.noop();
    }

    /** Exports the spans that ended so far (bounded to 5 s); the node calls it only through {@link #close()}. */
    public void flush() {
        if (sdk != null) {
            sdk.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS);
        }
    }

    /** Flushes pending spans (bounded) and stops the exporter. */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
        }
    }

    /** Puts the region on every span when it starts. */
    private static final class RegionAttribute implements SpanProcessor {
        private final String regionId;

        RegionAttribute(String regionId) {
            this.regionId = regionId;
        }

        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {
            span.setAttribute(REGION, regionId);
        }

        @Override
        public boolean isStartRequired() {
            return true;
        }

        @Override
        public void onEnd(ReadableSpan span) {
        }

        @Override
        public boolean isEndRequired() {
            return false;
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
