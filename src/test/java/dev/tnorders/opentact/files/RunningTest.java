package dev.tnorders.opentact.files;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RunningTest {

    @Test
    void aPauseEndsAtOnceWhenStopped() {
        Running running = new Running();
        long start = System.nanoTime();
        running.pause(5_000);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1_000);
    }

    @Test
    void aPauseWaitsItsTimeWhileRunning() {
        Running running = new Running();
        running.set(true);
        long start = System.nanoTime();
        running.pause(200);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(200L, 5_000L);
        assertThat(running.on()).isTrue();
    }
}
