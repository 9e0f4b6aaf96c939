package dev.tnorders.opentact.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenTelemetry-free side: what it does off, and what it asks of the spans when on. */
class RequestTracesTest {

    private static final String TP1 = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String TP2 = "00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final List<String> asked = new ArrayList<>();

    @AfterEach
    void off() {
        RequestTraces.use(null);
    }

    private static OrderRequest request(String id, String traceparent) {
        return RequestBuilder.request(id).tns("+12012000001").build().withTraceparent(traceparent);
    }

    @Test
    void offNothingIsTracedAndTheRequestIsLeftAsItIs() {
        OrderRequest r = request("r1", null);
        assertThat(RequestTraces.on()).isFalse();
        assertThat(RequestTraces.startRequest(r, TP1, "t", 0, 1)).isSameAs(r);
        assertThat(RequestTraces.csvRequest("r1")).isNull();
        try (RequestTraces.Scope s = RequestTraces.onBehalfOf(List.of(request("r2", TP1)))) {
            assertThat(RequestTraces.startCall("GET", "/rest/order/u")).isNull();
        }
        RequestTraces.endRequests(List.of(request("r2", TP1)), null);
    }

    @Test
    void onACallIsMadeForTheRequestsOfTheScopeOnThisThreadOnly() throws Exception {
        RequestTraces.use(new Recording());
        assertThat(RequestTraces.startCall("GET", "/x")).as("no request on this thread").isNull();
        try (RequestTraces.Scope outer = RequestTraces.onBehalfOf(List.of(request("r1", TP1), request("r2", TP2),
                request("r3", null), request("r1", TP1)))) {
            RequestTraces.startCall("POST", "/rest/order/price");
            try (RequestTraces.Scope inner = RequestTraces.onBehalfOf(List.of(request("r2", TP2)))) {
                RequestTraces.startCall("POST", "/rest/order");
            }
            RequestTraces.startCall("GET", "/rest/order/u");
            // Another thread is on behalf of no request (its answer is read back here, so that it can fail).
            FutureTask<RequestTraces.Call> other = new FutureTask<>(() -> RequestTraces.startCall("GET", "/y"));
            new Thread(other).start();
            assertThat(other.get(10, TimeUnit.SECONDS)).as("a call started on another thread").isNull();
        }
        assertThat(RequestTraces.startCall("GET", "/x")).isNull();
        assertThat(asked).containsExactly(
                "call POST /rest/order/price for [" + TP1 + ", " + TP2 + "]",
                "call POST /rest/order for [" + TP2 + "]",
                "call GET /rest/order/u for [" + TP1 + ", " + TP2 + "]");
    }

    @Test
    void onARequestGetsItsSpanAndItEndsWithItsPoll() {
        RequestTraces.use(new Recording());
        OrderRequest r = RequestTraces.startRequest(request("r1", null), TP1, "requests", 3, 42);
        assertThat(r.traceparent()).isEqualTo("span-of-r1");
        RequestTraces.endRequests(List.of(r, request("untraced", null)), new IllegalStateException());
        assertThat(RequestTraces.csvRequest("c1")).isEqualTo("csv-c1");
        assertThat(asked).containsExactly("start r1 from " + TP1 + " at requests-3@42",
                "end span-of-r1 failed IllegalStateException", "csv c1");
    }

    private final class Recording implements RequestTraces.Spans {
        @Override
        public String startRequest(String incoming, String requestId, String topic, int partition, long offset) {
            asked.add("start " + requestId + " from " + incoming + " at " + topic + "-" + partition + "@" + offset);
            return "span-of-" + requestId;
        }

        @Override
        public void endRequest(String traceparent, Throwable failure) {
            asked.add("end " + traceparent + (failure == null ? "" : " failed " + failure.getClass().getSimpleName()));
        }

        @Override
        public String csvRequest(String requestId) {
            asked.add("csv " + requestId);
            return "csv-" + requestId;
        }

        @Override
        public RequestTraces.Call startCall(List<String> traceparents, String method, String path) {
            asked.add("call " + method + " " + path + " for " + traceparents);
            return new RequestTraces.Call() {
                @Override
                public String traceparent() {
                    return TP1;
                }

                @Override
                public void end(Integer httpStatus, Throwable failure) {
                }
            };
        }
    }
}
