package dev.tnorders.opentact.intake;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How many records one requests consumer may have in flight now: enough to keep this instance's
 * share of the rate limit busy, no more. By Little's law the records in flight a rate needs are
 * that rate times the time a record takes, so the limit grows with the rate limit R and with the
 * time an order takes (Opentact's latency, the follow-up reads), and it is learnt rather than
 * computed by the user. Between a floor ({@code opentact.kafka.max-poll-records}) and a cap
 * ({@code opentact.kafka.max-in-flight}, the bound on memory), per interval ({@link #observe}),
 * growth and excess judged on the turns of {@value JudgedTurns#TURNS} or more ({@link JudgedTurns}):
 *
 * <ul>
 * <li>Opentact answered 429 (more than {@value #REFUSED} of the calls of the last ten seconds or so),
 *     or it slowed down well beyond its usual latency: the limit is multiplied by {@value #DECREASE}
 *     (and does not grow for {@link #HOLD_NANOS}).</li>
 * <li>Turns of the rate limit went unused while a consumer was held back at the limit with a
 *     backlog: the limit grows by the share of turns unused (up to twice), at most once per record
 *     time (the time until more records in flight show as more calls), and only while growing
 *     brings more calls (else the turns go unused for another reason, and more in flight would
 *     only wait: it goes back, and tries again after {@link #NO_GAIN_HOLD_NANOS}).</li>
 * <li>The share grew {@value #SHARE_STEP} times or more since the limit was set: the limit grows
 *     as much.</li>
 * <li>Every turn was used and a record now takes more than {@value #EXCESS} times as long as it
 *     does while turns are left (the rest is waiting for a turn: more in flight adds only latency):
 *     the limit shrinks towards {@value #HEADROOM} times what the rate needs, never below the whole
 *     orders a call at every turn needs ({@code wholeOrders}).</li>
 * </ul>
 *
 * <p>Before it has seen anything, the limit is a guess from the share alone (calls per second ×
 * records per call × {@value #SEED_SECONDS} s, over the consumers), so that a large R starts large. Disabled, the limit
 * is the cap, as before this class. Thread-safe; no clock of its own: the caller passes the
 * monotonic time of each interval (tests use a fake one).
 */
public final class AdaptiveInFlight {

    /**
     * 429s above this share of the calls (of the last ten intervals or so) decrease the limit: a
     * lone 429 among hundreds of calls is the jitter between this instance's clock and Opentact's.
     */
    static final double REFUSED = 0.01;
    static final double REFUSED_DECAY = 0.9;
    /** Multiplier after 429s or a slowdown. */
    static final double DECREASE = 0.7;
    /** No growth for this long after a decrease. */
    static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Below this share of its turns used, the rate limit is not busy. */
    static final double BUSY = 0.97;
    /** A growth by x must bring at least this share of x more calls, or growing pauses. */
    static final double GAIN = 0.25;
    /** How long growing pauses after a growth that brought no more calls. */
    static final long NO_GAIN_HOLD_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Record time over its unloaded value at which records in flight are in excess. */
    static final double EXCESS = 2.0;
    /** What an excess shrinks to: this times the record time without waiting. */
    static final double HEADROOM = 1.5;
    /** The latency EWMA over its usual value (and by at least a second) that counts as a slowdown. */
    static final double SLOW = 3.0;
    /** The first guess of a record's time in flight, before one was measured. */
    static final double SEED_SECONDS = 8.0;
    /** Calls an order needs (price, POST, reads), for the first guess only. */
    static final double CALLS_PER_ORDER = 4.0;
    /** Weight of a new interval in the moving averages. */
    static final double ALPHA = 0.3;
    /** The usual values (record time, latency) creep up this much per interval, to follow a lasting change. */
    static final double DRIFT = 1.02;
    /** A change of the limit is logged at most this often. */
    static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

    /**
     * What happened in one interval.
     *
     * @param elapsedNanos   the interval's length
     * @param turnsAvailable turns this instance's share of the rate limit allowed in it (0: none known yet)
     * @param turnsTaken     calls this instance sent in it
     * @param held           a consumer was held back by the limit with a backlog (records buffered or lag)
     * @param inFlight       records in flight in this instance at the interval's end (all consumers)
     * @param finished       records that finished in it (all consumers)
     * @param consumers      the consumers sharing the work (the limit is each one's)
     * @param calls          the calls answered in it ({@link AnsweredCalls#drain})
     * @param finishedNanos  the time in flight of the records that finished in it, summed (-1: not measured;
     *                       then it is inferred from records in flight at the interval's end, Little's law)
     */
    public record Sample(long elapsedNanos, double turnsAvailable, long turnsTaken, boolean held, long inFlight,
                         long finished, int consumers, AnsweredCalls.Seen calls, long finishedNanos) {

        /** A record's time in flight not measured: Little's law from the records in flight at the end. */
        public Sample(long elapsedNanos, double turnsAvailable, long turnsTaken, boolean held, long inFlight,
                      long finished, int consumers, AnsweredCalls.Seen calls) {
            this(elapsedNanos, turnsAvailable, turnsTaken, held, inFlight, finished, consumers, calls, -1);
        }
    }

    /** What the limit did in an interval, and why (for the log and tests). */
    public enum Change { NONE, SEEDED, GREW, FOLLOWED_SHARE, SHRANK_NO_GAIN, SHRANK_EXCESS, SHRANK_429, SHRANK_SLOW }

    private final int floor;
    private final int cap;
    private final boolean enabled;
    private final int recordsPerOrder;
    private final AnsweredCalls calls = new AnsweredCalls();
    private final JudgedTurns judged = new JudgedTurns();
    private volatile int limit;
    private boolean seeded;
    private double recordSeconds = Double.NaN;
    private double unloadedSeconds = Double.NaN;
    private double latencyNanos = Double.NaN;
    private double usualLatencyNanos = Double.NaN;
    private long holdUntil = Long.MIN_VALUE;
    private long lastChange = Long.MIN_VALUE;
    private long lastLog = Long.MIN_VALUE;
    private int loggedLimit;
    private Change lastReason = Change.NONE;
    private double shareCallsPerSecond = Double.NaN;
    /** The share (calls/s) the limit was last set at; a share {@value #SHARE_STEP} times larger scales it at once. */
    private double fittedShare = Double.NaN;
    /** 429s and calls of the last intervals, each interval weighing {@value #REFUSED_DECAY} of the next. */
    private double refusedShare;
    private double callsSeen;
    /** The limit before the last growth (0: none to judge), by how much it grew, and the calls/s then. */
    private int grownFrom;
    private double grownBy;
    private double grownAtCalls;

    /**
     * As beans.camel.yaml makes it, from the settings.
     *
     * @param maxPollRecords   {@code opentact.kafka.max-poll-records}: the floor
     * @param maxInFlight      {@code opentact.kafka.max-in-flight}: the cap
     * @param enabled          {@code opentact.kafka.adaptive-in-flight}
     * @param batching         {@code opentact.order.batching}
     * @param batchMaxNumbers  {@code opentact.order.batch-max-numbers}
     */
    public AdaptiveInFlight(int maxPollRecords, int maxInFlight, boolean enabled, boolean batching, int batchMaxNumbers) {
        this(Math.min(maxPollRecords, maxInFlight), maxInFlight, enabled,
                batching ? Math.min(maxPollRecords, batchMaxNumbers) : 1);
    }

    /**
     * @param floor           the least (at least 1): {@code opentact.kafka.max-poll-records}
     * @param cap             the most: {@code opentact.kafka.max-in-flight}
     * @param enabled         false: the limit is the cap, always
     * @param recordsPerOrder records one order carries at most (batching: the poll's size; else 1)
     */
    public AdaptiveInFlight(int floor, int cap, boolean enabled, int recordsPerOrder) {
        if (floor < 1 || cap < floor) {
            throw new IllegalArgumentException("the in-flight limit needs 1 <= floor <= cap, was " + floor + ", " + cap);
        }
        this.floor = floor;
        this.cap = cap;
        this.enabled = enabled;
        this.recordsPerOrder = Math.max(1, recordsPerOrder);
        this.limit = enabled ? Math.min(cap, Math.max(floor, START)) : cap;
        this.loggedLimit = limit;
    }

    /** Until the share is known: the former default (and the first guess at R = 20/s). */
    static final int START = 2000;

    /** The records one consumer may have in flight now. */
    public int limit() {
        return limit;
    }

    public int cap() {
        return cap;
    }

    public int floor() {
        return floor;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The calls' own signals, fed by whoever sees their answers. */
    public AnsweredCalls calls() {
        return calls;
    }

    /** Why the limit last changed. */
    public synchronized Change lastReason() {
        return lastReason;
    }

    /**
     * One interval's signals; returns what changed. Bounded: no loop, no wait.
     *
     * @param nowNanos the monotonic time at the interval's end
     */
    public synchronized Change observe(Sample s, long nowNanos) {
        if (!enabled || s.elapsedNanos() <= 0) {
            return Change.NONE;
        }
        double seconds = s.elapsedNanos() / 1e9;
        if (s.turnsAvailable() > 0) {
            shareCallsPerSecond = s.turnsAvailable() / seconds;
        }
        AnsweredCalls.Seen c = s.calls() == null ? AnsweredCalls.Seen.NONE : s.calls();
        boolean slow = learnLatency(c);
        double used = s.turnsAvailable() > 0 ? s.turnsTaken() / s.turnsAvailable() : Double.NaN;
        learnRecordTime(s, seconds, used);
        int before = limit;
        Change change = Change.NONE;
        refusedShare = REFUSED_DECAY * refusedShare + c.rateLimited();
        callsSeen = REFUSED_DECAY * callsSeen + c.answered() + c.rateLimited();
        if (c.rateLimited() > 0 && refusedShare > REFUSED * callsSeen) {
            change = decrease(Change.SHRANK_429, nowNanos);
        } else if (slow) {
            change = decrease(Change.SHRANK_SLOW, nowNanos);
        } else if (!seeded && s.turnsAvailable() > 0) {
            seeded = true;
            double callsPerSecond = s.turnsAvailable() / seconds;
            limit = clamp(callsPerSecond * recordsPerOrder / CALLS_PER_ORDER * SEED_SECONDS / Math.max(1, s.consumers()));
            change = limit != before ? Change.SEEDED : Change.NONE;
            fittedShare = callsPerSecond;
        } else if (s.turnsAvailable() > 0 && shareCallsPerSecond > fittedShare * SHARE_STEP) {
            grownFrom = 0;
            limit = clamp(limit * shareCallsPerSecond / fittedShare);
            change = limit > before ? Change.FOLLOWED_SHARE : Change.NONE;
            fittedShare = shareCallsPerSecond;
        } else if (judged.full(s.turnsAvailable(), s.turnsTaken(), s.elapsedNanos(), s.held(), settled(nowNanos))) {
            change = judge(s, seconds, nowNanos);
        }
        if (limit != before) {
            fittedShare = shareCallsPerSecond;
            judged.clear();
            lastChange = nowNanos;
            lastReason = change;
        }
        return change;
    }

    /**
     * A share this many times the one the limit was set at scales it by as much at once (Little's law).
     * The instance left with the backlog when the others ended took the whole R in a look, and kept
     * its share of one call's limit for 15 s (three instances at R = 5: 3-4 calls/s of 5 in the last
     * 20 s). A smaller share leaves it (the share may come back; an excess shrinks it).
     */
    static final double SHARE_STEP = 1.25;

    /** Growth or excess, on the turns of the last settled intervals; one interval's feed the record time only. */
    private Change judge(Sample s, double seconds, long nowNanos) {
        double used = judged.used();
        double windowSeconds = judged.seconds();
        boolean held = judged.held();
        long taken = judged.taken();
        judged.clear();
        if (used < BUSY && held && taken > 0 && !Double.isNaN(recordSeconds)
                && (holdUntil == Long.MIN_VALUE || nowNanos - holdUntil >= 0)) {
            return grow(taken / windowSeconds, used, nowNanos);
        }
        if (used >= BUSY && held && !Double.isNaN(unloadedSeconds) && recordSeconds > EXCESS * unloadedSeconds) {
            int before = limit;
            double factor = Math.max(DECREASE, HEADROOM * unloadedSeconds / recordSeconds);
            limit = Math.max(clamp((double) limit * factor), Math.min(before, clamp(wholeOrders(s, seconds))));
            return limit < before ? Change.SHRANK_EXCESS : Change.NONE;
        }
        return Change.NONE;
    }

    /**
     * More in flight, unless the last growth brought no more calls: then the turns are left unused
     * for another reason (Opentact, this JVM's CPU, the journal), the limit goes back to what it
     * was, and it waits {@link #NO_GAIN_HOLD_NANOS} before it tries again.
     */
    private Change grow(double callsPerSecond, double used, long nowNanos) {
        int before = limit;
        if (grownFrom > 0 && callsPerSecond < grownAtCalls * (1 + (grownBy - 1) * GAIN)) {
            limit = Math.min(limit, grownFrom); // it only added waiting: back
            grownFrom = 0;
            holdUntil = nowNanos + NO_GAIN_HOLD_NANOS;
            return limit < before ? Change.SHRANK_NO_GAIN : Change.NONE;
        }
        double factor = Math.min(2.0, Math.max(1.1, BUSY / Math.max(used, 0.01)));
        limit = clamp((double) limit * factor);
        if (limit <= before) {
            return Change.NONE;
        }
        grownFrom = before;
        grownBy = (double) limit / before;
        grownAtCalls = callsPerSecond;
        return Change.GREW;
    }

    /**
     * The least an excess shrinks the limit to: whole orders (of {@code recordsPerOrder}, their calls
     * one after another) for a call ready at each turn. By Little's law the rate needs records
     * finished per second × a record's time without waiting for a turn in flight, and the share ×
     * the calls' latency calls, one order each; in whole orders, {@value #SPARE_ORDERS} more (between
     * two calls, or forming). Below it a share of 6 calls/s used 4, with 1.5 orders in flight.
     */
    private double wholeOrders(Sample s, double seconds) {
        int consumers = Math.max(1, s.consumers());
        double orders = -1;
        if (!Double.isNaN(shareCallsPerSecond) && !Double.isNaN(latencyNanos)) {
            orders = Math.ceil(shareCallsPerSecond * latencyNanos / 1e9 / consumers);
        }
        if (!Double.isNaN(unloadedSeconds) && s.finished() > 0) {
            orders = Math.max(orders, Math.ceil(s.finished() / seconds * unloadedSeconds / consumers / recordsPerOrder));
        }
        return orders < 0 ? floor : (orders + SPARE_ORDERS) * recordsPerOrder;
    }

    static final int SPARE_ORDERS = 2;

    private Change decrease(Change why, long nowNanos) {
        grownFrom = 0;
        holdUntil = nowNanos + HOLD_NANOS;
        int before = limit;
        limit = clamp(limit * DECREASE);
        return limit < before ? why : Change.NONE;
    }

    private boolean settled(long nowNanos) {
        return lastChange == Long.MIN_VALUE || nowNanos - lastChange >= settleNanos();
    }

    /** After a change, the time until it shows: about a record's time in flight (1 to 10 s). */
    private long settleNanos() {
        double s = Double.isNaN(recordSeconds) ? 1.0 : Math.min(10.0, Math.max(1.0, recordSeconds));
        return (long) (s * 1e9);
    }

    /**
     * The threads the calls need (Little's law again: calls in flight = calls/s × latency): twice
     * this instance's share × the calls' latency, and {@value #SPARE_THREADS} more (the work between
     * a case's calls runs on them too); -1 until both are known.
     */
    public synchronized int callThreads() {
        if (Double.isNaN(shareCallsPerSecond) || Double.isNaN(latencyNanos)) {
            return -1;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceil(2 * shareCallsPerSecond * latencyNanos / 1e9) + SPARE_THREADS);
    }

    static final int SPARE_THREADS = 8;

    /** Whether Opentact answers much slower than usual now. */
    private boolean learnLatency(AnsweredCalls.Seen c) {
        if (c.answered() == 0) {
            return false;
        }
        double mean = (double) c.latencyNanos() / c.answered();
        latencyNanos = Double.isNaN(latencyNanos) ? mean : latencyNanos + ALPHA * (mean - latencyNanos);
        usualLatencyNanos = Double.isNaN(usualLatencyNanos) ? latencyNanos
                : Math.min(usualLatencyNanos * DRIFT, latencyNanos);
        return latencyNanos > SLOW * usualLatencyNanos
                && latencyNanos - usualLatencyNanos > TimeUnit.SECONDS.toNanos(1);
    }

    /**
     * A record's time in flight: as measured (the records that finished, from their hand-over to
     * their end), or by Little's law (records in flight / records finished per second). Little's law
     * from one snapshot of the records in flight misleads with whole orders: at the interval's end
     * an order of 100 may just have ended, and a burst's first orders ending together made a record
     * seem to take 0.4 s where it took 2.
     */
    private void learnRecordTime(Sample s, double seconds, double used) {
        if (s.finished() <= 0 || (s.inFlight() <= 0 && s.finishedNanos() < 0)) {
            return;
        }
        double t = s.finishedNanos() >= 0 ? s.finishedNanos() / 1e9 / s.finished() : s.inFlight() / (s.finished() / seconds);
        recordSeconds = Double.isNaN(recordSeconds) ? t : recordSeconds + ALPHA * (t - recordSeconds);
        if (Double.isNaN(unloadedSeconds)) {
            unloadedSeconds = recordSeconds;
        } else if (!Double.isNaN(used) && used < BUSY) {
            unloadedSeconds = Math.min(unloadedSeconds * DRIFT, recordSeconds); // turns left: no wait for them
        } else {
            unloadedSeconds = unloadedSeconds * DRIFT;
        }
    }

    private int clamp(double v) {
        if (Double.isNaN(v)) {
            return limit;
        }
        return (int) Math.max(floor, Math.min(cap, Math.round(v)));
    }

    /** The limit to log now, if it changed and the last log is old enough; else -1. */
    public synchronized int toLog(long nowNanos) {
        if (limit == loggedLimit || (lastLog != Long.MIN_VALUE && nowNanos - lastLog < LOG_EVERY_NANOS)) {
            return -1;
        }
        lastLog = nowNanos;
        loggedLimit = limit;
        return limit;
    }

    /** For the log: the record time and the latency it has learnt. */
    public synchronized String learnt() {
        return String.format(Locale.ROOT, "a record takes %.1f s in flight (%.1f s without waiting for "
                        + "a turn), calls %.0f ms", recordSeconds, unloadedSeconds,
                Double.isNaN(latencyNanos) ? Double.NaN : latencyNanos / 1e6);
    }
}
