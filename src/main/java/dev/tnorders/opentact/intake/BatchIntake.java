package dev.tnorders.opentact.intake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestSource;
import dev.tnorders.opentact.order.OrderClock;

/**
 * Reads one poll of the requests topic: the adapter at the Kafka boundary. camel-kafka's
 * batching consumer hands a poll over as a list of exchanges; with batching off
 * ({@code opentact.order.batching=false}) each record comes alone and is read as a poll of one.
 * The rules are the validator's.
 */
public class BatchIntake {

    private final JsonRequestReader reader;
    private final OrderClock clock;
    private final DeadLetters deadLetters = new DeadLetters();

    public BatchIntake(RequestValidator validator, OrderClock clock) {
        this.reader = new JsonRequestReader(validator);
        this.clock = clock;
    }

    /** The poll in this exchange: its body's records in batching mode, else the exchange's own record. */
    @SuppressWarnings("unchecked")
    public IntakeBatch read(Exchange poll) {
        Object body = poll.getMessage().getBody();
        List<Exchange> records = body instanceof List<?> list ? (List<Exchange>) list : List.of(poll);
        return readRecords(records, clock.now());
    }

    IntakeBatch readRecords(List<Exchange> records, String receivedAt) {
        List<OrderRequest> requests = new ArrayList<>(records.size());
        List<Integer> partitions = new ArrayList<>(records.size());
        List<Long> offsets = new ArrayList<>(records.size());
        List<IntakeBatch.DeadLetter> bad = new ArrayList<>();
        Map<Integer, KafkaManualCommit> lastPerPartition = new LinkedHashMap<>();
        for (Exchange record : records) {
            Message m = record.getMessage();
            String topic = m.getHeader(KafkaConstants.TOPIC, String.class);
            Integer partition = m.getHeader(KafkaConstants.PARTITION, Integer.class);
            Long offset = m.getHeader(KafkaConstants.OFFSET, Long.class);
            String key = m.getHeader(KafkaConstants.KEY, String.class);
            KafkaManualCommit commit = m.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (commit != null) {
                // A record's commit covers its partition up to it: the last of each partition is enough.
                lastPerPartition.put(partition, commit);
            }
            String payload = m.getBody(String.class);
            RequestSource source = RequestSource.ofTopic(topic, partition, offset);
            try {
                requests.add(reader.read(payload, key, topic + "-" + partition + "-" + offset, source, receivedAt));
                partitions.add(partition);
                offsets.add(offset);
            } catch (InvalidRequestException e) {
                bad.add(new IntakeBatch.DeadLetter(key, deadLetters.record(payload, e.getMessage(), source, receivedAt)));
            }
        }
        return new IntakeBatch(requests, partitions, offsets, bad, List.copyOf(lastPerPartition.values()));
    }
}
