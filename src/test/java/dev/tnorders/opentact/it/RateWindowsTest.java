package dev.tnorders.opentact.it;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RateWindowsTest {

    private static final Instant T = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void theBusiestRollingWindowCountsArrivalsWithinItsLength() {
        List<Instant> at = List.of(T, T.plusMillis(500), T.plusMillis(1019), T.plusMillis(1020), T.plusMillis(1021),
                T.plusMillis(3000));
        assertThat(RateWindows.busiest(at, Duration.ofMillis(1020))).isEqualTo(4); // 500, 1019, 1020, 1021
        assertThat(RateWindows.busiest(at, Duration.ofMillis(10))).isEqualTo(3);   // 1019, 1020, 1021
        assertThat(RateWindows.busiest(List.of(), Duration.ofSeconds(1))).isZero();
    }
}
