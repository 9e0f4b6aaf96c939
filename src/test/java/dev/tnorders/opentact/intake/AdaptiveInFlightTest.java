package dev.tnorders.opentact.intake;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.client.OpentactCallThreads;
import dev.tnorders.opentact.intake.AdaptiveInFlight.Change;
import dev.tnorders.opentact.intake.AdaptiveInFlight.Sample;

import static org.assertj.core.api.Assertions.assertThat;

/** The records in flight per consumer follow the rate limit, between the floor and the cap (fake clock). */
class AdaptiveInFlightTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private long now = 1_000 * SECOND;

    private static Sample sample(double available, long taken, boolean held, long inFlight, long finished) {
        return new Sample(SECOND, available, taken, held, inFlight, finished, 1, AnsweredCalls.Seen.NONE);
    }

    private static Sample withCalls(Sample s, long answered, long latencyNanos, long rateLimited) {
        return new Sample(s.elapsedNanos(), s.turnsAvailable(), s.turnsTaken(), s.held(), s.inFlight(), s.finished(),
                s.consumers(), new AnsweredCalls.Seen(answered, latencyNanos * answered, rateLimited));
    }

    private Change tick(AdaptiveInFlight a, Sample s) {
        now += s.elapsedNanos();
        return a.observe(s, now);
    }

    @Test
    void theFirstGuessFollowsTheShare() {
        AdaptiveInFlight big = new AdaptiveInFlight(100, 20_000, true, 100);
        assertThat(tick(big, sample(100, 0, false, 0, 0))).isEqualTo(Change.SEEDED);
        assertThat(big.limit()).as("100 calls/s x 25 records per call x 8 s").isEqualTo(20_000);
        AdaptiveInFlight small = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(small, sample(5, 0, false, 0, 0));
        assertThat(small.limit()).isEqualTo(1_000);
        AdaptiveInFlight capped = new AdaptiveInFlight(100, 3_000, true, 100);
        tick(capped, sample(100, 0, false, 0, 0));
        assertThat(capped.limit()).as("never above the cap").isEqualTo(3_000);
        AdaptiveInFlight two = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(two, new Sample(SECOND, 100, 0, false, 0, 0, 2, AnsweredCalls.Seen.NONE));
        assertThat(two.limit()).as("two consumers share the rate").isEqualTo(10_000);
        AdaptiveInFlight unknown = new AdaptiveInFlight(100, 20_000, true, 100);
        assertThat(tick(unknown, sample(0, 0, true, 2000, 0))).as("no share known yet: no guess").isEqualTo(Change.NONE);
        assertThat(unknown.limit()).isEqualTo(AdaptiveInFlight.START);
    }

    @Test
    void growsWhileTurnsGoUnusedAndAConsumerIsHeldBackAtTheLimit() {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(a, sample(20, 0, false, 0, 0)); // seeded: 4000
        int seeded = a.limit();
        now += 10 * SECOND;
        assertThat(tick(a, sample(20, 10, false, 4000, 500))).as("not held back: nothing to gain").isEqualTo(Change.NONE);
        now += 10 * SECOND;
        assertThat(tick(a, sample(20, 10, true, 4000, 500))).isEqualTo(Change.GREW);
        assertThat(a.limit()).as("half the turns unused: about twice").isBetween(seeded * 18 / 10, seeded * 2);
        int grown = a.limit();
        assertThat(tick(a, sample(20, 10, true, grown, 500))).as("not again before a record's time").isEqualTo(Change.NONE);
        now += 10 * SECOND;
        assertThat(tick(a, sample(20, 20, true, grown, 500))).as("busy: no more").isEqualTo(Change.NONE);
        assertThat(tick(a, sample(20, 0, true, grown, 0))).as("no call went out: not the limit's doing")
                .isEqualTo(Change.NONE);
    }

    @Test
    void growingPausesWhenItBroughtNoMoreCalls() {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(a, sample(20, 0, false, 0, 0)); // 4000
        assertThat(tick(a, sample(20, 5, true, 4000, 0))).as("no record finished yet: nothing known")
                .isEqualTo(Change.NONE);
        now += 10 * SECOND;
        assertThat(tick(a, sample(20, 5, true, 4000, 200))).isEqualTo(Change.GREW);
        int grown = a.limit();
        now += 10 * SECOND;
        assertThat(tick(a, sample(20, 5, true, grown, 200))).as("twice as many in flight, no more calls (CPU, say)")
                .isEqualTo(Change.SHRANK_NO_GAIN);
        assertThat(a.limit()).as("back").isEqualTo(4000);
        now += 20 * SECOND;
        assertThat(tick(a, sample(20, 5, true, 4000, 200))).as("within the pause").isEqualTo(Change.NONE);
        now += 10 * SECOND;
        assertThat(tick(a, sample(20, 5, true, 4000, 200))).as("tried again after it").isEqualTo(Change.GREW);
        now += 10 * SECOND;
        assertThat(tick(a, sample(20, 12, true, a.limit(), 400))).as("that one brought calls: on").isEqualTo(Change.GREW);
    }

    @Test
    void aLargerShareScalesTheLimitAtOnceAndASmallerOneLeavesIt() {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(a, sample(1, 0, false, 0, 0)); // one call until the group is known
        assertThat(a.limit()).isEqualTo(200);
        assertThat(tick(a, sample(7, 0, true, 200, 0))).as("its share of R = 20").isEqualTo(Change.FOLLOWED_SHARE);
        assertThat(a.limit()).isEqualTo(1_400);
        assertThat(tick(a, sample(8, 7, true, 1_400, 100))).as("within a quarter: judged, not scaled")
                .isNotEqualTo(Change.FOLLOWED_SHARE);
        assertThat(a.limit()).isEqualTo(1_400);
        assertThat(tick(a, sample(2, 2, true, 1_400, 100))).as("smaller: left").isEqualTo(Change.NONE);
        assertThat(a.limit()).isEqualTo(1_400);
        assertThat(tick(a, sample(7, 0, true, 1_400, 0))).as("back: as it was").isEqualTo(Change.NONE);
        assertThat(tick(a, sample(20, 0, true, 1_400, 0))).as("the others ended: the whole R")
                .isEqualTo(Change.FOLLOWED_SHARE);
        assertThat(a.limit()).isEqualTo(4_000);
        AdaptiveInFlight capped = new AdaptiveInFlight(100, 1_000, true, 100);
        tick(capped, sample(1, 0, false, 0, 0));
        tick(capped, sample(100, 0, true, 200, 0));
        assertThat(capped.limit()).as("never above the cap").isEqualTo(1_000);
    }

    @Test
    void neverAboveTheCapNorBelowTheFloor() {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 5_000, true, 100);
        for (int i = 0; i < 50; i++) {
            now += 10 * SECOND;
            tick(a, sample(100, 10, true, a.limit(), a.limit() / 4));
        }
        assertThat(a.limit()).isEqualTo(5_000);
        for (int i = 0; i < 50; i++) {
            tick(a, withCalls(sample(100, 100, true, a.limit(), 10), 1, 100_000_000, 3));
        }
        assertThat(a.limit()).isEqualTo(100);
    }

    @Test
    void a429DecreasesMultiplicativelyAndHoldsGrowthForAWhile() {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(a, sample(40, 0, false, 0, 0)); // 8000
        for (int i = 0; i < 10; i++) {
            tick(a, withCalls(sample(40, 40, false, 8000, 1000), 40, 100_000_000, 0));
        }
        assertThat(tick(a, withCalls(sample(40, 40, true, 8000, 1000), 39, 100_000_000, 1)))
                .as("one 429 in about 400 calls: jitter").isEqualTo(Change.NONE);
        assertThat(tick(a, withCalls(sample(40, 40, true, 8000, 1000), 37, 100_000_000, 3))).isEqualTo(Change.SHRANK_429);
        assertThat(a.limit()).isEqualTo(5600);
        now += 2 * SECOND;
        assertThat(tick(a, sample(40, 10, true, 5600, 1000))).as("within the hold").isEqualTo(Change.NONE);
        now += 5 * SECOND;
        assertThat(tick(a, sample(40, 10, true, 5600, 1000))).isEqualTo(Change.GREW);
        assertThat(a.lastReason()).isEqualTo(Change.GREW);
    }

    @Test
    void aMuchSlowerOpentactDecreasesIt() {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(a, sample(40, 0, false, 0, 0)); // 8000
        for (int i = 0; i < 5; i++) {
            tick(a, withCalls(sample(40, 40, false, 8000, 1000), 40, 100_000_000, 0));
        }
        assertThat(a.limit()).isEqualTo(8000);
        Change c = Change.NONE;
        for (int i = 0; i < 10 && c == Change.NONE; i++) {
            c = tick(a, withCalls(sample(40, 40, false, 8000, 1000), 40, 5_000_000_000L, 0));
        }
        assertThat(c).isEqualTo(Change.SHRANK_SLOW);
        assertThat(a.limit()).isEqualTo(5600);
    }

    @Test
    void shrinksWhenEveryTurnIsUsedAndRecordsOnlyWaitLonger() {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(a, sample(20, 0, false, 0, 0)); // 4000
        now += 10 * SECOND;
        // turns left: a record takes 4000 / 1000 per s = 2 s without waiting
        tick(a, sample(20, 10, false, 4000, 1000));
        now += 10 * SECOND;
        // busy, 16000 in flight at 500/s: 16 s each, 8 times the 2 s
        Change c = Change.NONE;
        for (int i = 0; i < 20 && c == Change.NONE; i++) {
            c = tick(a, sample(20, 20, true, 16000, 500));
        }
        assertThat(c).isEqualTo(Change.SHRANK_EXCESS);
        assertThat(a.limit()).isLessThan(4000);
    }

    @Test
    void disabledItIsTheCap() {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 2_000, false, 100);
        assertThat(a.limit()).isEqualTo(2_000);
        assertThat(tick(a, withCalls(sample(100, 100, true, 2000, 10), 1, 1, 5))).isEqualTo(Change.NONE);
        assertThat(a.limit()).isEqualTo(2_000);
    }

    @Test
    void aChangeIsLoggedAtMostEveryFewSeconds() {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 20_000, true, 100);
        assertThat(a.toLog(now)).as("nothing changed").isEqualTo(-1);
        tick(a, sample(100, 0, false, 0, 0));
        assertThat(a.toLog(now)).isEqualTo(20_000);
        tick(a, withCalls(sample(100, 100, true, 20_000, 10), 1, 1, 5));
        assertThat(a.toLog(now)).as("2 s later").isEqualTo(-1);
        now += AdaptiveInFlight.LOG_EVERY_NANOS;
        assertThat(a.toLog(now)).isEqualTo(14_000);
    }

    @Test
    void theCallThreadsAreTwiceTheShareTimesTheLatency() {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 20_000, true, 100);
        assertThat(a.callThreads()).as("nothing known").isEqualTo(-1);
        tick(a, withCalls(sample(100, 0, false, 0, 0), 10, 300_000_000L, 0));
        assertThat(a.callThreads()).as("2 x 100/s x 0.3 s + 8").isEqualTo(68);
    }

    @Test
    void theCallThreadsStayBetweenTheirFloorAndCap() {
        OpentactCallThreads t = new OpentactCallThreads(128, true);
        try {
            assertThat(t.getMaximumPoolSize()).isEqualTo(32);
            t.resize(68);
            assertThat(t.getMaximumPoolSize()).isEqualTo(68);
            assertThat(t.getCorePoolSize()).isEqualTo(68);
            t.resize(1000);
            assertThat(t.getMaximumPoolSize()).isEqualTo(128);
            t.resize(5);
            assertThat(t.getMaximumPoolSize()).isEqualTo(32);
            assertThat(t.getCorePoolSize()).isEqualTo(32);
        } finally {
            t.shutdownNow();
        }
        OpentactCallThreads fixed = new OpentactCallThreads(16, false);
        try {
            fixed.resize(68);
            assertThat(fixed.getMaximumPoolSize()).as("not adaptive: the configured size").isEqualTo(16);
        } finally {
            fixed.shutdownNow();
        }
    }

    @Test
    void callsAreCountedAndDrained() {
        AnsweredCalls calls = new AnsweredCalls();
        calls.answered(200, 100);
        calls.answered(201, 300);
        calls.answered(429, 5);
        calls.answered(null, 7);
        calls.answered(503, 7);
        assertThat(calls.drain()).isEqualTo(new AnsweredCalls.Seen(2, 400, 1));
        assertThat(calls.drain()).isEqualTo(new AnsweredCalls.Seen(0, 0, 0));
    }

    /**
     * A model of the intake (Little's law): a record takes T0 without waiting; the account lets
     * R calls/s out, an order of 100 records takes 3 calls. From the former default, the limit
     * reaches what R needs within half a minute, and at a small R it does not keep much more.
     */
    @Test
    void inAModelItFindsWhatTheRateNeeds() {
        // at least what keeps 95% of the turns busy
        assertThat(settle(100, 3.5)).as("R = 100/s, T0 = 3.5 s: needs 11,700").isBetween(11_100, 20_000);
        assertThat(settle(20, 1.5)).as("R = 20/s, T0 = 1.5 s: needs 1,000").isBetween(950, 4_000);
        assertThat(settle(5, 2.5)).as("R = 5/s, T0 = 2.5 s: needs 420").isBetween(400, 2_000);
    }

    private int settle(double rate, double t0) {
        AdaptiveInFlight a = new AdaptiveInFlight(100, 20_000, true, 100);
        double recordsPerCall = 100 / 3.0;
        double maxRecords = rate * recordsPerCall;
        int worst = Integer.MAX_VALUE;
        for (int i = 0; i < 120; i++) {
            double n = a.limit(); // a backlog: the consumer is always at its limit
            double rec = Math.min(n / t0, maxRecords);
            long taken = Math.round(rec / recordsPerCall);
            tick(a, sample(rate, taken, true, (long) n, Math.round(rec)));
            if (i >= 30) {
                worst = Math.min(worst, a.limit());
            }
        }
        return worst;
    }

    @Test
    void aRecordsTimeIsAsMeasuredWhereItWasMeasured() {
        AdaptiveInFlight measured = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(measured, sample(6, 0, false, 0, 0));
        // a burst's first second: 700 records ended, 300 in flight at the end, each took 2 s
        Sample s = sample(6, 3, false, 300, 700);
        tick(measured, new Sample(s.elapsedNanos(), s.turnsAvailable(), s.turnsTaken(), s.held(), s.inFlight(),
                s.finished(), s.consumers(), s.calls(), 700 * 2 * SECOND));
        assertThat(measured.learnt()).startsWith("a record takes 2.0 s in flight (2.0 s without waiting");
        AdaptiveInFlight inferred = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(inferred, sample(6, 0, false, 0, 0));
        tick(inferred, s);
        assertThat(inferred.learnt()).as("Little's law from the snapshot: misled").startsWith("a record takes 0.4 s");
    }

    /**
     * Whole orders, as batching makes them (issue 23, three instances at R = 20: a share of 6 calls/s
     * each): 100 records to an order, four calls one after another, each waiting for its turn in
     * an even pace of the share. A limit of one order and a half leaves turns unused between an
     * order's calls; the limit must keep enough whole orders for a call to be ready at each turn.
     */
    @Test
    void atASmallShareItKeepsEnoughWholeOrdersForEveryTurn() {
        // the gap: the work between two calls of an order (its journal writes: an order POST's intent)
        assertThat(wholeOrdersModel(6, 115, 150)).as("a share of 6 calls/s, calls of 115 ms").isGreaterThanOrEqualTo(0.95);
        assertThat(wholeOrdersModel(5, 300, 150)).as("a share of 5 calls/s, calls of 300 ms").isGreaterThanOrEqualTo(0.95);
        assertThat(wholeOrdersModel(20, 20, 100)).as("a share of 20 calls/s, calls of 20 ms").isGreaterThanOrEqualTo(0.95);
        assertThat(wholeOrdersModel(2, 20, 20)).as("a share of 2 calls/s, calls of 20 ms").isGreaterThanOrEqualTo(0.95);
    }

    /**
     * Three instances at R = 5 (issue 23): shares of 2 and 1 calls per window of 1,073 ms, orders
     * whose lookups come 0.5 s and 1 s after the call before (the grid's stand-in), 0.3 s from an
     * order's end to the next one's records. One second's count of such a share is 0, 1 or 2:
     * judged per second, a share of two grew, then went back for "no gain" (1 call of 1.86 again),
     * and used 88% of its turns; judged over eight turns or more it keeps what each turn needs.
     */
    @Test
    void aShareOfOneOrTwoCallsAWindowIsJudgedOverEnoughTurns() {
        int[] lookups = {300, 0, 500, 1000};
        assertThat(model(1073, 110, 40, lookups)).as("one call per 1,073 ms").isGreaterThanOrEqualTo(0.95);
        assertThat(model(1073 / 2.0, 110, 40, lookups)).as("two calls per 1,073 ms").isGreaterThanOrEqualTo(0.95);
    }

    private double wholeOrdersModel(int share, int latencyMs, int gapMs) {
        return model(1000.0 / share, latencyMs, gapMs, new int[4]);
    }

    /**
     * The share of the turns used over the last minute of three, in a model of whole orders: a
     * backlog, orders of 100 records admitted while the limit has room, each made of four calls one
     * after another (latency, then a gap of work and the call's own wait), each call at the next
     * free turn of an even pace.
     */
    private double model(double spacingMs, int latencyMs, int gapMs, int[] waitsMs) {
        double turnsPerSecond = 1000 / spacingMs;
        AdaptiveInFlight a = new AdaptiveInFlight(100, 20_000, true, 100);
        tick(a, sample(turnsPerSecond, 0, false, 0, 0)); // seeded from the share
        // The burst's first second, as the grid's runs showed it: records finished fast while turns
        // were left (the first orders of a burst), so a record seemed to take 0.4 s unloaded.
        long half = (long) (turnsPerSecond / 2);
        tick(a, withCalls(sample(turnsPerSecond, half, false, 300, 700), half,
                TimeUnit.MILLISECONDS.toNanos(latencyMs), 0));
        int calls = waitsMs.length;
        java.util.List<int[]> orders = new java.util.ArrayList<>(); // {calls left, ready at (ms), busy, admitted at}
        double lastTurn = -spacingMs;
        long taken = 0;
        long takenLastMinute = 0;
        long finished = 0;
        long finishedMs = 0;
        long answered = 0;
        java.util.Random jitter = new java.util.Random((long) (turnsPerSecond * 1_000) + latencyMs);
        for (int ms = 0; ms < 180_000; ms++) {
            while ((orders.size() + 1) * 100 <= a.limit()) {
                orders.add(new int[] {calls, ms + gapMs / 2 + jitter.nextInt(gapMs + 1) + waitsMs[0], 0, ms});
            }
            for (java.util.Iterator<int[]> it = orders.iterator(); it.hasNext(); ) {
                int[] o = it.next();
                if (o[2] == 1 && ms >= o[1]) { // its call came back
                    o[2] = 0;
                    o[0]--;
                    answered++;
                    if (o[0] == 0) {
                        finished += 100;
                        finishedMs += 100L * (ms - o[3]);
                        it.remove();
                    } else {
                        o[1] = ms + gapMs / 2 + jitter.nextInt(gapMs + 1) + waitsMs[calls - o[0]];
                    }
                }
            }
            if (ms - lastTurn >= spacingMs) {
                for (int[] o : orders) {
                    if (o[2] == 0 && ms >= o[1]) {
                        o[2] = 1;
                        o[1] = ms + latencyMs / 2 + jitter.nextInt(latencyMs + 1);
                        lastTurn = ms;
                        taken++;
                        if (ms >= 120_000) {
                            takenLastMinute++;
                        }
                        break;
                    }
                }
            }
            if (ms % 1000 == 999) {
                Sample s = withCalls(sample(turnsPerSecond, taken, true, orders.size() * 100L, finished), answered,
                        TimeUnit.MILLISECONDS.toNanos(latencyMs), 0);
                tick(a, new Sample(s.elapsedNanos(), s.turnsAvailable(), s.turnsTaken(), s.held(), s.inFlight(),
                        s.finished(), s.consumers(), s.calls(), TimeUnit.MILLISECONDS.toNanos(finishedMs)));
                taken = 0;
                finished = 0;
                finishedMs = 0;
                answered = 0;
            }
        }
        return takenLastMinute / (60.0 * turnsPerSecond);
    }
}
