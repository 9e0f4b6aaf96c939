package dev.tnorders.opentact.lifecycle;

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
}
