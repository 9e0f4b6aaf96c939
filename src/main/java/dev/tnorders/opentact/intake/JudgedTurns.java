package dev.tnorders.opentact.intake;

import java.util.concurrent.TimeUnit;

/**
 * The turns of the intervals since the in-flight limit last changed and settled, judged together
 * by the in-flight limit once they hold {@value #TURNS} turns (or {@link #MAX_NANOS} passed).
 * A share of one or two calls a window takes 0, 1 or 2 calls in one interval of a second: one call
 * of 1.86 looked like half the turns unused (the limit grew, then went back for "no gain"), one of
 * 0.93 like all of them used (it never grew). Three instances at R = 5 so used 4.1 calls/s of 5,
 * with one order in flight where a share of one call needed three. Not thread-safe: its owner's
 * lock guards it.
 */
final class JudgedTurns {

    /** The turns a judgment spans at least. */
    static final double TURNS = 8;
    /** ... unless this long passed first. */
    static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(10);

    private double available;
    private long taken;
    private long nanos;
    private boolean held;

    /**
     * Adds an interval; true once enough turns are in. An interval before the limit settled, or
     * with no share known, starts the count again.
     */
    boolean full(double turnsAvailable, long turnsTaken, long elapsedNanos, boolean heldBack, boolean settled) {
        if (!settled || turnsAvailable <= 0) {
            clear();
            return false;
        }
        available += turnsAvailable;
        taken += turnsTaken;
        nanos += elapsedNanos;
        held |= heldBack;
        return available >= TURNS || nanos >= MAX_NANOS;
    }

    /** The share of the turns taken. */
    double used() {
        return available <= 0 ? Double.NaN : taken / available;
    }

    long taken() {
        return taken;
    }

    double seconds() {
        return nanos / 1e9;
    }

    /** Whether a consumer was held back at the limit with a backlog in any of the intervals. */
    boolean held() {
        return held;
    }

    void clear() {
        available = 0;
        taken = 0;
        nanos = 0;
        held = false;
    }
}
