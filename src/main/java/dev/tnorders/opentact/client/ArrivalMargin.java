package dev.tnorders.opentact.client;

/**
 * How much longer than {@code opentact.api.rate-limit-window-ms} this instance spaces its calls,
 * learned from Opentact's 429s. The shares add up to the limit as calls leave; Opentact counts them
 * as they arrive, and two calls sent a window apart arrive closer together when the first was held
 * up on its way (a busy host, a pause of the JVM, the network). The configured window's margin
 * over Opentact's second (20 ms at 1,020 ms) covers a jitter that small; where a 429 says the calls
 * arrived closer, the window grows by {@link #STEP_MS} (at most once a window: the 429s of one burst
 * are one sign), up to {@link #MAX_PERCENT}% of the window; after {@link #QUIET_MS} without a 429 it
 * shrinks by a step again. So a quiet host keeps the whole limit and a jittery one stops drawing
 * 429s at the cost of a little of it. Not thread-safe: {@link SharedRateLimit} calls it under a lock.
 */
final class ArrivalMargin {

    /** What one 429 adds to the window. */
    static final long STEP_MS = 20;
    /** The most the window grows, in % of the configured window. */
    static final int MAX_PERCENT = 25;
    /** How long without a 429 before the window shrinks by a step. */
    static final long QUIET_MS = 60_000;

    private final long windowMs;
    private final long maxExtraMs;
    private long extraMs;
    private long lastGrewMs = Long.MIN_VALUE / 2;
    private long lastChangeMs;

    ArrivalMargin(long windowMs, long nowMs) {
        this.windowMs = windowMs;
        this.maxExtraMs = Math.max(STEP_MS, windowMs * MAX_PERCENT / 100);
        this.lastChangeMs = nowMs;
    }

    /** Opentact answered 429 at {@code nowMs}: the window grows by a step, at most once a window. */
    boolean rateLimited(long nowMs) {
        decay(nowMs);
        if (nowMs - lastGrewMs < windowMs + extraMs || extraMs >= maxExtraMs) {
            return false;
        }
        extraMs = Math.min(maxExtraMs, extraMs + STEP_MS);
        lastGrewMs = nowMs;
        lastChangeMs = nowMs;
        return true;
    }

    /** The window to space calls in now, in ms: the configured one and what the 429s added. */
    long windowMs(long nowMs) {
        decay(nowMs);
        return windowMs + extraMs;
    }

    /** The most {@link #windowMs} can be (how long sent calls are remembered). */
    long maxWindowMs() {
        return windowMs + maxExtraMs;
    }

    private void decay(long nowMs) {
        if (extraMs == 0) {
            return;
        }
        long steps = (nowMs - lastChangeMs) / QUIET_MS;
        if (steps > 0) {
            extraMs = Math.max(0, extraMs - steps * STEP_MS);
            lastChangeMs += steps * QUIET_MS;
        }
    }
}
