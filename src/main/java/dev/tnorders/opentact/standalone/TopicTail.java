package dev.tnorders.opentact.standalone;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * Prints the records of the output topics, for a person to read:
 * {@code mvn -q exec:java -Dexec.mainClass=dev.tnorders.opentact.standalone.TopicTail}.
 * Brokers come from {@code CAMEL_COMPONENT_KAFKA_BROKERS}, else from the embedded broker that
 * the standalone run started. Reads from the beginning and stops after a few quiet seconds.
 * A secured cluster: the same {@code camel.component.kafka.*} security settings as the app
 * (docs/secured-kafka.md), as environment variables, {@code -D} or in config/application.properties.
 */
public final class TopicTail {

    private TopicTail() {
    }

    public static void main(String[] args) throws IOException {
        List<String> topics = args.length > 0 ? List.of(args)
                : List.of("opentact.order.outcomes", "opentact.order.numbers", "opentact.order.dlq");
        Properties file = LocalKafka.configFile();
        String brokers = LocalKafka.brokersOrSayWhy(file);
        if (brokers == null) {
            System.exit(2);
            return;
        }
        KafkaClientSettings kafka = LocalKafka.clientSettings(brokers, file);
        Properties c = kafka.clientProperties("opentact-topic-tail");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "topic-tail-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(new ArrayList<>(topics));
            long quietUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            long hardStop = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (System.nanoTime() < Math.min(quietUntil, hardStop)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    System.out.println(r.topic() + "  " + r.key() + "  " + r.value());
                    quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                }
            }
        }
    }
}
