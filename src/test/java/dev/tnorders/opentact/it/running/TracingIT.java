package dev.tnorders.opentact.it.running;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.SandboxAndAppProcess;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The standalone app in a JVM of its own with tracing on (docs/operations.md, "Tracing"), its
 * spans exported as OTLP JSON to its log ({@code OTEL_TRACES_EXPORTER=logging-otlp}). Three requests
 * sent together, so that they share a poll and an order (batching, the default): two with an
 * upstream {@code traceparent}, one without. Each outcome's {@code traceparent} continues its own
 * request's trace, and that trace holds the request's span (child of the upstream span) and the
 * Opentact calls made for it. A CSV request's trace is rooted at its CSV intake span.
 */
class TracingIT extends SandboxAndAppProcess {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String TOKEN = "tracing-it-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eachRequestOfAPollIsOneTraceFromItsRecordToItsOutcome() throws Exception {
        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setCompletionDelay(Duration.ofMillis(100));
        String brokers = SharedKafka.bootstrapServers();
        String p = "tr" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path log = Path.of("target", "it-logs", "tracing-" + p + "log");
        app = new AppProcess(log, List.of())
                .standardEnv(p, sandbox.baseUrl(), TOKEN, brokers, work.resolve("in"), work.resolve("out"))
                .env("OPENTACT_TRACING_ENABLED", "true")
                .env("OTEL_TRACES_EXPORTER", "logging-otlp")
                .env("OTEL_BSP_SCHEDULE_DELAY", "200")
                .env("OTEL_SERVICE_NAME", "tracing-it");
        app.start();

