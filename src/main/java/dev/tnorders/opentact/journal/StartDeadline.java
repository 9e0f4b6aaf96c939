package dev.tnorders.opentact.journal;

import java.util.concurrent.TimeUnit;

/**
 * How long each step of the journal's start that talks to Kafka may still take: the start as a
 * whole is bounded by the settings' startup timeout ({@code opentact.kafka.startup-timeout-ms}).
 */
final class StartDeadline {

    private final long deadline;
    private final long startupTimeoutMs;

    /** A start beginning now. */
    StartDeadline(long startupTimeoutMs) {
        this(startupTimeoutMs, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(startupTimeoutMs));
    }

    /** @param deadline when the start must be over, as {@link System#nanoTime} */
    StartDeadline(long startupTimeoutMs, long deadline) {
        this.startupTimeoutMs = startupTimeoutMs;
        this.deadline = deadline;
    }

    /** What is left of the startup timeout (negative once it is over). */
    long remainingMs() {
        return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    }

    /**
     * How long a later step of the start may wait: what is left of the startup timeout, but a few
     * seconds at least (the brokers answered the steps before it; a step left with a millisecond
     * would fail for nothing).
     */
    long stepMs() {
        return Math.max(remainingMs(), Math.min(5_000, startupTimeoutMs));
    }
}
