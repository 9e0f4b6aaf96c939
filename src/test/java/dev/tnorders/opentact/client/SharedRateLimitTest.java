package dev.tnorders.opentact.client;

import java.util.ArrayDeque;
import java.util.Deque;
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
        return new SharedRateLimit(null, "g", calls, 1020, consumers, 2000, now::get, looks);
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
        assertThat(SharedRateLimit.rebalancing("PreparingRebalance")).isTrue();
        assertThat(SharedRateLimit.rebalancing("CompletingRebalance")).isTrue();
        assertThat(SharedRateLimit.rebalancing("RECONCILING")).isTrue();
        assertThat(SharedRateLimit.rebalancing("Stable")).isFalse();
        assertThat(SharedRateLimit.rebalancing("Empty")).isFalse();
        assertThat(SharedRateLimit.rebalancing("Dead")).isFalse();
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
        nanos.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(6_000));
        assertThat(l.callsPerWindow()).as("three intervals: still fresh").isEqualTo(20);
        nanos.addAndGet(java.util.concurrent.TimeUnit.SECONDS.toNanos(100)); // frozen
        assertThat(l.share()).as("stale: no call").isZero();
        assertThat(l.callsPerWindow()).isEqualTo(1);
        assertThat(l.callsPerSlice()).isEqualTo(1);
        l.refresh();
        assertThat(l.share()).as("the one member seen is the other, which does not count this one").isZero();
        l.refresh();
        assertThat(l.share()).as("seen join again: not counted by the other yet").isZero();
        now.addAndGet(SETTLE_MS);
        l.refresh();
        assertThat(l.callsPerWindow()).as("settled").isEqualTo(9);
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
            nanos.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(2_000));
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
        assertThatThrownBy(() -> l.awaitTurn(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(120)))
                .isInstanceOf(CallNotSentException.class).hasMessageContaining("it was not sent");
        l.memberJoined(0); // its one consumer's rebalance listener: joined
        l.refresh();
        assertThat(l.share()).as("joined, not settled").isZero();
        now.addAndGet(SETTLE_MS);
        l.refresh();
        assertThat(l.share()).as("1 of 2 members, 90%").isEqualTo(9);
        l.awaitTurn(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(120)); // a turn at once
    }

    /** Many callers at once: at most the share of them leave in any rolling window. */
    @Test
    void callersAtOnceLeaveAtMostTheShareInAnyWindow() throws Exception {
        SharedRateLimit l = SharedRateLimit.alone(6, 300);
        java.util.List<Long> left = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(20);
        try {
            java.util.List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                all.add(pool.submit(() -> {
                    l.awaitTurn(java.util.concurrent.TimeUnit.SECONDS.toNanos(10));
                    left.add(System.nanoTime());
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : all) {
                f.get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        java.util.List<Long> sorted = new java.util.ArrayList<>(left);
        java.util.Collections.sort(sorted);
        for (int i = 0; i + 6 < sorted.size(); i++) {
            // Read after each turn was taken: up to tens of milliseconds for the thread to get here
            // on a busy host (RollingWindowTest pins the exact times); seven at once would be ~0 apart.
            assertThat(sorted.get(i + 6) - sorted.get(i)).as("calls %d and %d", i, i + 6)
                    .isGreaterThanOrEqualTo(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(250));
        }
        assertThat(sorted.get(sorted.size() - 1) - sorted.get(0)).as("20 calls at 6 per 300 ms: three windows at least")
                .isGreaterThanOrEqualTo(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(899));
    }

    @Test
    void aLoneInstanceIsNeverStale() {
        SharedRateLimit l = SharedRateLimit.alone(20, 1020);
        assertThat(l.stale()).isFalse();
        assertThat(l.callsPerWindow()).isEqualTo(20);
    }
}
