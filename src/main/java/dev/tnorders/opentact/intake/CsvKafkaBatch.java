package dev.tnorders.opentact.intake;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.trace.RequestTraces;
import dev.tnorders.opentact.trace.TraceParent;

/**
 * Turns a {@link CsvChunk} into batches for camel-kafka: a list of messages, each with its own
 * key header and JSON body. camel-kafka sends every element of a list body as its own record,
 * takes each element's {@code kafka.KEY}, and lets the route go on only once every record of the
 * list is acknowledged (or fails the exchange if one is not).
 */
public class CsvKafkaBatch {

    private final ObjectMapper json = new ObjectMapper();
    private final DeadLetters deadLetters = new DeadLetters();

    /** One record per request, key = request id. */
    public List<Message> requests(@Body CsvChunk chunk, CamelContext context) {
        List<Message> batch = new ArrayList<>(chunk.accepted().size());
        for (OrderRequest request : chunk.accepted()) {
            Message m = message(context, request.requestId(), request);
            // Tracing on: each request its own trace, rooted here (the route sends each record's own headers).
            String traceparent = RequestTraces.csvRequest(request.requestId());
            if (traceparent != null) {
                m.setHeader(TraceParent.HEADER, traceparent);
            }
            batch.add(m);
        }
        return batch;
    }

    /** One DLQ record per bad row, key = {@code file:line}, as the DLQ's other records. */
    public List<Message> deadLetters(@Body CsvChunk chunk, @ExchangeProperty("receivedAt") String receivedAt,
                                     CamelContext context) {
        List<Message> batch = new ArrayList<>(chunk.rejected().size());
        for (CsvItem.Rejected row : chunk.rejected()) {
            batch.add(message(context, row.file() + ":" + row.line(), deadLetters.fromRow(row, receivedAt)));
        }
        return batch;
    }

    private Message message(CamelContext context, String key, Object value) {
        Message m = new DefaultMessage(context);
        m.setHeader(KafkaConstants.KEY, key);
        try {
            // A String: camel-kafka does not convert the elements of a batch, and the serializer is StringSerializer.
            m.setBody(json.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write record " + key + " as JSON", e);
        }
        return m;
    }
}
