package dev.tnorders.opentact.client;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The calls this instance sent in the last window, by the monotonic clock: a call may leave only
 * while fewer than the share were sent in any window ending at it. Camel's Throttles pace calls
 * in fixed windows and slices; calls they released before a pause of the JVM (a freeze, a long GC)
 * or in bulk after it would otherwise leave together. This is the last word, asked on the thread
 * that sends ({@link SharedRateLimit#awaitTurn}). Holds at most as many times as the largest share
 * it was asked with.
 */
final class RollingWindow {

    private final long windowNanos;
    private final ArrayDeque<Long> sent = new ArrayDeque<>();

    RollingWindow(long windowNanos) {
        if (windowNanos <= 0) {
            throw new IllegalArgumentException("the window must be positive, was " + windowNanos + " ns");
        }
        this.windowNanos = windowNanos;
    }

    /**
     * Takes a turn now if fewer than {@code limit} calls were sent in the window ending now.
     *
     * @return 0 when taken (it counts as sent now); else how long until a turn may be free
     */
    synchronized long tryTake(long nowNanos, long limit) {
        while (!sent.isEmpty() && nowNanos - sent.peekFirst() >= windowNanos) {
            sent.pollFirst();
        }
        long max = Math.max(1, limit);
        if (sent.size() < max) {
            sent.addLast(nowNanos);
            return 0;
        }
        // The call at position size - max (oldest first) must leave the window first.
        Iterator<Long> it = sent.iterator();
        long skip = sent.size() - max;
        long first = it.next();
        for (long i = 0; i < skip; i++) {
            first = it.next();
        }
        return Math.max(1, first + windowNanos - nowNanos);
    }

    /** Calls sent in the window ending now (a figure, tests). */
    synchronized int inWindow(long nowNanos) {
        return (int) sent.stream().filter(t -> nowNanos - t < windowNanos).count();
    }
}
