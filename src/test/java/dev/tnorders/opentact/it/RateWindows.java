package dev.tnorders.opentact.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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

    private static final Pattern TURN = Pattern.compile("call left at (\\d+) ms \\(epoch\\), (\\d+) ms after its turn(.*)$");

    /**
     * A call ended this long after its turn was stalled inside its write: its turn was at most
     * {@code SendAdmission.TURN_MAX_AGE_MS} (1,000 ms) old when it was admitted for the last time
     * right before the write, and a write takes milliseconds; a second more is a pause of its JVM
     * (SIGSTOP) that landed between that admission and the end of the write.
     */
    public static final long STALLED_MS = 2000;

    /**
     * A call's departure as its app logged it (RateTurns at DEBUG): when it counts as left, how long
     * after its turn, and whether its request was written (or the call ended without: refused at its
     * admission, e.g. an order POST whose intent could not be renewed in a rebalance; its connection
     * failed), which Opentact never saw.
     */
    public record Departure(Instant at, long afterTurnMs, boolean written) {
        /**
         * Stalled inside its write ({@link #STALLED_MS}): it counts from when the JVM ran again, but
         * its request may have gone out before the pause (the write done, the listener that counts it
         * not yet run), or went out as the JVM woke, with no admission after the pause.
         */
        public boolean stalledInItsWrite() {
            return afterTurnMs > STALLED_MS;
        }
    }

    /** Every call's departure read from the apps' logs (RateTurns at DEBUG), in time order. */
    public static List<Departure> departures(List<Path> logs) throws IOException {
        List<Departure> out = new ArrayList<>();
        for (Path log : logs) {
            try (Stream<String> lines = Files.lines(log)) {
                lines.map(TURN::matcher).filter(Matcher::find).forEach(m -> out.add(new Departure(
                        Instant.ofEpochMilli(Long.parseLong(m.group(1))), Long.parseLong(m.group(2)),
                        !m.group(3).contains("not written"))));
            }
        }
        out.sort(Comparator.comparing(Departure::at));
        return out;
    }

    /**
     * The times calls left in the rate limit's count with their request written, read from the apps'
     * logs, all together: not those that ended unwritten (Opentact never saw them), nor those
     * {@linkplain Departure#stalledInItsWrite stalled inside their write} (a pause of the JVM between
     * the last admission and the write's end, whose instant is not when the request went out;
     * FrozenInstanceIT checks those on their own).
     */
    public static List<Instant> turns(List<Path> logs) throws IOException {
        return turnsOf(departures(logs));
    }

    /** {@link #turns(List)} of departures already read. */
    public static List<Instant> turnsOf(List<Departure> departures) {
        return departures.stream().filter(d -> d.written() && !d.stalledInItsWrite()).map(Departure::at).toList();
    }
}
