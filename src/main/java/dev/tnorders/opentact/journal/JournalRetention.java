package dev.tnorders.opentact.journal;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * When a {@code done} entry of the journal expires ({@code opentact.journal.retention-ms}): once it
 * was written longer ago than the retention, and the UTC day its spend is booked on is over (so
 * that today's daily budget never forgets what was spent today, whatever the retention). An entry
 * in phase {@code intent} or {@code placed} never expires: it is an order that may be in flight.
 *
 * <p>An expired entry is removed (a tombstone, {@link JournalSweeper}); a request whose id comes
 * again after that is a new request, and is ordered again.
 */
public final class JournalRetention {

    /** The default retention: 7 days. */
    public static final long DEFAULT_MS = 604_800_000L;

    private final long retentionMs;
    private final Clock clock;

    public JournalRetention(long retentionMs, Clock clock) {
        if (retentionMs < 1) {
            throw new IllegalArgumentException("opentact.journal.retention-ms must be at least 1: " + retentionMs);
        }
        this.retentionMs = retentionMs;
        this.clock = clock;
    }

    public long retentionMs() {
        return retentionMs;
    }

    /**
     * @param writtenAt when the done entry was written (the Kafka record's timestamp, epoch millis)
     * @param day       the UTC day its spend is booked on ({@code yyyy-MM-dd}), or null
     */
    public boolean expired(long writtenAt, String day) {
        return expired(writtenAt, epochDay(day));
    }

    /** @param epochDay the day as {@link #epochDay}, or {@link Integer#MIN_VALUE} for none */
    boolean expired(long writtenAt, int epochDay) {
        long now = clock.millis();
        if (writtenAt > now - retentionMs) {
            return false;
        }
        long today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toEpochDay();
        return epochDay < today;
    }

    /** A day as days since 1970-01-01; {@link Integer#MIN_VALUE} when null or unreadable (no spend to keep). */
    static int epochDay(String day) {
        if (day == null) {
            return Integer.MIN_VALUE;
        }
        try {
            return (int) LocalDate.parse(day).toEpochDay();
        } catch (DateTimeParseException e) {
            return Integer.MIN_VALUE;
        }
    }
}
