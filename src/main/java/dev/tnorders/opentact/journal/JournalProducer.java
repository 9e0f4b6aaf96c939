package dev.tnorders.opentact.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.journal.ProducerFailures.Action;

/**
 * The order journal's transactional producer, and what happens to it when a transaction fails
 * ({@link ProducerFailures}): the transaction is aborted, or the producer is closed (at most
 * {@link #CLOSE_TIMEOUT}) and a new one started at the next write, its {@code initTransactions}
 * bounded by the producer's {@code max.block.ms} and tried again at each write while Kafka is away.
 * The failed write always fails with an error saying what happened: its caller's work is given
 * back and done again from the journal (the transaction may have committed after all: what the
 * journal then reads back is what counts).
 *
 * <p>{@link #problem()} says why the journal cannot write, from a failed write until a producer is
 * started again or a transaction commits: readiness ({@code JournalHealthCheck}).
 *
 * <p>Used by the journal's one writer thread, and by {@link #start} and {@link #close} around it.
 */
final class JournalProducer {

    private static final Logger LOG = LoggerFactory.getLogger(JournalProducer.class);

    /** How long closing a failed producer may take: it is not asked to finish anything. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(1);

    /** Makes a producer with this transactional id, its transactions not initialised yet. */
    interface Factory {
        Producer<String, String> create(String transactionalId);
    }

    /** What a transaction does between its begin and its commit: its sends and consumer offsets. */
    interface Sends {
        void to(Producer<String, String> producer);
    }

    private volatile String baseId;
    private final Factory factory;
    private final LongSupplier clock;
    private volatile Runnable onFenced = () -> { };
    // null: closed after a failure, a new one is started at the next write.
    private volatile Producer<String, String> producer;
    private volatile String id;
    private boolean newIdNext;
    // Another running process may use the base id (the static group instance id it is derived from
    // was taken): the producer goes on with an id of its own, and never takes the base id again.
    private volatile boolean baseIdContested;
    private int failedStarts;
    // Why the journal cannot write now (null: it can), and since when (epoch millis).
    private volatile String problem;
    private volatile long problemSince;

    JournalProducer(String transactionalId, Factory factory, LongSupplier clock) {
        this.baseId = transactionalId;
        this.id = transactionalId;
        this.factory = factory;
        this.clock = clock;
    }

    /** Told when the producer was fenced: the requests consumers give their partitions up. */
    void onFenced(Runnable onFenced) {
        this.onFenced = onFenced == null ? () -> { } : onFenced;
    }

    /** The transactional id of the producer in use (or of the next one). */
    String transactionalId() {
        return id;
    }

    /** The transactional id the first producer starts with (before {@link #start}). */
    synchronized void useId(String transactionalId) {
        if (producer != null) {
            throw new IllegalStateException("the journal's producer started already, with transactional id '" + id + "'");
        }
        if (transactionalId == null || transactionalId.isBlank()) {
            throw new IllegalArgumentException("a blank transactional id");
        }
        this.baseId = transactionalId;
        this.id = transactionalId;
    }

    /** The first producer. @throws org.apache.kafka.common.KafkaException when its transactions cannot start */
    void start() {
        if (id == null) {
            throw new IllegalStateException("no transactional id for the journal's producer");
        }
        producer = init(id);
    }

    /**
     * Another running process may use this producer's base id (the static group instance id it was
     * derived from was taken by another process): at the next write the producer in use, if it has the
     * base id, is closed and one with an id of its own started, which fences nobody; every new
     * producer after it has an id of its own too. Without it, the two would fence each other's
     * producer whenever one of them started a new one with the base id.
     */
    void baseIdContested() {
        baseIdContested = true;
    }

    /** Whether a failure closed the producer and the next write starts a new one. */
    boolean needsStart() {
        return producer == null;
    }

    /**
     * Why the journal cannot write now, for readiness, or null when it can: since a write failed
     * (or a new producer could not be started) until a producer is started again or a transaction
     * commits.
     */
    String problem() {
        String p = problem;
        if (p == null) {
            return null;
        }
        long since = problemSince;
        return "cannot write since " + Instant.ofEpochMilli(since) + " (" + Math.max(0, clock.getAsLong() - since) / 1000
                + " s): " + p;
    }

    /**
     * Starts a producer if a failure closed the last one.
     *
     * @return null when there is a producer, else why none could be started (Kafka still away)
     */
    RuntimeException ensureStarted() {
        boolean contested = baseIdContested && baseId.equals(id);
        if (producer != null && contested) {
            LOG.warn("The order journal's transactional id '{}' is derived from a static group instance id that another "
                    + "running process uses too: its producer is closed and one with an id of its own started, so that "
                    + "the two processes do not fence each other's producer", id);
            discard(producer);
        }
        if (producer != null) {
            return null;
        }
        String next = newIdNext || contested ? baseId + "-" + UUID.randomUUID().toString().substring(0, 8) : id;
        try {
            producer = init(next);
        } catch (RuntimeException e) {
            failedStarts++;
            String why = "its producer could not be started again (transactional id '" + next + "', attempt "
                    + failedStarts + "): " + ProducerFailures.describe(e) + "; tried again at the next write";
            LOG.error("The order journal cannot write: {}", why);
            cannotWrite(why);
            return new IllegalStateException("the order journal cannot write: " + why, e);
        }
        id = next;
        newIdNext = false;
        LOG.warn("The order journal's producer was started again (transactional id '{}'{}): the journal can write",
                next, failedStarts == 0 ? "" : ", after " + failedStarts + " failed attempts");
        failedStarts = 0;
        writes();
        return null;
    }

