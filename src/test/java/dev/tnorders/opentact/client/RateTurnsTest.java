package dev.tnorders.opentact.client;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RateTurnsTest {

    @Test
    void aTurnsLoggedTimeIsTheMonotonicInstantTheWindowRecorded() {
        long now = System.nanoTime();
        long later = now + TimeUnit.MILLISECONDS.toNanos(1_000);
        // The same distance apart as on the monotonic clock, whenever the line is written.
        assertThat(RateTurns.epochMsOf(later) - RateTurns.epochMsOf(now)).isEqualTo(1_000);
        assertThat(RateTurns.epochMsOf(now)).isCloseTo(System.currentTimeMillis(), within(1_000L));
    }
}
