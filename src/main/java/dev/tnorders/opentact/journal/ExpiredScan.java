package dev.tnorders.opentact.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.JournalEntry.Phase;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.model.RecordHeaders;

/**
 * A read of the whole journal, with a consumer of its own, for the ids whose latest entry is an
 * expired done one: the sweeper's second look when more expired entries were read at start than
 * it holds ids of ({@link JournalIndex#MAX_EXPIRED_QUEUED}). Holds up to {@code max} ids, and no
 * entry; bounded in time.
 */
final class ExpiredScan {

    /** The ids found (at most max), and where a next scan must begin when there were more (partition to offset). */
    record Found(List<String> ids, Map<Integer, Long> moreFrom) {
    }

    private final ObjectMapper mapper = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final KafkaClientSettings kafka;
    private final String topic;
    private final JournalRetention retention;

    ExpiredScan(KafkaClientSettings kafka, String topic, JournalRetention retention) {
        this.kafka = kafka;
        this.topic = topic;
        this.retention = retention;
    }

    /**
     * @param from where to begin, per partition: the first expired entry not held (those before were
     *             held, or queued, or superseded); partitions not in it are not read
     */
    Found scan(Map<Integer, Long> from, int max, long timeoutMs) {
        Properties c = kafka.clientProperties("opentact-journal-scan-" + topic);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Set<String> expired = new LinkedHashSet<>();
        Map<Integer, Long> moreFrom = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                if (from.containsKey(info.partition())) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            consumer.assign(partitions);
            partitions.forEach(tp -> consumer.seek(tp, from.get(tp.partition())));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the order journal '" + topic + "' to its end in "
                            + timeoutMs + " ms");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) {
                        continue;
                    }
                    if (isExpiredDone(r)) {
                        if (expired.contains(r.key())) {
                            continue;
                        }
                        if (expired.size() < max && !moreFrom.containsKey(r.partition())) {
                            expired.add(r.key());
                        } else { // no room: from here on, the next scan's
                            moreFrom.putIfAbsent(r.partition(), r.offset());
                        }
                    } else {
                        expired.remove(r.key()); // a later entry, or a tombstone: not (or no longer) due
                    }
                }
            }
        }
        return new Found(new ArrayList<>(expired), moreFrom);
    }

    private boolean isExpiredDone(ConsumerRecord<String, String> r) {
        if (r.value() == null) {
            return false;
        }
        Header phase = r.headers().lastHeader(RecordHeaders.JOURNAL_PHASE);
        if (phase != null && !Phase.done.name().equals(new String(phase.value(), StandardCharsets.UTF_8))) {
            return false;
        }
        try {
            JournalEntry e = mapper.readValue(r.value(), JournalEntry.class);
            return e.phase() == Phase.done && retention.expired(r.timestamp(), e.day());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean reached(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
