package dev.tnorders.opentact.journal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The journal's topic at start: created compacted, with its configs, when it is missing (an admin
 * client bounded by the start's deadline; a failure is a start-up error naming the client).
 */
final class JournalTopics {

    /**
     * The journal topic's configs when the journal creates it: compacted, and compacted soon enough
     * for the expired entries' tombstones to free the space: segments rolled hourly (the active one
     * is never compacted), compaction once a tenth of the log is superseded, and a tombstone kept a
     * day so that an instance that was away for less still reads it. An existing topic keeps its own
     * (docs/operations.md says how to set them).
     */
    static final Map<String, String> TOPIC_CONFIGS = Map.of(
            "cleanup.policy", "compact",
            "segment.ms", "3600000",
            "min.cleanable.dirty.ratio", "0.1",
            "delete.retention.ms", "86400000");

    private JournalTopics() {
    }

    /**
     * @param log the journal's logger
     * @throws dev.tnorders.opentact.kafka.KafkaStartupException when the topic can be neither created nor found
     */
    static void createIfMissing(KafkaClientSettings kafka, String topic, StartDeadline deadline, Logger log) {
        Properties p = kafka.clientProperties("opentact-journal-admin-" + topic);
        int timeout = (int) Math.max(1, deadline.remainingMs());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeout, 30_000));
        String action = "create the compacted topic '" + topic + "'";
        Admin admin = Admin.create(p);
        try {
            NewTopic t = new NewTopic(topic, 1, (short) -1).configs(TOPIC_CONFIGS);
            admin.createTopics(List.of(t)).all().get(Math.max(1, deadline.remainingMs()), TimeUnit.MILLISECONDS);
            log.info("Created the compacted order journal topic '{}'", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw kafka.startupError("the order journal's admin client", action, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (TimeoutException | KafkaException e) {
            throw kafka.startupError("the order journal's admin client", action, e);
        } finally {
            // Not the default close, which waits for a call still pending (a broker that never answered).
            admin.close(Duration.ofSeconds(1));
        }
    }
}
