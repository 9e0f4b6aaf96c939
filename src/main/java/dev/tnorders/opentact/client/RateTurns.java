package dev.tnorders.opentact.client;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The turns calls take on the thread that sends, at this instance's share ({@link SharedRateLimit}
 * decides the share): at most the share in any rolling window and at an even pace
 * ({@link RollingWindow}), over the window the 429s widened ({@link ArrivalMargin}), and over a
 * longer one while other instances claim part of the limit.
 */
final class RateTurns {

    private static final Logger LOG = LoggerFactory.getLogger(RateTurns.class);

    /**
     * The monotonic clock against the wall clock, read once: a turn's DEBUG line gives the instant the
     * rolling window recorded (on the monotonic clock) as epoch ms, not the time the line was
     * written, which a descheduled thread may write tens of ms later (the ITs sum turns across JVMs).
     */
    private static final long EPOCH_MS_AT_BASE = System.currentTimeMillis();
    private static final long NANOS_AT_BASE = System.nanoTime();

    /** While the share is 0, how often a waiting call looks again. */
    private static final long NO_SHARE_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final long windowMs;
    private final int severalPercent;
    private final ArrivalMargin margin;
    private final RollingWindow sent;
    /** Calls waiting for a turn now. */
    private final AtomicInteger waiting = new AtomicInteger();
    /** Turns taken since the start (a signal for the in-flight limit). */
    private final LongAdder turnsTaken = new LongAdder();
    /**
     * Whether other instances claim part of the limit or ask for it now: then calls are spaced over
     * the window × 100 / {@code severalPercent}, so that calls of several JVMs, which reach Opentact
     * with their own jitter, leave it a margin in time (133 ms at 1,020 ms and 90%) instead of a
     * share rounded to whole calls (which at R = 5 or 6 left none).
     */
    private volatile boolean several;

    RateTurns(long windowMs, int severalPercent) {
        this.windowMs = windowMs;
        this.severalPercent = severalPercent;
        this.margin = new ArrivalMargin(windowMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
        this.sent = new RollingWindow(TimeUnit.MILLISECONDS.toNanos(margin.maxWindowMs() * 100 / severalPercent));
    }

    /**
     * Waits until fewer than the share's calls left in the window ending now, and takes that turn.
     * The call counts from its turn until {@link #left} says when it left, and from then on by that.
     *
     * @param maxWaitNanos how long it may wait
     * @param share        the share now, asked at every round (0: no call leaves)
     * @return the call's turn: it says when the call {@link Departing#left}, or gives it back
     * @throws CallNotSentException when no turn comes within it (the call is not sent)
     */
    Departing await(long maxWaitNanos, LongSupplier share) {
        waiting.incrementAndGet();
        try {
            return waitForTurn(maxWaitNanos, share);
        } finally {
            waiting.decrementAndGet();
        }
    }

    private Departing waitForTurn(long maxWaitNanos, LongSupplier shareNow) {
        long deadline = System.nanoTime() + Math.max(0, maxWaitNanos);
        RollingWindow.Departure departure = new RollingWindow.Departure();
        while (true) { // bounded: every round sleeps until a turn may be free, and the deadline ends it
            long now = System.nanoTime();
            long share = shareNow.getAsLong();
            long wait = share == 0 ? NO_SHARE_RECHECK_NANOS : sent.tryTake(now, share, spacingWindowNanos(now), departure);
            if (wait == 0) {
                turnsTaken.increment();
                return turn(departure);
            }
            if (now + wait > deadline) {
                throw new CallNotSentException("no turn within the rate limit's rolling window (" + share
                        + " calls per " + windowMs + " ms for this instance) before the call's queue timeout "
                        + "(opentact.api.queue-timeout-ms); it was not sent", null);
            }
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new CallNotSentException("interrupted while waiting for a turn within the rate limit; not sent", null);
            }
        }
    }

    private Departing turn(RollingWindow.Departure departure) {
        long turnNanos = departure.atNanos();
        return new Departing() {
            @Override
            public long turnNanos() {
                return turnNanos;
            }

            @Override
            public void left() {
                RateTurns.this.left(departure, true);
            }

            @Override
            public void endedUnwritten() {
                RateTurns.this.left(departure, false);
            }

            @Override
            public void giveBack() {
                sent.giveBack(departure);
            }
        };
    }

    /**
     * The call that took {@code departure} left now: its request was written ({@code written}), or it
     * ended without (refused at its admission, its connection failed). At DEBUG, a line per call with
     * the instant the window counts it at, "not written" for the second kind (the ITs sum the written
     * ones over the instances).
     */
    private void left(RollingWindow.Departure departure, boolean written) {
        long now = System.nanoTime();
        long turn = departure.atNanos();
        sent.left(departure, now);
        if (LOG.isDebugEnabled()) {
            LOG.debug("call left at {} ms (epoch), {} ms after its turn; spacing window {} ms{}", epochMsOf(departure.atNanos()),
                    TimeUnit.NANOSECONDS.toMillis(departure.atNanos() - turn), TimeUnit.NANOSECONDS.toMillis(spacingWindowNanos(now)),
                    written ? "" : "; not written");
        }
    }

    /** Other instances claim part of the limit, or ask for it (decided at each look). */
    void several(boolean several) {
        this.several = several;
    }

    boolean several() {
        return several;
    }

    /** The window calls are spaced over now, in ms. */
    long spacingWindowMs() {
        return TimeUnit.NANOSECONDS.toMillis(spacingWindowNanos(System.nanoTime()));
    }

    private long spacingWindowNanos(long nowNanos) {
        long ms;
        synchronized (margin) {
            ms = margin.windowMs(TimeUnit.NANOSECONDS.toMillis(nowNanos));
        }
        return TimeUnit.MILLISECONDS.toNanos(several ? ms * 100 / severalPercent : ms);
    }

    /** A call's answer (its HTTP status; null: none came): a 429 widens the window ({@link ArrivalMargin}). */
    void answered(Integer status, LongSupplier share) {
        if (status == null || status != 429) {
            return;
        }
        long nowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
        boolean grew;
        long window;
        synchronized (margin) {
            grew = margin.rateLimited(nowMs);
            window = margin.windowMs(nowMs);
        }
        if (grew) {
            LOG.info("Opentact rate limit: Opentact answered 429 (calls of the account reached it closer together than "
                    + "they left); this instance now spaces its {} calls over {} ms instead of {} ms, for at least {} s",
                    share.getAsLong(), window, windowMs, TimeUnit.MILLISECONDS.toSeconds(ArrivalMargin.QUIET_MS));
        }
    }

    /** Calls waiting for a turn now. */
    int waiting() {
        return waiting.get();
    }

    /** Turns taken since the start. */
    long turnsTaken() {
        return turnsTaken.sum();
    }

    /** A monotonic instant as epoch ms (the offset read once at class load). */
    static long epochMsOf(long nanoTime) {
        return EPOCH_MS_AT_BASE + Math.floorDiv(nanoTime - NANOS_AT_BASE, 1_000_000L);
    }
}
