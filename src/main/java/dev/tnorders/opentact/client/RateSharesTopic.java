package dev.tnorders.opentact.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The shares topic ({@code opentact.topics.rate-shares}) in Kafka: one partition (one order for
 * every reader), compacted (one record per instance is what matters; an instance that stops writes
 * a tombstone), created when missing as the journal creates its own. Every blocking step is
 * bounded by the time it is given. Records are read from the start, without a consumer group.
 */
final class RateSharesTopic implements SharesBoard {

    private static final Logger LOG = LoggerFactory.getLogger(RateSharesTopic.class);

    /**
     * The topic's configs when it is created here: compacted, with segments rolled hourly, and a
     * record kept uncompacted at least 10 minutes ({@code min.compaction.lag.ms}): an instance reads
     * the records near the log's end one by one in order, as its claims are judged on them.
     */
    static final Map<String, String> TOPIC_CONFIGS = Map.of(
            "cleanup.policy", "compact",
            "segment.ms", "3600000",
            "min.cleanable.dirty.ratio", "0.1",
            "min.compaction.lag.ms", "600000",
            "delete.retention.ms", "86400000");

    private final KafkaClientSettings kafka;
    private final String topic;
    private final TopicPartition partition;
    private final long defaultTimeoutMs;
    private KafkaProducer<String, String> producer;
    private KafkaConsumer<String, String> consumer;
    private boolean topicKnown;
    /** Records read by a read that did not reach the end in time: the next read returns them first. */
    private final List<String[]> carried = new ArrayList<>();

    RateSharesTopic(KafkaClientSettings kafka, String topic, long timeoutMs) {
        this.kafka = kafka;
        this.topic = topic;
        this.partition = new TopicPartition(topic, 0);
        this.defaultTimeoutMs = timeoutMs;
    }

    @Override
    public String name() {
        return topic;
    }

    @Override
    public synchronized void publish(String key, String value, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        ensureTopic(deadline);
        try {
            producer().send(new ProducerRecord<>(topic, 0, key, value)).get(left(deadline), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            closeProducer(); // a new one next time; a record still in flight lands before or after, both safe
            throw e instanceof ExecutionException x && x.getCause() instanceof Exception c ? c : e;
        }
    }

    @Override
    public synchronized List<String[]> read(long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        ensureTopic(deadline);
        try {
            KafkaConsumer<String, String> c = consumer();
            long end = c.endOffsets(List.of(partition), Duration.ofMillis(left(deadline))).get(partition);
            for (int rounds = 0; c.position(partition, Duration.ofMillis(left(deadline))) < end; rounds++) {
                if (System.nanoTime() >= deadline || rounds > 10_000) {
                    throw new TimeoutException("the shares topic '" + topic + "' not read to its end (" + end + ") in "
                            + timeoutMs + " ms");
                }
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(Math.min(100, left(deadline))))) {
                    carried.add(new String[] {r.key(), r.value()});
                }
            }
            List<String[]> out = new ArrayList<>(carried);
            carried.clear();
            return out;
        } catch (KafkaException e) {
            throw e;
        }
    }

    private static long left(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private void ensureTopic(long deadline) throws Exception {
        if (topicKnown) {
            return;
        }
        Properties p = kafka.clientProperties("opentact-rate-shares-admin");
        int timeout = (int) Math.min(Integer.MAX_VALUE, left(deadline));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1).configs(TOPIC_CONFIGS))).all()
                    .get(left(deadline), TimeUnit.MILLISECONDS);
            LOG.info("Created the compacted rate shares topic '{}'", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e.getCause() instanceof Exception c ? c : e;
            }
        }
        topicKnown = true;
    }

    private KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties p = kafka.clientProperties("opentact-rate-shares-writer");
            int timeout = (int) Math.min(Integer.MAX_VALUE, Math.max(1000, defaultTimeoutMs));
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout);
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout + 1000);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    private KafkaConsumer<String, String> consumer() {
        if (consumer == null) {
            Properties p = kafka.clientProperties("opentact-rate-shares-reader");
            p.put("enable.auto.commit", false);
            p.put("key.deserializer", StringDeserializer.class.getName());
            p.put("value.deserializer", StringDeserializer.class.getName());
            p.put("default.api.timeout.ms", (int) Math.min(Integer.MAX_VALUE, Math.max(1000, defaultTimeoutMs)));
            consumer = new KafkaConsumer<>(p);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
        }
        return consumer;
    }

    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing the rate shares writer: {}", e.toString());
            }
            producer = null;
        }
    }

    @Override
    public synchronized void close() {
        closeProducer();
        if (consumer != null) {
            try {
                consumer.close(Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                LOG.debug("closing the rate shares reader: {}", e.toString());
            }
            consumer = null;
        }
    }
}
