package dev.tnorders.opentact.client;

import java.util.function.IntConsumer;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import dev.tnorders.opentact.ops.RequestTraces;
import dev.tnorders.opentact.ops.TraceParent;

/**
 * {@link OpentactApi} over the client routes: {@code direct:opentact-call} (sent once) and
 * {@code direct:opentact-call-idempotent} (Camel's redelivery, opentact-client.camel.yaml).
 */
public class CamelOpentactApi implements OpentactApi, CamelContextAware {

    private CamelContext camelContext;
    private volatile ProducerTemplate template;

    private static final IntConsumer NOT_TOLD = n -> { };

    @Override
    public ApiResponse call(String method, String path, String query, String body) throws Exception {
        return send("direct:opentact-call", method, path, query, body, NOT_TOLD);
    }

    @Override
    public ApiResponse callIdempotent(String method, String path, String query, String body) throws Exception {
        return send("direct:opentact-call-idempotent", method, path, query, body, NOT_TOLD);
    }

    /** The count is Camel's redelivery counter of the call's exchange, plus its first send. */
    @Override
    public ApiResponse callIdempotent(String method, String path, String query, String body, IntConsumer sent)
            throws Exception {
        return send("direct:opentact-call-idempotent", method, path, query, body, sent);
    }

    /** Sends again a call Camel's throttler failed before it left (at most this often). */
    static final int THROTTLER_FAULT_TRIES = 3;

    private ApiResponse send(String uri, String method, String path, String query, String body, IntConsumer sent)
            throws Exception {
        // Tracing on, and the call made for an order case's requests: the call's span(s) in their
        // traces (RequestTraces), and the route's and HTTP spans Camel makes hang off it.
        RequestTraces.Call traced = RequestTraces.startCall(method, path);
        if (traced == null) {
            return sendTraced(uri, method, path, query, body, null, sent);
        }
        ApiResponse response = null;
        Throwable failure = null;
        try {
            response = sendTraced(uri, method, path, query, body, traced.traceparent(), sent);
            return response;
        } catch (Exception | Error e) {
            failure = e;
            throw e;
        } finally {
            traced.end(response == null ? null : response.httpStatus(), failure);
        }
    }

    private ApiResponse sendTraced(String uri, String method, String path, String query, String body,
                                   String traceparent, IntConsumer sent) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Exchange answer = template().send(uri, exchange -> {
                exchange.getMessage().setBody(body);
                exchange.getMessage().setHeader(Exchange.HTTP_METHOD, method);
                exchange.getMessage().setHeader(Exchange.HTTP_PATH, path);
                if (query != null) {
                    exchange.getMessage().setHeader(Exchange.HTTP_QUERY, query);
                }
                if (traceparent != null) { // the parent of Camel's spans; opentact-call removes it before the HTTP call
                    exchange.getMessage().setHeader(TraceParent.HEADER, traceparent);
                }
            });
            Exception e = answer.getException();
            if (e == null || !failedInThrottler(e)) {
                // Redeliveries (opentact-retries) count in this header, which the client route keeps.
                sent.accept(1 + answer.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class));
            }
            if (e == null) {
                return answer.getMessage().getBody(ApiResponse.class);
            }
            if (attempt >= THROTTLER_FAULT_TRIES || !failedInThrottler(e)) {
                throw e;
            }
        }
    }

    /**
     * Camel 4.18's asynchronous TotalRequests throttler can fail a call with a NullPointerException
     * when a dynamic limit of one permit is taken between its poll and its peek of the permits (seen
     * with several instances, whose shares are small). The throttle comes before the HTTP step, so
     * such a call never reached Opentact, and sending it again is safe, an order POST too.
     */
    static boolean failedInThrottler(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NullPointerException && t.getStackTrace().length > 0
                    && java.util.Arrays.stream(t.getStackTrace()).limit(3)
                            .anyMatch(f -> f.getClassName().startsWith("org.apache.camel.processor.")
                                    && f.getClassName().contains("Throttler"))) {
                return true;
            }
        }
        return false;
    }

    private ProducerTemplate template() {
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                if (template == null) {
                    template = camelContext.createProducerTemplate();
                }
                t = template;
            }
        }
        return t;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
