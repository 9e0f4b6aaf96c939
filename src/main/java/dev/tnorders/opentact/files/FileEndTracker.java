package dev.tnorders.opentact.files;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.model.Outcome;

/**
 * The end tracker: a member of the files consumer group, the one writer while it holds every partition
 * of the outcomes topic ({@link OneFileTracker}). It counts each drop's outcomes ({@link FileTally}),
 * read back from the file-state topic when it takes over, decides the ends ({@link FileEndRules}) and has
 * {@link FileEndPublisher} commit them with its offsets.
 */
final class FileEndTracker {

    /** Logs as {@link FileEnds} did before this part was its own class (named by string: no circle). */
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.files.FileEnds");
    private static final long COMMIT_EVERY_MS = 500;

    private final KafkaClientSettings kafka;
    private final String stateTopic;
    private final String outcomesTopic;
    private final String groupId;
    private final ObjectMapper json;
    private final Running running;
    private final FileView view;
    private final FileEndPublisher publisher;
    private int sessionTimeoutMs = 45_000;
    private long rememberedMs = 604_800_000;

    /** Whether this instance is the end tracker now. */
    private volatile boolean tracking;

    FileEndTracker(KafkaClientSettings kafka, String stateTopic, String outcomesTopic, String groupId, ObjectMapper json,
                   Running running, FileView view, FileEndPublisher publisher) {
        this.kafka = kafka;
        this.stateTopic = stateTopic;
        this.outcomesTopic = outcomesTopic;
        this.groupId = groupId;
        this.json = json;
        this.running = running;
        this.view = view;
        this.publisher = publisher;
    }

    void setSessionTimeoutMs(int sessionTimeoutMs) {
        this.sessionTimeoutMs = sessionTimeoutMs;
    }

    void setRememberedMs(long rememberedMs) {
        this.rememberedMs = rememberedMs;
    }

    /** Whether this instance is the end tracker now. */
    boolean tracking() {
        return tracking;
    }

    /** The tracker's thread, while running: joins the group again after a failure. */
    void trackerLoop() {
        while (running.on()) {
            try {
                track();
            } catch (RuntimeException e) {
                LOG.warn("The file end tracker stopped ({}); it joins its group again", e.toString());
                tracking = false;
                running.pause(1000);
            }
        }
        tracking = false;
    }

    /** One membership of the files group: while this instance holds the outcomes' partitions, it tracks. */
    private void track() {
        Properties c = kafka.clientProperties("opentact-file-ends");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeoutMs);
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, OneFileTracker.class.getName());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        Properties p = kafka.clientProperties("opentact-file-ends");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "opentact-file-ends-" + stateTopic + "-" + UUID.randomUUID());
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        Map<String, FileTally> tallies = new HashMap<>();
        Set<String> dirty = new LinkedHashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c);
             KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            consumer.subscribe(List.of(outcomesTopic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        tracking = false;
                        tallies.clear();
                        dirty.clear();
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        // Counted up to the committed offsets, as the last tracker's transactions left them
                        // (read before this poll fetches from those offsets).
                        tallies.clear();
                        dirty.clear();
                        tallies.putAll(readTallies());
                        tracking = true;
                        LOG.info("This instance tracks the ends of the CSV files now ({} drops known)", tallies.size());
                    }
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    onPartitionsRevoked(partitions);
                }
            });
            long lastCommit = 0;
            while (running.on()) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!tracking) {
                    continue;
                }
                for (ConsumerRecord<String, String> r : records) {
                    Outcome o = outcome(r.value());
                    if (o == null || o.source() == null || !o.source().fromFile() || o.receivedAt() == null) {
                        continue;
                    }
                    String id = FileIds.of(o.source().file(), o.receivedAt());
                    FileTally t = tallies.getOrDefault(id, FileTally.empty(id));
                    if (t.ended()) {
                        continue; // the end is out: an outcome past its manifest (a stopped file's chunk in flight)
                    }
                    tallies.put(id, t.plus(o));
                    dirty.add(id);
                }
                List<FileEndPublisher.Ending> ending = new ArrayList<>();
                if (view.caughtUp()) {
                    Collection<FileRead> reads = view.reads();
                    for (FileRead read : reads) {
                        FileTally t = tallies.get(read.fileId());
                        if (!read.handedOn() || (t != null && t.ended())) {
                            continue;
                        }
                        FileRead earlier = FileEndRules.repeatOf(read, reads, tallies, rememberedMs);
                        if (FileEndRules.ended(read, t, earlier, earlier == null ? null : tallies.get(earlier.fileId()))) {
                            ending.add(new FileEndPublisher.Ending(read, earlier));
                        }
                    }
                }
                long now = System.nanoTime() / 1_000_000;
                if (!ending.isEmpty() || (!dirty.isEmpty() && now - lastCommit >= COMMIT_EVERY_MS)) {
                    publisher.commit(consumer, producer, tallies, dirty, ending);
                    lastCommit = now;
                }
            }
        } finally {
            tracking = false;
        }
    }

    private Map<String, FileTally> readTallies() {
        Map<String, FileTally> out = new HashMap<>();
        Properties c = kafka.committedStringReader("opentact-file-ends-tallies");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            TopicPartition tp = new TopicPartition(stateTopic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            // read_committed: the end is the last stable offset, after the last tracker's transactions.
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumer.position(tp) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the file tallies on '" + stateTopic + "' were not read in 60 s");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.key().startsWith(FileIds.TALLY)) {
                        String id = r.key().substring(FileIds.TALLY.length());
                        if (r.value() == null) {
                            out.remove(id);
                        } else {
                            try {
                                out.put(id, json.readValue(r.value(), FileTally.class));
                            } catch (IOException e) {
                                LOG.warn("An unreadable file tally on '{}' ({}): passed over", stateTopic, r.key());
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private Outcome outcome(String value) {
        if (value == null) {
            return null;
        }
        try {
            return json.readValue(value, Outcome.class);
        } catch (IOException e) {
            return null;
        }
    }
}
