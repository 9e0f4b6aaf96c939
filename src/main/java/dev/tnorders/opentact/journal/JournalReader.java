package dev.tnorders.opentact.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;

import dev.tnorders.opentact.journal.JournalEntry.Phase;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.model.RecordHeaders;

/**
 * The journal's catch-up reader: its consumer reads the whole topic at start, and the reader thread
 * ({@link GroupedWork}) reads it to its end for every caller that needs to catch up before a
 * decision, past the take-over barrier, failing when the view is stuck behind an open transaction
 * ({@link StaleViewRule}); what it reads goes into the index, except what this instance wrote and
 * already remembers.
 */
final class JournalReader {

    private final KafkaClientSettings kafka;
    private final String topic;
    private final JournalIndex entries;
    private final byte[] writerId;
    private final ObjectMapper mapper;
    private final Object lock;
    private final Supplier<Fencing> fencing;
    private final BooleanSupplier started;
    private final Logger log;
    private KafkaConsumer<String, String> consumer;
    // The reader thread: one read to the end for every caller waiting to see the journal up to it.
    private final GroupedWork<Void> reader;
    private JournalRetention retention = new JournalRetention(JournalRetention.DEFAULT_MS, Clock.systemUTC());
    private StaleViewRule staleView = new StaleViewRule(StaleViewRule.DEFAULT_STALE_AFTER_MS);
    // Where the partitions really end (the view is compared with it at most once a second while fresh).
    private LogEnds logEnds;
    private long logEndsCheckedAt;
    private String viewProblem;
    // The take-over barrier: how many take-overs (Fencing.takeovers) the view has been read past, and
    // the offset a read waits for now (-1: none).
    private long viewCurrentFor;
    private volatile long takeoverTarget = -1;

    /**
     * @param writerId marks this instance's own journal records, which need not be parsed again
     * @param lock     held while applying what was read (the writer remembers what it committed under it)
     * @param fencing  the requests topic's consumers' take-overs, or null: not fenced
     * @param started  whether the journal's start is over (before it: no barrier, no stale-view check)
     * @param log      the journal's logger
     */
    JournalReader(KafkaClientSettings kafka, String topic, JournalIndex entries, byte[] writerId, ObjectMapper mapper,
                  Object lock, Supplier<Fencing> fencing, BooleanSupplier started, Logger log) {
        this.kafka = kafka;
        this.topic = topic;
        this.entries = entries;
        this.writerId = writerId;
        this.mapper = mapper;
        this.lock = lock;
        this.fencing = fencing;
        this.started = started;
        this.log = log;
        this.reader = new GroupedWork<>("order-journal-reader-" + topic, Integer.MAX_VALUE, callers -> {
            readToEnd();
            return null;
        });
    }

    /** When a done entry read expires. Set before {@link #load}. */
    void setRetention(JournalRetention retention) {
        this.retention = retention;
    }

    JournalRetention retention() {
        return retention;
    }

    /** How long the view may stay stuck behind an open transaction. Set before {@link #load}. */
    void setStaleView(StaleViewRule staleView) {
        this.staleView = staleView;
    }

