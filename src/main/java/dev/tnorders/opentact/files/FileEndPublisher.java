package dev.tnorders.opentact.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what the end tracker decided, as one Kafka transaction with its consumer's offsets and group
 * generation: the end records of the drops that end now (each one's summary file written first), the
 * tallies changed, the offsets; then each end's line.
 */
final class FileEndPublisher {

    /** The logger of the progress and end lines (the reading's own lines share it). */
    private static final Logger PROGRESS = LoggerFactory.getLogger("dev.tnorders.opentact.intake.progress");

    /** A drop that ends now, and the earlier drop it repeats (or null). */
    record Ending(FileRead read, FileRead earlier) {
    }

    private final String stateTopic;
    private final String filesTopic;
    private final Path outbox;
    private final ObjectMapper json;

    FileEndPublisher(String stateTopic, String filesTopic, Path outbox, ObjectMapper json) {
        this.stateTopic = stateTopic;
        this.filesTopic = filesTopic;
        this.outbox = outbox;
        this.json = json;
    }

    /** Marks each of {@code ending} ended in {@code tallies}, and commits; {@code dirty} is empty after. */
    void commit(KafkaConsumer<String, String> consumer, KafkaProducer<String, String> producer,
                Map<String, FileTally> tallies, Set<String> dirty, List<Ending> ending) {
        String endedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        List<FileEnd> ends = new ArrayList<>();
        producer.beginTransaction();
        try {
            for (Ending e : ending) {
                FileRead read = e.read();
                FileTally t = tallies.getOrDefault(read.fileId(), FileTally.empty(read.fileId())).endedAt(endedAt);
                tallies.put(read.fileId(), t);
                dirty.add(read.fileId());
                String name = safeName(read.file());
                FileEnd end = FileEndRules.end(read, t, e.earlier(), endedAt, outbox.resolve(name + ".results.csv").toString(),
                        outbox.resolve(name + ".rejects.csv").toString());
                writeSummary(name, end);
                producer.send(new ProducerRecord<>(filesTopic, read.fileId(), json.writeValueAsString(end)));
                ends.add(end);
            }
            for (String id : dirty) {
                producer.send(new ProducerRecord<>(stateTopic, FileIds.TALLY + id, json.writeValueAsString(tallies.get(id))));
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : consumer.assignment()) {
                offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
            }
            // With the group's generation: a tracker no longer in the group (stalled, cut off) is refused.
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (IOException e) {
            producer.abortTransaction();
            throw new IllegalStateException(e);
        }
        dirty.clear();
        for (FileEnd end : ends) {
            PROGRESS.info("{}", FileEndRules.line(end));
        }
    }

    /** {@code <outbox>/<file>.summary.json}, whole or not at all (written to a temporary name first). */
    private void writeSummary(String name, FileEnd end) throws IOException {
        Files.createDirectories(outbox);
        Path file = outbox.resolve(name + ".summary.json");
        Path tmp = outbox.resolve("." + name + ".summary.json.tmp");
        Files.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(end) + "\n",
                StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** As the outbox names a file's results and rejects (dev.tnorders.opentact.intake.CsvOutbox). */
    static String safeName(String file) {
        String name = Path.of(file).getFileName().toString();
        return name.replaceAll("[^\\p{Alnum}._-]", "_");
    }
}
