// Prints the number of records on each named topic (sum of the partitions' end offsets), for
// bench/csv-million.sh. Run as a single-file source: java -cp <classpath> bench/CountRecords.java
// <bootstrap servers> <topic>...
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class CountRecords {
    public static void main(String[] args) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            for (int i = 1; i < args.length; i++) {
                List<TopicPartition> partitions = consumer.partitionsFor(args[i]).stream()
                        .map(info -> new TopicPartition(info.topic(), info.partition())).collect(Collectors.toList());
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                System.out.println(args[i] + " " + ends.values().stream().mapToLong(Long::longValue).sum());
            }
        }
    }
}
