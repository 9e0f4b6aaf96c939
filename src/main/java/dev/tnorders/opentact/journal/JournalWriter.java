package dev.tnorders.opentact.journal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;

import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.model.RecordHeaders;

/**
 * The journal's transactional writer: one writer thread ({@link GroupedWork}) commits the callers'
 * entries and records in Kafka transactions (group commit), fenced by the owner of each request's
 * record and tried again when a rebalance refused them, with the producer started again after a
 * failure that may have broken it ({@link JournalProducer}). What a transaction committed is
 * remembered in the index at once.
 */
final class JournalWriter {

    /** How long a transaction a killed instance left open holds read_committed readers, at most. */
    static final int TRANSACTION_TIMEOUT_MS = 15_000;

    /** How often a write refused during a rebalance is tried again (each time checking the partition is still owned). */
    private static final int FENCED_WRITE_TRIES = 10;

    private final String topic;
    private final byte[] writerId;
    private final ObjectMapper mapper;
    private final JournalIndex entries;
    private final Clock clock;
    private final Object lock;
    private final Supplier<Fencing> fencing;
    private final Logger log;
    // The transactional producer, closed and started again after a failure that may have broken it.
    private final JournalProducer producer;
    // The writer thread: up to 256 callers' writes in one transaction.
    private final GroupedWork<Write> writer;

    /**
     * @param producers makes each transactional producer ({@link #newProducer})
     * @param writerId  marks this instance's own journal records, which its reader need not parse again
     * @param lock      held while remembering what a transaction committed (the reader applies what it read under it)
     * @param fencing   who may write each request's entries now, or null: not fenced
     * @param log       the journal's logger
     */
    JournalWriter(String topic, String transactionalId, JournalProducer.Factory producers, byte[] writerId,
                  ObjectMapper mapper, JournalIndex entries, Clock clock, Object lock, Supplier<Fencing> fencing,
                  Logger log) {
        this.topic = topic;
        this.writerId = writerId;
        this.mapper = mapper;
        this.entries = entries;
        this.clock = clock;
        this.lock = lock;
        this.fencing = fencing;
        this.log = log;
        this.producer = new JournalProducer(transactionalId, producers, System::currentTimeMillis);
        this.writer = new GroupedWork<>("order-journal-writer-" + topic, 256, this::commit);
    }

