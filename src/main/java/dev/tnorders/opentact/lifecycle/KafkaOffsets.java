package dev.tnorders.opentact.lifecycle;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * Commits a request record's offset once the request is safely recorded (its outcome published,
 * or its DLQ record written), so that a crash between poll and processing loses nothing.
 */
public class KafkaOffsets {

    public void commit(@Header(KafkaConstants.MANUAL_COMMIT) KafkaManualCommit manualCommit) {
        if (manualCommit != null) {
            manualCommit.commit();
        }
    }

    /**
     * Commits a whole poll (batching mode): a record's commit covers its partition up to it, so
     * the last record of each partition is committed.
     */
    public void commitAll(List<Exchange> records) {
        Map<Integer, KafkaManualCommit> lastPerPartition = new LinkedHashMap<>();
        for (Exchange record : records) {
            KafkaManualCommit commit = record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            Integer partition = record.getMessage().getHeader(KafkaConstants.PARTITION, Integer.class);
            if (commit != null) {
                lastPerPartition.put(partition, commit);
            }
        }
        lastPerPartition.values().forEach(KafkaManualCommit::commit);
    }
}
