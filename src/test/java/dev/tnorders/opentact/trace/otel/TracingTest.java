package dev.tnorders.opentact.trace.otel;

import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.client.CamelOpentactApi;
import dev.tnorders.opentact.client.OpentactAuth;
import dev.tnorders.opentact.client.OpentactClient;
import dev.tnorders.opentact.client.OpentactPayloads;
import dev.tnorders.opentact.client.OpentactResponses;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.intake.BatchIntake;
import dev.tnorders.opentact.intake.IntakeBatch;
import dev.tnorders.opentact.intake.RequestValidator;
import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.journal.OrderStore;
import dev.tnorders.opentact.journal.ResultRecords;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.order.Budgets;
import dev.tnorders.opentact.order.FollowPolicy;
import dev.tnorders.opentact.order.NumberSearch;
import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.order.OrderLifecycle;
import dev.tnorders.opentact.order.OrderLifecycleBuilder;
import dev.tnorders.opentact.order.OrderPlan;
import dev.tnorders.opentact.order.OrderPlanner;
import dev.tnorders.opentact.order.OrderReconciler;
import dev.tnorders.opentact.order.Reconciliation;
import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.trace.RequestTraces;
import dev.tnorders.opentact.trace.TraceHeaders;
import dev.tnorders.opentact.trace.TraceParent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracing switched on, with an in-memory exporter: the spans of one request (taken in with an
 * upstream traceparent, an HTTP call to the sandbox with the token in the query, the outcome
 * record built the way OrderJournal builds it) share one trace id, the record carries it in
 * traceparent, and no attribute or event leaves with the token, the number or a price.
 */
class TracingTest {

    private static final String TOKEN = "s3cret-token-for-tracing";
    private static final String NUMBER = "+12029822917";
    /** An upstream producer's context: trace id 4bf9..., its span 00f0... */
    private static final String UPSTREAM_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String UPSTREAM = "00-" + UPSTREAM_TRACE + "-00f067aa0ba902b7-01";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private CamelContext camel;
    private OpentactSandbox sandbox;

    @AfterEach
    void stop() throws Exception {
        if (camel != null) {
            camel.stop();
        }
        if (sandbox != null) {
            sandbox.close();
        }
        TraceHeaders.use(null);
        RequestTraces.use(null);
    }

