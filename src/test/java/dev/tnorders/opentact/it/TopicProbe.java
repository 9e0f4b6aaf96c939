package dev.tnorders.opentact.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.tnorders.opentact.hosttest.HostTopics;

/** Produces to and reads from real topics in tests, by polling with a timeout (never sleeping). */
public final class TopicProbe {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TopicProbe() {
    }

    public static void send(String brokers, String topic, String key, String value) throws Exception {
        send(plain(brokers), topic, key, value);
    }

    private static Properties plain(String brokers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        return p;
    }

    /** @param client the brokers and any security settings of the client */
    public static void send(Properties client, String topic, String key, String value) throws Exception {
        HostTopics.send(client, topic, key, value);
    }

    /** A record to send as raw bytes (a null value is a tombstone). */
    public record Raw(String key, byte[] value) {
    }

    /** Sends all records with one producer, in order, and waits until each is acknowledged. */
    public static void sendAll(String brokers, String topic, List<Raw> records) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2_000_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            List<Future<?>> sent = new ArrayList<>();
            for (Raw r : records) {
                sent.add(producer.send(new ProducerRecord<>(topic, r.key(), r.value())));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }
    }

    /**
     * Every record of the topic as text ({@code key value}), read_uncommitted so that records of
     * aborted transactions are included; stops once nothing new came for {@code quiet} (at most a minute).
     */
    public static List<String> readAllRaw(String brokers, String topic, Duration quiet) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            long end = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            long quietUntil = System.nanoTime() + quiet.toNanos() + Duration.ofSeconds(3).toNanos(); // first poll joins the group
            while (System.nanoTime() < Math.min(end, quietUntil)) {
                var records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, String> r : records) {
                    out.add(r.key() + " " + r.value());
                }
                if (!records.isEmpty()) {
                    quietUntil = System.nanoTime() + quiet.toNanos();
                }
            }
        }
        return out;
    }

    /** A record as read back: its key and its JSON value as a map. */
    public record Rec(String key, Map<String, Object> value) {
        @SuppressWarnings("unchecked")
        public Map<String, Object> map(String field) {
            return (Map<String, Object>) value.get(field);
        }

        public Object get(String field) {
            return value.get(field);
        }
    }

    /**
     * Reads the topic from the beginning until {@code expected} records arrived, then keeps
     * reading for {@code settle} to catch any extra (duplicate) record; fails at {@code timeout}.
     */
    public static List<Rec> read(String brokers, String topic, int expected, Duration timeout, Duration settle)
            throws Exception {
        return read(plain(brokers), topic, expected, timeout, settle);
    }

    /** {@link #read(String, String, int, Duration, Duration)} with a client's brokers and security settings. */
    public static List<Rec> read(Properties client, String topic, int expected, Duration timeout, Duration settle)
            throws Exception {
        Properties p = HostTopics.readCommitted(client);
        List<Rec> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(new Rec(r.key(), MAPPER.readValue(r.value(), new TypeReference<Map<String, Object>>() { })));
                }
                if (out.size() >= expected && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + settle.toNanos();
                }
            }
        }
        return out;
    }

    /** Creates a topic of {@code partitions} partitions (one replica), waiting at most 30 s. */
    public static void createTopic(String brokers, String topic, int partitions) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }
}
