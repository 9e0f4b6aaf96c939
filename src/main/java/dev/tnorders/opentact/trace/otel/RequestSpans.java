package dev.tnorders.opentact.trace.otel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

import dev.tnorders.opentact.trace.CallNames;
import dev.tnorders.opentact.trace.RequestTraces;
import dev.tnorders.opentact.trace.TraceParent;

/**
 * The spans of one trace per request (docs/operations.md, "Tracing"), with the OpenTelemetry API:
 * <ul>
 * <li>{@code opentact.request} (CONSUMER): a request read from its Kafka record, child of the
 * record's {@code traceparent}, else the root of a trace; it lasts until the poll's work ends
 * (its outcome published, or the poll given back);</li>
 * <li>{@code opentact.csv-request} (PRODUCER): a CSV request sent to the requests topic, the root
 * of its trace; the Kafka record carries it, so the request's span above is its child;</li>
 * <li>{@code opentact <METHOD> <path>}: an Opentact call. On behalf of one request, one span
 * (CLIENT), child of the request's span, and the call's route and HTTP spans (Camel's) are its
 * children. On behalf of several (a batch shares its price, order and reads): one span (CLIENT)
 * that roots a trace of its own, with a link to each request's span, holds the call's route and
 * HTTP spans; and each request's trace gets a span of the call (INTERNAL, the same name, times
 * and status) with a link to that shared span. So every request's trace holds every call made for
 * it, and the one HTTP exchange is traced once.</li>
 * </ul>
 * Attributes: {@code opentact.request.id}, {@code messaging.destination.name}, {@code kafka.partition},
 * {@code kafka.offset}, {@code http.method}, {@code http.status_code}, {@code opentact.requests}
 * (how many requests share the call), {@code error}: all on {@link SpanHygiene}'s allow-list.
 */
final class RequestSpans implements RequestTraces.Spans {

    static final String REQUEST = "opentact.request";
    static final String CSV_REQUEST = "opentact.csv-request";

    private static final TextMapGetter<String> TRACEPARENT = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of(TraceParent.HEADER);
        }

        @Override
        public String get(String carrier, String key) {
            return TraceParent.HEADER.equals(key) ? carrier : null;
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    /** The spans of the requests in flight, by their traceparent. */
    private final Map<String, Span> open = new ConcurrentHashMap<>();

    RequestSpans(OpenTelemetry otel) {
        this.tracer = otel.getTracer(Tracing.SCOPE);
        this.propagator = otel.getPropagators().getTextMapPropagator();
    }

    @Override
    public String startRequest(String incoming, String requestId, String topic, int partition, long offset) {
        Span span = tracer.spanBuilder(REQUEST)
                .setParent(incoming == null ? Context.root() : context(incoming))
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("opentact.request.id", requestId)
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("kafka.partition", String.valueOf(partition))
                .setAttribute("kafka.offset", String.valueOf(offset))
                .startSpan();
        String traceparent = traceparent(span.getSpanContext());
        open.put(traceparent, span);
        return traceparent;
    }

    @Override
    public void endRequest(String traceparent, Throwable failure) {
        Span span = open.remove(traceparent);
        if (span == null) {
            return;
        }
        if (failure != null) {
            failed(span, failure);
        }
        span.end();
    }

    /** How many request spans are open (tests: none may be left behind). */
    int openRequests() {
        return open.size();
    }

    @Override
    public String csvRequest(String requestId) {
        Span span = tracer.spanBuilder(CSV_REQUEST).setNoParent().setSpanKind(SpanKind.PRODUCER)
                .setAttribute("opentact.request.id", requestId).startSpan();
        span.end();
        return traceparent(span.getSpanContext());
    }

    @Override
    public RequestTraces.Call startCall(List<String> traceparents, String method, String path) {
        String name = CallNames.spanName(method, path);
        if (traceparents.size() == 1) {
            Span span = call(name, method, 1).setParent(context(traceparents.get(0))).setSpanKind(SpanKind.CLIENT)
                    .startSpan();
            return new Traced(span, List.of(span));
        }
        SpanBuilder shared = call(name, method, traceparents.size()).setNoParent().setSpanKind(SpanKind.CLIENT);
        for (String tp : traceparents) {
            SpanContext request = Span.fromContext(context(tp)).getSpanContext();
            if (request.isValid()) {
                shared.addLink(request);
            }
        }
        Span call = shared.startSpan();
        List<Span> all = new ArrayList<>(traceparents.size() + 1);
        all.add(call);
        for (String tp : traceparents) {
            all.add(call(name, method, traceparents.size()).setParent(context(tp)).setSpanKind(SpanKind.INTERNAL)
                    .addLink(call.getSpanContext()).startSpan());
        }
        return new Traced(call, all);
    }

    private SpanBuilder call(String name, String method, int requests) {
        return tracer.spanBuilder(name)
                .setAttribute("http.method", method)
                .setAttribute("opentact.requests", (long) requests);
    }

    private Context context(String traceparent) {
        return propagator.extract(Context.root(), traceparent, TRACEPARENT);
    }

    private static String traceparent(SpanContext c) {
        return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex();
    }

    private static void failed(Span span, Throwable failure) {
        span.setAttribute("error", "true");
        span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
    }

    /** One call: the span its route and HTTP spans hang off, and every span of it. */
    private record Traced(Span call, List<Span> all) implements RequestTraces.Call {

        @Override
        public String traceparent() {
            return RequestSpans.traceparent(call.getSpanContext());
        }

        @Override
        public void end(Integer httpStatus, Throwable failure) {
            for (Span s : all) {
                if (httpStatus != null) {
                    s.setAttribute("http.status_code", String.valueOf(httpStatus));
                }
                if (failure != null) {
                    failed(s, failure);
                } else if (httpStatus != null && httpStatus >= 400) {
                    s.setStatus(StatusCode.ERROR);
                }
                s.end();
            }
        }
    }
}
