package dev.tnorders.opentact.journal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.model.RecordHeaders;

/**
 * Removes expired {@code done} entries from the journal topic ({@link JournalRetention}): every
 * instance, every {@link #intervalMs} (a tenth of the retention, between 1 s and 1 min), writes a
 * tombstone (the key with a null value) for up to {@link #MAX_PER_ROUND} of the expired done
 * entries it holds, and forgets them once the broker acknowledged. Compaction then removes the
 * key from the topic. Idempotent: two instances removing the same entry write two tombstones,
 * and a tombstone never removes an open entry from any instance's memory ({@link JournalIndex#remove}).
 *
 * <p>A round first reads the journal to its end (and does nothing on a stale view), so that it
 * does not write a tombstone for a request another instance has just taken up again.
 */
final class JournalSweeper {

    private static final Logger LOG = LoggerFactory.getLogger(JournalSweeper.class);

    /** Tombstones written in one round at most. */
    static final int MAX_PER_ROUND = 10_000;
    /** How long one round may wait for the broker to acknowledge its tombstones. */
    private static final long ROUND_TIMEOUT_MS = 30_000;
    /** How long a read of the whole journal for more expired entries may take. */
    private static final long SCAN_TIMEOUT_MS = 120_000;

    /** What the sweeper needs of the journal. */
    interface Journal {
        /** Reads the journal to its end; throws when it cannot (a stale view among the reasons). */
        void catchUp();

        /** The lock the journal's index is changed under. */
        Object lock();

        /** Writes these entries again, as they are (one transaction). */
        void rewrite(List<JournalEntry> entries);
    }

    private final KafkaClientSettings kafka;
    private final String topic;
    private final JournalIndex index;
    private final JournalRetention retention;
    private final Journal journal;
    private final byte[] writerId;
    private final long intervalMs;
    private KafkaProducer<String, String> producer;
    private ScheduledExecutorService thread;

    JournalSweeper(KafkaClientSettings kafka, String topic, JournalIndex index, JournalRetention retention,
                   Journal journal, byte[] writerId) {
        this.kafka = kafka;
        this.topic = topic;
        this.index = index;
        this.retention = retention;
        this.journal = journal;
        this.writerId = writerId;
        this.intervalMs = intervalMs(retention.retentionMs());
    }

    /** A tenth of the retention, at least 1 s and at most 1 min. */
    static long intervalMs(long retentionMs) {
        return Math.max(1_000, Math.min(60_000, retentionMs / 10));
    }

    synchronized void start() {
        Properties p = kafka.clientProperties("opentact-journal-sweeper-" + topic);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) ROUND_TIMEOUT_MS);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producer = new KafkaProducer<>(p);
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "order-journal-sweeper-" + topic);
            t.setDaemon(true);
            return t;
        });
        long first = intervalMs / 2 + (long) (Math.random() * intervalMs / 2); // instances apart
        thread.scheduleWithFixedDelay(this::round, first, intervalMs, TimeUnit.MILLISECONDS);
    }

    synchronized void stop() {
        if (thread != null) {
            thread.shutdownNow();
            try {
                thread.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    private void round() {
        try {
            int removed = sweep();
            if (removed > 0) {
                LOG.info("Order journal '{}': removed {} done entries older than the retention ({} ms, "
                        + "opentact.journal.retention-ms)", topic, removed, retention.retentionMs());
            }
        } catch (RuntimeException e) {
            LOG.warn("Order journal '{}': expired entries not removed this round: {}", topic, e.getMessage());
        }
    }

    /**
     * One round: the tombstones of up to {@link #MAX_PER_ROUND} expired done entries; how many were
     * removed. When none is left to remove but more expired entries were read than there was room to
     * hold the ids of, a read of the whole journal ({@link ExpiredScan}) finds the next ones instead.
     */
    int sweep() {
        journal.catchUp();
        List<JournalEntry> rewrites;
        synchronized (journal.lock()) {
            rewrites = index.takeRewrites();
        }
        if (!rewrites.isEmpty()) {
            try {
                journal.rewrite(rewrites);
            } catch (RuntimeException e) {
                synchronized (journal.lock()) {
                    index.rewriteLater(rewrites);
                }
                throw e;
            }
            LOG.info("Order journal '{}': {} open entries written again after a tombstone read for them (their "
                    + "expired done entry was removed as they were taken up again), so that compaction keeps them",
                    topic, rewrites.size());
        }
        List<String> ids = index.expired(retention, MAX_PER_ROUND);
        if (ids.isEmpty()) {
            if (index.expiredNotHeld() > 0) {
                rescan();
            }
            return 0;
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>(ids.size());
        for (String id : ids) {
            ProducerRecord<String, String> tombstone = new ProducerRecord<>(topic, id, null);
            tombstone.headers().add(RecordHeaders.JOURNAL_WRITER, writerId);
            sent.add(producer.send(tombstone));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ROUND_TIMEOUT_MS);
        int removed = 0;
        for (int i = 0; i < ids.size(); i++) {
            try {
                sent.get(i).get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
                        TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                continue; // not acknowledged: held, and tried again next round
            }
            synchronized (journal.lock()) {
                if (index.removeIfExpired(ids.get(i), retention)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    /** Reads the whole journal again for the expired done entries whose ids were not held. */
    private void rescan() {
        Map<Integer, Long> from = index.takeNotHeldFrom();
        ExpiredScan.Found found;
        try {
            found = new ExpiredScan(kafka, topic, retention).scan(from, JournalIndex.MAX_EXPIRED_QUEUED, SCAN_TIMEOUT_MS);
            journal.catchUp(); // what was written meanwhile is held before the ids are queued
        } catch (RuntimeException e) {
            index.notHeldFrom(from); // the next round tries again
            throw e;
        }
        int queued = 0;
        synchronized (journal.lock()) {
            for (String id : found.ids()) {
                if (index.queueExpired(id)) {
                    queued++;
                }
            }
            index.notHeldFrom(found.moreFrom()); // more than fit: another scan after these, from there
        }
        LOG.info("Order journal '{}': {} more done entries older than the retention found, to be removed{}", topic,
                queued, found.moreFrom().isEmpty() ? "" : " (and more after them)");
    }
}
