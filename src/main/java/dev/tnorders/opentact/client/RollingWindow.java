package dev.tnorders.opentact.client;

import java.util.ArrayDeque;
import java.util.Iterator;

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
 */
final class RollingWindow {

    private final long windowNanos;
    private final ArrayDeque<Long> sent = new ArrayDeque<>();
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
        return tryTake(nowNanos, limit, windowNanos);
    }

    /**
     * {@link #tryTake(long, long)} in a window of {@code window} ns now (at most the one it was made
     * with, which is how long it remembers calls): {@link ArrivalMargin} widens it after 429s.
     */
    synchronized long tryTake(long nowNanos, long limit, long window) {
        while (!sent.isEmpty() && nowNanos - sent.peekFirst() >= windowNanos) {
            sent.pollFirst();
        }
        long w = Math.min(window, windowNanos);
        long max = Math.max(1, limit);
        long step = w / max;
        if (paced && nowNanos - (dueNanos - step / 2) < 0) {
            return Math.max(1, dueNanos - step / 2 - nowNanos);
        }
        long inWindow = inWindow(nowNanos, w);
        if (inWindow < max) {
            sent.addLast(nowNanos);
            // Early by up to half a step, the pace goes on from its due time; late, from now.
            dueNanos = (paced && nowNanos - dueNanos < 0 ? dueNanos : nowNanos) + step;
            paced = true;
            return 0;
        }
        // The call at position inWindow - max among those in the window (oldest first) must leave it first.
        Iterator<Long> it = sent.iterator();
        long first = it.next();
        while (nowNanos - first >= w) { // bounded by the calls held
            first = it.next();
        }
        for (long i = 0; i < inWindow - max; i++) {
            first = it.next();
        }
        return Math.max(1, first + w - nowNanos);
    }

    /** Calls sent in the window ending now (a figure, tests). */
    synchronized int inWindow(long nowNanos) {
        return (int) inWindow(nowNanos, windowNanos);
    }

    private long inWindow(long nowNanos, long window) {
        return sent.stream().filter(t -> nowNanos - t < window).count();
    }
}
