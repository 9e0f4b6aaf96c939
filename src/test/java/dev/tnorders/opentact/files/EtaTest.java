package dev.tnorders.opentact.files;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EtaTest {

    @Test
    void unknownUntilARateShowsThenFromTheRecentRate() {
        Eta eta = new Eta(60_000);
        assertThat(eta.remainingMs(100)).isEqualTo(-1);
        eta.observe(0, 0);
        assertThat(eta.remainingMs(100)).isEqualTo(-1);
        eta.observe(10_000, 20); // 2 a second
        assertThat(eta.perSecond()).isEqualTo(2.0);
        assertThat(eta.remainingMs(100)).isEqualTo(40_000);
    }

    @Test
    void onlyTheWindowCounts() {
        Eta eta = new Eta(10_000);
        eta.observe(0, 0);
        eta.observe(5_000, 500);    // fast at first
        eta.observe(100_000, 510);  // then slow
        eta.observe(110_000, 520);  // 1 a second over the last 10 s
        assertThat(eta.perSecond()).isEqualTo(1.0);
        assertThat(eta.remainingMs(600)).isEqualTo(80_000);
    }

    @Test
    void aStallSlowsTheEstimateAndTheEndIsZero() {
        Eta eta = new Eta(60_000);
        eta.observe(0, 0);
        eta.observe(10_000, 10);
        long before = eta.remainingMs(20);
        eta.observe(20_000, 10);
        assertThat(eta.remainingMs(20)).isGreaterThan(before);
        eta.observe(21_000, 20);
        assertThat(eta.remainingMs(20)).isZero();
    }

    @Test
    void countedAgainFromACheckpointStartsOver() {
        Eta eta = new Eta(60_000);
        eta.observe(0, 0);
        eta.observe(10_000, 100);
        eta.observe(11_000, 50);
        assertThat(eta.remainingMs(100)).isEqualTo(-1);
    }

    @Test
    void theRequestsAFileWillHave() {
        FileRead reading = new FileRead("f@t", "f", "t", 1000, 250, 200, 50, false, null, "t");
        assertThat(Eta.expectedRequests(reading)).isEqualTo(800);
        FileRead done = new FileRead("f@t", "f", "t", 1000, 1000, 790, 210, true, null, "t");
        assertThat(Eta.expectedRequests(done)).isEqualTo(790);
        assertThat(Eta.expectedRequests(null)).isZero();
    }
}
