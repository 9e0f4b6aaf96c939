package dev.tnorders.opentact.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /** The apps' DEBUG lines: calls written count; calls that ended unwritten, or stalled in their write by a freeze, do not. */
    @Test
    void theTurnsAreTheCallsWrittenAndNotStalledInTheirWrite(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("app.log");
        Files.write(log, List.of(
                "01:23:22.580 DEBUG [OpentactCall-4] RateTurns - call left at 1796693002580 ms (epoch), 73 ms after its turn; spacing window 1020 ms",
                "01:23:22.590 DEBUG [OpentactCall-5] RateTurns - call left at 1796693002590 ms (epoch), 9739 ms after its turn; spacing window 1020 ms; not written",
                "01:23:59.300 DEBUG [OpentactCall-6] RateTurns - call left at 1796693039300 ms (epoch), 20307 ms after its turn; spacing window 1020 ms",
                "01:23:59.400 INFO  [main] Something else"));
        List<RateWindows.Departure> all = RateWindows.departures(List.of(log));
        assertThat(all).extracting(RateWindows.Departure::written).containsExactly(true, false, true);
        assertThat(all).extracting(RateWindows.Departure::stalledInItsWrite).containsExactly(false, true, true);
        assertThat(RateWindows.turns(List.of(log))).containsExactly(Instant.ofEpochMilli(1796693002580L));
    }
}