    @Test
    void oneRequestIsOneTraceFromIntakeToTheOutcomeRecordWithoutSecrets() throws Exception {
        sandbox = OpentactSandbox.start(0, TOKEN);
        OpentactAuth auth = new OpentactAuth(sandbox.baseUrl(), "query", TOKEN);
        camel = new DefaultCamelContext();
        Tracing.install(camel, Tracing.exportingTo(exported));
        camel.getRegistry().bind("opentactAuth", auth);
        ProducerRecord<String, String>[] outcome = new ProducerRecord[1];
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // Shaped like kafka-intake -> order-lifecycle -> opentact-call-idempotent -> opentact-call.
                from("direct:intake").routeId("intake")
                        .to("direct:price")
                        .to("direct:publish");
                from("direct:price").routeId("price")
                        .removeHeaders("*", "Camel*")
                        .setHeader(Exchange.HTTP_METHOD, constant("POST"))
                        .setHeader(Exchange.HTTP_PATH, constant("/rest/order/price"))
                        .setBody(constant("{\"tns\":[12029822917],\"voice\":true}"))
                        .bean("opentactAuth", "apply")
                        .to(sandbox.baseUrl() + "?throwExceptionOnFailure=false")
                        .bean("opentactAuth", "strip");
                from("direct:publish").routeId("publish")
                        .process(e -> {
                            ProducerRecord<String, String> r = new ProducerRecord<>("opentact.order.outcomes", "req-1",
                                    "{\"state\":\"completed\"}");
                            TraceHeaders.inject(r.headers());
                            outcome[0] = r;
                        });
            }
        });
        camel.start();

        ProducerTemplate template = camel.createProducerTemplate();
        template.sendBodyAndHeaders("direct:intake", "{\"request_id\":\"req-1\",\"tns\":[\"" + NUMBER + "\"]}",
                Map.of("traceparent", UPSTREAM, "kafka.KEY", NUMBER));

        await().until(() -> exported.getFinishedSpanItems().stream().anyMatch(s -> s.getName().equals("POST")));
        List<SpanData> spans = exported.getFinishedSpanItems();
        assertThat(spans).extracting(SpanData::getTraceId).containsOnly(UPSTREAM_TRACE);
        assertThat(spans).extracting(SpanData::getName).contains("intake", "price", "publish", "POST");
        SpanData http = spans.stream().filter(s -> s.getName().equals("POST")).findFirst().orElseThrow();
        assertThat(http.getAttributes().get(AttributeKey.stringKey("http.status_code"))).isEqualTo("200");

        Header traceparent = outcome[0].headers().lastHeader("traceparent");
        assertThat(traceparent).isNotNull();
        String value = new String(traceparent.value(), StandardCharsets.UTF_8);
        assertThat(value).startsWith("00-" + UPSTREAM_TRACE + "-");

        assertThat(everything(spans)).allSatisfy(text -> assertThat(text)
                .doesNotContain(TOKEN).doesNotContain("bearer").doesNotContain(NUMBER).doesNotContain("12029822917"));
        Set<String> keys = spans.stream().flatMap(s -> s.getAttributes().asMap().keySet().stream())
                .map(AttributeKey::getKey).collect(Collectors.toSet());
        assertThat(SpanHygiene.ATTRIBUTES).containsAll(keys);
    }

    /** Three requests in one poll (batching mode): the upstream contexts of the first two; the third has none. */
    private static final String UPSTREAM_2_TRACE = "5bf92f3577b34da6a3ce929d0e0e4736";
    private static final String UPSTREAM_2 = "00-" + UPSTREAM_2_TRACE + "-10f067aa0ba902b7-01";
    private static final List<String> BATCH_NUMBERS = List.of("+12012210001", "+12012210002", "+12012210003");

    @Test
    void inABatchEachRequestIsItsOwnTraceWithEveryCallMadeForItAndItsRecordsCarryIt() throws Exception {
        sandbox = OpentactSandbox.start(0, TOKEN);
        camel = new DefaultCamelContext();
        Tracing.install(camel, Tracing.exportingTo(exported));
        camel.getRegistry().bind("opentactAuth", new OpentactAuth(sandbox.baseUrl(), "query", TOKEN));
        camel.getRegistry().bind("opentactResponses", new OpentactResponses());
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // Shaped like opentact-client.camel.yaml: the inbound headers removed, the token added and stripped.
                from("direct:opentact-call-idempotent").routeId("opentact-call-idempotent").to("direct:opentact-call");
                from("direct:opentact-call").routeId("opentact-call")
                        .removeHeaders("*", "Camel*")
                        .setHeader("Content-Type", constant("application/json"))
                        .bean("opentactAuth", "apply")
                        .to(sandbox.baseUrl() + "?throwExceptionOnFailure=false")
                        .bean("opentactAuth", "strip")
                        .bean("opentactResponses", "read");
            }
        });
        camel.start();
        CamelOpentactApi api = new CamelOpentactApi();
        api.setCamelContext(camel);
        RecordingStore store = new RecordingStore();
        OrderClock clock = new OrderClock();
        OrderLifecycleBuilder b = new OrderLifecycleBuilder();
        b.setClient(new OpentactClient(api, new OpentactPayloads("items")));
        b.setStore(store);
        b.setReconciliation(requests -> new Reconciliation.Reconciled(Reconciliation.Verdict.UNKNOWN, null, Set.of(), "not used"));
        b.setBudgets(new Budgets("none", "none", null));
        b.setNumberSearch(new NumberSearch(2));
        b.setIntake(new IntakeControl(Clock.systemUTC()));
        b.setClock(clock);
        b.setFollow(new FollowPolicy(clock, 100, 200, 20_000));
        b.setMaxPostAttempts(3);
        b.setResearchTries(2);
        b.setPostRetries(1);
        b.setBalancePauseMs(300_000);
        OrderLifecycle lifecycle = b.build();

        // The poll, as RequestConsumers hands it over, read by BatchIntake.
        List<ConsumerRecord<String, String>> poll = new ArrayList<>();
        String[] upstream = {UPSTREAM, UPSTREAM_2, null};
        for (int i = 0; i < 3; i++) {
            ConsumerRecord<String, String> r = new ConsumerRecord<>("opentact.order.requests", 0, 40 + i, "b" + i,
                    "{\"request_id\":\"b" + i + "\",\"tns\":[\"" + BATCH_NUMBERS.get(i) + "\"]}");
            if (upstream[i] != null) {
                r.headers().add("traceparent", upstream[i].getBytes(StandardCharsets.UTF_8));
            }
            poll.add(r);
        }
        IntakeBatch batch = new BatchIntake(new RequestValidator(), clock).read(poll);
        assertThat(batch.requests()).extracting(OrderRequest::traceparent).doesNotContainNull().doesNotHaveDuplicates();
        OrderPlan plan = new OrderPlanner(100, store).plan(batch.requests());
        assertThat(plan.batches()).as("the three are one batch").hasSize(1);
        assertThat(plan.batches().get(0)).hasSize(3);
        // The lifecycle on a thread of its own, as the route's split runs it; the requests' spans end with the poll.
        ExecutorService caseThread = Executors.newSingleThreadExecutor();
        try {
            caseThread.submit(() -> lifecycle.runNew(plan.batches().get(0))).get(60, TimeUnit.SECONDS);
        } finally {
            caseThread.shutdownNow();
        }
        RequestTraces.endRequests(batch.requests(), null);

        List<SpanData> spans = exported.getFinishedSpanItems();
        List<SpanData> requestSpans = spans.stream().filter(s -> s.getName().equals(RequestSpans.REQUEST)).toList();
        assertThat(requestSpans).hasSize(3);
        assertThat(requestSpans).extracting(SpanData::getTraceId).doesNotHaveDuplicates();
        Map<String, SpanData> byRequest = requestSpans.stream().collect(Collectors.toMap(
                s -> s.getAttributes().get(AttributeKey.stringKey("opentact.request.id")), s -> s));
        assertThat(byRequest.get("b0").getTraceId()).isEqualTo(UPSTREAM_TRACE);
        assertThat(byRequest.get("b0").getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(byRequest.get("b1").getTraceId()).isEqualTo(UPSTREAM_2_TRACE);
        assertThat(byRequest.get("b2").getParentSpanId()).as("no upstream: a root").isEqualTo(SpanId.getInvalid());
        assertThat(byRequest.get("b2").getTraceId()).isNotIn(UPSTREAM_TRACE, UPSTREAM_2_TRACE);

        // The shared calls: each once, in a trace of its own, linked to the three requests, with Camel's HTTP span under it.
        List<SpanData> shared = spans.stream().filter(s -> s.getName().startsWith("opentact ") && s.getKind() == SpanKind.CLIENT)
                .toList();
        assertThat(shared).extracting(SpanData::getName).contains("opentact POST /rest/order/price", "opentact GET /rest/order/{id}");
        assertThat(shared).extracting(SpanData::getName).containsAnyOf("opentact POST /rest/order", "opentact POST /rest/order/tn");
        for (SpanData call : shared) {
            assertThat(call.getLinks()).extracting(l -> l.getSpanContext().getSpanId())
                    .containsExactlyInAnyOrderElementsOf(requestSpans.stream().map(SpanData::getSpanId).toList());
            assertThat(call.getTraceId()).isNotIn(requestSpans.stream().map(SpanData::getTraceId).toList());
            SpanData http = spans.stream().filter(s -> s.getTraceId().equals(call.getTraceId())
                    && (s.getName().equals("POST") || s.getName().equals("GET"))).findFirst().orElseThrow();
            assertThat(ancestors(http, spans)).as("Camel's HTTP span of " + call.getName()).contains(call.getSpanId());
            assertThat(http.getAttributes().get(AttributeKey.stringKey("http.status_code"))).startsWith("20")
                    .isEqualTo(call.getAttributes().get(AttributeKey.stringKey("http.status_code")));
        }

        for (OrderRequest r : batch.requests()) {
            SpanData mine = byRequest.get(r.requestId());
            assertThat(TraceParent.spanId(r.traceparent())).isEqualTo(mine.getSpanId());
            // Every call made for it is in its trace, a child of its span.
            List<SpanData> calls = spans.stream().filter(s -> s.getTraceId().equals(mine.getTraceId())
                    && s.getName().startsWith("opentact ")).toList();
            assertThat(calls).extracting(SpanData::getName).containsExactlyInAnyOrderElementsOf(
                    shared.stream().map(SpanData::getName).toList());
            assertThat(calls).allSatisfy(c -> {
                assertThat(c.getParentSpanId()).isEqualTo(mine.getSpanId());
                assertThat(c.getLinks()).hasSize(1);
                assertThat(shared).extracting(SpanData::getSpanId).contains(c.getLinks().get(0).getSpanContext().getSpanId());
            });
            // Its outcome and number records carry its trace, not another request's or the poll's.
            List<ProducerRecord<String, String>> records = store.records.stream()
                    .filter(rec -> rec.key().equals(r.requestId()) || rec.key().equals(r.tns().get(0))).toList();
            assertThat(records).hasSize(2).allSatisfy(rec -> assertThat(rec.headers().headers("traceparent")).hasSize(1));
            assertThat(records).extracting(rec -> TraceParent.of(rec.headers())).containsOnly(r.traceparent());
            assertThat(TraceParent.traceId(r.traceparent())).isEqualTo(mine.getTraceId());
        }
        assertThat(store.records.stream().filter(rec -> rec.topic().equals("outcomes")).map(rec -> rec.value()))
                .hasSize(3).allSatisfy(v -> assertThat(v).contains("completed"));

        assertThat(everything(spans)).allSatisfy(text -> assertThat(text).doesNotContain(TOKEN).doesNotContain("bearer")
                .doesNotContain("1201221000"));
        Set<String> keys = spans.stream().flatMap(s -> s.getAttributes().asMap().keySet().stream())
                .map(AttributeKey::getKey).collect(Collectors.toSet());
        assertThat(SpanHygiene.ATTRIBUTES).containsAll(keys);
        assertThat(((RequestSpans) spansInUse()).openRequests()).isZero();
    }

    /** The span ids above {@code span}, up to its trace's root. */
    private static List<String> ancestors(SpanData span, List<SpanData> spans) {
        Map<String, SpanData> byId = spans.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s, (a, b) -> a));
        List<String> up = new ArrayList<>();
        for (SpanData s = byId.get(span.getParentSpanId()); s != null; s = byId.get(s.getParentSpanId())) {
            up.add(s.getSpanId());
        }
        return up;
    }

    private static RequestTraces.Spans spansInUse() throws Exception {
        Field f = RequestTraces.class.getDeclaredField("spans");
        f.setAccessible(true);
        return (RequestTraces.Spans) f.get(null);
    }

    /** The journal's writes, the output records built as OrderJournal builds them. */
    private static final class RecordingStore implements OrderStore {
        final List<ProducerRecord<String, String>> records = new CopyOnWriteArrayList<>();
        private final ResultRecords build = new ResultRecords("numbers", "outcomes");

        @Override
        public JournalEntry lookup(String requestId) {
            return null;
        }

        @Override
        public Map<String, JournalEntry> entries(Collection<String> requestIds) {
            return Map.of();
        }

        @Override
        public void intent(List<OrderRequest> requests, List<BigDecimal> reservedNrc,
                           List<NumberResult> settled) {
        }

        @Override
        public void placed(List<OrderRequest> requests, String orderUuid) {
        }

        @Override
        public void finish(List<OrderRequest> requests, List<OrderResult> results) {
            for (int i = 0; i < requests.size(); i++) {
                records.addAll(build.of(requests.get(i), results.get(i)));
            }
        }
    }

    @Test
    void hygieneDropsEveryAttributeNotListedAndEventMessages() {
        OpenTelemetrySdk otel = Tracing.exportingTo(exported);
        Span span = otel.getTracer("t").spanBuilder("opentact.order.numbers").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            span.setAttribute("camel.uri", "https://api.opentact.org?bearer=" + TOKEN);
            span.setAttribute("http.url", "https://api.opentact.org/rest/order?bearer=" + TOKEN);
            span.setAttribute("url.query", "bearer=" + TOKEN);
            span.setAttribute("kafka.key", NUMBER);
            span.setAttribute("kafka.partition.key", NUMBER);
            span.setAttribute("opentact.price.nrc", "1.25");
            span.setAttribute("messaging.destination.name", "opentact.order.numbers");
            span.setAttribute("kafka.partition", "0");
            span.addEvent("error", Attributes.of(
                    AttributeKey.stringKey("event"), "error", AttributeKey.stringKey("error.kind"), "Exception",
                    AttributeKey.stringKey("message"), "number " + NUMBER + " is not available"));
            span.addEvent("log", Attributes.of(
                    AttributeKey.stringKey("message"), "Outcome of request r1: " + NUMBER));
        } finally {
            span.end();
        }
        SpanData s = exported.getFinishedSpanItems().get(0);
        assertThat(s.getAttributes().asMap()).hasSize(2)
                .containsEntry(AttributeKey.stringKey("messaging.destination.name"), "opentact.order.numbers")
                .containsEntry(AttributeKey.stringKey("kafka.partition"), "0");
        assertThat(s.getEvents()).hasSize(2);
        assertThat(s.getEvents().get(0).getAttributes().asMap()).hasSize(2);
        assertThat(s.getEvents().get(1).getAttributes().isEmpty()).isTrue();
        assertThat(everything(List.of(s))).allSatisfy(text ->
                assertThat(text).doesNotContain(TOKEN).doesNotContain(NUMBER).doesNotContain("1.25"));
    }

    /** Every attribute and event text of the spans. */
    private static List<String> everything(List<SpanData> spans) {
        return spans.stream().flatMap(s -> Stream.concat(
                Stream.of(s.getName(), s.getAttributes().toString()),
                s.getEvents().stream().map(e -> e.getName() + " " + e.getAttributes()))).toList();
    }
}
