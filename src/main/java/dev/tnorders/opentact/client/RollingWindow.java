package dev.tnorders.opentact.client;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The calls this instance sent in the last window, by the monotonic clock, and their pace: a call
 * may leave only while fewer than the share were sent in any window ending at it, and not before
 * its turn in an even pace of one call per {@code window / share} (half a step early at most, so
 * that a thread woken late does not slow the pace down). Camel's Throttles pace calls in fixed
 * windows and slices; calls they released before a pause of the JVM (a freeze, a long GC) or in
 * bulk after it would otherwise leave together, and calls that leave in bursts at a window's edges
 * arrive in one second of Opentact's with a jitter of a few milliseconds: s calls at the end of one
 * window and s at the start of the next. Evenly paced, one more call in a second needs a jitter as
 * long as the window's margin over Opentact's second, and two more a jitter of half a step on top
 * (docs/operations.md, "Running several instances"). This is the last word, asked on the thread
 * that sends ({@link SharedRateLimit#awaitTurn}). Holds at most as many times as the largest share
 * it was asked with.
 *
 * <p>A call taken with a {@link Departure} counts from its turn until it has left ({@link #left}:
 * its request written), and from then on by when it left: a thread that took its turn and was then
 * held up (descheduled on a busy host, a collection of its JVM) before it wrote its request would
 * otherwise reach Opentact together with the calls whose turns came a window after its own. So the
 * share bounds the calls that left in any window, not only the turns taken.
 */
final class RollingWindow {

    /** How often a call waiting on a call still leaving looks again. */
    static final long LEAVING_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** A call still leaving after this long counts as having left then (a bound: it ends the wait on it). */
    static final long LEAVING_MAX_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** A call's place in the window: its turn, and once it has left, when. */
    static final class Departure {
        private long atNanos;
        private boolean leaving;

        /** When it took its turn, or when it left once it has. */
        long atNanos() {
            return atNanos;
        }
    }

    private final long windowNanos;
    private final ArrayDeque<Departure> sent = new ArrayDeque<>();
    /** When the next call's turn is due in the even pace (GCRA's theoretical arrival time). */
    private long dueNanos;
    private boolean paced;

    RollingWindow(long windowNanos) {
        if (windowNanos <= 0) {
            throw new IllegalArgumentException("the window must be positive, was " + windowNanos + " ns");
        }
        this.windowNanos = windowNanos;
    }

    /**
     * Takes a turn now if fewer than {@code limit} calls were sent in the window ending now and the
     * pace allows one.
     *
     * @return 0 when taken (it counts as sent now); else how long until a turn may be free
     */
    synchronized long tryTake(long nowNanos, long limit) {
        return tryTake(nowNanos, limit, windowNanos, null);
    }

    /**
     * {@link #tryTake(long, long)} in a window of {@code window} ns now (at most the one it was made
     * with, which is how long it remembers calls): {@link ArrivalMargin} widens it after 429s.
     */
    synchronized long tryTake(long nowNanos, long limit, long window) {
        return tryTake(nowNanos, limit, window, null);
    }

    /**
     * {@link #tryTake(long, long, long)}; when taken and {@code leaving} is given, the call counts as
     * in the window until {@link #left} says when it left.
     */
    synchronized long tryTake(long nowNanos, long limit, long window, Departure leaving) {
        expire(nowNanos);
        long w = Math.min(window, windowNanos);
        long max = Math.max(1, limit);
        long step = w / max;
        if (paced && nowNanos - (dueNanos - step / 2) < 0) {
            return Math.max(1, dueNanos - step / 2 - nowNanos);
        }
        long inWindow = inWindow(nowNanos, w);
        if (inWindow < max) {
            Departure d = leaving == null ? new Departure() : leaving;
            d.atNanos = nowNanos;
            d.leaving = leaving != null;
            sent.addLast(d);
            // Early by up to half a step, the pace goes on from its due time; late, from now.
            dueNanos = (paced && nowNanos - dueNanos < 0 ? dueNanos : nowNanos) + step;
            paced = true;
            return 0;
        }
        // The call at position inWindow - max among those in the window, by when each leaves it,
        // must leave it first; one still leaving has no such time yet.
        long[] exits = new long[(int) inWindow];
        int n = 0;
        for (Departure d : sent) { // bounded by the calls held
            if (d.leaving) {
                exits[n++] = Long.MAX_VALUE;
            } else if (nowNanos - d.atNanos < w) {
                exits[n++] = d.atNanos + w - nowNanos;
            }
        }
        Arrays.sort(exits, 0, n);
        long exit = exits[(int) (inWindow - max)];
        return exit == Long.MAX_VALUE ? LEAVING_RECHECK_NANOS : Math.max(1, exit);
    }

    /** The call taken with {@code d} left at {@code nowNanos} (its request written, or it ended unsent). */
    synchronized void left(Departure d, long nowNanos) {
        if (d.leaving) {
            d.leaving = false;
            d.atNanos = Math.max(d.atNanos, nowNanos);
        }
    }

    /**
     * The call taken with {@code d} will not leave on this turn (it was held up before it was
     * written and takes a new one): the turn no longer counts. Nothing was sent on it.
     */
    synchronized void giveBack(Departure d) {
        if (d.leaving) {
            sent.remove(d);
            d.leaving = false;
        }
    }

    /** Calls sent in the window ending now (a figure, tests). */
    synchronized int inWindow(long nowNanos) {
        return (int) inWindow(nowNanos, windowNanos);
    }

    private void expire(long nowNanos) {
        for (Departure d : sent) { // bounded by the calls held
            if (d.leaving && nowNanos - d.atNanos >= LEAVING_MAX_NANOS) {
                d.leaving = false;
                d.atNanos = nowNanos;
            }
        }
        while (!sent.isEmpty() && !sent.peekFirst().leaving && nowNanos - sent.peekFirst().atNanos >= windowNanos) {
            sent.pollFirst();
        }
    }

    private long inWindow(long nowNanos, long window) {
        return sent.stream().filter(d -> d.leaving || nowNanos - d.atNanos < window).count();
    }
}
