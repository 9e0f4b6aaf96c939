package dev.tnorders.opentact.intake;

import java.util.concurrent.atomic.LongAdder;

/** Answers of Opentact as they come (any thread): counted, then drained once per interval by {@link AdaptiveInFlight}. */
public final class AnsweredCalls {

    private final LongAdder answered = new LongAdder();
    private final LongAdder latency = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();

    /** What the calls of one interval showed. */
    public record Seen(long answered, long latencyNanos, long rateLimited) {
        static final Seen NONE = new Seen(0, 0, 0);
    }

    /**
     * A call came back.
     *
     * @param status       its HTTP status (null or 0: no answer)
     * @param latencyNanos how long it took
     */
    public void answered(Integer status, long latencyNanos) {
        if (status != null && status == 429) {
            rateLimited.increment();
        } else if (status != null && status > 0 && status < 500 && latencyNanos >= 0) {
            answered.increment();
            latency.add(latencyNanos);
        }
    }

    /** What came since the last drain. */
    public Seen drain() {
        return new Seen(answered.sumThenReset(), latency.sumThenReset(), rateLimited.sumThenReset());
    }
}
