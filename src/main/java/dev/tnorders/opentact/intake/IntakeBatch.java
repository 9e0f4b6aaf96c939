package dev.tnorders.opentact.intake;

import java.util.List;
import java.util.Map;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * The records of one poll, read: the valid requests (with the partition and offset of the record
 * each came in) and the DLQ records of the others.
 */
public record IntakeBatch(List<OrderRequest> requests, List<Integer> partitions, List<Long> offsets,
                          List<DeadLetter> deadLetters) {

    /** A DLQ record and its key. */
    public record DeadLetter(String key, Map<String, Object> record) {
    }
}
