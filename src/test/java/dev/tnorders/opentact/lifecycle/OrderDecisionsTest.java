package dev.tnorders.opentact.lifecycle;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.Outcome;
import dev.tnorders.opentact.opentact.OrderStatus;
import dev.tnorders.opentact.opentact.PriceQuote;

import static org.assertj.core.api.Assertions.assertThat;

class OrderDecisionsTest {

    private final OrderDecisions decisions = new OrderDecisions(
            Clock.fixed(Instant.parse("2026-11-24T12:00:00.123Z"), ZoneOffset.UTC), 100, 1000, 60_000);

    private static OrderRequest request(String maxNrc, String maxMrc, String... tns) {
        return new OrderRequest("r1", List.of(tns), null, EnumSet.of(Feature.VOICE), true, null, null, null,
                maxNrc == null ? null : new BigDecimal(maxNrc), maxMrc == null ? null : new BigDecimal(maxMrc), null, "t0");
    }

    private static final PriceQuote QUOTE = new PriceQuote(new BigDecimal("2.00"), new BigDecimal("1.00"),
            new BigDecimal("1.00"), new BigDecimal("0.50"), 1);

    @Test
    void limitsArePerNumberAndNamed() {
        assertThat(decisions.overLimit(request("1.00", "0.50", "+12029822917"), QUOTE)).isNull();
        assertThat(decisions.overLimit(request("0.99", null, "+12029822917"), QUOTE)).contains("max_nrc 0.99");
        assertThat(decisions.overLimit(request(null, "0.49", "+12029822917"), QUOTE)).contains("max_mrc 0.49");
    }

    @Test
    void completedPartialFailedAndUnknownComeFromTnItemsOnly() {
        Map<String, OrderStatus.Item> items = new LinkedHashMap<>();
        items.put("+12029822917", new OrderStatus.Item(true, "success", "Complete"));
        items.put("+12025550143", new OrderStatus.Item(false, "failed", "Error buying a number"));
        OrderStatus mixed = new OrderStatus("u1", "success", true, items, null, null);

        OrderResult partial = decisions.finished(request(null, null, "+12029822917", "+12025550143", "+12012000001"),
                "u1", mixed, QUOTE);
        assertThat(partial.outcome().state()).isEqualTo(Outcome.State.partial);
        assertThat(partial.outcome().numbersOrdered()).isEqualTo(1);
        assertThat(partial.outcome().numbersFailed()).isEqualTo(1);
        assertThat(partial.outcome().completedAt()).isEqualTo("2026-11-24T12:00:00.123Z");
        assertThat(partial.numbers()).extracting(NumberResult::state).containsExactly(NumberResult.State.ordered,
                NumberResult.State.failed, NumberResult.State.unknown);
        assertThat(partial.numbers().get(1).reason()).isEqualTo("Error buying a number");
        assertThat(partial.numbers().get(2).reason()).contains("lists no result");

        OrderResult failed = decisions.finished(request(null, null, "+12025550143"), "u1", mixed, QUOTE);
        assertThat(failed.outcome().state()).isEqualTo(Outcome.State.failed);
        assertThat(failed.outcome().reason()).isEqualTo("Error buying a number");

        OrderResult completed = decisions.finished(request(null, null, "+12029822917"), "u1", mixed, QUOTE);
        assertThat(completed.outcome().state()).isEqualTo(Outcome.State.completed);
        assertThat(completed.numbers().get(0).nrc()).isEqualTo("1.00");
        assertThat(completed.outcome().price().nrc()).isEqualTo("2.00");
    }

    @Test
    void anOrderStillOpenAtTheDeadlineIsUnknownNotGuessed() {
        OrderStatus open = new OrderStatus("u1", "processing", false, Map.of(), null, null);
        OrderResult r = decisions.finished(request(null, null, "+12029822917"), "u1", open, QUOTE);
        assertThat(r.outcome().state()).isEqualTo(Outcome.State.unknown);
        assertThat(r.outcome().reason()).contains("still 'processing'").contains("u1");
    }

    @Test
    void pollingBacksOffAndStops() {
        assertThat(decisions.pollDelay(0)).isEqualTo(100);
        assertThat(decisions.pollDelay(1)).isEqualTo(200);
        assertThat(decisions.pollDelay(10)).isEqualTo(1000);
        long now = decisions.nowMillis();
        assertThat(decisions.keepFollowing(null, now, 0)).isTrue();
        assertThat(decisions.keepFollowing(new OrderStatus("u", "success", true, Map.of(), null, null), now, 1)).isFalse();
        assertThat(decisions.keepFollowing(null, now - 60_000, 1)).isFalse();
        assertThat(decisions.keepFollowing(null, now, OrderDecisions.MAX_POLLS)).isFalse();
    }

    @Test
    void fillAllBuysNothingUnlessAllAreThere() {
        List<String> found = List.of("+12017770001", "+12017770002");
        assertThat(decisions.pickFound(new CriteriaSearch("201", "777", 3, CriteriaSearch.Fill.all), found)).isEmpty();
        assertThat(decisions.pickFound(new CriteriaSearch("201", "777", 3, CriteriaSearch.Fill.partial), found))
                .containsExactlyElementsOf(found);
        assertThat(decisions.pickFound(new CriteriaSearch("201", "777", 1, CriteriaSearch.Fill.all), found))
                .containsExactly("+12017770001");
    }

    @Test
    void reconciliationPagesAreBounded() {
        assertThat(decisions.orderSearchQuery(null)).isEqualTo("take=100&skip=0");
        assertThat(decisions.orderSearchQuery(2)).isEqualTo("take=100&skip=200");
        assertThat(decisions.keepSearching(null, null, null, 3)).isTrue();
        assertThat(decisions.keepSearching(null, true, 2, 3)).isTrue();
        assertThat(decisions.keepSearching(null, true, 3, 3)).isFalse();
        assertThat(decisions.keepSearching(null, false, 1, 3)).isFalse();
        assertThat(decisions.keepSearching("uuid", true, 1, 3)).isFalse();
    }
}
