package dev.tnorders.opentact.order;

import dev.tnorders.opentact.client.OrderStatus;

/**
 * How long to wait: between the reads of a placed order (doubling from the poll interval up to
 * its maximum, until the order is final or the follow deadline passes), and before an order POST
 * that Opentact refused with 429 is sent again.
 */
public class FollowPolicy {

    /** Reads of one order at the most, whatever the deadline: every loop is bounded in count too. */
    static final int MAX_POLLS = 10_000;

    private final OrderClock clock;
    private final long pollIntervalMs;
    private final long pollMaxIntervalMs;
    private final long followDeadlineMs;

    public FollowPolicy(OrderClock clock, long pollIntervalMs, long pollMaxIntervalMs, long followDeadlineMs) {
        this.clock = clock;
        this.pollIntervalMs = pollIntervalMs;
        this.pollMaxIntervalMs = pollMaxIntervalMs;
        this.followDeadlineMs = followDeadlineMs;
    }

    /** Wait before read number {@code pollIndex} (0-based): doubling from the interval up to the maximum. */
    public long pollDelay(int pollIndex) {
        long delay = pollIntervalMs << Math.min(Math.max(pollIndex, 0), 20);
        return Math.min(delay, Math.max(pollIntervalMs, pollMaxIntervalMs));
    }

    /** Whether to read the order again: not final yet, before the deadline, and under the read cap. */
    public boolean keepFollowing(OrderStatus status, long startedMillis, int pollIndex) {
        if (status != null && status.isFinal()) {
            return false;
        }
        return pollIndex < MAX_POLLS && clock.millis() - startedMillis < followDeadlineMs;
    }

    /**
     * How long to wait before sending again an order POST that Opentact refused with 429: what
     * its Retry-After asked, and at least 1 s doubling with each try, at most a minute.
     */
    public long rateLimitedWait(long retryAfterMillis, int tryIndex) {
        long backoff = 1000L << Math.min(Math.max(tryIndex, 0), 6);
        return Math.min(60_000L, Math.max(retryAfterMillis, backoff));
    }
}
