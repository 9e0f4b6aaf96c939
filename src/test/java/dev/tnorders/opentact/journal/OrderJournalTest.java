package dev.tnorders.opentact.journal;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OrderJournalTest {

    private static JournalEntry entry(JournalEntry.Phase phase) {
        return new JournalEntry("r1", phase, List.of("+12012000001"), "u1", "2026-11-25", null, null, null);
    }

    @Test
    void anEntryReadLateNeverTakesARequestBackToAnEarlierPhase() {
        JournalEntry intent = entry(JournalEntry.Phase.intent);
        JournalEntry placed = entry(JournalEntry.Phase.placed);
        JournalEntry done = entry(JournalEntry.Phase.done);
        assertThat(OrderJournal.supersedes(placed, done)).isFalse();
        assertThat(OrderJournal.supersedes(intent, placed)).isFalse();
        assertThat(OrderJournal.supersedes(done, placed)).isTrue();
        assertThat(OrderJournal.supersedes(placed, placed)).isTrue(); // a reconciled order, found again
        assertThat(OrderJournal.supersedes(intent, null)).isTrue();
    }
}
