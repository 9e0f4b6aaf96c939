package dev.tnorders.opentact.order;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.journal.JournalEntries;
import dev.tnorders.opentact.journal.SpendLedger;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BudgetsTest {

    private static BigDecimal d(String v) {
        return new BigDecimal(v);
    }

    @Test
    void anOrderThatFitsTheDailyBudgetExactlyIsAllowed() {
        Budgets b = new Budgets("10.00", "none", null);
        assertThat(b.exceeded(d("3.00"), d("7.00"), BigDecimal.ZERO, false)).isNull();
        assertThat(b.exceeded(d("3.01"), d("7.00"), BigDecimal.ZERO, false))
                .contains("daily budget").contains("opentact.budget.daily-nrc 10.00").contains("7.00").contains("3.01");
    }

    @Test
    void theFileBudgetAppliesOnlyToRequestsFromFiles() {
        Budgets b = new Budgets("none", "5.00", null);
        assertThat(b.exceeded(d("2.00"), d("100.00"), d("4.00"), true)).contains("file's budget").contains("4.00");
        assertThat(b.exceeded(d("2.00"), d("100.00"), d("4.00"), false)).isNull();
        assertThat(b.exceeded(d("1.00"), d("100.00"), d("4.00"), true)).isNull();
    }

    @Test
    void noBudgetNeedsNoPriceButABudgetDoes() {
        assertThat(new Budgets("", "none", null).exceeded(null, d("1"), d("1"), true)).isNull();
        assertThat(new Budgets("5", "none", null).exceeded(null, d("1"), d("1"), true)).contains("cannot be checked");
    }

    @Test
    void aBudgetThatIsNotAnAmountIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> new Budgets("ten", "none", null)).hasMessageContaining("opentact.budget.daily-nrc");
        assertThatThrownBy(() -> new Budgets("none", "-1", null)).hasMessageContaining("opentact.budget.file-nrc");
    }

    @Test
    void theLedgerReplacesARequestsSpendAndLeavesItOutWhenDecidingItAgain() {
        SpendLedger ledger = new SpendLedger();
        ledger.record("r1", "2026-11-25", "a.csv@t", d("5.00"));  // intent: quoted price
        ledger.record("r2", "2026-11-25", null, d("2.00"));
        ledger.record("r3", "2026-11-24", null, d("9.00"));
        assertThat(ledger.day("2026-11-25", "other")).isEqualByComparingTo("7.00");
        assertThat(ledger.file("a.csv@t", "other")).isEqualByComparingTo("5.00");
        assertThat(ledger.day("2026-11-25", "r1")).isEqualByComparingTo("2.00");
        ledger.record("r1", "2026-11-25", "a.csv@t", d("3.00"));  // done: what was really bought
        assertThat(ledger.day("2026-11-25", "other")).isEqualByComparingTo("5.00");
        assertThat(ledger.file("a.csv@t", "other")).isEqualByComparingTo("3.00");
        ledger.forget("r2");
        assertThat(ledger.day("2026-11-25", "other")).isEqualByComparingTo("3.00");
        assertThat(ledger.file(null, "other")).isEqualByComparingTo("0");
    }

    @Test
    void withNoBudgetABatchFitsWithoutReadingTheJournal() {
        Budgets b = new Budgets("none", "none", null); // no journal: reading it would fail
        assertThat(b.checkEach(List.of(request("n1"), request("n2")), List.of(d("1.00"), d("1.00")))).containsExactly(null, null);
    }

    private static OrderRequest request(String id) {
        return RequestBuilder.request(id).tns("+12012030001").receivedAt("t0").build();
    }

    @Test
    void aRequestThatFitsIsBookedAtOnceSoTheNextOneSeesIt() {
        Budgets b = new Budgets("5.00", "none", null);
        SpendLedger ledger = new SpendLedger();
        assertThat(b.checkAndReserve(ledger, request("a"), d("3.00"))).isNull();
        assertThat(b.checkAndReserve(ledger, request("b"), d("3.00"))).contains("daily budget").contains("3.00 spent");
        // Deciding "a" again (a redelivery) leaves its own booking out.
        assertThat(b.checkAndReserve(ledger, request("a"), d("3.00"))).isNull();
        assertThat(b.checkAndReserve(ledger, request("c"), d("2.00"))).isNull();
    }

    @Test
    void batchesDecidedAtTheSameMomentTogetherStayWithinTheBudget() throws Exception {
        Budgets b = new Budgets("10.00", "none", null);
        SpendLedger ledger = new SpendLedger();
        List<Callable<String>> decisions = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String id = "r" + i;
            decisions.add(() -> b.checkAndReserve(ledger, request(id), d("1.00")));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            int admitted = 0;
            for (Future<String> f : pool.invokeAll(decisions, 30, TimeUnit.SECONDS)) {
                admitted += f.get() == null ? 1 : 0;
            }
            assertThat(admitted).isEqualTo(10);
            assertThat(ledger.day(JournalEntries.today(Clock.systemUTC()), "other")).isEqualByComparingTo("10.00");
        } finally {
            pool.shutdownNow();
        }
    }
}