    /**
     * A transactional producer, its transactions not started yet ({@link JournalProducer} does, and
     * starts a new one after a failure that may have broken it).
     */
    static KafkaProducer<String, String> newProducer(KafkaClientSettings kafka, String topic, String id) {
        Properties p = kafka.clientProperties("opentact-journal-producer-" + topic);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        // What a killed predecessor left open blocks read_committed readers until it times out.
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        // initTransactions, a send waiting for metadata, sendOffsetsToTransaction, commit and abort wait
        // up to max.block.ms: the startup timeout (Kafka's default, 60 s, unless set otherwise). Not what
        // is left of it: the setting stays for every write after the start. A write that times out
        // closes the producer, and the next write starts a new one (JournalProducer).
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, kafka.startupTimeoutMs()));
        return new KafkaProducer<>(p);
    }

    /** Told when the producer was fenced. */
    void onFenced(Runnable onProducerFenced) {
        producer.onFenced(onProducerFenced);
    }

    /** The transactional id of the producer in use (or of the next one). */
    String transactionalId() {
        return producer.transactionalId();
    }

    /** Another running process may use the base transactional id: go on with one of its own ({@link JournalProducer#baseIdContested}). */
    void baseIdContested() {
        producer.baseIdContested();
    }

    /** The transactional id the first producer starts with, when it was not known when this writer was made. */
    void useTransactionalId(String transactionalId) {
        producer.useId(transactionalId);
    }

    /** The first producer. @throws org.apache.kafka.common.KafkaException when its transactions cannot start */
    void startProducer() {
        producer.start();
    }

    /** Starts the writer thread. */
    void start() {
        writer.start();
    }

    /** Ends the writer thread; callers still waiting get an error. */
    void stop() {
        writer.stop();
    }

    void closeProducer() {
        producer.close(Duration.ofSeconds(5));
    }

    /**
     * Why the journal cannot be written now, or null when it can: from a write that failed until a
     * new producer was started or a write committed. While the producer a failure closed has not
     * been started again (Kafka away), asks the writer thread to try (one attempt waiting at a time,
     * bounded by the producer's max.block.ms), without waiting for it.
     */
    String writeProblem() {
        if (producer.needsStart() && startRequested.compareAndSet(false, true)) {
            writer.submit(START_PRODUCER);
        }
        return producer.problem();
    }

    /**
     * A journal entry's record, marked with this instance and the entry's phase so that its
     * reader can pass over what it already knows without parsing it.
     */
    ProducerRecord<String, String> entryRecord(JournalEntry e) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, e.requestId(), json(e));
        record.headers().add(RecordHeaders.JOURNAL_WRITER, writerId);
        record.headers().add(RecordHeaders.JOURNAL_PHASE, e.phase().name().getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * One caller's entries and its records (results first, then the entries), written in one
     * transaction, possibly with other callers'. The records are built on the caller's thread:
     * the one writer thread only sends them.
     */
    private record Write(List<JournalEntry> entries, List<ProducerRecord<String, String>> records, Fencing.Fence fence,
                         AtomicReference<RuntimeException> failure) {

        String member() {
            return fence == null ? "" : fence.key();
        }
    }

    /** No write: the writer thread only starts the producer again if a failure closed it ({@link #writeProblem}). */
    private static final Write START_PRODUCER = new Write(List.of(), List.of(), null, new AtomicReference<>());
    // A START_PRODUCER waits for the writer thread: no other is handed over meanwhile.
    private final AtomicBoolean startRequested = new AtomicBoolean();

    /**
     * Writes the entries (after the {@code others} records) in one Kafka transaction and returns once
     * it is committed. Concurrent callers share transactions (group commit): a commit costs tens
     * of milliseconds whatever it holds, and one writer thread does them one after the other. A
     * caller's records are always in one transaction together; if that transaction fails, every
     * caller in it gets the error and none of their records exists.
     */
    void transaction(List<JournalEntry> batch, List<ProducerRecord<String, String>> others) {
        if (batch.isEmpty()) {
            return;
        }
        List<ProducerRecord<String, String>> records = new ArrayList<>(others.size() + batch.size());
        records.addAll(others);
        batch.forEach(e -> records.add(entryRecord(e)));
        List<String> ids = batch.stream().map(JournalEntry::requestId).toList();
        for (int attempt = 1; ; attempt++) {
            Fencing f = fencing.get();
            Fencing.Fence fence = f == null ? null : f.acquire(ids); // NotOwnedException: another consumer's now
            try {
                Write write = new Write(batch, records, fence, new AtomicReference<>());
                writer.submitAndWait(write, 60, "writing the order journal for request " + batch.get(0).requestId());
                if (write.failure().get() != null) {
                    throw write.failure().get(); // its transaction failed (another's of the round may not have)
                }
                return;
            } catch (FencedWriteException e) {
                if (attempt >= FENCED_WRITE_TRIES) {
                    throw e;
                }
                log.info("Journal write for request {} refused during a rebalance ({}); trying again as the partition's owner",
                        batch.get(0).requestId(), e.getMessage());
            } finally {
                if (fence != null) {
                    fence.close();
                }
            }
            try {
                Thread.sleep(200L * attempt); // the consumer sees its new generation at its next poll
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing the order journal", e);
            }
        }
    }

    /**
     * One transaction per consumer group member among the callers (a transaction carries one
     * member's offsets and generation).
     *
     * @return null, each write of a transaction that failed holding its error; for a round that only
     *         starts the producer again ({@link #START_PRODUCER}), why it could not
     */
    private RuntimeException commit(List<Write> round) {
        List<Write> group = round.stream().filter(w -> w != START_PRODUCER).toList();
        if (group.size() < round.size()) {
            startRequested.set(false); // a later health check may ask again
        }
        if (group.isEmpty()) {
            return producer.ensureStarted();
        }
        Map<String, List<Write>> byMember = new LinkedHashMap<>();
        group.forEach(w -> byMember.computeIfAbsent(w.member(), k -> new ArrayList<>()).add(w));
        for (List<Write> writes : byMember.values()) {
            RuntimeException e = commitOne(writes);
            if (e != null) {
                writes.forEach(w -> w.failure().set(e));
            }
        }
        return null;
    }

    /** @return null when the writes were committed in one transaction, else the error */
    private RuntimeException commitOne(List<Write> group) {
        JournalEntry first = group.get(0).entries().get(0);
        int count = group.stream().mapToInt(w -> w.entries().size()).sum();
        RuntimeException failed = producer.transaction(p -> {
            for (Write w : group) {
                w.records().forEach(p::send);
            }
            Fencing.Fence fence = group.get(0).fence();
            if (fence != null) {
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                group.forEach(w -> offsets.putAll(w.fence().offsets()));
                if (!offsets.isEmpty()) {
                    // The group coordinator refuses it unless the member is in the current generation.
                    p.sendOffsetsToTransaction(offsets, fence.member());
                }
            }
        }, "could not write the order journal for request " + first.requestId()
                + (count > 1 ? " and " + (count - 1) + " more" : ""));
        if (failed != null) {
            return failed;
        }
        synchronized (lock) { // with the reader's applying what it read, so that what it reads late never undoes these
            group.forEach(w -> w.entries().forEach(e -> entries.put(e, clock.millis())));
        }
        return null;
    }
}
