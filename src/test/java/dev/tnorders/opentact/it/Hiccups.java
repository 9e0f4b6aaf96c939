package dev.tnorders.opentact.it;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The pauses of this JVM (a collection, a starved CPU), as a thread that asks to wake every
 * millisecond sees them, jHiccup's way: when the sandbox, which runs in this JVM beside the broker,
 * could take no call in, and the calls that came meanwhile were counted together when it resumed.
 * The ITs log them beside the sandbox's busiest window, so a window above the limit says whether it
 * was the calls or the count.
 */
public final class Hiccups implements AutoCloseable {

    /** A pause: when it ended and how much longer than asked the thread slept. */
    public record Hiccup(Instant end, long ms) {
        @Override
        public String toString() {
            return ms + " ms to " + end;
        }
    }

    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The most this meter runs: a meter left behind ends on its own. */
    private static final long MAX_NANOS = TimeUnit.HOURS.toNanos(2);
    /** The most pauses kept. */
    private static final int MAX_KEPT = 100_000;

    private final long thresholdMs;
    private final List<Hiccup> seen = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    private Hiccups(long thresholdMs) {
        this.thresholdMs = thresholdMs;
        this.thread = new Thread(this::run, "it-hiccups");
        thread.setDaemon(true);
    }

    /** Starts a meter that keeps every pause longer than {@code thresholdMs}. */
    public static Hiccups start(long thresholdMs) {
        Hiccups h = new Hiccups(thresholdMs);
        h.thread.start();
        return h;
    }

    private void run() {
        long began = System.nanoTime();
        while (running && System.nanoTime() - began < MAX_NANOS) {
            long before = System.nanoTime();
            LockSupport.parkNanos(TICK_NANOS);
            long lateMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before - TICK_NANOS);
            if (lateMs > thresholdMs) {
                synchronized (seen) {
                    if (seen.size() < MAX_KEPT) {
                        seen.add(new Hiccup(Instant.now(), lateMs));
                    }
                }
            }
        }
    }

    /** The pauses that overlapped {@code [from, from + window)}. */
    public List<Hiccup> overlapping(Instant from, Duration window) {
        Instant to = from.plus(window);
        synchronized (seen) {
            return seen.stream()
                    .filter(h -> h.end().isAfter(from) && h.end().minusMillis(h.ms()).isBefore(to))
                    .toList();
        }
    }

    /** The longest pause seen, in ms (0 when none passed the threshold). */
    public long longestMs() {
        synchronized (seen) {
            return seen.stream().mapToLong(Hiccup::ms).max().orElse(0);
        }
    }

    /** How many pauses passed the threshold. */
    public int count() {
        synchronized (seen) {
            return seen.size();
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
