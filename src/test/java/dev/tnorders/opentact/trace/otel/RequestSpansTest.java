package dev.tnorders.opentact.trace.otel;

import java.util.List;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.trace.RequestTraces;
import dev.tnorders.opentact.trace.TraceParent;

import static org.assertj.core.api.Assertions.assertThat;

class RequestSpansTest {

    private static final String UPSTREAM_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String UPSTREAM_SPAN = "00f067aa0ba902b7";
    private static final String UPSTREAM = "00-" + UPSTREAM_TRACE + "-" + UPSTREAM_SPAN + "-01";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final RequestSpans spans = new RequestSpans(Tracing.exportingTo(exported));

    private SpanData span(String traceparent) {
        return exported.getFinishedSpanItems().stream()
                .filter(s -> s.getSpanId().equals(TraceParent.spanId(traceparent))).findFirst().orElseThrow();
    }

    @Test
    void aRequestContinuesItsRecordsTraceAndEndsWithItsPoll() {
        String tp = spans.startRequest(UPSTREAM, "r1", "opentact.order.requests", 2, 17);
        assertThat(TraceParent.valid(tp)).isTrue();
        assertThat(TraceParent.traceId(tp)).isEqualTo(UPSTREAM_TRACE);
        assertThat(exported.getFinishedSpanItems()).as("open until its poll's work ends").isEmpty();
        assertThat(spans.openRequests()).isEqualTo(1);
        spans.endRequest(tp, null);
        spans.endRequest(tp, null); // ended once
        SpanData s = span(tp);
        assertThat(s.getName()).isEqualTo("opentact.request");
        assertThat(s.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(s.getParentSpanId()).isEqualTo(UPSTREAM_SPAN);
        assertThat(s.getAttributes().get(AttributeKey.stringKey("opentact.request.id"))).isEqualTo("r1");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("kafka.partition"))).isEqualTo("2");
        assertThat(s.getAttributes().get(AttributeKey.stringKey("kafka.offset"))).isEqualTo("17");
        assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(exported.getFinishedSpanItems()).hasSize(1);
        assertThat(spans.openRequests()).isZero();
    }

    @Test
    void withoutATraceparentARequestIsARootAndAGivenBackOneIsAnError() {
        String tp = spans.startRequest(null, "r1", "t", 0, 0);
        assertThat(TraceParent.traceId(tp)).isNotEqualTo(UPSTREAM_TRACE);
        spans.endRequest(tp, new IllegalStateException("+12025550143 is gone"));
        SpanData s = span(tp);
        assertThat(s.getParentSpanId()).isEqualTo(SpanId.getInvalid());
        assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(s.getStatus().getDescription()).isEqualTo("IllegalStateException").doesNotContain("+1202");
    }

    @Test
    void aCsvRequestRootsATraceOfItsOwn() {
        String a = spans.csvRequest("c1");
        String b = spans.csvRequest("c2");
        assertThat(TraceParent.traceId(a)).isNotEqualTo(TraceParent.traceId(b));
        SpanData s = span(a);
        assertThat(s.getName()).isEqualTo("opentact.csv-request");
        assertThat(s.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(s.getParentSpanId()).isEqualTo(SpanId.getInvalid());
        assertThat(s.hasEnded()).isTrue();
    }

    @Test
    void aCallForOneRequestIsAChildOfItsSpan() {
        String request = spans.startRequest(UPSTREAM, "r1", "t", 0, 0);
        RequestTraces.Call call = spans.startCall(List.of(request), "GET", "/rest/order/3f2b8c1e-9d4a");
        assertThat(TraceParent.traceId(call.traceparent())).isEqualTo(UPSTREAM_TRACE);
        call.end(200, null);
        SpanData s = span(call.traceparent());
        assertThat(s.getName()).isEqualTo("opentact GET /rest/order/{id}");
        assertThat(s.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(s.getParentSpanId()).isEqualTo(TraceParent.spanId(request));
        assertThat(s.getAttributes().get(AttributeKey.stringKey("http.status_code"))).isEqualTo("200");
        assertThat(s.getAttributes().get(AttributeKey.longKey("opentact.requests"))).isEqualTo(1L);
        assertThat(exported.getFinishedSpanItems()).as("only the call's span").hasSize(1);
    }

    @Test
    void aSharedCallIsTracedOnceWithLinksAndAppearsInEachRequestsTrace() {
        String r1 = spans.startRequest(UPSTREAM, "r1", "t", 0, 0);
        String r2 = spans.startRequest(null, "r2", "t", 0, 1);
        RequestTraces.Call call = spans.startCall(List.of(r1, r2), "POST", "/rest/order/price");
        call.end(503, new IllegalStateException("down"));
        List<SpanData> all = exported.getFinishedSpanItems();
        assertThat(all).hasSize(3).allSatisfy(s -> {
            assertThat(s.getName()).isEqualTo("opentact POST /rest/order/price");
            assertThat(s.getAttributes().get(AttributeKey.longKey("opentact.requests"))).isEqualTo(2L);
            assertThat(s.getAttributes().get(AttributeKey.stringKey("http.status_code"))).isEqualTo("503");
            assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        });
        SpanData shared = span(call.traceparent());
        assertThat(shared.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(shared.getParentSpanId()).as("a trace of its own").isEqualTo(SpanId.getInvalid());
        assertThat(shared.getTraceId()).isNotIn(TraceParent.traceId(r1), TraceParent.traceId(r2));
        assertThat(shared.getLinks()).extracting(l -> l.getSpanContext().getSpanId())
                .containsExactly(TraceParent.spanId(r1), TraceParent.spanId(r2));
        for (String r : List.of(r1, r2)) {
            SpanData mine = all.stream().filter(s -> s.getTraceId().equals(TraceParent.traceId(r))).findFirst().orElseThrow();
            assertThat(mine.getParentSpanId()).isEqualTo(TraceParent.spanId(r));
            assertThat(mine.getKind()).isEqualTo(SpanKind.INTERNAL);
            assertThat(mine.getLinks()).extracting(LinkData::getSpanContext).extracting(c -> c.getSpanId())
                    .containsExactly(shared.getSpanId());
        }
    }
}
