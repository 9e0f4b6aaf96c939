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
        assertThat(w.tryTake(10 * MS, 2)).isZero();
        assertThat(w.tryTake(20 * MS, 2)).as("the first leaves the window at 1020 ms").isEqualTo(1000 * MS);
        assertThat(w.tryTake(1020 * MS, 2)).isZero();
        assertThat(w.inWindow(1020 * MS)).isEqualTo(2);
    }

    /**
     * Calls the throttles let through before a freeze of the JVM and release after it must not go out
     * together: a share that went down to one call per window (stale) lets one through per window.
     */
    @Test
    void callsReleasedTogetherLeaveOneTurnAtATimeAtTheShareInForceNow() {
        RollingWindow w = new RollingWindow(1020 * MS);
        w.tryTake(0, 5);
        w.tryTake(1 * MS, 5);
        long wake = 30_000 * MS;
        assertThat(w.tryTake(wake, 1)).isZero();
        assertThat(w.tryTake(wake + 1, 1)).isEqualTo(1020 * MS - 1);
        assertThat(w.tryTake(wake + 1020 * MS, 1)).isZero();
    }

    @Test
    void aShareThatShrankWaitsForTheCallsAboveItToLeave() {
        RollingWindow w = new RollingWindow(1000 * MS);
        for (int i = 0; i < 5; i++) {
            assertThat(w.tryTake(i * MS, 5)).isZero();
        }
        // Now 2 per window: four of the five must leave first (one may stay); the fourth, sent at 3 ms, at 1003 ms.
        assertThat(w.tryTake(100 * MS, 2)).isEqualTo(903 * MS);
        assertThat(w.tryTake(1003 * MS, 2)).isZero();
    }

    @Test
    void aWindowThatIsNotPositiveIsRefused() {
        assertThatThrownBy(() -> new RollingWindow(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
