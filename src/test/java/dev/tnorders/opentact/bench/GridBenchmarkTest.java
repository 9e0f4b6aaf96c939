package dev.tnorders.opentact.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.bench.GridBenchmark.Result;
import dev.tnorders.opentact.it.RateWindows;

import static org.assertj.core.api.Assertions.assertThat;

/** The grid benchmark's arithmetic and output, without running a point. */
class GridBenchmarkTest {

    private static final Instant T = Instant.parse("2026-12-07T00:00:00Z");

    @Test
    void theBusiestRollingSecondIsFoundWhereverItStarts() {
        // 3 calls in [0.5 s, 1.4 s]; no whole-second bucket holds more than 2 of them.
        List<Instant> calls = List.of(T, T.plusMillis(500), T.plusMillis(900), T.plusMillis(1400), T.plusMillis(1500),
                T.plusMillis(3000));
        assertThat(RateWindows.busiest(calls, Duration.ofSeconds(1))).isEqualTo(3);
        assertThat(RateWindows.busiest(List.of(), Duration.ofSeconds(1))).isZero();
        // A window is [t, t + 1 s): calls exactly a second apart are not in one.
        assertThat(RateWindows.busiest(List.of(T, T.plusSeconds(1)), Duration.ofSeconds(1))).isEqualTo(1);
    }

    @Test
    void theBoundIs25NumbersPerCallAndTheTargetsAreTheIssues() {
        Result atTarget = new Result(1, 100, 20, false, 20000, 44.0, 455.0, 470.0, 800, 3, 20, "OK");
        assertThat(atTarget.bound()).isEqualTo(500.0);
        assertThat(atTarget.percent()).isEqualTo(91.0);
        assertThat(atTarget.meetsTarget()).isTrue();
        assertThat(new Result(1, 100, 20, false, 20000, 44.0, 440.0, 470.0, 800, 3, 20, "OK").meetsTarget())
                .as("88%").isFalse();
        assertThat(new Result(3, 100, 20, true, 20000, 44.0, 440.0, 470.0, 800, 3, 20, "OK").meetsTarget())
                .as("88% skewed").isTrue();
        assertThat(new Result(1, 100, 20, false, 20000, 44.0, 455.0, 470.0, 800, 4, 20, "OK").meetsTarget())
                .as("429s 0.5%").isFalse();
        assertThat(new Result(1, 100, 20, false, 20000, 44.0, 455.0, 470.0, 800, 0, 21, "OK").meetsTarget())
                .as("a second above R").isFalse();
        assertThat(new Result(1, 100, 20, false, 20000, 44.0, 455.0, 470.0, 800, 0, 20, "FAILED [x]").meetsTarget())
                .isFalse();
        assertThat(Result.parse(atTarget.tsv())).isEqualTo(atTarget);
    }

    @Test
    void theTableAndChartGoBetweenTheMarkersAndNowhereElse(@TempDir Path dir) throws Exception {
        Path docs = dir.resolve("benchmarks.md");
        Files.writeString(docs, "before\n" + GridBenchmark.BEGIN + "\nold table\n" + GridBenchmark.END + "\nafter\n",
                StandardCharsets.UTF_8);
        List<Result> results = List.of(new Result(1, 20, 5, false, 3000, 30.0, 100.0, 110.0, 130, 0, 5, "OK"),
                new Result(3, 100, 20, true, 8000, 20.0, 400.0, 410.0, 330, 0, 20, "OK"));
        String table = GridBenchmark.table(results, GridBenchmark.sizes(results), true, "");
        Path chart = dir.resolve("grid.png");
        GridBenchmark.drawChart(results, GridBenchmark.sizes(results), true, chart);
        GridBenchmark.writeIntoDocs(docs, table, chart);

        String text = Files.readString(docs, StandardCharsets.UTF_8);
        assertThat(text).startsWith("before\n" + GridBenchmark.BEGIN).endsWith(GridBenchmark.END + "\nafter\n")
                .doesNotContain("old table").contains("3,000 to 8,000 numbers per point").contains("](grid.png)")
                .contains("| 1 | 20 | 5 | 3,000 in 30.0 s | 100.0 of 125 | **80.0%**")
                .contains("| 3, skewed | 100 | 20 |");
        assertThat(Files.size(chart)).isPositive();
    }
}
