package dev.tnorders.opentact.journal;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StartDeadlineTest {

    @Test
    void aStepMayTakeWhatIsLeftOfTheStartupTimeout() {
        StartDeadline d = new StartDeadline(60_000, System.nanoTime() + TimeUnit.SECONDS.toNanos(40));
        assertThat(d.remainingMs()).isBetween(30_000L, 40_000L);
        assertThat(d.stepMs()).isEqualTo(d.remainingMs()).isGreaterThan(5_000L);
    }

    @Test
    void aStepLeftWithNothingStillGetsAFewSecondsButNotMoreThanTheWholeTimeout() {
        long over = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);
        assertThat(new StartDeadline(60_000, over).remainingMs()).isNegative();
        assertThat(new StartDeadline(60_000, over).stepMs()).isEqualTo(5_000);
        assertThat(new StartDeadline(2_000, over).stepMs()).isEqualTo(2_000);
    }
}
