package dev.tnorders.opentact.journal;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.JournalEntry.Phase;

import static org.assertj.core.api.Assertions.assertThat;

class JournalIndexTest {

    private static final long DAY = 86_400_000L;
    private static final Instant NOW = Instant.parse("2026-12-01T15:00:00Z");
    private static final long NOW_MS = NOW.toEpochMilli();
    private final JournalRetention retention = new JournalRetention(7 * DAY, Clock.fixed(NOW, ZoneOffset.UTC));
    private final SpendLedger ledger = new SpendLedger();
    private final JournalIndex index = new JournalIndex(ledger, 3);

    private static JournalEntry entry(String id, Phase phase, String day, String file, String nrc) {
        return new JournalEntry(id, phase, List.of("+12012000001"), "u-" + id, day, file, nrc == null ? null : new BigDecimal(nrc),
                null, 1L);
    }

    @Test
    void anOpenEntryIsHeldWholeADoneOneWithWhatTheBudgetsNeed() {
        index.put(entry("r1", Phase.intent, "2026-12-01", "a.csv@t", "5.00"), NOW_MS);
        assertThat(index.get("r1")).isEqualTo(entry("r1", Phase.intent, "2026-12-01", "a.csv@t", "5.00"));
        assertThat(ledger.day("2026-12-01", "other")).isEqualByComparingTo("5.00");
        assertThat(ledger.day("2026-12-01", "r1")).isEqualByComparingTo("0"); // decided again: its own left out

        index.put(entry("r1", Phase.done, "2026-12-01", "a.csv@t", "3.00"), NOW_MS);
        JournalEntry done = index.get("r1");
        assertThat(done.phase()).isEqualTo(Phase.done);
        assertThat(done.tns()).isNull();
        assertThat(done.orderUuid()).isNull();
        assertThat(done.day()).isEqualTo("2026-12-01");
        assertThat(done.file()).isEqualTo("a.csv@t");
        assertThat(done.nrc()).isEqualByComparingTo("3.00");
        assertThat(ledger.day("2026-12-01", "other")).isEqualByComparingTo("3.00");
        assertThat(ledger.file("a.csv@t", "other")).isEqualByComparingTo("3.00");
        assertThat(index.openCount()).isZero();
        assertThat(index.doneCount()).isEqualTo(1);
        assertThat(index.phaseOf("r1")).isEqualTo(Phase.done);
        assertThat(index.get("r2")).isNull();
        assertThat(index.phaseOf("r2")).isNull();
    }

    @Test
    void aDoneEntryReadAgainReplacesWhatItBooked() {
        index.put(entry("r1", Phase.done, "2026-12-01", null, "3.00"), NOW_MS);
        index.put(entry("r1", Phase.done, "2026-12-01", null, "4.00"), NOW_MS);
        assertThat(ledger.day("2026-12-01", "other")).isEqualByComparingTo("4.00");
    }

    @Test
    void aReservationIsReplacedByTheDoneEntry() {
        ledger.record("r1", "2026-12-01", null, new BigDecimal("9.00")); // Budgets reserved it, no intent yet
        index.put(entry("r1", Phase.done, "2026-12-01", null, "0"), NOW_MS);
        assertThat(ledger.day("2026-12-01", "other")).isEqualByComparingTo("0");
    }

    @Test
    void aTombstoneRemovesADoneEntryAndItsSpendButNeverAnOpenOne() {
        index.put(entry("r1", Phase.done, "2026-11-20", "a.csv@t", "3.00"), NOW_MS - 10 * DAY);
        index.put(entry("r2", Phase.intent, "2026-12-01", null, "2.00"), NOW_MS);
        assertThat(index.remove("r1")).isTrue();
        assertThat(index.get("r1")).isNull();
        assertThat(ledger.day("2026-11-20", "other")).isEqualByComparingTo("0");
        assertThat(ledger.totals()).isEqualTo(1); // the totals back at zero are gone, today's stays
        // another instance's sweep, written before it read r2's new intent: r2 keeps it
        assertThat(index.remove("r2")).isFalse();
        assertThat(index.phaseOf("r2")).isEqualTo(Phase.intent);
        assertThat(index.takeRewrites()).extracting(JournalEntry::requestId).containsExactly("r2"); // written again
        assertThat(index.takeRewrites()).isEmpty();
        assertThat(ledger.day("2026-12-01", "other")).isEqualByComparingTo("2.00");
    }

    @Test
    void expiredDoneEntriesAreFoundButNeverOpenOnesOrToday() {
        index.put(entry("old", Phase.done, "2026-11-20", null, "1.00"), NOW_MS - 10 * DAY);
        index.put(entry("recent", Phase.done, "2026-11-30", null, "1.00"), NOW_MS - DAY);
        index.put(entry("open", Phase.placed, "2026-11-20", null, "1.00"), NOW_MS - 10 * DAY);
        assertThat(index.expired(retention, 10)).containsExactly("old");
        assertThat(index.removeIfExpired("old", retention)).isTrue();
        assertThat(index.removeIfExpired("recent", retention)).isFalse();
        assertThat(index.removeIfExpired("open", retention)).isFalse();
        assertThat(index.get("old")).isNull();
        assertThat(index.get("open")).isNotNull();
    }

    @Test
    void expiredEntriesReadAtStartAreNotHeldTheirIdsWaitForTheTombstoneUpToTheCap() {
        index.put(entry("r0", Phase.intent, "2026-11-20", null, "1.00"), NOW_MS - 10 * DAY);
        for (int i = 0; i < 5; i++) {
            index.putExpired("r" + i, 0, 10 + i); // read later than r0's intent: its done
        }
        assertThat(index.expiredCount()).isEqualTo(3);
        assertThat(index.expiredNotHeld()).isEqualTo(2);
        assertThat(index.takeNotHeldFrom()).containsExactly(Map.entry(0, 13L)); // a scan begins at r3
        assertThat(index.expiredNotHeld()).isZero();
        assertThat(index.openCount()).isZero();
        assertThat(ledger.day("2026-11-20", "other")).isEqualByComparingTo("0");
        // until removed, still done: a request repeated then is not ordered again
        assertThat(index.phaseOf("r1")).isEqualTo(Phase.done);
        assertThat(index.get("r1").phase()).isEqualTo(Phase.done);
        assertThat(index.get("r4")).isNull(); // beyond the cap: not held at all, a new request
        assertThat(index.expired(retention, 2)).hasSize(2);
        assertThat(index.removeIfExpired("r1", retention)).isTrue();
        assertThat(index.get("r1")).isNull();
        // taken up again before its tombstone was written: held, and no longer due
        index.put(entry("r2", Phase.intent, "2026-12-01", null, "1.00"), NOW_MS);
        assertThat(index.expired(retention, 10)).containsExactly("r0");
        assertThat(index.removeIfExpired("r2", retention)).isFalse();
    }
}
