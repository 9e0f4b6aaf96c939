package dev.tnorders.opentact.client;

import java.util.concurrent.TimeUnit;

/**
 * How long each stage of a call to Opentact may take before its caller stops waiting
 * ({@link CallTicket#overdue}): in the queue (the rate limit, the workers' pool) at most
 * {@code opentact.api.queue-timeout-ms}; once sent, the connect and response timeouts; between two
 * attempts of a retried call, the longest backoff or Retry-After. Each has a grace on top, for
 * the route's own steps: a call that overruns a stage by more than that was lost inside Camel,
 * and fails after its deadline instead of stalling its caller.
 */
public record CallDeadlines(long queueMs, long connectMs, long responseMs, long betweenAttemptsMs, long graceMs) {

    /** Where a call is: made, waiting in a queue, sent, answered. */
    /** Where the call is. */
    public enum Stage { CREATED, QUEUED, SENT, ANSWERED }


    /** What a stage may overrun its own limit by before the caller gives up on it. */
    public static final long GRACE_MS = 5_000;

    public CallDeadlines {
        if (queueMs < 1 || connectMs < 1 || responseMs < 1) {
            throw new IllegalArgumentException("opentact.api.queue-timeout-ms, connect-timeout-ms and response-timeout-ms "
                    + "must be at least 1 ms: " + queueMs + ", " + connectMs + ", " + responseMs);
        }
    }

    /**
     * @param retries      {@code opentact.api.retries}: the backoff doubles this often at the most
     * @param retryDelayMs {@code opentact.api.retry-delay-ms}: the first backoff
     */
    public static CallDeadlines of(long queueMs, long connectMs, long responseMs, int retries, long retryDelayMs) {
        // Camel's exponential backoff (multiplier 2) with collision avoidance (up to +15%).
        long backoff = (long) Math.ceil(retryDelayMs * Math.pow(2, Math.max(0, retries - 1)) * 1.15);
        return new CallDeadlines(queueMs, connectMs, responseMs,
                Math.max(backoff, OpentactResponses.MAX_RETRY_AFTER_MS), GRACE_MS);
    }

    long queueNanos() {
        return TimeUnit.MILLISECONDS.toNanos(queueMs);
    }

    /** How long a stage may last before the caller stops waiting. */
    long limitNanos(CallDeadlines.Stage stage) {
        long ms = switch (stage) {
            case CREATED, QUEUED -> queueMs;
            case SENT -> connectMs + responseMs;
            case ANSWERED -> betweenAttemptsMs;
        };
        return TimeUnit.MILLISECONDS.toNanos(ms + graceMs);
    }

    /** The longest one attempt can take, queue included (for the docs and the lease arithmetic). */
    public long attemptMs() {
        return queueMs + connectMs + responseMs + 3 * graceMs;
    }
}
