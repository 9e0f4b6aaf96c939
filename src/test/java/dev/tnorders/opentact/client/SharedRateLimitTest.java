package dev.tnorders.opentact.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ThrottleDefinition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SharedRateLimitTest {

    /** Answers the looks queued, then what the last one said; an Exception in the queue is thrown. */
    private static final class Looks implements SharedRateLimit.GroupLook {
        final Deque<Object> answers = new ArrayDeque<>();
        Object last;

        Looks then(Object answer) {
            answers.add(answer);
            return this;
        }

        @Override
        public RateShare.Group look() throws Exception {
            Object a = answers.isEmpty() ? last : answers.poll();
            last = a;
            if (a instanceof Exception e) {
                throw e;
            }
            return (RateShare.Group) a;
        }
    }

    private final AtomicLong now = new AtomicLong();
    /** Two look intervals (2 s each) and a window: how long a member seen join still takes one call. */
    private static final long SETTLE_MS = 2 * 2000 + 1020;

    private SharedRateLimit limit(long calls, int consumers, Looks looks) {
        return new SharedRateLimit(null, "g", calls, 1020, consumers, 2000, now::get, looks, 95);
    }

    @Test
    void startsAtOneCallPerWindowAndFollowsTheGroup() {
        Looks looks = new Looks().then(new RateShare.Group(0, false)).then(new RateShare.Group(1, false, true))
                .then(new RateShare.Group(1, false, true)).then(new RateShare.Group(3, true))
                .then(new RateShare.Group(3, false));
        SharedRateLimit l = limit(20, 1, looks);
        assertThat(l.callsPerWindow()).isEqualTo(1);
        assertThat(l.callsPerSlice()).isEqualTo(1);
        l.refresh();
        assertThat(l.share()).as("not joined yet: no call").isZero();
        assertThat(l.callsPerWindow()).as("the throttle's least").isEqualTo(1);
        l.refresh();
        assertThat(l.callsPerWindow()).as("joined and alone: nobody to wait for, the whole limit").isEqualTo(20);
        l.refresh();
        assertThat(l.callsPerWindow()).isEqualTo(20);
        assertThat(l.callsPerSlice()).isEqualTo(2);
        l.refresh();
        assertThat(l.callsPerWindow()).isEqualTo(6);
        assertThat(l.callsPerSlice()).isEqualTo(1);
        l.refresh();
        assertThat(l.callsPerWindow()).isEqualTo(6);
    }

    @Test
    void theRoutesStartAtOneCallPerWindowUntilThisInstanceIsCountedByTheOthers() {
        SharedRateLimit l = limit(20, 1, new Looks().then(new RateShare.Group(1, false)));
        l.start();
        try {
            assertThat(l.share()).isZero(); // one other member, which does not count this one yet
        } finally {
            l.stop();
        }
    }

    @Test
    void aLookThatFailsKeepsTheShare() {
        Looks looks = new Looks().then(new RateShare.Group(0, false)).then(new RateShare.Group(1, false))
                .then(new RateShare.Group(2, false))
                .then(new TimeoutException()).then(new IllegalStateException("broker gone"))
                .then(new RateShare.Group(1, false));
        SharedRateLimit l = limit(20, 1, looks);
        l.refresh();
        l.refresh();
        now.addAndGet(SETTLE_MS);
        l.refresh();
        assertThat(l.callsPerWindow()).isEqualTo(9);
        l.refresh();
        l.refresh();
        assertThat(l.callsPerWindow()).isEqualTo(9);
        l.refresh();
        assertThat(l.callsPerWindow()).isEqualTo(20);
    }

    @Test
    void beforeAnyAnswerOneCallPerWindow() {
        SharedRateLimit l = limit(20, 1, new Looks().then(new TimeoutException()));
        l.refresh();
        assertThat(l.callsPerWindow()).isEqualTo(1);
    }

    @Test
    void settingsThatAreNotPositiveAreRefusedByName() {
        assertThatThrownBy(() -> new SharedRateLimit(null, "g", 20, 1020, 1, 0, now::get, new Looks()))
                .hasMessageContaining("opentact.api.rate-share-interval-ms");
        assertThatThrownBy(() -> new SharedRateLimit(null, "g", 20, 0, 1, 2000, now::get, new Looks()))
                .hasMessageContaining("opentact.api.rate-limit-window-ms");
    }

    @Test
    void groupStatesInWhichMembersJoinOrLeave() {
        assertThat(ConsumerGroupLook.rebalancing("PreparingRebalance")).isTrue();
        assertThat(ConsumerGroupLook.rebalancing("CompletingRebalance")).isTrue();
        assertThat(ConsumerGroupLook.rebalancing("RECONCILING")).isTrue();
        assertThat(ConsumerGroupLook.rebalancing("Stable")).isFalse();
        assertThat(ConsumerGroupLook.rebalancing("Empty")).isFalse();
        assertThat(ConsumerGroupLook.rebalancing("Dead")).isFalse();
    }

    /**
     * What the routes count on in Camel's Throttle (TotalRequests mode): its maximum per period is
     * an expression evaluated for each exchange, and a changed value takes effect at once, down
     * and up; the period stays as the route started.
     */
    @Test
    void camelsThrottleFollowsAChangedShare() throws Exception {
        AtomicLong share = new AtomicLong(10);
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getRegistry().bind("share", new Object() {
                @SuppressWarnings("unused")
                public int calls() {
                    return (int) share.get();
                }
            });
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    ThrottleDefinition t = from("direct:in").throttle(method("share", "calls")).timePeriodMillis(200);
                    t.setMode("TotalRequests");
                    t.to("mock:out");
                }
            });
            context.start();
            ProducerTemplate in = context.createProducerTemplate();
            assertThat(rate(in, 40)).as("10 per 200 ms").isBetween(35.0, 60.0);
            share.set(2);
            assertThat(rate(in, 10)).as("2 per 200 ms").isBetween(7.0, 11.0);
            share.set(5);
            assertThat(rate(in, 25)).as("5 per 200 ms").isBetween(20.0, 28.0);
        }
    }

    /** Calls per second that pass, sending {@code n} one after the other (the first ones may pass at once). */
    private static double rate(ProducerTemplate in, int n) {
        for (int i = 0; i < 2; i++) {
            in.sendBody("direct:in", "warm-up");
        }
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            in.sendBody("direct:in", "x");
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * A JVM frozen past its session (SIGSTOP, a long GC pause) wakes up with its old share while
     * the other members took its part: until it has looked at the group again, its queued calls go
     * out at one per window, not at the old share.
     */
    @Test
    void aShareNotLookedAtForThreeIntervalsIsStaleAndTakesOneCallPerWindowUntilTheNextLook() {
        AtomicLong nanos = new AtomicLong();
        // Alone, then a second instance joins; this one is frozen past its session meanwhile, and
        // the group it sees on waking holds only the other.
        Looks looks = new Looks().then(new RateShare.Group(0, false)).then(new RateShare.Group(1, false))
                .then(new RateShare.Group(1, false)).then(new RateShare.Group(1, false))
                .then(new RateShare.Group(2, false)).then(new RateShare.Group(2, false));
        SharedRateLimit l = new SharedRateLimit(null, "g", 20, 1020, 1, 2000, now::get, looks, RateShare.SEVERAL_PERCENT,
                nanos::get);
        l.refresh();
        l.refresh();
        now.addAndGet(SETTLE_MS);
        l.refresh();
        assertThat(l.callsPerWindow()).isEqualTo(20);
        now.addAndGet(3_600_000); // an hour after the start: the join grace long over
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(6_000));
        assertThat(l.callsPerWindow()).as("three intervals: still fresh").isEqualTo(20);
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(100)); // frozen
        assertThat(l.share()).as("stale: no call").isZero();
        assertThat(l.callsPerWindow()).isEqualTo(1);
        assertThat(l.callsPerSlice()).isEqualTo(1);
        l.refresh();
        assertThat(l.share()).as("the one member seen is the other, which does not count this one").isZero();
        l.refresh();
        assertThat(l.share()).as("seen join again: not counted by the other yet").isZero();
        now.addAndGet(SETTLE_MS);
        l.refresh();
        assertThat(l.callsPerWindow()).as("settled").isEqualTo(10);
    }

    @Test
    void aLookKafkaDidNotAnswerStillRenewsTheShareItKeeps() {
        AtomicLong nanos = new AtomicLong();
        Looks looks = new Looks().then(new RateShare.Group(0, false)).then(new RateShare.Group(1, false))
                .then(new RateShare.Group(1, false)).then(new IllegalStateException("broker away"));
        SharedRateLimit l = new SharedRateLimit(null, "g", 20, 1020, 1, 2000, now::get, looks, RateShare.SEVERAL_PERCENT,
                nanos::get);
        l.refresh();
        l.refresh();
        now.addAndGet(SETTLE_MS);
        l.refresh();
        for (int i = 0; i < 10; i++) {
            nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(2_000));
            l.refresh();
        }
        assertThat(l.callsPerWindow()).as("the JVM ran: its share is kept while Kafka does not answer").isEqualTo(20);
    }

    /** A call waits for a turn while the share is 0 (not counted yet), and leaves once it is not. */
    @Test
    void noCallLeavesWhileTheShareIsZeroAndItsConsumersJoiningCountsAsJoined() {
        Looks looks = new Looks().then(new RateShare.Group(2, false));
        SharedRateLimit l = limit(20, 1, looks);
        l.refresh();
        assertThat(l.share()).isZero();
        assertThatThrownBy(() -> l.awaitTurn(TimeUnit.MILLISECONDS.toNanos(120)))
                .isInstanceOf(CallNotSentException.class).hasMessageContaining("it was not sent");
        l.memberJoined(0); // its one consumer's rebalance listener: joined
        l.refresh();
        assertThat(l.share()).as("joined, not settled").isZero();
        now.addAndGet(SETTLE_MS);
        l.refresh();
        assertThat(l.share()).as("1 of 2 members, 90%").isEqualTo(9);
        l.awaitTurn(TimeUnit.MILLISECONDS.toNanos(120)); // a turn at once
    }

    /** Many callers at once: at most the share of them leave in any rolling window. */
    @Test
    void callersAtOnceLeaveAtMostTheShareInAnyWindow() throws Exception {
        SharedRateLimit l = SharedRateLimit.alone(6, 300);
        List<Long> left = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                all.add(pool.submit(() -> {
                    l.awaitTurn(TimeUnit.SECONDS.toNanos(10));
                    left.add(System.nanoTime());
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Long> sorted = new ArrayList<>(left);
        Collections.sort(sorted);
        for (int i = 0; i + 6 < sorted.size(); i++) {
            // Read after each turn was taken: up to tens of milliseconds for the thread to get here
            // on a busy host (RollingWindowTest pins the exact times); seven at once would be ~0 apart.
            assertThat(sorted.get(i + 6) - sorted.get(i)).as("calls %d and %d", i, i + 6)
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
        }
        assertThat(sorted.get(sorted.size() - 1) - sorted.get(0)).as("20 calls at 6 per 300 ms: three windows at least")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(899));
    }

    @Test
    void aLoneInstanceIsNeverStale() {
        SharedRateLimit l = SharedRateLimit.alone(20, 1020);
        assertThat(l.stale()).isFalse();
        assertThat(l.callsPerWindow()).isEqualTo(20);
    }

    // ---- shares that follow demand: several instances over one in-memory shares log ----

    /** The shares topic as a list every instance appends to and reads in order. */
    private static final class MemLog {
        final List<String[]> records = new ArrayList<>();
    }

    private static final class MemBoard implements SharesBoard {
        final MemLog log;
        int read;
        boolean failing;

        MemBoard(MemLog log) {
            this.log = log;
        }

        @Override
        public void publish(String key, String value, long timeoutMs) throws Exception {
            if (failing) {
                throw new TimeoutException("broker away");
            }
            log.records.add(new String[] {key, value});
        }

        @Override
        public List<String[]> read(long timeoutMs) throws Exception {
            if (failing) {
                throw new TimeoutException("broker away");
            }
            List<String[]> out = new ArrayList<>(log.records.subList(read, log.records.size()));
            read = log.records.size();
            return out;
        }

        @Override
        public String name() {
            return "shares";
        }
    }

    private final AtomicLong nanos = new AtomicLong();

    /** An instance of {@code members} (one consumer each) in a stable group, on the shared log, with a backlog. */
    private SharedRateLimit onBoard(long calls, int members, MemBoard board, AtomicLong backlog) {
        return onBoard(calls, members, board, backlog, RateShare.SEVERAL_PERCENT);
    }

    private SharedRateLimit onBoard(long calls, int members, MemBoard board, AtomicLong backlog, int severalPercent) {
        SharedRateLimit l = new SharedRateLimit(null, "g", calls, 1020, 1, 2000, now::get,
                new Looks().then(new RateShare.Group(members, false, true)), severalPercent,
                () -> TimeUnit.MILLISECONDS.toNanos(now.get()));
        l.board(board);
        l.backlog(backlog::get);
        return l;
    }

    /** One instance per backlog, all members of one stable group, on one shares log. */
    private List<SharedRateLimit> onOneLog(long calls, AtomicLong[] backlog) {
        MemLog log = new MemLog();
        List<SharedRateLimit> all = new ArrayList<>();
        for (AtomicLong b : backlog) {
            all.add(onBoard(calls, backlog.length, new MemBoard(log), b));
        }
        return all;
    }

    private void advance(long ms) {
        now.addAndGet(ms);
    }

    private static long sum(List<SharedRateLimit> all) {
        return all.stream().mapToLong(SharedRateLimit::share).sum();
    }

    /** Looks by every instance, in turn, {@code rounds} times an interval apart; the sum checked after each. */
    private void looks(List<SharedRateLimit> all, long limit, int rounds) {
        for (int i = 0; i < rounds; i++) {
            for (SharedRateLimit l : all) {
                l.refresh();
                assertThat(sum(all)).as("shares in force").isLessThanOrEqualTo(limit);
            }
            advance(2000);
            assertThat(sum(all)).as("shares in force").isLessThanOrEqualTo(limit);
        }
    }

    @Test
    void theLimitGoesWhereTheBacklogIsAndBackWhenItEnds() {
        AtomicLong[] backlog = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
        List<SharedRateLimit> all = onOneLog(3, backlog);
        looks(all, 3, 5); // joined, settled, granted: an even split, none idle wasted
        assertThat(all).extracting(SharedRateLimit::share).containsExactly(1L, 1L, 1L);
        backlog[1].set(400);
        looks(all, 3, 3);
        assertThat(all).extracting(SharedRateLimit::share).as("R = 3: all of it with the backlog, not 1 of 3")
                .containsExactly(0L, 3L, 0L);
        assertThat(all.get(1).callsPerWindow()).isEqualTo(3);
        backlog[1].set(0);
        backlog[2].set(5);
        looks(all, 3, 3);
        assertThat(all).extracting(SharedRateLimit::share).containsExactly(0L, 0L, 3L);
        backlog[2].set(0);
        looks(all, 3, 3);
        assertThat(all).extracting(SharedRateLimit::share).containsExactly(1L, 1L, 1L);
    }

    /**
     * Three backlogs of about the same size draining at their shares (the grid's three instances at
     * R = 20): every instance counts itself with the demand it published, as the others see it, so
     * their targets add up to the limit. Counted with its demand of now, a draining instance saw
     * itself below the others' older figures, each took the smaller part of 20 / 3, and the shares
     * in force stayed at 6 + 6 + 6 for half a minute.
     */
    @Test
    void backlogsDrainingTogetherKeepTheWholeLimitInUse() {
        AtomicLong[] backlog = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
        List<SharedRateLimit> all = onOneLog(20, backlog);
        looks(all, 20, 5);
        backlog[0].set(6627);
        backlog[1].set(6722);
        backlog[2].set(6651);
        looks(all, 20, 3); // the backlogs seen, the claims granted
        int rounds = 0;
        int whole = 0;
        while (rounds < 40 && Arrays.stream(backlog).allMatch(b -> b.get() > 1000)) {
            for (int i = 0; i < 3; i++) {
                all.get(i).refresh();
                assertThat(sum(all)).as("shares in force").isLessThanOrEqualTo(20);
                // between two of its looks an instance does its share's calls: 25 records each, 2 s
                backlog[i].addAndGet(-all.get(i).share() * 50);
            }
            advance(2000);
            rounds++;
            whole += sum(all) == 20 ? 1 : 0;
        }
        assertThat(rounds).isGreaterThan(10);
        assertThat(whole).as("rounds of " + rounds + " with all 20 calls in force").isGreaterThanOrEqualTo(rounds * 8 / 10);
    }

    /**
     * A burst's start (the grid's three instances at R = 20, L = 20): one instance looked with a
     * backlog while the others had not polled yet, so their targets fell to 0, and their backlogs
     * came right after. With a look only every interval they got their parts back three looks (5-7 s)
     * later: a raise waits for the others' lower claims, which wait for their next looks. With a look
     * as soon as the shares topic or the demand says a share would move, every instance has its part
     * within an interval and a window, and the shares in force never add up to more than the limit.
     */
    @Test
    void atABurstsStartEveryInstanceHasItsPartWithinAnIntervalAndAWindow() {
        AtomicLong[] backlog = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
        List<SharedRateLimit> all = onOneLog(20, backlog);
        looks(all, 20, 5);
        assertThat(all).extracting(SharedRateLimit::share).containsExactlyInAnyOrder(7L, 7L, 6L);
        backlog[0].set(2000);
        for (SharedRateLimit l : all) {
            l.refresh();
        }
        assertThat(all.get(1).share() + all.get(2).share()).as("idle while another has a backlog: R < 10 per member").isZero();
        backlog[1].set(2000);
        backlog[2].set(2000);
        long start = now.get();
        while (now.get() - start < 12_000 && all.stream().anyMatch(l -> l.share() < 6)) {
            for (SharedRateLimit l : all) {
                l.tick();
                assertThat(sum(all)).as("shares in force").isLessThanOrEqualTo(20);
            }
            advance(SharedRateLimit.SOON_MS);
        }
        assertThat(all).extracting(SharedRateLimit::share).allMatch(s -> s >= 6);
        assertThat(now.get() - start).as("ms until every instance had its part").isLessThanOrEqualTo(2000 + 1020);
    }

    @Test
    void aJoiningInstanceWaitsUntilTheOthersMadeRoomAndItsClaimIsGranted() {
        MemLog log = new MemLog();
        AtomicLong busy = new AtomicLong(1000);
        SharedRateLimit a = onBoard(6, 1, new MemBoard(log), busy);
        List<SharedRateLimit> all = new ArrayList<>(List.of(a));
        looks(all, 6, 4);
        assertThat(a.share()).as("alone: the whole limit").isEqualTo(6);
        assertThat(a.spacingWindowMs()).as("alone: over the configured window").isEqualTo(1020);
        AtomicLong some = new AtomicLong(1000);
        SharedRateLimit b = onBoard(6, 2, new MemBoard(log), some);
        all.add(b);
        b.refresh();
        assertThat(b.share()).as("joining: none").isZero();
        looks(all, 6, 5);
        assertThat(a.share() + b.share()).isEqualTo(6);
        assertThat(a.share()).isEqualTo(3);
        assertThat(b.share()).isEqualTo(3);
        // Any margin for several JVMs' jitter beyond the window's own is in time, not a share rounded
        // to whole calls (which at R = 6 and 90% left none: 6 x 90% = 5.4, rounded up): 1,020 ms x 100
        // / opentact.api.rate-share-percent (100 by default: the window itself, as alone).
        assertThat(a.spacingWindowMs()).as("with another instance claiming").isEqualTo(1020 * 100 / RateShare.SEVERAL_PERCENT);
        assertThat(b.spacingWindowMs()).isEqualTo(1020 * 100 / RateShare.SEVERAL_PERCENT);
    }

    /** opentact.api.rate-share-percent below 100: while another instance claims, the share is spaced wider. */
    @Test
    void atALowerPaceAnInstanceSpacesItsShareWiderWhileAnotherClaims() {
        MemLog log = new MemLog();
        SharedRateLimit a = onBoard(6, 2, new MemBoard(log), new AtomicLong(1000), 95);
        List<SharedRateLimit> all = new ArrayList<>(List.of(a));
        looks(all, 6, 4);
        assertThat(a.spacingWindowMs()).as("no other instance").isEqualTo(1020);
        all.add(onBoard(6, 2, new MemBoard(log), new AtomicLong(1000), 95));
        looks(all, 6, 5);
        assertThat(a.share() + all.get(1).share()).isEqualTo(6);
        assertThat(a.spacingWindowMs()).as("1,020 ms x 100 / 95").isEqualTo(1073);
        assertThat(all.get(1).spacingWindowMs()).isEqualTo(1073);
    }

    @Test
    void aSilentInstancesClaimCountsUntilItMustHaveStoppedThenTheOthersTakeIt() {
        MemLog log = new MemLog();
        AtomicLong none = new AtomicLong();
        SharedRateLimit a = onBoard(6, 2, new MemBoard(log), none);
        MemBoard bBoard = new MemBoard(log);
        SharedRateLimit b = onBoard(6, 2, bBoard, new AtomicLong(50));
        List<SharedRateLimit> all = List.of(a, b);
        looks(all, 6, 5);
        assertThat(b.share()).isEqualTo(6);
        // b cannot reach Kafka any more; a gets a backlog
        bBoard.failing = true;
        none.set(50);
        long silentSince = now.get();
        for (int i = 0; i < 12; i++) {
            a.refresh();
            b.refresh();
            assertThat(a.share() + b.share()).as("at %d ms", now.get() - silentSince).isLessThanOrEqualTo(6);
            if (now.get() - silentSince > 3 * 2000) {
                assertThat(b.share()).as("b: no good look for three intervals: no call").isZero();
            }
            advance(2000);
        }
        assertThat(a.share()).as("b's part, once b must have stopped calling").isEqualTo(6);
        assertThat(b.share()).isZero();
    }

    @Test
    void aShareNeverGrowsWhileTheGroupRebalancesOrBeforeItSettled() {
        MemLog log = new MemLog();
        SharedRateLimit l = new SharedRateLimit(null, "g", 6, 1020, 1, 2000, now::get,
                new Looks().then(new RateShare.Group(1, true, true)), RateShare.SEVERAL_PERCENT,
                () -> TimeUnit.MILLISECONDS.toNanos(now.get()));
        l.board(new MemBoard(log));
        for (int i = 0; i < 6; i++) {
            l.refresh();
            advance(2000);
            assertThat(l.share()).as("rebalancing all along").isZero();
        }
    }

    @Test
    void theDemandIsTheCallsWaitingAndTheBacklog() {
        SharedRateLimit l = onBoard(6, 1, new MemBoard(new MemLog()), new AtomicLong(7));
        assertThat(l.demand()).isEqualTo(7);
        l.backlog(() -> {
            throw new IllegalStateException("not started");
        });
        assertThat(l.demand()).isZero();
    }

    @Test
    void kafkaNotAnsweringKeepsTheShareForThreeIntervalsThenNoneUntilALookAnswersAndAClaimIsGranted() {
        MemBoard board = new MemBoard(new MemLog());
        SharedRateLimit l = onBoard(6, 1, board, new AtomicLong(10));
        looks(List.of(l), 6, 4);
        assertThat(l.share()).isEqualTo(6);
        board.failing = true;
        l.refresh();
        advance(2000);
        l.refresh();
        advance(1000);
        assertThat(l.share()).as("three intervals: kept").isEqualTo(6);
        advance(1001);
        assertThat(l.share()).as("past them: none, even before the next look").isZero();
        l.refresh();
        advance(2000);
        assertThat(l.share()).isZero();
        board.failing = false;
        l.refresh();
        assertThat(l.share()).as("granted: in force a window later").isZero();
        advance(1020);
        assertThat(l.share()).as("no new settling: the JVM ran all along").isEqualTo(6);
    }

    @Test
    void aPausedJvmJoinsTheGroupAgainBeforeItTakesAnything() {
        MemBoard board = new MemBoard(new MemLog());
        SharedRateLimit l = onBoard(6, 2, board, new AtomicLong(10)); // one other member: not alone
        looks(List.of(l), 6, 4);
        assertThat(l.share()).isEqualTo(6);
        advance(100_000); // no look at all: frozen
        assertThat(l.share()).isZero();
        l.refresh();
        advance(1020);
        assertThat(l.share()).as("seen join again: settling").isZero();
        looks(List.of(l), 6, 4);
        assertThat(l.share()).isEqualTo(6);
    }
}
