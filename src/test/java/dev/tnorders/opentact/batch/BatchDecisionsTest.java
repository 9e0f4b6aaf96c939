package dev.tnorders.opentact.batch;

import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.lifecycle.OrderDecisions;
import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.Outcome;
import dev.tnorders.opentact.opentact.OrderStatus;
import dev.tnorders.opentact.opentact.PriceQuote;

import static org.assertj.core.api.Assertions.assertThat;

class BatchDecisionsTest {

    private final OrderDecisions decisions = new OrderDecisions(100, 1000, 60_000);
    private final PriceQuote onePriceGroup = new PriceQuote(new BigDecimal("3.00"), new BigDecimal("1.50"),
            new BigDecimal("1.00"), new BigDecimal("0.50"), 1);

    private static OrderRequest req(String id, String... tns) {
        return new OrderRequest(id, List.of(tns), null, EnumSet.of(Feature.VOICE), true, null, null, null, null, null,
                null, "t");
    }

    @Test
    void eachRequestOfABatchIsPricedAndReportedOnItsOwnNumbers() {
        BatchDecisions batch = new BatchDecisions(decisions, null, false);
        OrderStatus status = new OrderStatus("u1", "success", true, Map.of(
                "+1", new OrderStatus.Item(true, "success", "Complete"),
                "+2", new OrderStatus.Item(true, "success", "Complete"),
                "+3", new OrderStatus.Item(false, "failed", "Error buying a number")),
                new BigDecimal("3.00"), new BigDecimal("1.50")); // the whole order's total
        List<OrderResult> results = batch.finishedAll(List.of(req("a", "+1", "+2"), req("b", "+3")), "u1", status,
                onePriceGroup);
        Outcome a = results.get(0).outcome();
        assertThat(a.state()).isEqualTo(Outcome.State.completed);
        assertThat(a.price().nrc()).isEqualTo("2.00"); // its share, not the order's 3.00
        assertThat(results.get(0).numbers()).extracting(n -> n.nrc()).containsExactly("1.00", "1.00");
        Outcome b = results.get(1).outcome();
        assertThat(b.state()).isEqualTo(Outcome.State.failed);
        assertThat(b.reason()).isEqualTo("Error buying a number");
        assertThat(b.orderUuid()).isEqualTo("u1");
    }

    @Test
    void quoteOnlyRefusesEveryRequestWithItsOwnPrice() {
        BatchDecisions batch = new BatchDecisions(decisions, null, true);
        BatchDecisions.Admission admission = batch.admit(new OrderBatch(List.of(req("a", "+1"), req("b", "+2", "+3"))),
                onePriceGroup);
        assertThat(admission.admitted()).isEmpty();
        assertThat(admission.refusedResults()).extracting(r -> r.outcome().price().nrc()).containsExactly("1.00", "2.00");
        assertThat(admission.refusedResults()).allSatisfy(r -> assertThat(r.outcome().reason()).contains("quote only"));
    }

    @Test
    void withSeveralPriceGroupsNoRequestIsGivenAPriceItCannotBeSureOf() {
        PriceQuote twoGroups = new PriceQuote(new BigDecimal("3.00"), new BigDecimal("1.50"), new BigDecimal("2.00"),
                new BigDecimal("0.50"), 2);
        assertThat(BatchDecisions.share(req("a", "+1"), twoGroups)).isNull();
        assertThat(BatchDecisions.nrcPerNumber(twoGroups)).isEqualByComparingTo("2.00"); // budgets: the dearest
    }

    @Test
    void anUnreadablePriceRefusesEveryRequestOfTheBatch() {
        BatchDecisions batch = new BatchDecisions(decisions, null, false);
        BatchDecisions.Admission admission = batch.admit(new OrderBatch(List.of(req("a", "+1"), req("b", "+2"))),
                PriceQuote.unreadable("Opentact's price has no readable total mrc; nothing was ordered"));
        assertThat(admission.admitted()).isEmpty();
        assertThat(admission.refused()).extracting(OrderRequest::requestId).containsExactly("a", "b");
        assertThat(admission.refusedResults()).allSatisfy(r -> {
            assertThat(r.outcome().state()).isEqualTo(Outcome.State.rejected);
            assertThat(r.outcome().reason()).contains("total mrc");
            assertThat(r.outcome().price()).isNull();
        });
    }
}
