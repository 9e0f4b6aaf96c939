package dev.tnorders.opentact.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RollingWindowTest {

    private static final long MS = 1_000_000L;

    @Test
    void atMostTheShareInAnyWindowEndingAtACall() {
        RollingWindow w = new RollingWindow(1020 * MS);
        assertThat(w.tryTake(0, 2)).isZero();
        assertThat(w.tryTake(300 * MS, 2)).as("half a step (255 ms) early at most").isZero();
        assertThat(w.tryTake(800 * MS, 2)).as("the first leaves the window at 1020 ms").isEqualTo(220 * MS);
        assertThat(w.tryTake(1020 * MS, 2)).isZero();
        assertThat(w.inWindow(1020 * MS)).isEqualTo(2);
    }

    /**
     * Calls asked for together leave one step of window / share apart (half a step early at most),
     * not in one burst per window: a burst at the end of one window and one at the start of the next
     * arrive in one second of Opentact's with a jitter of a few milliseconds.
     */
    @Test
    void callsAskedTogetherLeaveAtAnEvenPace() {
        RollingWindow w = new RollingWindow(1000 * MS);
        assertThat(w.tryTake(0, 4)).isZero();
        assertThat(w.tryTake(0, 4)).as("the next turn: 250 ms later, taken up to 125 ms early").isEqualTo(125 * MS);
        assertThat(w.tryTake(125 * MS, 4)).isZero();
        assertThat(w.tryTake(130 * MS, 4)).as("due at 500 ms").isEqualTo(245 * MS);
        // A thread that wakes late does not push the pace back by its lateness...
        assertThat(w.tryTake(375 * MS, 4)).isZero();
        assertThat(w.tryTake(625 * MS, 4)).as("due at 750 ms, not 875").isZero();
        // ...and after a quiet spell the pace starts again from now, not with a burst to catch up.
        assertThat(w.tryTake(5_000 * MS, 4)).isZero();
        assertThat(w.tryTake(5_000 * MS, 4)).isEqualTo(125 * MS);
    }

    /**
     * Calls the throttles let through before a freeze of the JVM and release after it must not go out
     * together: a share that went down to one call per window (stale) lets one through per window.
     */
    @Test
    void callsReleasedTogetherLeaveOneTurnAtATimeAtTheShareInForceNow() {
        RollingWindow w = new RollingWindow(1020 * MS);
        w.tryTake(0, 5);
        w.tryTake(200 * MS, 5);
        long wake = 30_000 * MS;
        assertThat(w.tryTake(wake, 1)).isZero();
        assertThat(w.tryTake(wake + 1, 1)).isPositive();
        assertThat(w.tryTake(wake + 600 * MS, 1)).as("the pace allows it, the window not yet").isEqualTo(420 * MS);
        assertThat(w.tryTake(wake + 1020 * MS, 1)).isZero();
    }

    @Test
    void aShareThatShrankWaitsForTheCallsAboveItToLeave() {
        RollingWindow w = new RollingWindow(1000 * MS);
        for (long at : new long[] {0, 100, 300, 500, 700}) {
            assertThat(w.tryTake(at * MS, 5)).as("at %d ms", at).isZero();
        }
        // Now 2 per window: three of the five must leave first; the fourth, sent at 500 ms, at 1500 ms.
        assertThat(w.tryTake(750 * MS, 2)).isEqualTo(750 * MS);
        assertThat(w.tryTake(1500 * MS, 2)).isZero();
    }

    /** After 429s the calls are spaced over a longer window (ArrivalMargin): the count and the pace both follow it. */
    @Test
    void aWiderWindowCountsAndPacesOverItsLength() {
        RollingWindow w = new RollingWindow(1275 * MS);
        assertThat(w.tryTake(0, 2, 1100 * MS)).isZero();
        assertThat(w.tryTake(300 * MS, 2, 1100 * MS)).as("half a step (275 ms) early at most").isEqualTo(0);
        assertThat(w.tryTake(1050 * MS, 2, 1100 * MS)).as("the first leaves the 1,100 ms window at 1,100 ms").isEqualTo(50 * MS);
        assertThat(w.tryTake(1100 * MS, 2, 1100 * MS)).isZero();
        assertThat(w.tryTake(1300 * MS, 2, 1020 * MS)).as("back to 1,020 ms: paced from the last call's due time")
                .isEqualTo(95 * MS);
        assertThat(w.tryTake(1395 * MS, 2, 1020 * MS)).isZero();
    }

    @Test
    void aWindowThatIsNotPositiveIsRefused() {
        assertThatThrownBy(() -> new RollingWindow(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A call held up between its turn and its write counts until it has left, and then by when it
     * left: the calls after it keep a window from that instant, so no more than the share leave in
     * any window even when one of them left late.
     */
    @Test
    void aCallHeldUpBeforeItLeftHoldsTheNextOnesAWindowFromWhenItLeft() {
        RollingWindow w = new RollingWindow(1000 * MS);
        RollingWindow.Departure first = new RollingWindow.Departure();
        assertThat(w.tryTake(0, 2, 1000 * MS, first)).isZero();
        RollingWindow.Departure second = new RollingWindow.Departure();
        assertThat(w.tryTake(500 * MS, 2, 1000 * MS, second)).isZero();
        w.left(second, 500 * MS);
        // The first call's thread was held up: it has not left at 1,000 ms, where its turn's window ended.
        assertThat(w.tryTake(1000 * MS, 2, 1000 * MS)).as("still leaving, so counted: the second leaves the window first, at 1,500 ms")
                .isEqualTo(500 * MS);
        w.left(first, 1080 * MS);
        assertThat(w.tryTake(1100 * MS, 2, 1000 * MS)).isEqualTo(400 * MS);
        assertThat(w.tryTake(1500 * MS, 2, 1000 * MS)).isZero();
        assertThat(w.tryTake(1800 * MS, 2, 1000 * MS)).as("the first left at 1,080 ms: its window ends at 2,080 ms")
                .isEqualTo(280 * MS);
        assertThat(w.inWindow(1800 * MS)).isEqualTo(2);
    }

    @Test
    void aCallThatNeverSaysItLeftCountsAsLeftAfterAMinute() {
        RollingWindow w = new RollingWindow(1000 * MS);
        assertThat(w.tryTake(0, 1, 1000 * MS, new RollingWindow.Departure())).isZero();
        assertThat(w.tryTake(59_000 * MS, 1, 1000 * MS)).isEqualTo(RollingWindow.LEAVING_RECHECK_NANOS);
        long minute = RollingWindow.LEAVING_MAX_NANOS;
        assertThat(w.tryTake(minute, 1, 1000 * MS)).as("left at a minute: a window from then").isEqualTo(1000 * MS);
        assertThat(w.tryTake(minute + 1000 * MS, 1, 1000 * MS)).isZero();
    }

    @Test
    void aTurnGivenBackNoLongerCounts() {
        RollingWindow w = new RollingWindow(1000 * MS);
        RollingWindow.Departure held = new RollingWindow.Departure();
        assertThat(w.tryTake(0, 1, 1000 * MS, held)).isZero();
        w.giveBack(held);
        assertThat(w.inWindow(0)).isZero();
        assertThat(w.tryTake(1000 * MS, 1, 1000 * MS)).as("the pace goes on from the given-back turn").isZero();
    }
}
