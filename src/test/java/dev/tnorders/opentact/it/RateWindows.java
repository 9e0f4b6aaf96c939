package dev.tnorders.opentact.it;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The account's rate limit as Opentact sees it: the most calls that arrived in any rolling window. */
final class RateWindows {

    private RateWindows() {
    }

    /** The most arrivals within any window of this length (start inclusive, end exclusive). */
    static int busiest(List<Instant> arrivals, Duration window) {
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
