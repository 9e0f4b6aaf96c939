package dev.tnorders.opentact.intake;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestSource;
import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.trace.RequestTraces;
import dev.tnorders.opentact.trace.TraceParent;

/**
 * Reads one poll of the requests topic: the adapter at the Kafka boundary ({@link RequestConsumers}
 * hands its records over; with batching off, {@code opentact.order.batching=false}, each record
 * comes alone and is read as a poll of one). The rules are the validator's.
 */
public class BatchIntake {

    private final JsonRequestReader reader;
    private final OrderClock clock;
    private final DeadLetters deadLetters = new DeadLetters();

    public BatchIntake(RequestValidator validator, OrderClock clock) {
        this.reader = new JsonRequestReader(validator);
        this.clock = clock;
    }

    /** A poll of the requests topic (or one record of it, in per-request mode), read. */
    public IntakeBatch read(List<ConsumerRecord<String, String>> records) {
        String receivedAt = clock.now();
        List<OrderRequest> requests = new ArrayList<>(records.size());
        List<Integer> partitions = new ArrayList<>(records.size());
        List<Long> offsets = new ArrayList<>(records.size());
        List<IntakeBatch.DeadLetter> bad = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            RequestSource source = RequestSource.ofTopic(record.topic(), record.partition(), record.offset());
            try {
                OrderRequest request = reader.read(record.value(), record.key(),
                        record.topic() + "-" + record.partition() + "-" + record.offset(), source, receivedAt);
                if (RequestTraces.on()) { // its own trace, continuing the record's traceparent
                    request = RequestTraces.startRequest(request, TraceParent.of(record.headers()), record.topic(),
                            record.partition(), record.offset());
                }
                requests.add(request);
                partitions.add(record.partition());
                offsets.add(record.offset());
            } catch (InvalidRequestException e) {
                bad.add(new IntakeBatch.DeadLetter(record.key(), deadLetters.record(record.value(), e.getMessage(), source,
                        receivedAt)));
            }
        }
        return new IntakeBatch(requests, partitions, offsets, bad);
    }
}
