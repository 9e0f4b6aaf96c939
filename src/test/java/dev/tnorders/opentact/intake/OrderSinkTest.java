package dev.tnorders.opentact.intake;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrderSinkTest {

    private final OrderSink sink = new OrderSink(new RequestValidator(100));

    @Test
    void aJsonRequestKeepsItsIdAndIsSentUnchanged() {
        String json = "{\"request_id\": \"crm-1\", \"tns\": [\"+12029822917\"], \"max_nrc\": 1.10}";
        OrderSink.SinkRecord record = sink.prepare(json, "sink", true);
        assertThat(record.requestId()).isEqualTo("crm-1");
        assertThat(record.json()).isEqualTo(json);
    }

    @Test
    void aRequestWithoutIdGetsAGeneratedOne() {
        OrderSink.SinkRecord record = sink.prepare("{\"tns\": [\"2029822917\"]}".getBytes(StandardCharsets.UTF_8),
                "crm", true);
        assertThat(record.requestId()).matches("crm-[0-9a-f-]{36}");
        assertThat(sink.prepare("{\"tns\": [\"2029822917\"]}", "crm", true).requestId())
                .isNotEqualTo(record.requestId());
    }

    @Test
    void aMapIsWrittenAsJsonAndMoneyStaysExact() {
        OrderSink.SinkRecord record = sink.prepare(Map.of("request_id", "m-1", "tns", List.of("+12012000001"),
                "max_mrc", new BigDecimal("2.50")), "sink", true);
        assertThat(record.requestId()).isEqualTo("m-1");
        assertThat(record.json()).contains("\"max_mrc\":2.50").contains("\"request_id\":\"m-1\"");
    }

    @Test
    void aBadRequestFailsNamingTheField() {
        assertThatThrownBy(() -> sink.prepare("{\"tns\": [\"+12012000001\"], \"features\": [\"telepathy\"]}", "s", true))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("features");
        assertThatThrownBy(() -> sink.prepare("{\"tns\": [\"+12012000001\"], \"max_nrcc\": \"1\"}", "s", true))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("max_nrcc");
        assertThatThrownBy(() -> sink.prepare(42, "s", true))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("java.lang.Integer");
    }

    @Test
    void withoutValidationOnlyTheIdIsRead() {
        OrderSink.SinkRecord record = sink.prepare("{\"request_id\": \"x-1\", \"features\": [\"telepathy\"]}", "s", false);
        assertThat(record.requestId()).isEqualTo("x-1");
        assertThat(sink.prepare("{\"tns\": []}", "s", false).requestId()).startsWith("s-");
        assertThatThrownBy(() -> sink.prepare("{not json", "s", false))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("malformed JSON");
    }
}
