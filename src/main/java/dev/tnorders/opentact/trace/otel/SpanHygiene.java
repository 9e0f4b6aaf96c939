package dev.tnorders.opentact.trace.otel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Every span leaves through this exporter, which keeps only the attributes listed in docs/operations.md
 * ("Tracing"): an allow-list, so that nothing Camel adds now or in a later version can carry the
 * API token, a phone number or a price out. Camel's tracer would otherwise export, among others,
 * {@code camel.uri} and {@code url.query} (endpoint options), {@code http.url}, {@code kafka.key}
 * (a number results' key is the phone number), {@code kafka.partition.key}, and events with log
 * messages and exception messages (which can quote a number or Opentact's answer).
 */
public final class SpanHygiene implements SpanExporter {

    /** The span attributes that may leave. */
    public static final Set<String> ATTRIBUTES = Set.of(
            "component", "op", "exchangeId", "error", "url.scheme", "url.path",
            "http.method", "http.status_code", "messaging.destination.name", "kafka.partition", "kafka.offset",
            "opentact.request.id", "opentact.outcome.state", "opentact.requests");
    /** The event attributes that may leave: the kind of an error, never its message. */
    public static final Set<String> EVENT_ATTRIBUTES = Set.of("event", "error.kind");

    private final SpanExporter delegate;

    public SpanHygiene(SpanExporter delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        List<SpanData> clean = new ArrayList<>(spans.size());
        for (SpanData s : spans) {
            clean.add(clean(s));
        }
        return delegate.export(clean);
    }

    static SpanData clean(SpanData span) {
        Attributes attributes = keep(span.getAttributes(), ATTRIBUTES);
        List<EventData> events = new ArrayList<>(span.getEvents().size());
        for (EventData e : span.getEvents()) {
            events.add(EventData.create(e.getEpochNanos(), e.getName(), keep(e.getAttributes(), EVENT_ATTRIBUTES)));
        }
        return new DelegatingSpanData(span) {
            @Override
            public Attributes getAttributes() {
                return attributes;
            }

            @Override
            public List<EventData> getEvents() {
                return events;
            }

            @Override
            public int getTotalAttributeCount() {
                return attributes.size();
            }

            @Override
            public int getTotalRecordedEvents() {
                return events.size();
            }
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Attributes keep(Attributes attributes, Set<String> allowed) {
        AttributesBuilder b = Attributes.builder();
        attributes.forEach((key, value) -> {
            if (allowed.contains(key.getKey())) {
                b.put((AttributeKey) key, value);
            }
        });
        return b.build();
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
