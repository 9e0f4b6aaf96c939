package dev.tnorders.opentact.trace;

import java.util.ArrayList;
import java.util.List;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * One trace per request (docs/operations.md, "Tracing"): the span of a request taken in, the
 * spans of the Opentact calls made on its behalf, and the trace context its output records carry.
 * This class holds no OpenTelemetry type: while tracing is off ({@code opentact.tracing.enabled},
 * the default) {@link #use} was never called, every method returns at once (a null check, nothing
 * allocated), and the jar runs without OpenTelemetry on the class path. When it is on,
 * {@code otel.RequestSpans} makes the spans.
 *
 * <p>A request's trace context travels with it as the W3C text of its span
 * ({@link OrderRequest#traceparent()}); the calls of an order case are made on behalf of its
 * requests by the thread that runs the case ({@link #onBehalfOf}).
 */
public final class RequestTraces {

    /** What makes the spans (OpenTelemetry, when tracing is on). */
    public interface Spans {

        /**
         * Starts the span of a request read from a Kafka record: child of the record's
         * {@code traceparent} ({@code incoming}, null: a trace of its own).
         *
         * @return the new span's traceparent
         */
        String startRequest(String incoming, String requestId, String topic, int partition, long offset);

        /** Ends the span of a request; {@code failure}: its poll failed and is given back. */
        void endRequest(String traceparent, Throwable failure);

        /** A CSV request's span, the root of its trace, started and ended as it goes to Kafka; its traceparent. */
        String csvRequest(String requestId);

        /** Starts the span(s) of one Opentact call made on behalf of requests (their traceparents, at least one). */
        Call startCall(List<String> traceparents, String method, String path);
    }

    /** The span(s) of one Opentact call. */
    public interface Call {

        /** The context the call's own spans (route, HTTP) are children of. */
        String traceparent();

        /** @param httpStatus the answer's status, or null when none came */
        void end(Integer httpStatus, Throwable failure);
    }

    /** The requests whose calls the current thread makes; closed when the thread goes on to other work. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private static final Scope NOTHING = () -> { };
    private static final ThreadLocal<List<String>> ON_BEHALF_OF = new ThreadLocal<>();
    private static volatile Spans spans;

    private RequestTraces() {
    }

    /** Set by {@code otel.Tracing} when tracing is switched on; null: off. */
    public static void use(Spans newSpans) {
        spans = newSpans;
    }

    public static boolean on() {
        return spans != null;
    }

    /** {@code request} with the traceparent of its new span (see {@link Spans#startRequest}); as it is while tracing is off. */
    public static OrderRequest startRequest(OrderRequest request, String incoming, String topic, int partition, long offset) {
        Spans s = spans;
        if (s == null) {
            return request;
        }
        return request.withTraceparent(s.startRequest(incoming, request.requestId(), topic, partition, offset));
    }

    /** Ends the spans of the requests of a poll (given back when {@code failure} is not null). */
    public static void endRequests(List<OrderRequest> requests, Throwable failure) {
        Spans s = spans;
        if (s == null) {
            return;
        }
        for (OrderRequest r : requests) {
            if (r.traceparent() != null) {
                s.endRequest(r.traceparent(), failure);
            }
        }
    }

    /** The traceparent for the Kafka record of a CSV request, the root of its trace; null while tracing is off. */
    public static String csvRequest(String requestId) {
        Spans s = spans;
        return s == null ? null : s.csvRequest(requestId);
    }

    /**
     * The Opentact calls this thread makes until the scope closes are made on behalf of
     * {@code requests} (an order case's): they join the requests' traces.
     */
    public static Scope onBehalfOf(List<OrderRequest> requests) {
        if (spans == null) {
            return NOTHING;
        }
        List<String> traceparents = new ArrayList<>(requests.size());
        for (OrderRequest r : requests) {
            if (r.traceparent() != null && !traceparents.contains(r.traceparent())) {
                traceparents.add(r.traceparent());
            }
        }
        List<String> before = ON_BEHALF_OF.get();
        ON_BEHALF_OF.set(traceparents);
        return () -> {
            if (before == null) {
                ON_BEHALF_OF.remove();
            } else {
                ON_BEHALF_OF.set(before);
            }
        };
    }

    /**
     * The span(s) of a call this thread is about to make; null while tracing is off, or when the
     * call is made on behalf of no traced request (e.g. the token probe): Camel's tracer alone then.
     */
    public static Call startCall(String method, String path) {
        Spans s = spans;
        if (s == null) {
            return null;
        }
        List<String> traceparents = ON_BEHALF_OF.get();
        if (traceparents == null || traceparents.isEmpty()) {
            return null;
        }
        return s.startCall(traceparents, method, path);
    }
}
