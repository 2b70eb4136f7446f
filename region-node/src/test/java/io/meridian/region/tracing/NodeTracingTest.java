package io.meridian.region.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentracing.Span;
import io.opentracing.noop.NoopTracer;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.hono.tracing.TracingHelper;
import org.junit.jupiter.api.Test;

class NodeTracingTest {

    private static final AttributeKey<String> DEVICE = AttributeKey.stringKey(TracingHelper.TAG_DEVICE_ID.getKey());
    private static final AttributeKey<String> TENANT = AttributeKey.stringKey(TracingHelper.TAG_TENANT_ID.getKey());

    private static List<SpanData> traceOnePublish(boolean exporterInRegion) {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        NodeTracing tracing = NodeTracing.create(new NodeTracing.Settings("eu-central", 1.0, Optional.empty(), exporterInRegion),
                Optional.of(exporter));
        Span span = tracing.tracer().buildSpan("PUBLISH telemetry").start();
        TracingHelper.setDeviceTags(span, "lampco", "lamp-42", "lamp-42-auth");
        span.setTag(TracingHelper.TAG_CLIENT_ID.getKey(), "lamp-42-client");
        span.setTag("peer.ipv4", "192.0.2.7");
        span.setTag(TracingHelper.TAG_QOS.getKey(), "AT_LEAST_ONCE");
        span.log(Map.of("event", "error", "message", "device lamp-42 is disabled"));
        span.finish();
        tracing.flush();
        List<SpanData> spans = exporter.getFinishedSpanItems();
        tracing.close(); // the in-memory exporter forgets its spans on shutdown
        return spans;
    }

    @Test
    void exporterOutsideTheRegion_getsRegionAndTenant_butNoDeviceIdentifiersOrEvents() {
        List<SpanData> spans = traceOnePublish(false);

        assertEquals(1, spans.size());
        SpanData span = spans.get(0);
        assertEquals("PUBLISH telemetry", span.getName());
        assertEquals("eu-central", span.getAttributes().get(NodeTracing.REGION));
        assertEquals("lampco", span.getAttributes().get(TENANT));
        assertEquals("AT_LEAST_ONCE", span.getAttributes().get(AttributeKey.stringKey(TracingHelper.TAG_QOS.getKey())));
        span.getAttributes().forEach((key, value) -> {
            assertFalse(String.valueOf(value).contains("lamp-42"), "attribute " + key + " names the device: " + value);
            assertFalse(String.valueOf(value).contains("192.0.2.7"), "attribute " + key + " has the peer address: " + value);
        });
        assertTrue(span.getEvents().isEmpty(), "events may name a device: " + span.getEvents());
    }

    @Test
    void exporterInTheRegion_keepsTheDeviceId() {
        SpanData span = traceOnePublish(true).get(0);

        assertEquals("lamp-42", span.getAttributes().get(DEVICE));
        assertEquals("eu-central", span.getAttributes().get(NodeTracing.REGION));
        assertEquals(1, span.getEvents().size());
    }

    @Test
    void defaultSampler_keepsAboutOneTraceInAHundred() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        NodeTracing tracing = NodeTracing.create(NodeTracing.Settings.defaults("af-south"), Optional.of(exporter));
        for (int i = 0; i < 20_000; i++) {
            tracing.tracer().buildSpan("PUBLISH telemetry").start().finish();
        }
        tracing.flush();
        int sampled = exporter.getFinishedSpanItems().size();
        tracing.close();
        // binomial(20000, 0.01): mean 200, standard deviation about 14; these bounds are more than 5 sigma wide
        assertTrue(sampled > 120 && sampled < 280, "sampled " + sampled + " of 20000 at ratio 0.01");
    }

    @Test
    void off_isOpenTracingsNoopTracer() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        NodeTracing tracing = NodeTracing.create(NodeTracing.Settings.from("us-east", Map.of("meridian.tracing.sampler", "off")::get),
                Optional.of(exporter));
        assertInstanceOf(NoopTracer.class, tracing.tracer());
        tracing.close();
    }

    @Test
    void settings_defaultWhenUnset_andParseEachProperty() {
        NodeTracing.Settings d = NodeTracing.Settings.from("eu-central", k -> null);
        assertEquals(NodeTracing.DEFAULT_RATIO, d.ratio());
        assertTrue(d.otlpEndpoint().isEmpty());
        assertFalse(d.exporterInRegion());

        NodeTracing.Settings s = NodeTracing.Settings.from("eu-central", Map.of("meridian.tracing.sampler", "0.25",
                "meridian.tracing.otlp.endpoint", "http://127.0.0.1:4318/v1/traces", "meridian.tracing.exporterInRegion", "TRUE")::get);
        assertEquals(0.25, s.ratio());
        assertEquals(URI.create("http://127.0.0.1:4318/v1/traces"), s.otlpEndpoint().orElseThrow());
        assertTrue(s.exporterInRegion());
    }

    @Test
    void malformedSettings_areRefusedNamingThePropertyAndValue() {
        for (Map<String, String> bad : List.of(Map.of("meridian.tracing.sampler", "always"), Map.of("meridian.tracing.sampler", "1.5"),
                Map.of("meridian.tracing.sampler", "NaN"), Map.of("meridian.tracing.otlp.endpoint", "collector:4318"),
                Map.of("meridian.tracing.otlp.endpoint", "http://bad host/"), Map.of("meridian.tracing.exporterInRegion", "yes"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeTracing.Settings.from("eu-central", bad::get));
            String property = bad.keySet().iterator().next();
            assertTrue(e.getMessage().contains(property) && e.getMessage().contains(bad.get(property)), e.getMessage());
        }
        assertNull(NodeTracing.Settings.from("eu-central", k -> null).otlpEndpoint().orElse(null));
    }
}
