package dev.tnorders.opentact.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ShareClaimsTest {

    private static final long W = 1020;
    private static final long GONE = 5 * 2000 + W;

    /** One member of the model: its claims, its records not written yet, and how far it read the log. */
    private static final class Member {
        final String key;
        final ShareClaims claims;
        final Deque<ShareClaims.Entry> unwritten = new ArrayDeque<>();
        int readUpTo;
        /** (time, level) whenever the level was looked at: a step function of time. */
        final List<long[]> history = new ArrayList<>();

        Member(String key, long limit, long hold, long gone) {
            this.key = key;
            this.claims = new ShareClaims(key, limit, hold, gone);
        }
    }

    private record Rec(String key, ShareClaims.Entry entry) {
    }

    @Test
    void aRaiseWaitsForItsGrantAndAWindowADecreaseIsAtOnce() {
        List<Rec> log = new ArrayList<>();
        ShareClaims a = new ShareClaims("a", 6, W, GONE);
        ShareClaims b = new ShareClaims("b", 6, W, GONE);
        long t = 0;
        log.add(new Rec("a", a.decide(3, 0, true, t)));
        log.add(new Rec("b", b.decide(3, 0, true, t)));
        readAll(a, log, 0, t);
        readAll(b, log, 0, t);
        assertThat(a.level(t)).as("granted, in the hold").isZero();
        t += W;
        assertThat(a.level(t)).isEqualTo(3);
        assertThat(b.level(t)).isEqualTo(3);
        // b has the backlog now: a's target falls to 0 at once, b's rises to 6 only when a's lower claim is in the log
        int from = log.size();
        log.add(new Rec("b", b.decide(6, 400, true, t)));
        readAll(b, log, from, t);
        assertThat(b.level(t)).as("a still claims 3: refused").isEqualTo(3);
        assertThat(b.refusals()).isEqualTo(1);
        assertThat(a.decide(0, 0, true, t).claim()).isZero();
        assertThat(a.level(t)).as("down at once").isZero();
        log.add(new Rec("a", new ShareClaims.Entry(0, 0, 2)));
        from = log.size();
        ShareClaims.Entry again = b.decide(6, 400, true, t);
        assertThat(again.claim()).as("the refused claim replaced by a new one, judged at its own place").isEqualTo(6);
        log.add(new Rec("b", again));
        readAll(b, log, from - 1, t);
        assertThat(b.grants()).isEqualTo(2);
        assertThat(b.level(t + W - 1)).as("granted, in the hold").isEqualTo(3);
        assertThat(b.level(t + W)).isEqualTo(6);
    }

    /** Another instance's calls can reach Opentact only once it claims, or asks with demand, first. */
    /**
     * What makes a look worth making before the next interval: another member's demand starting,
     * ending or doubling (not a trickle's small changes, not a large demand growing larger), a lower
     * claim while this instance wants more, and this instance's own demand moving likewise.
     */
    @Test
    void newsIsADemandThatStartsEndsOrDoublesOrRoomForARaiseWanted() {
        ShareClaims a = new ShareClaims("a", 20, W, GONE); // large demand: 150 x 20 / 2 = 1,500 records
        long t = 0;
        a.read("a", a.decide(10, 0, true, t), t); // read back alone: granted
        t += W;
        assertThat(a.level(t)).isEqualTo(10);
        assertThat(a.news()).isFalse();
        a.read("b", new ShareClaims.Entry(0, 10, 1), t);
        assertThat(a.news()).as("a member idle").isFalse();
        a.read("b", new ShareClaims.Entry(3, 10, 2), t);
        assertThat(a.news()).as("its demand began").isTrue();
        a.decide(10, 0, true, t);
        a.read("b", new ShareClaims.Entry(6, 10, 3), t);
        assertThat(a.news()).as("a trickle doubling: 3 to 6 records").isFalse();
        a.read("b", new ShareClaims.Entry(400, 10, 4), t);
        assertThat(a.news()).as("a backlog").isTrue();
        a.decide(10, 0, true, t);
        a.read("b", new ShareClaims.Entry(700, 10, 5), t);
        assertThat(a.news()).isFalse();
        a.read("b", new ShareClaims.Entry(1400, 10, 6), t);
        assertThat(a.news()).as("doubled").isTrue();
        a.decide(10, 0, true, t);
        a.read("b", new ShareClaims.Entry(90_000, 10, 7), t);
        assertThat(a.news()).as("larger than large weighs the same").isFalse();
        a.read("b", new ShareClaims.Entry(90_000, 8, 8), t);
        assertThat(a.news()).as("a lower claim, and this instance wants no more").isFalse();
        a.decide(12, 0, true, t); // wants 12, has 10 (its raise waits)
        a.read("b", new ShareClaims.Entry(90_000, 7, 9), t);
        assertThat(a.news()).as("a lower claim while this instance wants more").isTrue();
        a.decide(12, 0, true, t);
        a.read("b", new ShareClaims.Entry(0, 7, 10), t);
        assertThat(a.news()).as("its demand ended").isTrue();
        a.members(5, t);
        a.decide(10, 5, true, t);
        assertThat(a.demandMoved(5)).isFalse();
        assertThat(a.demandMoved(9)).as("a trickle").isFalse();
        assertThat(a.demandMoved(0)).as("this instance's own demand ended").isTrue();
        assertThat(a.demandMoved(2000)).as("... or grew to a backlog").isTrue();
        // A backlog polled in parts: split at its first part's size (the figure published before)
        a.members(400, t);
        a.decide(10, 400, true, t);
        a.members(2400, t);
        a.decide(10, 2400, true, t);
        assertThat(a.demandMoved(2400)).as("published 2,400, split as 400: the others see 2,400 now").isTrue();
        a.members(2400, t);
        a.decide(10, 2400, true, t);
        assertThat(a.demandMoved(2400)).isFalse();
    }

    @Test
    void othersAreActiveWhileTheyClaimOrAskAndNotWhenIdleOrGone() {
        ShareClaims a = new ShareClaims("a", 6, W, GONE);
        assertThat(a.othersActive(0)).as("alone").isFalse();
        a.read("b", new ShareClaims.Entry(0, 0, 1), 0);
        assertThat(a.othersActive(0)).as("an idle member claiming nothing").isFalse();
        a.read("b", new ShareClaims.Entry(5, 0, 2), 10);
        assertThat(a.othersActive(10)).as("demand: it may be granted a share after a's next record").isTrue();
        a.read("b", new ShareClaims.Entry(0, 2, 3), 20);
        assertThat(a.othersActive(20)).as("a claim in force").isTrue();
        assertThat(a.othersActive(20 + GONE + 1)).as("silent past the time it must have stopped").isFalse();
    }

    @Test
    void aRaiseNoLongerDueAfterItsHoldDoesNotComeIntoForce() {
        ShareClaims a = new ShareClaims("a", 6, W, GONE);
        ShareClaims.Entry e = a.decide(6, 10, true, 0);
        a.read("a", e, 0);
        a.decide(2, 1, true, 500);
        assertThat(a.level(W)).isEqualTo(2);
        a.decide(6, 10, false, W + 1); // a rebalance: no growing
        assertThat(a.level(W + 2)).isEqualTo(2);
    }

    @Test
    void aSilentMemberIsCountedUntilItMustHaveStoppedCalling() {
        ShareClaims a = new ShareClaims("a", 6, W, GONE);
        a.read("b", new ShareClaims.Entry(9, 6, 1), 0);
        ShareClaims.Entry r = a.decide(6, 9, true, 100);
        a.read("a", r, 100);
        assertThat(a.refusals()).isEqualTo(1);
        a.decide(6, 9, true, GONE - 1);
        r = a.decide(6, 9, true, GONE);
        assertThat(a.othersCounted(GONE)).isZero();
        a.read("a", r, GONE);
        assertThat(a.level(GONE + W)).isEqualTo(6);
        // a tombstone: the member stopped
        ShareClaims c = new ShareClaims("c", 6, W, GONE);
        c.read("b", new ShareClaims.Entry(9, 6, 1), 0);
        c.read("b", null, 1);
        assertThat(c.othersCounted(2)).isZero();
    }

    /**
     * A run killed and started again under its stable key (its static group instance id) replaces
     * its earlier run's claim at once: that claim is its own, not another member's to wait out;
     * another member's claim still counts, and the earlier run's records never pass for this run's.
     */
    @Test
    void aRunStartedAgainUnderItsStableKeyReplacesItsOwnClaimAtOnce() {
        ShareClaims a = new ShareClaims("start-uuid", 6, W, GONE);
        a.read("instance vm-0", new ShareClaims.Entry(9, 5, 1), 0); // the killed run's last record
        a.read("b", new ShareClaims.Entry(0, 1, 7), 0);
        assertThat(a.othersClaims(0)).isEqualTo(6);
        a.become("instance vm-0");
        assertThat(a.othersClaims(0)).as("only b's claim counts now").isEqualTo(1);
        ShareClaims.Entry r = a.decide(5, 9, true, 100);
        assertThat(r.seq()).as("this run's numbers never repeat the earlier run's").isGreaterThan(1_000_000);
        a.read("instance vm-0", new ShareClaims.Entry(9, 5, 1), 100); // an earlier run's record read late
        assertThat(a.raising()).as("not taken for this run's claim").isTrue();
        a.read("instance vm-0", r, 100);
        assertThat(a.grants()).isEqualTo(1);
        assertThat(a.level(100 + W)).as("granted without waiting for the killed run to go silent").isEqualTo(5);

        ShareClaims waited = new ShareClaims("start-uuid", 6, W, GONE); // without its stable key
        waited.read("instance vm-0", new ShareClaims.Entry(9, 5, 1), 0);
        waited.read("b", new ShareClaims.Entry(0, 1, 7), 0);
        ShareClaims.Entry w = waited.decide(5, 9, true, 100);
        waited.read("start-uuid", w, 100);
        assertThat(waited.refusals()).as("the killed run's claim counts until it goes silent").isEqualTo(1);
    }

    @Test
    void aResetTakesTheLevelToZeroAtOnce() {
        ShareClaims a = new ShareClaims("a", 6, W, GONE);
        a.read("a", a.decide(6, 1, true, 0), 0);
        assertThat(a.level(W)).isEqualTo(6);
        a.reset();
        assertThat(a.level(W)).isZero();
        assertThat(a.decide(0, 0, false, W).claim()).isZero();
    }

    @Test
    void recordsReadBackAsWritten() {
        ShareClaims.Entry e = new ShareClaims.Entry(12, 3, 7);
        assertThat(ShareClaims.Entry.decode(e.encode())).isEqualTo(e);
        assertThat(ShareClaims.Entry.decode("2 1 1 1")).isNull();
        assertThat(ShareClaims.Entry.decode("1 x 1 1")).isNull();
        assertThat(ShareClaims.Entry.decode(null)).isNull();
    }

    /**
     * The model: two or three members with any targets at any time, their records written late and
     * in any interleaving, each reading the log at its own pace, resets (rejoins) now and then.
     * Whatever the schedule, the levels in force in any window add up to at most the limit (each
     * member counted at the most it had in force at any time in the window).
     */
    @Test
    void forAnyScheduleTheSharesInForceInAnyWindowAddUpToAtMostTheLimit() {
        for (long seed = 0; seed < 3_000; seed++) {
            runSchedule(seed);
        }
    }

    private static void runSchedule(long seed) {
        Random r = new Random(seed);
        long limit = 1 + r.nextInt(10);
        long hold = 5 + r.nextInt(10); // the window, in ticks
        int n = 2 + r.nextInt(2);
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(new Member("m" + i, limit, hold, 1_000_000));
        }
        List<Rec> log = new ArrayList<>();
        long now = 0;
        for (int step = 0; step < 800; step++) {
            Member m = members.get(r.nextInt(n));
            switch (r.nextInt(10)) {
                case 0, 1, 2 -> {
                    // often the whole limit (every member wants it all), else anything
                    long target = r.nextBoolean() ? limit - r.nextInt(2) : r.nextInt((int) limit + 1);
                    m.unwritten.add(m.claims.decide(Math.max(0, target), r.nextInt(50), r.nextInt(5) != 0, now));
                }
                case 3, 4 -> {
                    if (!m.unwritten.isEmpty()) {
                        log.add(new Rec(m.key, m.unwritten.poll()));
                    }
                }
                case 5, 6, 7 -> {
                    if (m.readUpTo < log.size()) {
                        Rec rec = log.get(m.readUpTo++);
                        m.claims.read(rec.key(), rec.entry(), now);
                    }
                }
                case 8 -> now += r.nextInt(3);
                default -> {
                    if (r.nextInt(20) == 0) {
                        m.claims.reset();
                    }
                }
            }
            for (Member x : members) {
                x.history.add(new long[] {now, x.claims.level(now)});
            }
            check(members, now, hold, limit, seed);
        }
    }

    /** For the window of {@code hold} ticks ending now: each member's most in force in it, added up. */
    private static void check(List<Member> members, long now, long window, long limit, long seed) {
        long sum = 0;
        for (Member m : members) {
            long most = 0;
            for (int i = m.history.size() - 1; i >= 0; i--) {
                long[] h = m.history.get(i);
                most = Math.max(most, h[1]);
                if (h[0] <= now - window) {
                    break; // the level in force when the window began: counted, and no further back
                }
            }
            sum += most;
        }
        assertThat(sum).as("seed %d: levels in force in the window ending at %d, limit %d", seed, now, limit)
                .isLessThanOrEqualTo(limit);
    }

    private static void readAll(ShareClaims c, List<Rec> log, int from, long now) {
        for (int i = from; i < log.size(); i++) {
            c.read(log.get(i).key(), log.get(i).entry(), now);
        }
    }
}
