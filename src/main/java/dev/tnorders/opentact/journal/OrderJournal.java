package dev.tnorders.opentact.journal;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.journal.JournalEntry.Phase;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.kafka.KafkaStartupException;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;

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
 *
 * <p>This class is the journal's face (the store the lifecycle uses, its start and stop, what
 * readiness and the metrics ask); {@link JournalWriter} does the transactions, {@link JournalReader}
 * the catching up, {@link JournalStartup} the start (with {@link JournalTopics}, the topic) and the
 * stop, {@link JournalSweeper} the tombstones. They log on this class's logger.
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
    // Set (opentact.kafka.transactional-id), or chosen at the first start.
    private final TransactionalIdChoice transactionalIdChoice;
    // Marks this instance's own journal records, which its reader need not parse again.
    private final byte[] writerId = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    private final Clock clock = Clock.systemUTC();
    private final AtomicLong intentTimes = new AtomicLong();
    // Who may write each request's entries (the requests topic's consumers), or null: not fenced.
    private volatile Fencing fencing;
    // The writer thread and its transactional producer; the reader thread and its consumer. Both
    // apply what they wrote or read to the entries holding this journal's lock.
    private final JournalWriter writer;
    private final JournalReader reader;
    // Brings them up at start (with the topic and the sweeper), down at stop.
    private final JournalStartup startup;
    private volatile boolean started;

    /** A journal that only records phases (tools and tests). */
    public OrderJournal(String brokers, String topic) {
        this(brokers, topic, null, null, "opentact-journal-" + UUID.randomUUID());
    }

    /**
     * @param transactionalId stable across restarts of one instance, distinct between instances:
     *                        a restarted instance then aborts what its predecessor left open; blank:
     *                        the default ({@link TransactionalIdChoice})
     */
    public OrderJournal(String brokers, String topic, String outcomesTopic, String numbersTopic, String transactionalId) {
        this(KafkaClientSettings.plain(brokers), topic, outcomesTopic, numbersTopic, transactionalId);
    }

    /**
     * @param kafka           the brokers and the security settings of every client the journal opens (the
     *                        camel-kafka component's, beans.camel.yaml), and how long start may take; their
     *                        Camel context, the settings the default transactional id is derived from
     * @param transactionalId {@code opentact.kafka.transactional-id}; blank: chosen at start
     *                        ({@link TransactionalIdChoice})
     */
    public OrderJournal(KafkaClientSettings kafka, String topic, String outcomesTopic, String numbersTopic,
                        String transactionalId) {
        this.kafka = kafka;
        this.topic = topic;
        this.resultRecords = new ResultRecords(numbersTopic, outcomesTopic);
        this.writer = new JournalWriter(topic, TransactionalIdChoice.configuredOrNull(transactionalId),
                id -> JournalWriter.newProducer(kafka, topic, id), writerId, mapper, entries, clock, this,
                () -> fencing, LOG);
        this.reader = new JournalReader(kafka, topic, entries, writerId, mapper, this, () -> fencing, () -> started, LOG);
        this.startup = new JournalStartup(kafka, topic, writer, reader, entries, writerId, this, LOG);
        this.transactionalIdChoice = new TransactionalIdChoice(transactionalId, topic, kafka, writer);
    }

    /**
     * How long a {@code done} entry is kept ({@code opentact.journal.retention-ms}, default 7 days):
     * after it, and once the UTC day its spend was booked on is over, it is removed from the topic
     * ({@link JournalRetention}, {@link JournalSweeper}). Set before {@link #start}.
     */
    public void setRetentionMs(long retentionMs) {
        reader.setRetention(new JournalRetention(retentionMs, Clock.systemUTC()));
    }

    /**
     * How long the view may stay stuck behind an open transaction before catching up fails and
     * readiness is DOWN ({@link StaleViewRule}, default 30 s). Set before {@link #start}.
     */
    public void setStaleAfterMs(long staleAfterMs) {
        reader.setStaleView(new StaleViewRule(staleAfterMs));
    }

    /**
     * The transactional id of the journal's producer, chosen at start ({@link TransactionalIdChoice}).
     * Zombies are fenced by the consumer group's generation, not by this id ({@link Fencing}); a
     * fenced producer goes on with an id of its own ({@link JournalProducer}).
     */
    public String transactionalId() {
        return writer.transactionalId();
    }

    /**
     * The requests consumers found their static group instance id taken by another running process:
     * a transactional id derived from it is the other journal's too, so this one goes on with an id
     * of its own from its next write, rather than the two fencing each other's producer.
     */
    public void staticInstanceIdTaken() {
        transactionalIdChoice.staticIdTaken();
    }

    /** Fences every later write of a request with the owner of its record (the requests topic's consumers). */
    public void fencedBy(Fencing fencing, Runnable onProducerFenced) {
        this.fencing = fencing;
        writer.onFenced(onProducerFenced);
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
        transactionalIdChoice.choose(LOG);
        startup.start();
        started = true;
        LOG.info("Order journal '{}' loaded: {} open requests, {} done ones held; {} done entries older than the "
                        + "retention ({} ms, opentact.journal.retention-ms) not held, {} of them to be removed now{}",
                topic, entries.openCount(), entries.doneCount(), entries.expiredCount() + entries.expiredNotHeld(),
                reader.retention().retentionMs(), entries.expiredCount(), entries.expiredNotHeld() == 0 ? ""
                        : " (the other " + entries.expiredNotHeld() + " found by reading the journal again once "
                        + "these are removed)");
    }

    public void stop() {
        started = false;
        startup.stop();
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
        return reader.viewProblem();
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
        return writer.writeProblem();
    }

    /**
     * The offset a read to the end is waiting for, where the journal ended when this instance took
     * partitions (the take-over barrier, {@link JournalReader}); -1 when no read waits for one.
     */
    public long takeoverWait() {
        return reader.takeoverWait();
    }

    /** Done requests held compactly, and expired ones waiting for their tombstone (a metric, tests). */
    public int doneHeld() {
        return entries.doneCount() + entries.expiredCount();
    }

    /**
     * Returns once every entry written before this call (by any instance) has been read
     * ({@link JournalReader#catchUp}).
     */
    private void catchUp() {
        reader.catchUp();
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
        writer.transaction(intents, List.of());
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
        writer.transaction(placed, List.of());
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
        writer.transaction(done, records);
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
}
