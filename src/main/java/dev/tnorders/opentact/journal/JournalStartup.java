package dev.tnorders.opentact.journal;

import java.util.List;

import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * The journal's clients brought up at start and down at stop: its topic, its producer and writer
 * thread, its consumer reading the whole topic, its reader thread and its sweeper, in that order,
 * each step that talks to Kafka bounded by the startup timeout; a step that fails closes what was
 * opened and is a start-up error naming its client.
 */
final class JournalStartup {

    private final KafkaClientSettings kafka;
    private final String topic;
    private final JournalWriter writer;
    private final JournalReader reader;
    private final JournalIndex entries;
    private final byte[] writerId;
    private final Object lock;
    private final Logger log;
    private JournalSweeper sweeper;

    /**
     * @param lock the journal's lock (the sweeper's, and held while closing the clients)
     * @param log  the journal's logger
     */
    JournalStartup(KafkaClientSettings kafka, String topic, JournalWriter writer,
                   JournalReader reader, JournalIndex entries, byte[] writerId, Object lock, Logger log) {
        this.kafka = kafka;
        this.topic = topic;
        this.writer = writer;
        this.reader = reader;
        this.entries = entries;
        this.writerId = writerId;
        this.lock = lock;
        this.log = log;
    }

    /** @throws dev.tnorders.opentact.kafka.KafkaStartupException when a step fails */
    void start() {
        StartDeadline deadline = new StartDeadline(kafka.startupTimeoutMs());
        log.info("Order journal '{}': loading from Kafka at {}, for at most {} ms ({})", topic, kafka.describe(),
                kafka, KafkaClientSettings.STARTUP_TIMEOUT_KEY);
        JournalTopics.createIfMissing(kafka, topic, deadline, log);
        try {
            writer.startProducer();
        } catch (KafkaException e) {
            closeClients();
            throw kafka.startupError("the order journal's producer", "start its transactions (transactional id '"
                    + writer.transactionalId() + "')", e);
        }
        writer.start();
        reader.openConsumer();
        try {
            reader.load(deadline);
        } catch (KafkaException e) {
            writer.stop();
            closeClients();
            throw kafka.startupError("the order journal's consumer", "read the topic '" + topic + "'", e);
        }
        reader.start();
        sweeper = new JournalSweeper(kafka, topic, entries, reader.retention(), new JournalSweeper.Journal() {
            @Override
            public void catchUp() {
                reader.catchUp();
            }

            @Override
            public Object lock() {
                return lock;
            }

            @Override
            public void rewrite(List<JournalEntry> open) {
                writer.transaction(open, List.of());
            }
        }, writerId);
        sweeper.start();
    }

    void stop() {
        if (sweeper != null) {
            sweeper.stop();
        }
        writer.stop();
        reader.stop();
        closeClients();
    }

    private void closeClients() {
        synchronized (lock) {
            writer.closeProducer();
            reader.close();
        }
    }
}
