package dev.tnorders.opentact.trace;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TraceParentTest {

    private static final String TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void aKafkaHeaderIsReadAsText() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", ("00-11111111111111111111111111111111-2222222222222222-01")
                .getBytes(StandardCharsets.UTF_8));
        headers.add("traceparent", TP.getBytes(StandardCharsets.UTF_8));
        assertThat(TraceParent.of(headers)).as("the last one").isEqualTo(TP);
        assertThat(TraceParent.traceId(TP)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(TraceParent.spanId(TP)).isEqualTo("00f067aa0ba902b7");
    }

    @Test
    void noHeaderOrABadOneIsNoTraceContext() {
        assertThat(TraceParent.of(new RecordHeaders())).isNull();
        assertThat(TraceParent.of(null)).isNull();
        assertThat(TraceParent.read(null)).isNull();
        assertThat(TraceParent.read("garbage".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(TraceParent.read((" " + TP + "\n").getBytes(StandardCharsets.UTF_8))).isEqualTo(TP);
    }

    @Test
    void theW3cRulesAreKept() {
        assertThat(TraceParent.valid(TP)).isTrue();
        assertThat(TraceParent.valid(TP.toUpperCase())).as("upper-case hex").isFalse();
        assertThat(TraceParent.valid("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).as("zero trace id").isFalse();
        assertThat(TraceParent.valid("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).as("zero span id").isFalse();
        assertThat(TraceParent.valid("ff" + TP.substring(2))).as("version ff").isFalse();
        assertThat(TraceParent.valid(TP + "-x")).as("version 00 has nothing after the flags").isFalse();
        assertThat(TraceParent.valid("01" + TP.substring(2) + "-more")).as("a later version may add fields").isTrue();
        assertThat(TraceParent.valid("01" + TP.substring(2) + "more")).isFalse();
        assertThat(TraceParent.valid(TP.replace('-', '_'))).isFalse();
        assertThat(TraceParent.valid(TP.substring(0, 54))).isFalse();
    }

    @Test
    void putReplacesEveryTraceContextHeader() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", "old".getBytes(StandardCharsets.UTF_8));
        TraceParent.put(headers, TP);
        assertThat(headers.headers("traceparent")).hasSize(1);
        assertThat(TraceParent.of(headers)).isEqualTo(TP);
    }
}
