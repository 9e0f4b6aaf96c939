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
     * The busiest window of this length, for a person to read: when it began and its calls by path
     * (the paths' arrivals as the sandbox recorded them).
     */
    public static String describeBusiest(Map<String, List<Instant>> byPath, Duration window) {
        List<Instant> all = new ArrayList<>();
        byPath.values().forEach(all::addAll);
        all.sort(null);
        int most = 0;
        Instant start = null;
        for (int first = 0, last = 0; last < all.size(); last++) {
            while (!all.get(first).plus(window).isAfter(all.get(last))) {
                first++;
            }
            if (last - first + 1 > most) {
                most = last - first + 1;
                start = all.get(first);
            }
        }
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
        List<Instant> sorted = new ArrayList<>(arrivals);
        sorted.sort(null);
        int most = 0;
        for (int first = 0, last = 0; last < sorted.size(); last++) {
            Instant end = sorted.get(last);
            while (!sorted.get(first).plus(window).isAfter(end)) {
                first++;
            }
            most = Math.max(most, last - first + 1);
        }
        return most;
    }

    private static final Pattern TURN = Pattern.compile("turn taken at (\\d+) ms \\(epoch\\)");

    /** The times calls took their turn in the rate limit, read from the apps' logs (RateTurns at DEBUG), all together. */
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
