package dev.tnorders.opentact.journal;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JournalRetentionTest {

    private static final long DAY = 86_400_000L;
    private static final Instant NOW = Instant.parse("2026-12-01T15:00:00Z");
    private final JournalRetention sevenDays = new JournalRetention(7 * DAY, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aDoneEntryExpiresOnceOlderThanTheRetention() {
        long eightDaysAgo = NOW.toEpochMilli() - 8 * DAY;
        long sixDaysAgo = NOW.toEpochMilli() - 6 * DAY;
        assertThat(sevenDays.expired(eightDaysAgo, "2026-11-23")).isTrue();
        assertThat(sevenDays.expired(sixDaysAgo, "2026-11-25")).isFalse();
        assertThat(sevenDays.expired(NOW.toEpochMilli() - 7 * DAY, "2026-11-24")).isTrue(); // exactly the retention
    }

    @Test
    void neverOnTheDayItsSpendIsBookedOnSoThatTodaysBudgetKeepsIt() {
        JournalRetention oneMinute = new JournalRetention(60_000, Clock.fixed(NOW, ZoneOffset.UTC));
        long anHourAgo = NOW.toEpochMilli() - 3_600_000;
        assertThat(oneMinute.expired(anHourAgo, "2026-12-01")).isFalse();
        assertThat(oneMinute.expired(anHourAgo, "2026-11-30")).isTrue();
        assertThat(oneMinute.expired(anHourAgo, null)).isTrue(); // no spend booked
        assertThat(oneMinute.expired(anHourAgo, "not a day")).isTrue();
    }

    @Test
    void theRetentionMustBePositive() {
        assertThatThrownBy(() -> new JournalRetention(0, Clock.systemUTC()))
                .hasMessageContaining("opentact.journal.retention-ms");
    }
}
