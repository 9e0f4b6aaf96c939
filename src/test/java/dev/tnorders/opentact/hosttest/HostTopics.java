package dev.tnorders.opentact.hosttest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the host tests read off and write to the host's topics, as a client with the given settings. */
public final class HostTopics {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration SETTLE = Duration.ofSeconds(2);

    private HostTopics() {
    }

    /** A client of a plain (PLAINTEXT) broker. */
    public static Properties plainClient(String bootstrapServers) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }

    /** Sends one record (acks=all) and waits for the broker's answer. */
    public static void send(Properties client, String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(HostDeployment.WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /**
     * Records of a topic with this key, read from the start (read_committed) by a client with these
     * settings: waits for the first (at most {@link HostDeployment#WAIT}), then reads on a little longer
     * so that a duplicate would be seen too.
     */
    public static List<Map<String, Object>> read(Properties client, String topic, String key) throws Exception {
        Properties p = readCommitted(client);
        List<Map<String, Object>> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + HostDeployment.WAIT.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        found.add(MAPPER.readValue(r.value(), new TypeReference<Map<String, Object>>() { }));
                    }
                }
                if (!found.isEmpty() && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + SETTLE.toNanos();
                }
            }
        }
        return found;
    }

    /**
     * A consumer of a client with these settings (brokers, security) that reads a topic from the
     * start, committed records only, as strings, in a group of its own.
     */
    public static Properties readCommitted(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }
}
