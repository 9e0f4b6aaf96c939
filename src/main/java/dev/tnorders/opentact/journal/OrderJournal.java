package dev.tnorders.opentact.journal;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.journal.JournalEntry.Phase;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.kafka.KafkaStartupException;
import dev.tnorders.opentact.kafka.TransactionalIds;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.RecordHeaders;

/**
 * The durable record of what we did for each request, on a compacted Kafka topic keyed by
 * request id: {@code intent} is written (and acknowledged by the broker) before an order POST,
 * {@code placed} with the order uuid right after it, {@code done} together with the results.
 * After a crash or a redelivery the phase tells what is safe: nothing to do, resume following,
 * or reconcile with Opentact before any new POST.
 *
 * <p>The results of a request (one record per number, the outcome) and its {@code done} entry
 * are written in one Kafka transaction: either all of them exist or none, so a request never has
 * two outcomes and never none, whenever the process dies. Consumers of the output topics should
 * read with {@code isolation.level=read_committed}.
 *
 * <p>Every instance reads the whole topic, and catches up to its end before each decision, so
 * instances sharing one consumer group see each other's entries.
 */
public class OrderJournal implements OrderStore {

    private static final Logger LOG = LoggerFactory.getLogger(OrderJournal.class);

    // Entries written by a newer version may carry more fields: read what is known.
    private final ObjectMapper mapper = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final SpendLedger ledger = new SpendLedger();
    // Open requests whole, done ones compactly (JournalIndex); expired done ones not at all.
    /** Expired done entries read at start whose id waits for its tombstone, at most (the others are not held). */
    public static final int MAX_EXPIRED_QUEUED = JournalIndex.MAX_EXPIRED_QUEUED;
    private final JournalIndex entries = new JournalIndex(ledger, MAX_EXPIRED_QUEUED);
    private final KafkaClientSettings kafka;
    private final String topic;
    private final ResultRecords resultRecords;
    private final String outcomesTopic;
    private final String numbersTopic;
    private final String transactionalId;
    // Marks this instance's own journal records, which its reader need not parse again.
    private final byte[] writerId = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    private final Clock clock = Clock.systemUTC();
    private final AtomicLong intentTimes = new AtomicLong();
    // The transactional producer, closed and started again after a failure that may have broken it.
    private final JournalProducer producer;
    // Who may write each request's entries (the requests topic's consumers), or null: not fenced.
    private volatile Fencing fencing;
    // The writer thread: up to 256 callers' writes in one transaction.
    private final GroupedWork<Write> writer;
    private KafkaConsumer<String, String> consumer;
    // The reader thread: one read to the end for every caller waiting to see the journal up to it.
    private final GroupedWork<Void> reader;
    private JournalRetention retention = new JournalRetention(JournalRetention.DEFAULT_MS, Clock.systemUTC());
    private StaleViewRule staleView = new StaleViewRule(StaleViewRule.DEFAULT_STALE_AFTER_MS);
    // Where the partitions really end (the view is compared with it at most once a second while fresh).
    private LogEnds logEnds;
    private long logEndsCheckedAt;
    private String viewProblem;
    private JournalSweeper sweeper;
    private volatile boolean started;
    // The take-over barrier: how many take-overs (Fencing.takeovers) the view has been read past, and
    // the offset a read waits for now (-1: none).
    private long viewCurrentFor;
    private volatile long takeoverTarget = -1;

    /** A journal that only records phases (tools and tests). */
    public OrderJournal(String brokers, String topic) {
        this(brokers, topic, null, null, "opentact-journal-" + UUID.randomUUID());
    }

    /**
     * @param transactionalId stable across restarts of one instance, distinct between instances:
     *                        a restarted instance then aborts what its predecessor left open
     */
    public OrderJournal(String brokers, String topic, String outcomesTopic, String numbersTopic, String transactionalId) {
        this(KafkaClientSettings.plain(brokers), topic, outcomesTopic, numbersTopic, transactionalId);
    }