    /** The consumer, read_committed, its offsets never committed (every instance reads the whole topic). */
    void openConsumer() {
        Properties c = kafka.clientProperties("opentact-journal-reader-" + topic);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.max(1, Math.min(60_000, kafka.startupTimeoutMs())));
        consumer = new KafkaConsumer<>(c);
    }

    /**
     * Reads the whole topic, from its beginning to its end, on the caller's thread (before the
     * reader thread starts).
     *
     * @throws org.apache.kafka.common.KafkaException when the topic cannot be read
     */
    void load(StartDeadline deadline) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofMillis(deadline.stepMs()))) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        logEnds = new LogEnds(kafka, topic);
        // Before the reader thread starts, this thread may use the consumer.
        readToEnd(Duration.ofMillis(deadline.stepMs()));
    }

    /** Starts the reader thread, which owns the consumer from then on. */
    void start() {
        reader.start();
    }

    /** Ends the reader thread; callers still waiting get an error. */
    void stop() {
        reader.stop();
    }

    void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
        if (logEnds != null) {
            logEnds.close();
        }
    }

    /**
     * Returns once every entry written before this call (by any instance) has been read. Callers
     * that ask at the same time share one read to the end (the reader thread owns the consumer),
     * and no lock is held meanwhile: many batches ask before each decision.
     */
    void catchUp() {
        reader.submitAndWait(null, 120, "reading the order journal '" + topic + "' to its end");
    }

    /** Why the view cannot be trusted for a decision now, after reading to the end for 10 s at most; null when it can. */
    String viewProblem() {
        try {
            reader.submitAndWait(null, 10, "reading the order journal '" + topic + "' to its end");
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    /**
     * The offset a read to the end is waiting for, where the journal ended when this instance took
     * partitions (the take-over barrier, {@link #readToEnd}); -1 when no read waits for one.
     */
    long takeoverWait() {
        return takeoverTarget;
    }

    /** Reads until the consumer's position reaches the end offsets as they are now. */
    private void readToEnd() {
        readToEnd(Duration.ofSeconds(30));
    }

    /**
     * Reads to the end: to where a read_committed reader may read now (the last stable offset), or,
     * the first time after this instance took a partition of the requests topic, to where the log
     * ended then (its high watermark, as a read_uncommitted reader sees it): the take-over barrier.
     * A transaction a previous owner left open (frozen, or killed with it open) holds the last stable
     * offset below entries it wrote, and a decision taken on that view would miss its intent or its
     * {@code done}. Past the high watermark read after the take-over, every transaction that wrote
     * anything before it is committed (and read) or aborted: the view then holds every entry any
     * instance wrote before this one took the partition (docs/several-instances.md, "A current view").
     * While a transaction holds it, the wait is bounded by the stale-view rule and by 60 s.
     *
     * @param endOffsetsTimeout how long asking for the end offsets may take
     */
    private void readToEnd(Duration endOffsetsTimeout) {
        Fencing f = fencing.get();
        long takeovers = f == null ? 0 : f.takeovers();
        boolean barrier = started.getAsBoolean() && takeovers > viewCurrentFor;
        Map<TopicPartition, Long> end = barrier ? logEnds.of(consumer.assignment())
                : consumer.endOffsets(consumer.assignment(), endOffsetsTimeout);
        long began = System.nanoTime();
        long deadline = began + TimeUnit.SECONDS.toNanos(60);
        if (barrier) {
            takeoverTarget = end.values().stream().mapToLong(Long::longValue).max().orElse(0);
        }
        try {
            readTo(end, deadline, barrier);
        } finally {
            takeoverTarget = -1;
        }
        checkView();
        if (barrier) {
            viewCurrentFor = takeovers;
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
            if (tookMs >= 1_000) {
                log.info("Order journal '{}': read past {}, where it ended when this instance took partitions of the "
                        + "requests topic, in {} ms (a transaction still open held it back); decisions go on", topic,
                        end, tookMs);
            }
        }
    }

    private void readTo(Map<TopicPartition, Long> end, long deadline, boolean barrier) {
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read the order journal '" + topic + "' to its end in 60 s"
                        + (barrier ? " (to " + end + ", where it ended when this instance took partitions of the "
                        + "requests topic: a transaction open before that is neither committed nor aborted); no "
                        + "order is decided until it is" : ""));
            }
            if (barrier) {
                checkView(); // stuck behind an open transaction for longer than the stale-view rule allows: fails
            }
            // Parsed outside the lock, applied in order under it (a null entry: the key was deleted).
            List<Read> read = new ArrayList<>();
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.value() == null ? r.key() == null : alreadyKnown(r)) {
                    continue;
                }
                try {
                    read.add(new Read(r.key(), r.value() == null ? null : mapper.readValue(r.value(), JournalEntry.class),
                            r.timestamp(), r.partition(), r.offset()));
                } catch (IOException e) {
                    log.warn("Skipping an unreadable order journal entry at {}-{}@{}", r.topic(), r.partition(), r.offset());
                }
            }
            synchronized (lock) { // with the writer's remembering, so that what is read late never undoes it
                for (Read r : read) {
                    if (r.entry() == null) {
                        if (!entries.remove(r.key())) {
                            // Its done entry expired and it was taken up again, or another instance's
                            // sweep landed after the new intent: the open entry is what counts.
                            log.info("Order journal '{}': a tombstone read for request {}, which is open again ({}): "
                                    + "its entry is kept", topic, r.key(), entries.phaseOf(r.key()));
                        }
                    } else if (supersedes(r.entry(), entries.get(r.entry().requestId()))) {
                        if (r.entry().phase() == Phase.done && retention.expired(r.writtenAt(), r.entry().day())) {
                            entries.putExpired(r.entry().requestId(), r.partition(), r.offset()); // its tombstone is due
                        } else {
                            entries.put(r.entry(), r.writtenAt());
                        }
                    }
                }
            }
        }
    }

    /** An entry read (null: a tombstone) and when it was written (its record's timestamp). */
    private record Read(String key, JournalEntry entry, long writtenAt, int partition, long offset) {
    }

    /**
     * Fails when the view is stuck behind an open transaction ({@link StaleViewRule}): what was read
     * to the last stable offset is then not what every instance wrote, and no decision is taken on it.
     * Asks where the log really ends at most once a second while the view is fresh.
     */
    private void checkView() {
        long now = System.currentTimeMillis();
        if (!started.getAsBoolean() || viewProblem == null && now - logEndsCheckedAt < 1_000) { // start: not yet
            return;
        }
        Map<TopicPartition, Long> ends = logEnds.of(consumer.assignment());
        logEndsCheckedAt = now;
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            staleView.observe(e.getKey().partition(), consumer.position(e.getKey()), e.getValue(), now);
        }
        String problem = staleView.problem(topic, now);
        if (problem != null && viewProblem == null) {
            log.error("{}", problem);
        } else if (problem == null && viewProblem != null) {
            log.info("Order journal '{}': the open transaction that held its view back is over; decisions go on", topic);
        }
        viewProblem = problem;
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    /**
     * Whether an entry read from the topic is news. A request's phases only move forward, and
     * this instance remembers what it wrote as soon as the transaction commits, possibly before
     * it can read it back (a read_committed reader stops at the last stable offset, which trails
     * a commit for a moment). An older entry read after that must not take the request back to
     * an earlier phase: a request taken back from done to placed was followed and published again.
     */
    static boolean supersedes(JournalEntry read, JournalEntry known) {
        return known == null || read.phase().compareTo(known.phase()) >= 0;
    }

    /**
     * Whether the record is one this instance wrote and already remembers, at its phase or a
     * later one: the writer remembers its entries when their transaction commits. (When a commit
     * failed but happened anyway, nothing is remembered, and the record is read as any other.)
     */
    boolean alreadyKnown(ConsumerRecord<String, String> r) {
        Header writer = r.headers().lastHeader(RecordHeaders.JOURNAL_WRITER);
        Header phase = r.headers().lastHeader(RecordHeaders.JOURNAL_PHASE);
        if (writer == null || phase == null || !Arrays.equals(writer.value(), writerId)) {
            return false;
        }
        Phase known = entries.phaseOf(r.key());
        return known != null
                && known.compareTo(Phase.valueOf(new String(phase.value(), StandardCharsets.UTF_8))) >= 0;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
