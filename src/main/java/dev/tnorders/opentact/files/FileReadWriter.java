package dev.tnorders.opentact.files;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The reader's part: writes the {@link FileRead} records of the files this instance reads to the
 * compacted file-state topic, key {@code read|<file id>} (its progress, and its manifest that must land).
 */
final class FileReadWriter {

    /** Logs as {@link FileEnds} did before this part was its own class (named by string: no circle). */
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.files.FileEnds");
    private static final long SEND_TIMEOUT_MS = 30_000;

    private final KafkaClientSettings kafka;
    private final String stateTopic;
    private final ObjectMapper json;
    private KafkaProducer<String, String> readerProducer;

    FileReadWriter(KafkaClientSettings kafka, String stateTopic, ObjectMapper json) {
        this.kafka = kafka;
        this.stateTopic = stateTopic;
        this.json = json;
    }

    /**
     * The reader's news of a file. {@code mustLand}: acknowledged by Kafka before this returns, or an
     * exception (the file's manifest: without it the file would never end). Otherwise a failure is
     * logged and reading goes on.
     */
    void reading(FileRead read, boolean mustLand) {
        try {
            producer().send(new ProducerRecord<>(stateTopic, FileIds.READ + read.fileId(), json.writeValueAsString(read)))
                    .get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the progress of " + read.file(), e);
        } catch (Exception e) {
            if (mustLand) {
                throw new IllegalStateException("cannot write the manifest of order file " + read.file() + " to '"
                        + stateTopic + "': " + e, e);
            }
            LOG.warn("Cannot write the progress of order file {} to '{}': {}", read.file(), stateTopic, e.toString());
        }
    }

    private synchronized KafkaProducer<String, String> producer() {
        if (readerProducer == null) {
            Properties p = kafka.clientProperties("opentact-file-reader");
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) SEND_TIMEOUT_MS);
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT_MS);
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            readerProducer = new KafkaProducer<>(p);
        }
        return readerProducer;
    }

    /** Closes the producer, when there is one (a later news opens another). */
    synchronized void close() {
        if (readerProducer != null) {
            readerProducer.close(Duration.ofSeconds(5));
            readerProducer = null;
        }
    }
}
