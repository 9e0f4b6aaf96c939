package dev.tnorders.opentact.it;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
}
