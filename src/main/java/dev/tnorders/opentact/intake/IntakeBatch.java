package dev.tnorders.opentact.intake;

import java.util.List;
import java.util.Map;

import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * The records of one poll, read: the valid requests (with the partition and offset of the record
 * each came in), the DLQ records of the others, and the commits that acknowledge the whole poll.
 */
public record IntakeBatch(List<OrderRequest> requests, List<Integer> partitions, List<Long> offsets,
                          List<DeadLetter> deadLetters, List<KafkaManualCommit> commits) {

    /** A DLQ record and its key. */
    public record DeadLetter(String key, Map<String, Object> record) {
    }
}
