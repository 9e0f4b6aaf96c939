package dev.tnorders.opentact.intake;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.client.OpentactCallThreads;

/**
 * The requests consumers' in-flight limit, sampled: every {@link #SAMPLE_MS} it tells the
 * {@link AdaptiveInFlight} limit the interval's signals (the rate limit's share, the turns taken,
 * whether a consumer was held back with a backlog, the records in flight and finished), sizes the
 * Opentact call threads after it, and logs a change.
 */
final class InFlightSampler {

    /** The requests consumers' logger (RequestConsumers): the logs read as they did. */
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.intake.RequestConsumers");

    /** How often the in-flight limit looks at its signals. */
    static final long SAMPLE_MS = 1000;

    private final ConsumerContext ctx;
    private final OpentactCallThreads callThreads;
    private final int consumers;
    private final IntSupplier inFlight;
    private ScheduledExecutorService sampler;

    /** The sampler's figures at the start of its interval (its thread only). */
    private long sampledAt;
    private long sampledTurns;
    private long sampledFinished;
    private long sampledFinishedNanos;

    /**
     * @param callThreads the threads Opentact calls go out on (optional: null)
     * @param inFlight    the instance's records in flight
     */
    InFlightSampler(ConsumerContext ctx, OpentactCallThreads callThreads, int consumers, IntSupplier inFlight) {
        this.ctx = ctx;
        this.callThreads = callThreads;
        this.consumers = consumers;
        this.inFlight = inFlight;
    }

    void start() {
        AdaptiveInFlight inFlightLimit = ctx.inFlightLimit;
        if (!inFlightLimit.enabled()) {
            return;
        }
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "opentact-in-flight-limit");
            t.setDaemon(true);
            return t;
        });
        sampledAt = System.nanoTime();
        sampledTurns = turnsTaken();
        sampledFinished = ctx.finishedRecords.sum();
        sampledFinishedNanos = ctx.finishedRecordNanos.sum();
        sampler.scheduleWithFixedDelay(() -> {
            try {
                sample();
            } catch (RuntimeException e) {
                LOG.debug("In-flight limit: sample failed ({})", e.toString()); // the next one tries again
            }
        }, SAMPLE_MS, SAMPLE_MS, TimeUnit.MILLISECONDS);
    }

    void stop() {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
    }

    /** One interval's signals to the in-flight limit (and the call threads' size that follows). */
    private void sample() {
        AdaptiveInFlight inFlightLimit = ctx.inFlightLimit;
        long now = System.nanoTime();
        long turns = turnsTaken();
        long finishedNanos = ctx.finishedRecordNanos.sum(); // before the count: never more time than records
        long finished = ctx.finishedRecords.sum();
        var rate = ctx.rateShare;
        double available = rate == null ? 0 : turnsAvailable(rate.share(), now - sampledAt, rate.spacingWindowMs());
        AdaptiveInFlight.Sample s = new AdaptiveInFlight.Sample(now - sampledAt, available, turns - sampledTurns,
                ctx.heldAtLimit.getAndSet(false), inFlight.getAsInt(), finished - sampledFinished, Math.max(1, consumers),
                inFlightLimit.calls().drain(), finishedNanos - sampledFinishedNanos);
        sampledAt = now;
        sampledTurns = turns;
        sampledFinished = finished;
        sampledFinishedNanos = finishedNanos;
        AdaptiveInFlight.Change change = inFlightLimit.observe(s, now);
        int threads = inFlightLimit.callThreads();
        if (callThreads != null && threads > 0) {
            int before = callThreads.getMaximumPoolSize();
            callThreads.resize(threads);
            if (callThreads.getMaximumPoolSize() != before) {
                LOG.debug("Opentact call threads: {} (were {})", callThreads.getMaximumPoolSize(), before);
            }
        }
        int logged = inFlightLimit.toLog(now);
        if (logged >= 0) {
            LOG.info("Requests consumers: now at most {} records in flight each ({} of {} calls/s used; {}; last change: {})",
                    logged, s.turnsTaken(), Math.round(available), inFlightLimit.learnt(),
                    change == AdaptiveInFlight.Change.NONE ? inFlightLimit.lastReason() : change);
        }
    }

    /**
     * The turns a share allows in a time: its calls per window, spaced over the window in force
     * (longer than the configured one while other instances claim, or after 429s), not the
     * configured one, or the turns a busy instance took would look like 90% used and the limit
     * would grow and learn a record's time as if it waited for no turn.
     */
    static double turnsAvailable(long share, long elapsedNanos, long spacingWindowMs) {
        return spacingWindowMs <= 0 ? 0 : share * (double) elapsedNanos / TimeUnit.MILLISECONDS.toNanos(spacingWindowMs);
    }

    private long turnsTaken() {
        return ctx.rateShare == null ? 0 : ctx.rateShare.turnsTaken();
    }
}
