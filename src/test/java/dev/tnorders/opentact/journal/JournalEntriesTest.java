package dev.tnorders.opentact.journal;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.JournalEntry.Phase;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.Outcome;
import dev.tnorders.opentact.model.RequestSource;
import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.order.OrderResults;

import static dev.tnorders.opentact.model.RequestBuilder.request;
import static org.assertj.core.api.Assertions.assertThat;

/** What each phase's entry records and books as spend, carried over from the one before. */
class JournalEntriesTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T23:59:00Z"), ZoneOffset.UTC);
    private static final Clock NEXT_DAY = Clock.fixed(Instant.parse("2026-12-02T00:01:00Z"), ZoneOffset.UTC);
    private final OrderResults results = new OrderResults(new OrderClock(CLOCK, ms -> { }));

    private static OrderRequest fromFile(String id, String... tns) {
        return request(id).tns(tns).source(RequestSource.ofFile("a.csv", 2)).receivedAt("2026-12-01T23:00:00.000Z")
                .build();
    }

    @Test
    void anIntentBooksItsReservationAndWhatEarlierRoundsBought() {
        NumberResult bought = new NumberResult("r1", "+12012000001", NumberResult.State.ordered, null, "u0", "1.25", "0.50",
                null);
        JournalEntry e = JournalEntries.intent(fromFile("r1", "+12012000002"), new BigDecimal("2.00"), List.of(bought), CLOCK);
        assertThat(e.phase()).isEqualTo(Phase.intent);
        assertThat(e.nrc()).isEqualByComparingTo("3.25");
        assertThat(e.day()).isEqualTo("2026-12-01");
        assertThat(e.file()).isEqualTo("a.csv@2026-12-01T23:00:00.000Z");
        assertThat(e.intentAt()).isEqualTo(CLOCK.millis());
    }

    @Test
    void aBatchsIntentsHoldEveryNumberOfTheirOrderPostAndSurviveTheJournalsJson() throws Exception {
        OrderRequest a = fromFile("a", "+12012000001", "+12012000002");
        OrderRequest b = fromFile("b", "+12012000003");
        List<String> post = JournalEntries.postNumbers(List.of(a, b));
        assertThat(post).containsExactly("+12012000001", "+12012000002", "+12012000003");
        JournalEntry e = JournalEntries.intent(b, new BigDecimal("1.00"), null, CLOCK, CLOCK.millis(), post);
        assertThat(e.tns()).containsExactly("+12012000003");
        assertThat(e.postTns()).as("b's own entry knows a's numbers, whatever becomes of a")
                .containsExactly("+12012000001", "+12012000002", "+12012000003");
        ObjectMapper json = new ObjectMapper();
        String written = json.writeValueAsString(e);
        assertThat(written).contains("\"post_tns\":[\"+12012000001\",\"+12012000002\",\"+12012000003\"]");
        assertThat(json.readValue(written, JournalEntry.class)).isEqualTo(e);
        assertThat(JournalEntries.postNumbers(List.of(b))).as("a case of one: its own numbers are the POST's").isNull();
        assertThat(json.writeValueAsString(JournalEntries.intent(b, null, null, CLOCK))).doesNotContain("post_tns");
    }

    @Test
    void placedAndDoneKeepTheIntentsDayEvenAfterMidnight() {
        OrderRequest r = fromFile("r1", "+12012000001");
        JournalEntry intent = JournalEntries.intent(r, new BigDecimal("2.00"), null, CLOCK);
        JournalEntry placed = JournalEntries.placed(r, "u1", intent, NEXT_DAY);
        assertThat(placed.day()).isEqualTo("2026-12-01");
        assertThat(placed.nrc()).isEqualByComparingTo("2.00");
        assertThat(placed.intentAt()).isEqualTo(intent.intentAt());
        JournalEntry done = JournalEntries.done(r, results.rejected(r, "refused", null), placed, NEXT_DAY);
        assertThat(done.phase()).isEqualTo(Phase.done);
        assertThat(done.day()).isEqualTo("2026-12-01");
        assertThat(done.nrc()).as("nothing bought, nothing spent").isEqualByComparingTo("0");
    }

    @Test
    void anUnknownOutcomeKeepsItsReservationAndABoughtOneSpendsItsNumbersPrices() {
        OrderRequest r = fromFile("r1", "+12012000001");
        JournalEntry intent = JournalEntries.intent(r, new BigDecimal("2.00"), null, CLOCK);
        OrderResult unknown = results.postUnanswered(r, "Read timed out");
        assertThat(JournalEntries.spent(unknown, intent)).as("the money may have been spent").isEqualByComparingTo("2.00");
        OrderResult bought = new OrderResult(new Outcome("r1", Outcome.State.completed, "u1", 1, 1, 0, null, null, null,
                r.receivedAt(), "2026-12-01T23:59:00.000Z"),
                List.of(new NumberResult("r1", "+12012000001", NumberResult.State.ordered, null, "u1", "1.50", "0.50", null)));
        assertThat(JournalEntries.spent(bought, intent)).isEqualByComparingTo("1.50");
    }
}