    /**
     * One transaction: begin, the sends, commit; on a failure, what {@link ProducerFailures} says.
     *
     * @param what what the write is, the start of its error ("could not write the order journal for request r1")
     * @return null when it committed, else the error for its callers: an {@code IllegalStateException}
     *         saying what happened, or an {@link FencedWriteException} (tried again by the caller)
     */
    RuntimeException transaction(Sends sends, String what) {
        RuntimeException notStarted = ensureStarted();
        if (notStarted != null) {
            return new IllegalStateException(what + ": " + notStarted.getMessage(), notStarted);
        }
        Producer<String, String> p = producer;
        String step = "beginning its transaction";
        try {
            p.beginTransaction();
            step = "sending its records and consumer offsets";
            sends.to(p);
            step = "committing its transaction";
            p.commitTransaction();
        } catch (RuntimeException e) {
            return failed(p, step, e, what);
        }
        writes();
        return null;
    }

    private RuntimeException failed(Producer<String, String> p, String step, RuntimeException e, String what) {
        Action action = ProducerFailures.of(e);
        String failure = step + " failed: " + ProducerFailures.describe(e);
        if (action == Action.REBUILD) {
            RuntimeException fence = fencedMeanwhile(p);
            if (fence != null) {
                action = Action.REBUILD_WITH_NEW_ID;
                failure = failure + ", its producer fenced meanwhile (" + ProducerFailures.describe(fence) + ")";
            }
        }
        switch (action) {
            case RETRY_AS_OWNER -> {
                abortOrClose(p, failure);
                return new FencedWriteException("the consumer group moved to a new generation: "
                        + e.getMessage(), e);
            }
            case ABORT -> {
                abortOrClose(p, failure);
                cannotWrite(failure);
                return new IllegalStateException(what + ": " + failure + " (transactional id '" + id + "')", e);
            }
            case REBUILD_WITH_NEW_ID -> {
                LOG.error("The order journal's producer was fenced ({}): it is closed and a new one with a transactional "
                        + "id of its own (not '{}') is started at the next write; the requests consumers give their "
                        + "partitions up and rejoin the group", failure, id);
                discard(p);
                newIdNext = true;
                cannotWrite("its producer was fenced: " + failure);
                onFenced.run();
                return new IllegalStateException(what + ": the order journal's producer was fenced (transactional id '"
                        + id + "'); a new one is started and this write is given up: " + failure, e);
            }
            default -> {
                LOG.error("The order journal cannot write: {}; its producer (transactional id '{}') is closed and a new "
                        + "one is started at the next write", failure, id);
                discard(p);
                cannotWrite(failure);
                return new IllegalStateException(what + ": " + failure + "; the producer (transactional id '" + id
                        + "') is closed and a new one is started at the next write", e);
            }
        }
    }

    /**
     * Whether a producer whose call failed otherwise (a timeout) was fenced: Kafka's producer, fenced
     * while its {@code sendOffsetsToTransaction} or commit waits, may let that call wait out
     * {@code max.block.ms} and fail with a timeout, not with the fence (seen with two running
     * processes given one id); its next transactional call then fails at once with the fence. That
     * call here is {@code beginTransaction}, local to the producer, which is closed after it anyway.
     * Without this, a fenced producer would be started again with the same id and fence the other
     * process's producer in turn, back and forth.
     *
     * @return the fence, or null when it was not fenced (as far as its state says)
     */
    private static RuntimeException fencedMeanwhile(Producer<String, String> p) {
        try {
            p.beginTransaction();
        } catch (RuntimeException e) {
            return ProducerFailures.of(e) == Action.REBUILD_WITH_NEW_ID ? e : null;
        }
        return null;
    }

    /** Aborts the failed transaction; a producer that cannot even abort is closed (a new one at the next write). */
    private void abortOrClose(Producer<String, String> p, String failure) {
        try {
            p.abortTransaction();
        } catch (RuntimeException abort) {
            boolean fenced = ProducerFailures.of(abort) == Action.REBUILD_WITH_NEW_ID;
            LOG.error("The order journal could not abort a failed transaction ({}; the abort: {}): its producer "
                    + "(transactional id '{}') is closed and a new one{} is started at the next write", failure,
                    ProducerFailures.describe(abort), id, fenced ? ", with an id of its own (it was fenced)," : "");
            discard(p);
            if (fenced) {
                // as for any fenced producer: not the same id again (it would fence the other one back)
                newIdNext = true;
                onFenced.run();
            }
        }
    }

    private void discard(Producer<String, String> p) {
        producer = null;
        try {
            p.close(CLOSE_TIMEOUT);
        } catch (RuntimeException ignored) {
            // it failed already: closing is all that is left to do with it
        }
    }

    private void cannotWrite(String why) {
        if (problem == null) {
            problemSince = clock.getAsLong();
        }
        problem = why;
    }

    private void writes() {
        String was = problem;
        if (was != null) {
            LOG.warn("The order journal writes again (it could not for {} s: {})",
                    Math.max(0, clock.getAsLong() - problemSince) / 1000, was);
            problem = null;
        }
    }

    /** A producer with its transactions started (initTransactions fences an older one of the same id). */
    private Producer<String, String> init(String transactionalId) {
        Producer<String, String> created = factory.create(transactionalId);
        try {
            created.initTransactions();
        } catch (RuntimeException e) {
            try {
                created.close(Duration.ZERO);
            } catch (RuntimeException ignored) {
                // the error that matters is the first
            }
            throw e;
        }
        return created;
    }

    /** At stop. */
    void close(Duration timeout) {
        Producer<String, String> p = producer;
        producer = null;
        if (p != null) {
            p.close(timeout);
        }
    }
}