    /**
     * @param kafka the brokers and the security settings of every client the journal opens (the
     *              camel-kafka component's, beans.camel.yaml), and how long start may take
     */
    public OrderJournal(KafkaClientSettings kafka, String topic, String outcomesTopic, String numbersTopic,
                        String transactionalId) {
        this.kafka = kafka;
        this.topic = topic;
        this.outcomesTopic = outcomesTopic;
        this.numbersTopic = numbersTopic;
        this.resultRecords = new ResultRecords(numbersTopic, outcomesTopic);
        this.transactionalId = transactionalId == null || transactionalId.isBlank()
                ? defaultTransactionalId(topic) : transactionalId;
        this.producer = new JournalProducer(this.transactionalId, this::newProducer, System::currentTimeMillis);
        this.writer = new GroupedWork<>("order-journal-writer-" + topic, 256, this::commit);
        this.reader = new GroupedWork<>("order-journal-reader-" + topic, Integer.MAX_VALUE, callers -> {
            readToEnd();
            return null;
        });
    }

    /**
     * How long a {@code done} entry is kept ({@code opentact.journal.retention-ms}, default 7 days):
     * after it, and once the UTC day its spend was booked on is over, it is removed from the topic
     * ({@link JournalRetention}, {@link JournalSweeper}). Set before {@link #start}.
     */
    public void setRetentionMs(long retentionMs) {
        this.retention = new JournalRetention(retentionMs, Clock.systemUTC());
    }

    /**
     * How long the view may stay stuck behind an open transaction before catching up fails and
     * readiness is DOWN ({@link StaleViewRule}, default 30 s). Set before {@link #start}.
     */
    public void setStaleAfterMs(long staleAfterMs) {
        this.staleView = new StaleViewRule(staleAfterMs);
    }

    /**
     * Unique to this process: two instances (on one host, or pods with host networking) never share
     * it, so they never fence each other. A killed predecessor's open transaction is aborted by
     * the broker after {@link #TRANSACTION_TIMEOUT_MS}; zombies are fenced by the consumer group's
     * generation instead ({@link Fencing}).
     */
    static String defaultTransactionalId(String topic) {
        return TransactionalIds.newDefault(topic);
    }

    /** How long a transaction a killed instance left open holds read_committed readers, at most. */
    static final int TRANSACTION_TIMEOUT_MS = 15_000;

    /** Fences every later write of a request with the owner of its record (the requests topic's consumers). */
    public void fencedBy(Fencing fencing, Runnable onProducerFenced) {
        this.fencing = fencing;
        producer.onFenced(onProducerFenced);
    }

    /**
     * Creates the topic if missing, fences a predecessor's transactions and reads the journal to
     * its end. Each step that talks to Kafka is bounded by the settings' startup timeout
     * ({@code opentact.kafka.startup-timeout-ms}); when one fails (unreachable brokers, a wrong
     * protocol or password, a missing ACL) start throws a {@link KafkaStartupException} saying which
     * client, which brokers and why, and the application does not start.
     */
    public synchronized void start() {
        // Camel's YAML loader creates a bean whose init failed once more (BeansDeserializer): the
        // same settings bean then says at once what failed, rather than waiting out the timeout again.
        KafkaStartupException failed = kafka.startupFailure();
        if (failed != null) {
            throw failed;
        }
        try {
            load();
        } catch (KafkaStartupException e) {
            kafka.startupFailed(e);
            throw e;
        }
    }

