package dev.tnorders.opentact.ops.tracing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.ops.TraceHeaders;
import dev.tnorders.opentact.client.OpentactAuth;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

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
                java.util.Map.of("traceparent", UPSTREAM, "kafka.KEY", NUMBER));

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
            span.addEvent("error", io.opentelemetry.api.common.Attributes.of(
                    AttributeKey.stringKey("event"), "error", AttributeKey.stringKey("error.kind"), "Exception",
                    AttributeKey.stringKey("message"), "number " + NUMBER + " is not available"));
            span.addEvent("log", io.opentelemetry.api.common.Attributes.of(
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
        return spans.stream().flatMap(s -> java.util.stream.Stream.concat(
                java.util.stream.Stream.of(s.getName(), s.getAttributes().toString()),
                s.getEvents().stream().map(e -> e.getName() + " " + e.getAttributes()))).toList();
    }
}
