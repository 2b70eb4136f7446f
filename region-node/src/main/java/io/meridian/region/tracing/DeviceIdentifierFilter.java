package io.meridian.region.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.eclipse.hono.tracing.TracingHelper;

/**
 * Wraps an exporter outside the region: each span leaves without the attributes that identify a device or the
 * person behind it, and without its events (Hono logs free text such as "device ... is disabled" as span
 * events). What is kept (operation, timing, status, region, tenant, QoS, adapter) is enough to see where time
 * goes.
 */
final class DeviceIdentifierFilter implements SpanExporter {

    /** Hono's tags that name a device, and the peer address tags (a device's IP is personal data too). */
    static final Set<String> REMOVED = Set.of(
            TracingHelper.TAG_DEVICE_ID.getKey(),
            TracingHelper.TAG_GATEWAY_ID.getKey(),
            TracingHelper.TAG_AUTH_ID.getKey(),
            TracingHelper.TAG_CLIENT_ID.getKey(),
            TracingHelper.TAG_SUBJECT_DN.getKey());

    private static final List<String> REMOVED_PREFIXES = List.of("peer.", "net.peer.", "client.", "network.peer.");

    private final SpanExporter delegate;

    DeviceIdentifierFilter(SpanExporter delegate) {
        this.delegate = delegate;
    }

    static boolean removed(AttributeKey<?> key) {
        String k = key.getKey();
        return REMOVED.contains(k) || REMOVED_PREFIXES.stream().anyMatch(k::startsWith);
    }

    static SpanData strip(SpanData span) {
        AttributesBuilder kept = Attributes.builder();
        span.getAttributes().forEach((key, value) -> {
            if (!removed(key)) {
                putUnchecked(kept, key, value);
            }
        });
        Attributes attributes = kept.build();
        return new DelegatingSpanData(span) {
            @Override
            public Attributes getAttributes() {
                return attributes;
            }

            @Override
            public List<EventData> getEvents() {
                return List.of();
            }

            @Override
            public int getTotalRecordedEvents() {
                return 0;
            }

            @Override
            public int getTotalAttributeCount() {
                return attributes.size();
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static <T> void putUnchecked(AttributesBuilder builder, AttributeKey<T> key, Object value) {
        builder.put(key, (T) value);
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        return delegate.export(spans.stream().map(DeviceIdentifierFilter::strip).toList());
    }

    @Override
    public CompletableResultCode flush() {
        return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return delegate.shutdown();
    }
}