    private void load() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(kafka.startupTimeoutMs());
        LOG.info("Order journal '{}': loading from Kafka at {}, for at most {} ms ({})", topic, kafka.describe(),
                kafka, KafkaClientSettings.STARTUP_TIMEOUT_KEY);
        createTopicIfMissing(deadline);
        try {
            producer.start();
        } catch (KafkaException e) {
            closeClients();
            throw kafka.startupError("the order journal's producer", "start its transactions (transactional id '"
                    + transactionalId + "')", e);
        }
        writer.start();
        Properties c = kafka.clientProperties("opentact-journal-reader-" + topic);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.max(1, Math.min(60_000, kafka.startupTimeoutMs())));
        consumer = new KafkaConsumer<>(c);
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofMillis(stepMs(deadline)))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            logEnds = new LogEnds(kafka, topic);
            // Before the reader thread starts, this thread may use the consumer.
            readToEnd(Duration.ofMillis(stepMs(deadline)));
        } catch (KafkaException e) {
            writer.stop();
            closeClients();
            throw kafka.startupError("the order journal's consumer", "read the topic '" + topic + "'", e);
        }
        reader.start();
        sweeper = new JournalSweeper(kafka, topic, entries, retention, new JournalSweeper.Journal() {
            @Override
            public void catchUp() {
                OrderJournal.this.catchUp();
            }

            @Override
            public Object lock() {
                return OrderJournal.this;
            }

            @Override
            public void rewrite(List<JournalEntry> open) {
                transaction(open, List.of());
            }
        }, writerId);
        sweeper.start();
        started = true;
        LOG.info("Order journal '{}' loaded: {} open requests, {} done ones held; {} done entries older than the "
                        + "retention ({} ms, opentact.journal.retention-ms) not held, {} of them to be removed now{}",
                topic, entries.openCount(), entries.doneCount(), entries.expiredCount() + entries.expiredNotHeld(),
                retention.retentionMs(), entries.expiredCount(), entries.expiredNotHeld() == 0 ? ""
                        : " (the other " + entries.expiredNotHeld() + " found by reading the journal again once "
                        + "these are removed)");
    }

    /**
     * A transactional producer, its transactions not started yet ({@link JournalProducer} does, and
     * starts a new one after a failure that may have broken it).
     */
    private KafkaProducer<String, String> newProducer(String id) {
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

    public void stop() {
        started = false;
        if (sweeper != null) {
            sweeper.stop();
        }
        writer.stop();
        reader.stop();
        closeClients();
    }

    /**
     * Why this instance's view of the journal cannot be trusted for a decision now (stuck behind an
     * open transaction, or the journal not readable), for readiness; null when it can. Reads the
     * journal to its end, waiting 10 s at most.
     */
    public String viewProblem() {
        if (!started) {
            return "the order journal '" + topic + "' is not started";
        }
        try {
            reader.submitAndWait(null, 10, "reading the order journal '" + topic + "' to its end");
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    /**
     * Why this instance cannot write the order journal now, for readiness, or null when it can: from
     * a write that failed until a new producer was started or a write committed. While the producer
     * a failure closed has not been started again (Kafka away), asks the writer thread to try (one
     * attempt waiting at a time, bounded by the producer's max.block.ms), without waiting for it:
     * readiness then comes back without waiting for a write, and answers at once meanwhile.
     */
    public String writeProblem() {
        if (!started) {
            return null; // the view's problem says it
        }
        if (producer.needsStart() && startRequested.compareAndSet(false, true)) {
            writer.submit(START_PRODUCER);
        }
        return producer.problem();
    }

    /**
     * The offset a read to the end is waiting for, where the journal ended when this instance took
     * partitions (the take-over barrier, {@link #readToEnd}); -1 when no read waits for one.
     */
    public long takeoverWait() {
        return takeoverTarget;
    }

    /** Done requests held compactly, and expired ones waiting for their tombstone (a metric, tests). */
    public int doneHeld() {
        return entries.doneCount() + entries.expiredCount();
    }

    private synchronized void closeClients() {
        producer.close(Duration.ofSeconds(5));
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
        if (logEnds != null) {
            logEnds.close();
        }
    }

    /** The latest entry for a request, after reading every entry written so far by any instance. */
    @Override
    public JournalEntry lookup(String requestId) {
        catchUp();
        return entries.get(requestId);
    }

    /** The entries of those of these requests that have one, after reading the journal to its end once. */
    @Override
    public Map<String, JournalEntry> entries(Collection<String> requestIds) {
        catchUp();
        Map<String, JournalEntry> out = new HashMap<>();
        for (String id : requestIds) {
            JournalEntry e = entries.get(id);
            if (e != null) {
                out.put(id, e);
            }
        }
        return out;
    }

    public Phase phaseOf(String requestId) {
        JournalEntry e = lookup(requestId);
        return e == null ? null : e.phase();
    }

    public String orderUuidOf(String requestId) {
        JournalEntry e = lookup(requestId);
        return e == null ? null : e.orderUuid();
    }

    /** Requests whose order is being placed or followed (phase intent or placed), as last read: a metric. */
    public int openOrders() {
        return entries.openCount();
    }

    /** Up to {@code limit} open requests as {@code request id: phase [order uuid]}, for a person to read. */
    public List<String> openRequests(int limit) {
        return entries.openEntries().stream().limit(limit)
                .map(e -> e.requestId() + ": " + e.phase() + (e.orderUuid() == null ? "" : " " + e.orderUuid()))
                .sorted().toList();
    }

    /** Spend per day and per file, up to date with every entry read so far. */
    public SpendLedger ledger() {
        catchUp();
        return ledger;
    }

    /**
     * Before an order POST, for every request of the case in one transaction: the numbers, and the
     * one-time price each books as spend about to happen. A criteria request's later search round
     * keeps what earlier rounds settled with it, and what they bought still counts as spend.
     */
    @Override
    public void intent(List<OrderRequest> requests, List<BigDecimal> reservedNrc, List<NumberResult> settled) {
        // One time for the whole case, and never the same for two cases of this instance (many are
        // written side by side): after a crash the intents are grouped by it, so that the requests
        // of one order POST are reconciled together, and only they.
        long at = intentTimes.updateAndGet(last -> Math.max(clock.millis(), last + 1));
        List<String> post = JournalEntries.postNumbers(requests);
        List<JournalEntry> intents = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            intents.add(JournalEntries.intent(requests.get(i), reservedNrc.get(i), settled, clock, at, post));
        }
        transaction(intents, List.of());
    }

    /**
     * When the request's intent was written (epoch millis): its order POST went out no earlier.
     * Null when the journal does not know (no entry, or one written before this was recorded).
     */
    public Long intentAtOf(String requestId) {
        JournalEntry e = entries.get(requestId);
        return e == null ? null : e.intentAt();
    }

    /**
     * Every number of the order POST the request's intent was written for (a batch's: other
     * requests' numbers too), or null when the POST held its numbers only or the journal does not
     * know (no intent, or one written before this was recorded). Kept in the request's own entry,
     * so that it holds also after the batch's other requests finished.
     */
    public List<String> postNumbersOf(String requestId) {
        JournalEntry e = entries.get(requestId);
        return e == null ? null : e.postTns();
    }

    /** @throws Fencing.NotOwnedException when a request's partition is no longer this instance's */
    @Override
    public void confirmOwned(List<OrderRequest> requests) {
        Fencing f = fencing;
        if (f != null) {
            Fencing.Fence fence = f.acquire(requests.stream().map(OrderRequest::requestId).toList());
            if (fence != null) {
                fence.close();
            }
        }
    }

    /** Every request of the case went in this order; what the intent recorded is kept. */
    @Override
    public void placed(List<OrderRequest> requests, String orderUuid) {
        List<JournalEntry> placed = new ArrayList<>();
        for (OrderRequest r : requests) {
            placed.add(JournalEntries.placed(r, orderUuid, entries.get(r.requestId()), clock));
        }
        transaction(placed, List.of());
    }

    /**
     * Publishes the requests' results and marks them done, atomically: one record per number (key
     * = number), the outcome (key = request id), and the {@code done} entry, in one transaction.
     */
    @Override
    public void finish(List<OrderRequest> requests, List<OrderResult> results) {
        if (requests.isEmpty()) {
            return;
        }
        List<Boolean> publish = notDoneYet(requests);
        List<JournalEntry> done = new ArrayList<>();
        List<Integer> published = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            if (!publish.get(i)) {
                continue;
            }
            published.add(i);
            OrderRequest request = requests.get(i);
            done.add(JournalEntries.done(request, results.get(i), entries.get(request.requestId()), clock));
        }
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i : published) {
            records.addAll(resultRecords.of(requests.get(i), results.get(i)));
        }
        transaction(done, records);
    }

    /**
     * For each request, whether it still needs its results published: false when the journal,
     * read to its end, already has it done. That happens when another instance took the request
     * over (its consumer lost the partition while this one was still following the order) and
     * finished first; publishing again would give the request a second outcome.
     */
    private List<Boolean> notDoneYet(List<OrderRequest> requests) {
        catchUp();
        List<Boolean> out = new ArrayList<>(requests.size());
        for (OrderRequest r : requests) {
            JournalEntry e = entries.get(r.requestId());
            boolean done = e != null && e.phase() == Phase.done;
            if (done) {
                LOG.warn("Request {} is already done in the order journal, published by another instance: "
                        + "its results are not published again", r.requestId());
            }
            out.add(!done);
        }
        return out;
    }

    /**
     * A journal entry's record, marked with this instance and the entry's phase so that its
     * reader can pass over what it already knows without parsing it.
     */
    private ProducerRecord<String, String> entryRecord(JournalEntry e) {
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

    /** How often a write refused during a rebalance is tried again (each time checking the partition is still owned). */
    private static final int FENCED_WRITE_TRIES = 10;

    /**
     * Writes the entries (after the {@code others} records) in one Kafka transaction and returns once
     * it is committed. Concurrent callers share transactions (group commit): a commit costs tens
     * of milliseconds whatever it holds, and one writer thread does them one after the other. A
     * caller's records are always in one transaction together; if that transaction fails, every
     * caller in it gets the error and none of their records exists.
     */
    private void transaction(List<JournalEntry> batch, List<ProducerRecord<String, String>> others) {
        if (batch.isEmpty()) {
            return;
        }
        List<ProducerRecord<String, String>> records = new ArrayList<>(others.size() + batch.size());
        records.addAll(others);
        batch.forEach(e -> records.add(entryRecord(e)));
        List<String> ids = batch.stream().map(JournalEntry::requestId).toList();
        for (int attempt = 1; ; attempt++) {
            Fencing f = fencing;
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
                LOG.info("Journal write for request {} refused during a rebalance ({}); trying again as the partition's owner",
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
        synchronized (this) { // with readToEnd, so that what it reads late never undoes these
            group.forEach(w -> w.entries().forEach(this::remember));
        }
        return null;
    }

    /**
     * Returns once every entry written before this call (by any instance) has been read. Callers
     * that ask at the same time share one read to the end (the reader thread owns the consumer),
     * and no lock is held meanwhile: many batches ask before each decision.
     */
    private void catchUp() {
        reader.submitAndWait(null, 120, "reading the order journal '" + topic + "' to its end");
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
        Fencing f = fencing;
        long takeovers = f == null ? 0 : f.takeovers();
        boolean barrier = started && takeovers > viewCurrentFor;
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
                LOG.info("Order journal '{}': read past {}, where it ended when this instance took partitions of the "
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
                    LOG.warn("Skipping an unreadable order journal entry at {}-{}@{}", r.topic(), r.partition(), r.offset());
                }
            }
            synchronized (this) { // with the writer's remember, so that what is read late never undoes it
                for (Read r : read) {
                    if (r.entry() == null) {
                        if (!entries.remove(r.key())) {
                            // Its done entry expired and it was taken up again, or another instance's
                            // sweep landed after the new intent: the open entry is what counts.
                            LOG.info("Order journal '{}': a tombstone read for request {}, which is open again ({}): "
                                    + "its entry is kept", topic, r.key(), entries.phaseOf(r.key()));
                        }
                    } else if (supersedes(r.entry(), entries.get(r.entry().requestId()))) {
                        if (r.entry().phase() == Phase.done && retention.expired(r.writtenAt(), r.entry().day())) {
                            entries.putExpired(r.entry().requestId(), r.partition(), r.offset()); // its tombstone is due
                        } else {
                            remember(r.entry(), r.writtenAt());
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
        if (!started || viewProblem == null && now - logEndsCheckedAt < 1_000) { // start: not yet
            return;
        }
        Map<TopicPartition, Long> ends = logEnds.of(consumer.assignment());
        logEndsCheckedAt = now;
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            staleView.observe(e.getKey().partition(), consumer.position(e.getKey()), e.getValue(), now);
        }
        String problem = staleView.problem(topic, now);
        if (problem != null && viewProblem == null) {
            LOG.error("{}", problem);
        } else if (problem == null && viewProblem != null) {
            LOG.info("Order journal '{}': the open transaction that held its view back is over; decisions go on", topic);
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
    private boolean alreadyKnown(ConsumerRecord<String, String> r) {
        Header writer = r.headers().lastHeader(RecordHeaders.JOURNAL_WRITER);
        Header phase = r.headers().lastHeader(RecordHeaders.JOURNAL_PHASE);
        if (writer == null || phase == null || !Arrays.equals(writer.value(), writerId)) {
            return false;
        }
        Phase known = entries.phaseOf(r.key());
        return known != null
                && known.compareTo(Phase.valueOf(new String(phase.value(), StandardCharsets.UTF_8))) >= 0;
    }

    private void remember(JournalEntry entry) {
        remember(entry, clock.millis());
    }

    private void remember(JournalEntry entry, long writtenAt) {
        entries.put(entry, writtenAt);
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static long remainingMs(long deadline) {
        return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    }

    /**
     * How long a later step of the start may wait: what is left of the startup timeout, but a few
     * seconds at least (the brokers answered the steps before it; a step left with a millisecond
     * would fail for nothing).
     */
    private long stepMs(long deadline) {
        return Math.max(remainingMs(deadline), Math.min(5_000, kafka.startupTimeoutMs()));
    }

    /**
     * The journal topic's configs when the journal creates it: compacted, and compacted soon enough
     * for the expired entries' tombstones to free the space: segments rolled hourly (the active one
     * is never compacted), compaction once a tenth of the log is superseded, and a tombstone kept a
     * day so that an instance that was away for less still reads it. An existing topic keeps its own
     * (docs/operations.md says how to set them).
     */
    static final Map<String, String> TOPIC_CONFIGS = Map.of(
            "cleanup.policy", "compact",
            "segment.ms", "3600000",
            "min.cleanable.dirty.ratio", "0.1",
            "delete.retention.ms", "86400000");

    private void createTopicIfMissing(long deadline) {
        Properties p = kafka.clientProperties("opentact-journal-admin-" + topic);
        int timeout = (int) Math.max(1, remainingMs(deadline));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeout, 30_000));
        String action = "create the compacted topic '" + topic + "'";
        Admin admin = Admin.create(p);
        try {
            NewTopic t = new NewTopic(topic, 1, (short) -1).configs(TOPIC_CONFIGS);
            admin.createTopics(List.of(t)).all().get(Math.max(1, remainingMs(deadline)), TimeUnit.MILLISECONDS);
            LOG.info("Created the compacted order journal topic '{}'", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw kafka.startupError("the order journal's admin client", action, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (TimeoutException | KafkaException e) {
            throw kafka.startupError("the order journal's admin client", action, e);
        } finally {
            // Not the default close, which waits for a call still pending (a broker that never answered).
            admin.close(Duration.ofSeconds(1));
        }
    }
}