        String[] upstreamTraces = {"4bf92f3577b34da6a3ce929d0e0e4736", "5bf92f3577b34da6a3ce929d0e0e4736", null};
        String[] upstreamSpans = {"00f067aa0ba902b7", "10f067aa0ba902b7", null};
        String[] numbers = {"+12012230001", "+12012230002", "+12012230003"};
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "50");
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ProducerRecord<String, String> r = new ProducerRecord<>(p + "requests", "tr-" + i,
                        "{\"request_id\":\"tr-" + i + "\",\"tns\":[\"" + numbers[i] + "\"]}");
                if (upstreamTraces[i] != null) {
                    r.headers().add("traceparent", ("00-" + upstreamTraces[i] + "-" + upstreamSpans[i] + "-01")
                            .getBytes(StandardCharsets.UTF_8));
                }
                sent.add(producer.send(r));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }

        // And a CSV request: a trace of its own, rooted at its intake.
        Path inbox = work.resolve("in");
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve("traced.csv"), "tn,features\n+1 201 223 0009,voice\n", StandardCharsets.UTF_8);

        Map<String, String> all = outcomes(brokers, p + "outcomes", 4);
        String csvId = all.keySet().stream().filter(k -> k.startsWith("csv-")).findFirst().orElseThrow();
        String csvTraceparent = all.remove(csvId);
        Map<String, String> outcomeTraceparents = all;
        assertThat(outcomeTraceparents).containsOnlyKeys("tr-0", "tr-1", "tr-2");
        assertThat(outcomeTraceparents.values()).allMatch(v -> v != null && v.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"));
        assertThat(outcomeTraceparents.get("tr-0")).startsWith("00-" + upstreamTraces[0] + "-");
        assertThat(outcomeTraceparents.get("tr-1")).startsWith("00-" + upstreamTraces[1] + "-");
        String ownTrace = outcomeTraceparents.get("tr-2").substring(3, 35);
        assertThat(ownTrace).isNotIn(upstreamTraces[0], upstreamTraces[1]);

        // The spans, as the app exported them.
        await().atMost(WAIT).untilAsserted(() -> {
            List<JsonNode> spans = spans(log);
            for (int i = 0; i < 3; i++) {
                String tp = outcomeTraceparents.get("tr-" + i);
                String trace = tp.substring(3, 35);
                String requestSpan = tp.substring(36, 52);
                JsonNode request = spans.stream().filter(s -> s.path("spanId").asText().equals(requestSpan))
                        .findFirst().orElseThrow(() -> new AssertionError("no span " + requestSpan));
                assertThat(request.path("name").asText()).isEqualTo("opentact.request");
                assertThat(request.path("traceId").asText()).isEqualTo(trace);
                if (upstreamSpans[i] != null) {
                    assertThat(request.path("parentSpanId").asText()).isEqualTo(upstreamSpans[i]);
                } else {
                    assertThat(request.path("parentSpanId").asText("")).isEmpty();
                }
                List<String> calls = spans.stream().filter(s -> s.path("traceId").asText().equals(trace)
                        && s.path("parentSpanId").asText().equals(requestSpan)
                        && s.path("name").asText().startsWith("opentact ")).map(s -> s.path("name").asText()).toList();
                assertThat(calls).as("the calls in the trace of tr-" + i)
                        .contains("opentact POST /rest/order/price", "opentact GET /rest/order/{id}")
                        .containsAnyOf("opentact POST /rest/order", "opentact POST /rest/order/tn");
            }
            // The CSV request: its request span is a child of its CSV intake span, the root of its own trace.
            String csvTrace = csvTraceparent.substring(3, 35);
            assertThat(csvTrace).isNotIn(outcomeTraceparents.values().stream().map(v -> v.substring(3, 35)).toList());
            JsonNode csvRequest = spans.stream().filter(s -> s.path("spanId").asText().equals(csvTraceparent.substring(36, 52)))
                    .findFirst().orElseThrow(() -> new AssertionError("no span of the CSV request"));
            assertThat(csvRequest.path("name").asText()).isEqualTo("opentact.request");
            JsonNode csvRoot = spans.stream().filter(s -> s.path("spanId").asText().equals(csvRequest.path("parentSpanId").asText()))
                    .findFirst().orElseThrow(() -> new AssertionError("no parent of the CSV request's span"));
            assertThat(csvRoot.path("name").asText()).isEqualTo("opentact.csv-request");
            assertThat(csvRoot.path("traceId").asText()).isEqualTo(csvTrace);
            assertThat(csvRoot.path("parentSpanId").asText("")).isEmpty();
            assertThat(spans).anyMatch(s -> s.path("traceId").asText().equals(csvTrace)
                    && s.path("name").asText().equals("opentact POST /rest/order/price"));
            // The HTTP calls themselves, once each for the three: under a shared call span linked to all of them.
            JsonNode price = spans.stream().filter(s -> s.path("name").asText().equals("opentact POST /rest/order/price")
                    && s.path("links").size() == 3).findFirst().orElseThrow(() -> new AssertionError("no shared price call"));
            assertThat(spans).anyMatch(s -> s.path("traceId").asText().equals(price.path("traceId").asText())
                    && s.path("name").asText().equals("POST"));
        });
        assertThat(Files.readString(log)).doesNotContain(TOKEN).doesNotContain("12012230001");
    }

    /** The outcomes' traceparent headers by request id. */
    private static Map<String, String> outcomes(String brokers, String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<String, String> out = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    Header h = r.headers().lastHeader("traceparent");
                    out.put(r.key(), h == null ? null : new String(h.value(), StandardCharsets.UTF_8));
                }
                return out.size() >= expected;
            });
        }
        return out;
    }

    /** Every span of the OTLP JSON lines in the app's log. */
    private static List<JsonNode> spans(Path log) throws Exception {
        List<JsonNode> spans = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            int start = line.indexOf('{');
            if (start < 0 || !line.contains("\"scopeSpans\"")) {
                continue;
            }
            collect(JSON.readTree(line.substring(start)), spans);
        }
        return spans;
    }

    private static void collect(JsonNode node, List<JsonNode> spans) {
        if (node.isObject()) {
            JsonNode s = node.get("spans");
            if (s != null && s.isArray()) {
                s.forEach(spans::add);
            }
            node.forEach(child -> collect(child, spans));
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, spans));
        }
    }
}
