package dev.tnorders.opentact.intake;

import java.util.List;

import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/**
 * Commits a poll's offsets once every request of it is safely recorded (its outcome published,
 * or its DLQ record written), so that a crash between poll and processing loses nothing.
 */
public class KafkaOffsets {

    public void commit(List<KafkaManualCommit> commits) {
        commits.forEach(KafkaManualCommit::commit);
    }
}
