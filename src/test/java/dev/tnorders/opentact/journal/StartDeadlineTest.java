package dev.tnorders.opentact.journal;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StartDeadlineTest {

    @Test
    void aStepMayTakeWhatIsLeftOfTheStartupTimeout() {
        StartDeadline d = new StartDeadline(60_000, System.nanoTime() + TimeUnit.SECONDS.toNanos(40));
        long before = d.remainingMs();
        long step = d.stepMs();
        long after = d.remainingMs();
        assertThat(before).isBetween(30_000L, 40_000L);
        // The clock moves between the reads: the step is what was left when it was asked.
        assertThat(step).isBetween(after, before).isGreaterThan(5_000L);
    }

    @Test
    void aStepLeftWithNothingStillGetsAFewSecondsButNotMoreThanTheWholeTimeout() {
        long over = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);
        assertThat(new StartDeadline(60_000, over).remainingMs()).isNegative();
        assertThat(new StartDeadline(60_000, over).stepMs()).isEqualTo(5_000);
        assertThat(new StartDeadline(2_000, over).stepMs()).isEqualTo(2_000);
    }
}
