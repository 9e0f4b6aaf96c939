package dev.tnorders.opentact.journal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.producer.ProducerRecord;

import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.RecordHeaders;
import dev.tnorders.opentact.trace.TraceHeaders;

/**
 * The output records of a request's result, as {@link OrderJournal#finish} publishes them: one per
 * number (key = number, a file request's file in a header), then the outcome (key = request id).
 * Each carries the request's trace context ({@code traceparent}) while tracing is on.
 */
public final class ResultRecords {

    private final ObjectMapper mapper = new ObjectMapper();
    private final String numbersTopic;
    private final String outcomesTopic;

    public ResultRecords(String numbersTopic, String outcomesTopic) {
        this.numbersTopic = numbersTopic;
        this.outcomesTopic = outcomesTopic;
    }

    /** A request's results: one record per number, then its outcome. */
    public List<ProducerRecord<String, String>> of(OrderRequest request, OrderResult result) {
        List<ProducerRecord<String, String>> records = new ArrayList<>(result.numbers().size() + 1);
        for (NumberResult n : result.numbers()) {
            ProducerRecord<String, String> record = new ProducerRecord<>(numbersTopic, n.tn(), json(n));
            if (n.source() != null && n.source().fromFile()) {
                record.headers().add(RecordHeaders.SOURCE_FILE, n.source().file().getBytes(StandardCharsets.UTF_8));
            }
            TraceHeaders.inject(record.headers(), request.traceparent());
            records.add(record);
        }
        ProducerRecord<String, String> outcome = new ProducerRecord<>(outcomesTopic, request.requestId(), json(result.outcome()));
        // Tracing on: the request's trace context (traceparent), for a consumer to continue it.
        TraceHeaders.inject(outcome.headers(), request.traceparent());
        records.add(outcome);
        return records;
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
