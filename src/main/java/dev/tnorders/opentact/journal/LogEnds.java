package dev.tnorders.opentact.journal;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * Where the journal's partitions really end (their high watermark, as a read_uncommitted reader
 * sees them), which a read_committed reader's own end offsets do not tell: those stop at the last
 * stable offset. Compared by {@link StaleViewRule}.
 */
final class LogEnds implements AutoCloseable {

    private final Admin admin;

    LogEnds(KafkaClientSettings kafka, String topic) {
        Properties p = kafka.clientProperties("opentact-journal-ends-" + topic);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        this.admin = Admin.create(p);
    }

    /** The high watermark of each partition; throws when the brokers do not say within 10 s. */
    Map<TopicPartition, Long> of(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
                    .get(10, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking where the order journal ends", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not ask where the order journal ends: "
                    + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(1));
    }
}
