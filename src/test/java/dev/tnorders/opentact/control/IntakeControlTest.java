package dev.tnorders.opentact.control;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IntakeControlTest {

    private final ManualClock clock = new ManualClock(1_000_000);

    @Test
    void aTokenPauseLastsUntilResumed() throws Exception {
        IntakeControl intake = new IntakeControl(clock);
        assertThat(intake.pause("token refused")).isTrue();
        assertThat(intake.pause("again")).isFalse();
        clock.advance(3_600_000);
        assertThat(intake.isPausedForToken()).isTrue();
        assertThat(intake.reason()).isEqualTo("token refused");
        assertThatThrownBy(() -> intake.awaitRunning(0)).isInstanceOf(IntakeControl.IntakePausedException.class)
                .hasMessageContaining("token refused");
        assertThat(intake.resume()).isTrue();
        intake.awaitRunning(0);
        assertThat(intake.isPaused()).isFalse();
    }

    @Test
    void aBalancePauseEndsByItselfAndIsNotForTheProbe() {
        IntakeControl intake = new IntakeControl(clock);
        intake.pauseFor("no balance", 5_000);
        assertThat(intake.isPaused()).isTrue();
        assertThat(intake.isPausedForToken()).isFalse();
        clock.advance(4_999);
        assertThat(intake.isPaused()).isTrue();
        clock.advance(1);
        assertThat(intake.isPaused()).isFalse();
        assertThat(intake.reason()).isNull();
    }

    @Test
    void resumeNowEndsAnyPauseAndSaysWhichOneItEnded() {
        IntakeControl intake = new IntakeControl(clock);
        assertThat(intake.resumeNow()).as("nothing to end while running").isNull();
        intake.pauseFor("no balance", 300_000);
        assertThat(intake.resumeNow()).isEqualTo(new IntakeControl.Ended(IntakeControl.Cause.timed, "no balance"));
        assertThat(intake.isPaused()).isFalse();
        intake.pause("token refused");
        IntakeControl.Ended ended = intake.resumeNow();
        assertThat(ended.forToken()).isTrue();
        assertThat(intake.isPausedForToken()).isFalse();
        // A later refusal pauses again, and a later timed pause lasts its full interval.
        assertThat(intake.pause("token refused")).isTrue();
        intake.resumeNow();
        intake.pauseFor("no balance", 5_000);
        clock.advance(4_999);
        assertThat(intake.isPaused()).isTrue();
    }

    @Test
    void resumeNowWakesARecordWaitingForIntakeAtOnce() throws Exception {
        IntakeControl intake = new IntakeControl(); // the real clock: the waiter really waits
        intake.pauseFor("no balance", 3_600_000);
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
            try {
                intake.awaitRunning(600_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Awaitility.await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2)).until(() -> !waiter.isDone());
        intake.resumeNow();
        waiter.get(5, TimeUnit.SECONDS);
        assertThat(waiter).isCompleted();
    }
}
