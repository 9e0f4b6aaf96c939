package dev.tnorders.opentact.trace;

import java.util.function.Consumer;

import org.apache.kafka.common.header.Headers;

/**
 * The trace context of the current request, written into the Kafka headers of the records it
 * produces (W3C {@code traceparent}), so that a consumer of the outcome continues the trace.
 * Nothing happens while tracing is off ({@code opentact.tracing.enabled=false}, the default): no
 * OpenTelemetry class is loaded then, and the jar runs without OpenTelemetry on the class path.
 */
public final class TraceHeaders {

    private static volatile Consumer<Headers> injector;

    private TraceHeaders() {
    }

    /** Adds the current trace context to {@code headers}; nothing while tracing is off. */
    public static void inject(Headers headers) {
        Consumer<Headers> i = injector;
        if (i != null) {
            i.accept(headers);
        }
    }

    /**
     * Adds the trace context of a request to the headers of one of its records: its own
     * {@code traceparent} when it has one (tracing on, {@link RequestTraces}), else the current
     * context as {@link #inject(Headers)}; nothing while tracing is off.
     */
    public static void inject(Headers headers, String requestTraceparent) {
        if (requestTraceparent != null) {
            TraceParent.put(headers, requestTraceparent);
        } else {
            inject(headers);
        }
    }

    /** Set by {@link dev.tnorders.opentact.trace.otel.Tracing} when tracing is switched on; null: off. */
    public static void use(Consumer<Headers> newInjector) {
        injector = newInjector;
    }
}
