package dev.tnorders.opentact.files;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The time left for a file from the recent rate of its requests' outcomes: the outcomes counted in
 * the last {@code windowMs} (or since the first count, when shorter) over that time. Unknown (-1)
 * until two counts a while apart show a rate; zero once all are there. No I/O, no clock of its own.
 */
public final class Eta {

    private record Sample(long atMs, long done) {
    }

    private final long windowMs;
    private final Deque<Sample> samples = new ArrayDeque<>();

    public Eta(long windowMs) {
        this.windowMs = Math.max(1, windowMs);
    }

    /** The outcomes counted so far, at a time (milliseconds of any monotonic clock). */
    public synchronized void observe(long atMs, long done) {
        Sample last = samples.peekLast();
        if (last != null && (done < last.done() || atMs < last.atMs())) {
            samples.clear(); // counted again from a checkpoint, or the clock stepped: start over
        }
        samples.addLast(new Sample(atMs, done));
        while (samples.size() > 2 && samples.peekFirst().atMs() < atMs - windowMs) {
            samples.removeFirst();
        }
    }

    /** Outcomes per second lately, or 0 when not known yet. */
    public synchronized double perSecond() {
        if (samples.size() < 2) {
            return 0;
        }
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        long ms = last.atMs() - first.atMs();
        return ms < 1000 ? 0 : (last.done() - first.done()) * 1000.0 / ms;
    }

    /**
     * Milliseconds left to reach {@code expected} at the recent rate: 0 when there, -1 when no rate is
     * known yet (nothing counted in the window).
     */
    public synchronized long remainingMs(long expected) {
        Sample last = samples.peekLast();
        long done = last == null ? 0 : last.done();
        if (done >= expected && expected > 0) {
            return 0;
        }
        double rate = perSecond();
        if (rate <= 0) {
            return -1;
        }
        return Math.round((expected - done) / rate * 1000);
    }

    /**
     * The requests a file will have: its count once handed on; while it is read, the requests so far
     * scaled by the rows still to read.
     */
    public static long expectedRequests(FileRead read) {
        if (read == null) {
            return 0;
        }
        if (read.handedOn() || read.rowsRead() <= 0 || read.rowsTotal() <= read.rowsRead()) {
            return read.requests();
        }
        return Math.round((double) read.requests() * read.rowsTotal() / read.rowsRead());
    }
}
