package dev.tnorders.opentact.batch;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;

import dev.tnorders.opentact.intake.DeadLetters;
import dev.tnorders.opentact.intake.InvalidRequestException;
import dev.tnorders.opentact.intake.JsonRequestReader;
import dev.tnorders.opentact.intake.RequestValidator;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestSource;

/**
 * Reads the records of one poll of the requests topic (camel-kafka's batching mode hands them
 * over as a list of exchanges): the adapter at the Kafka boundary; the rules are the validator's,
 * the same as for single records.
 */
public class BatchIntake {

    private final JsonRequestReader reader;
    private final DeadLetters deadLetters = new DeadLetters();

    public BatchIntake(RequestValidator validator) {
        this.reader = new JsonRequestReader(validator);
    }

    public IntakeBatch read(List<Exchange> records, String receivedAt) {
        List<OrderRequest> requests = new ArrayList<>(records.size());
        List<Integer> partitions = new ArrayList<>(records.size());
        List<Long> offsets = new ArrayList<>(records.size());
        List<IntakeBatch.DeadLetter> bad = new ArrayList<>();
        for (Exchange record : records) {
            Message m = record.getMessage();
            String topic = m.getHeader(KafkaConstants.TOPIC, String.class);
            Integer partition = m.getHeader(KafkaConstants.PARTITION, Integer.class);
            Long offset = m.getHeader(KafkaConstants.OFFSET, Long.class);
            String key = m.getHeader(KafkaConstants.KEY, String.class);
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
        return new IntakeBatch(requests, partitions, offsets, bad);
    }
}
