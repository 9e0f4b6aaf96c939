package dev.tnorders.opentact.journal;

import java.util.HashMap;
import java.util.Map;

/**
 * Whether the journal's view is stuck behind an open transaction. A {@code read_committed} reader
 * stops at a partition's last stable offset: the first record of a transaction still open. That
 * trails every commit for a moment; a transaction that stays open (a producer that hangs, or one
 * killed with a long transaction timeout) stops it for good, and every entry written after it, by
 * any instance, stays unseen. The view is stale when, for longer than {@code staleAfterMs}, the
 * reader's position has not moved while the partition's log goes on beyond it.
 *
 * <p>Fed with what the reader sees after each read to the end; no Kafka in here.
 */
public final class StaleViewRule {

    /** The default: twice the journal producers' transaction timeout (15 s), as a killed one's is aborted after it. */
    public static final long DEFAULT_STALE_AFTER_MS = 30_000;

    /** Where a partition's reader stopped short of the log's end, and since when. */
    private record Behind(long position, long logEnd, long since) {
    }

    private final long staleAfterMs;
    private final Map<Integer, Behind> behind = new HashMap<>();

    public StaleViewRule(long staleAfterMs) {
        if (staleAfterMs < 1) {
            throw new IllegalArgumentException("the journal's stale-after time must be at least 1 ms: " + staleAfterMs);
        }
        this.staleAfterMs = staleAfterMs;
    }

    /**
     * @param position the read_committed reader's position after reading to its end (the last stable offset)
     * @param logEnd   the partition's log end (high watermark, read_uncommitted)
     */
    public synchronized void observe(int partition, long position, long logEnd, long nowMillis) {
        if (position >= logEnd) {
            behind.remove(partition);
            return;
        }
        Behind b = behind.get(partition);
        if (b == null || b.position() != position) {
            behind.put(partition, new Behind(position, logEnd, nowMillis)); // moving: not stuck (yet)
        } else {
            behind.put(partition, new Behind(position, logEnd, b.since()));
        }
    }

    /** Why the view is stale, for a person to read; null when it is not. */
    public synchronized String problem(String topic, long nowMillis) {
        StringBuilder out = null;
        for (Map.Entry<Integer, Behind> e : behind.entrySet()) {
            Behind b = e.getValue();
            long stuckMs = nowMillis - b.since();
            if (stuckMs <= staleAfterMs) {
                continue;
            }
            String one = "order journal '" + topic + "' partition " + e.getKey() + " is stuck at offset " + b.position()
                    + " (log end " + b.logEnd() + ") behind a transaction open for " + (stuckMs / 1000)
                    + " s: entries written after it are not visible, so no order is decided until it is committed "
                    + "or aborted";
            out = out == null ? new StringBuilder(one) : out.append("; ").append(one);
        }
        return out == null ? null : out.toString();
    }
}
