package dev.tnorders.opentact.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.CamelContext;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestSource;
import dev.tnorders.opentact.trace.RequestTraces;

import static dev.tnorders.opentact.model.RequestBuilder.request;
import static org.assertj.core.api.Assertions.assertThat;

class CsvKafkaBatchTest {

    private final CamelContext context = new DefaultCamelContext();
    private final ObjectMapper json = new ObjectMapper();
    private final RequestValidator validator = new RequestValidator();

    @Test
    void oneRecordPerRequestKeyedByRequestIdWithTheRequestAsJson() throws Exception {
        OrderRequest a = validator.validate(new RawRequest("A", List.of("+13122000001"), null, null, null, null, null,
                null, null, null, null, "1.50", null), "x", RequestSource.ofFile("f.csv", 2), "now");
        OrderRequest b = a.withTns(List.of("+13122000002"));
        b = request("B").tns(b.tns()).features(b.features()).autorenew(b.autorenew()).source(b.source())
                .receivedAt(b.receivedAt()).build();
        CsvChunk chunk = new CsvChunk("f.csv", List.of(a, b), List.of(), 2, 2, 0, 0, false, true, List.of());
        List<Message> batch = new CsvKafkaBatch().requests(chunk, context);
        assertThat(batch).extracting(m -> m.getHeader(KafkaConstants.KEY)).containsExactly("A", "B");
        assertThat(batch.get(0).getBody()).isInstanceOf(String.class);
        OrderRequest back = json.readValue(batch.get(0).getBody(String.class), OrderRequest.class);
        assertThat(back).isEqualTo(a);
        assertThat(back.maxNrc()).isEqualByComparingTo("1.50");
    }

    @Test
    void tracingOnEachRequestsRecordCarriesTheTraceparentOfItsOwnTraceAndOffNone() {
        OrderRequest a = validator.validate(new RawRequest("A", List.of("+13122000001"), null, null, null, null, null,
                null, null, null, null, null, null), "x", RequestSource.ofFile("f.csv", 2), "now");
        OrderRequest b = request("B").tns("+13122000002").features(a.features()).autorenew(a.autorenew())
                .source(a.source()).receivedAt(a.receivedAt()).build();
        CsvChunk chunk = new CsvChunk("f.csv", List.of(a, b), List.of(), 2, 2, 0, 0, false, true, List.of());
        assertThat(new CsvKafkaBatch().requests(chunk, context))
                .allSatisfy(m -> assertThat(m.getHeaders()).doesNotContainKey("traceparent"));
        List<String> asked = new ArrayList<>();
        RequestTraces.use(new RequestTraces.Spans() {
            @Override
            public String startRequest(String incoming, String requestId, String topic, int partition, long offset) {
                throw new AssertionError();
            }

            @Override
            public void endRequest(String traceparent, Throwable failure) {
                throw new AssertionError();
            }

            @Override
            public String csvRequest(String requestId) {
                asked.add(requestId);
                return "00-" + (requestId.equals("A") ? "a" : "b").repeat(32) + "-" + "c".repeat(16) + "-01";
            }

            @Override
            public RequestTraces.Call startCall(List<String> traceparents, String method,
                                                                         String path) {
                throw new AssertionError();
            }
        });
        try {
            List<Message> batch = new CsvKafkaBatch().requests(chunk, context);
            assertThat(asked).containsExactly("A", "B");
            assertThat(batch).extracting(m -> m.getHeader("traceparent"))
                    .containsExactly("00-" + "a".repeat(32) + "-" + "c".repeat(16) + "-01",
                            "00-" + "b".repeat(32) + "-" + "c".repeat(16) + "-01");
        } finally {
            RequestTraces.use(null);
        }
    }

    @Test
    void oneDeadLetterPerBadRowKeyedByFileAndLine() throws Exception {
        CsvItem.Rejected bad = new CsvItem.Rejected("f.csv", 7, List.of("tn", "features"), List.of("12345", "voice"),
                "field 'tn': not a phone number");
        CsvChunk chunk = new CsvChunk("f.csv", List.of(), List.of(bad), 7, 0, 1, 0, false, true, List.of());
        List<Message> batch = new CsvKafkaBatch().deadLetters(chunk, "2026-01-01T00:00:00.000Z", context);
        assertThat(batch).singleElement().satisfies(m -> assertThat(m.getHeader(KafkaConstants.KEY)).isEqualTo("f.csv:7"));
        @SuppressWarnings("unchecked")
        Map<String, Object> record = json.readValue(batch.get(0).getBody(String.class), Map.class);
        assertThat(record).containsEntry("payload", "12345,voice").containsEntry("error", "field 'tn': not a phone number")
                .containsEntry("failed_at", "2026-01-01T00:00:00.000Z")
                .containsEntry("source", Map.of("file", "f.csv", "line", 7));
    }
}
