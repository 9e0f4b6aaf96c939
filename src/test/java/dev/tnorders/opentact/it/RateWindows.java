package dev.tnorders.opentact.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The account's rate limit as Opentact sees it: the most calls that arrived in any rolling window. */
public final class RateWindows {

    private RateWindows() {
    }

    /**
     * Whether the ITs assert the sandbox's busiest second (the arrivals, as Opentact counts them) at
     * most the limit, besides the apps' departures: {@code -Dit.assert-arrivals=true}, set by the
     * reliability profile. The default build logs it: on a shared 2-core host a load spike in the
     * JVM that runs the sandbox can bunch arrivals that left apart.
     */
    public static boolean arrivalsAsserted() {
        return Boolean.getBoolean("it.assert-arrivals");
    }

    /**
     * The busiest window of this length, for a person to read: when it began and its calls by path
     * (the paths' arrivals as the sandbox recorded them).
     */
    public static String describeBusiest(Map<String, List<Instant>> byPath, Duration window) {
        List<Instant> all = new ArrayList<>();
        byPath.values().forEach(all::addAll);
        Busiest busiest = busiestWindow(all, window);
        int most = busiest.calls();
        Instant start = busiest.start();
        if (start == null) {
            return "no calls";
        }
        Instant from = start;
        Map<String, Long> counts = new TreeMap<>();
        byPath.forEach((path, times) -> {
            long n = times.stream().filter(t -> !t.isBefore(from) && t.isBefore(from.plus(window))).count();
            if (n > 0) {
                counts.put(path, n);
            }
        });
        return most + " calls from " + from + ": " + counts;
    }

    /**
     * The most arrivals within any window of this length (start inclusive, end exclusive): the ITs'
     * and the benchmarks' busiest rolling second at the sandbox.
     */
    public static int busiest(List<Instant> arrivals, Duration window) {
        return busiestWindow(arrivals, window).calls();
    }

    /** The busiest window: how many calls it held and when its first one came (null when none). */
    public record Busiest(int calls, Instant start) {
    }

    /** The busiest window of this length, and when it began. */
    public static Busiest busiestWindow(List<Instant> arrivals, Duration window) {
        List<Instant> sorted = new ArrayList<>(arrivals);
        sorted.sort(null);
        int most = 0;
        Instant start = null;
        for (int first = 0, last = 0; last < sorted.size(); last++) {
            Instant end = sorted.get(last);
            while (!sorted.get(first).plus(window).isAfter(end)) {
                first++;
            }
            if (last - first + 1 > most) {
                most = last - first + 1;
                start = sorted.get(first);
            }
        }
        return new Busiest(most, start);
    }

    private static final Pattern TURN = Pattern.compile("call left at (\\d+) ms \\(epoch\\)");

    /** The times calls left in the rate limit's count (their request written), read from the apps' logs (RateTurns at DEBUG), all together. */
    public static List<Instant> turns(List<Path> logs) throws IOException {
        List<Instant> out = new ArrayList<>();
        for (Path log : logs) {
            try (Stream<String> lines = Files.lines(log)) {
                lines.map(TURN::matcher).filter(Matcher::find)
                        .forEach(m -> out.add(Instant.ofEpochMilli(Long.parseLong(m.group(1)))));
            }
        }
        Collections.sort(out);
        return out;
    }
}
