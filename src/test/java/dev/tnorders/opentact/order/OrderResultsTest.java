package dev.tnorders.opentact.order;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.client.OrderStatus;
import dev.tnorders.opentact.client.PriceDerivation;
import dev.tnorders.opentact.client.PriceDerivationTest;
import dev.tnorders.opentact.client.PriceQuote;
import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.Outcome;
import dev.tnorders.opentact.model.RequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;

class OrderResultsTest {

    private final OrderClock clock = new OrderClock(Clock.fixed(Instant.parse("2026-11-24T12:00:00.123Z"), ZoneOffset.UTC), ms -> { });
    private final OrderResults decisions = new OrderResults(clock);
    private final FollowPolicy follow = new FollowPolicy(clock, 100, 1000, 60_000);

    private static OrderRequest request(String maxNrc, String maxMrc, String... tns) {
        return RequestBuilder.request("r1").tns(tns).maxNrc(maxNrc).maxMrc(maxMrc).receivedAt("t0").build();
    }

    private static final PriceQuote QUOTE = new PriceQuote(new BigDecimal("2.00"), new BigDecimal("1.00"),
            new BigDecimal("1.00"), new BigDecimal("0.50"), 1);

    @Test
    void limitsArePerNumberAndNamed() {
        assertThat(OrderRules.overLimit(request("1.00", "0.50", "+12029822917"), QUOTE)).isNull();
        assertThat(OrderRules.overLimit(request("0.99", null, "+12029822917"), QUOTE)).contains("max_nrc 0.99");
        assertThat(OrderRules.overLimit(request(null, "0.49", "+12029822917"), QUOTE)).contains("max_mrc 0.49");
    }

    @Test
    void anUnreadablePriceRefusesEvenWithoutLimits() {
        PriceQuote unreadable = PriceQuote.unreadable("Opentact's price has no readable sms_mrc for item 1; nothing was ordered");
        assertThat(OrderRules.overLimit(request(null, null, "+12029822917"), unreadable))
                .isEqualTo("Opentact's price has no readable sms_mrc for item 1; nothing was ordered");
        assertThat(OrderRules.overLimit(request("5.00", "5.00", "+12029822917"), unreadable)).contains("sms_mrc");
        assertThat(OrderRules.overLimit(request(null, null, "+12029822917"), null)).contains("no price");
        // A readable quote with no per-number figure (none comes from Opentact's answer like that) refuses too.
        assertThat(OrderRules.overLimit(request(null, null, "+12029822917"),
                new PriceQuote(BigDecimal.ONE, BigDecimal.ONE, null, null, 0))).contains("no per-number");
        OrderResult refused = decisions.rejected(request(null, null, "+12029822917"), unreadable.refusal(), unreadable);
        assertThat(refused.outcome().state()).isEqualTo(Outcome.State.rejected);
        assertThat(refused.outcome().price()).isNull(); // no price is claimed from an unreadable answer
        assertThat(refused.numbers()).singleElement().satisfies(n -> assertThat(n.reason()).contains("sms_mrc"));
    }

    @Test
    void theFeaturesPriceCountsAgainstMaxMrc() {
        // base mrc 0.50 + sms_mrc 0.25: over a max_mrc of 0.60 that the base alone would meet
        PriceQuote withSms = PriceDerivation.derive(
                PriceDerivationTest.payload(
                        "nrc=1.00,mrc=0.50,voice_nrc=0,voice_mrc=0,sms_nrc=0,sms_mrc=0.25", "nrc=#1.00,mrc=#0.50"),
                EnumSet.of(Feature.VOICE, Feature.SMS), 1);
        assertThat(OrderRules.overLimit(request(null, "0.60", "+12029822917"), withSms))
                .isEqualTo("a number costs 0.75 a month (mrc), over max_mrc 0.60");
        assertThat(OrderRules.overLimit(request(null, "0.75", "+12029822917"), withSms)).isNull();
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
    void anOrderPostRefusedWith429WaitsForRetryAfterOrABackoff() {
        assertThat(follow.rateLimitedWait(0, 0)).isEqualTo(1000);
        assertThat(follow.rateLimitedWait(0, 2)).isEqualTo(4000);
        assertThat(follow.rateLimitedWait(7000, 1)).isEqualTo(7000);
        assertThat(follow.rateLimitedWait(0, 50)).isEqualTo(60_000);
        assertThat(follow.rateLimitedWait(600_000, 0)).isEqualTo(60_000);
    }

    @Test
    void pollingBacksOffAndStops() {
        assertThat(follow.pollDelay(0)).isEqualTo(100);
        assertThat(follow.pollDelay(1)).isEqualTo(200);
        assertThat(follow.pollDelay(10)).isEqualTo(1000);
        long now = clock.millis();
        assertThat(follow.keepFollowing(null, now, 0)).isTrue();
        assertThat(follow.keepFollowing(new OrderStatus("u", "success", true, Map.of(), null, null), now, 1)).isFalse();
        assertThat(follow.keepFollowing(null, now - 60_000, 1)).isFalse();
        assertThat(follow.keepFollowing(null, now, FollowPolicy.MAX_POLLS)).isFalse();
    }

    @Test
    void fillAllBuysNothingUnlessAllAreThere() {
        List<String> found = List.of("+12017770001", "+12017770002");
        assertThat(OrderRules.pickFound(new CriteriaSearch("201", "777", 3, CriteriaSearch.Fill.all), found, null)).isEmpty();
        assertThat(OrderRules.pickFound(new CriteriaSearch("201", "777", 3, CriteriaSearch.Fill.partial), found, null))
                .containsExactlyElementsOf(found);
        assertThat(OrderRules.pickFound(new CriteriaSearch("201", "777", 1, CriteriaSearch.Fill.all), found, null))
                .containsExactly("+12017770001");
    }

    @Test
    void aNumberWithASuccessfulEntryIsOrderedAndOneStillInProgressIsUnknownNeverFailed() {
        Map<String, OrderStatus.Item> items = new LinkedHashMap<>();
        items.put("+12029822917", new OrderStatus.Item(OrderStatus.Result.SUCCESS, "success", "Complete"));
        items.put("+12025550143", new OrderStatus.Item(OrderStatus.Result.IN_PROGRESS, "porting", null));
        OrderStatus open = new OrderStatus("u1", "success", false, items, null, null);
        OrderResult r = decisions.finished(request(null, null, "+12029822917", "+12025550143"), "u1", open, null);
        assertThat(r.numbers()).extracting(NumberResult::state)
                .containsExactly(NumberResult.State.ordered, NumberResult.State.unknown);
        assertThat(r.outcome().state()).isEqualTo(Outcome.State.partial);
        assertThat(r.outcome().numbersFailed()).isZero();
    }

    @Test
    void anUnreconciledRequestOrdersNothingAgainAndReportsWhatTheLeasesShow() {
        OrderRequest req = request(null, null, "+12029822917", "+12025550143");
        OrderResult held = decisions.unreconciled(req, new Reconciliation.Reconciled(Reconciliation.Verdict.HELD_WITHOUT_ORDER,
                null, Set.of("+12029822917"), "the account holds this number (a lease since the order was sent)"), null);
        assertThat(held.numbers()).extracting(NumberResult::state)
                .containsExactly(NumberResult.State.ordered, NumberResult.State.unknown);
        assertThat(held.numbers().get(0).reason()).contains("lease");
        assertThat(held.outcome().state()).isEqualTo(Outcome.State.partial);
        OrderResult unknown = decisions.unreconciled(req, new Reconciliation.Reconciled(Reconciliation.Verdict.UNKNOWN,
                null, Set.of(), "the order search failed: HTTP 502"), null);
        assertThat(unknown.outcome().state()).isEqualTo(Outcome.State.unknown);
        assertThat(unknown.outcome().reason()).contains("the order search failed");
        assertThat(unknown.numbers()).allSatisfy(n -> assertThat(n.state()).isEqualTo(NumberResult.State.unknown));
    }

    private static NumberResult number(String tn, NumberResult.State state) {
        boolean bought = state == NumberResult.State.ordered;
        return new NumberResult("c1", tn, state, bought ? null : "Error buying a number", "u" + tn.charAt(tn.length() - 1),
                bought ? "1.00" : null, bought ? "0.50" : null, null);
    }

    private static final OrderRequest CRITERIA = RequestBuilder.request("c1")
            .search(new CriteriaSearch("415", "777", 3, CriteriaSearch.Fill.all)).receivedAt("t0").build();

    @Test
    void aCriteriaRequestSearchesAgainOnlyForNumbersThatFailedAndOnlySoOften() {
        Outcome partial = new Outcome("c1", Outcome.State.partial, "u1", 3, 1, 2, null, null, null, "t0", "t1");
        OrderResult gone = new OrderResult(partial, List.of(number("+14157770001", NumberResult.State.ordered),
                number("+14157770002", NumberResult.State.failed)));
        assertThat(OrderRules.searchAgain(CRITERIA, gone, 0, 2)).isTrue();
        assertThat(OrderRules.searchAgain(CRITERIA, gone, 0, 2)).isTrue();
        assertThat(OrderRules.searchAgain(CRITERIA, gone, 2, 2)).isFalse();
        assertThat(OrderRules.searchAgain(request(null, null, "+14157770001"), gone, 0, 2)).isFalse();
        OrderResult maybeBought = new OrderResult(partial, List.of(number("+14157770002", NumberResult.State.failed),
                number("+14157770003", NumberResult.State.unknown)));
        assertThat(OrderRules.searchAgain(CRITERIA, maybeBought, 0, 2)).isFalse();
    }

    @Test
    void anotherRoundLeavesOutTriedNumbersAndWantsOnlyTheRest() {
        List<NumberResult> settled = List.of(number("+14157770001", NumberResult.State.ordered),
                number("+14157770002", NumberResult.State.failed));
        List<String> found = List.of("+14157770002", "+14157770003", "+14157770004", "+14157770005");
        assertThat(OrderRules.pickFound(CRITERIA.search(), found, settled)).containsExactly("+14157770003", "+14157770004");
        assertThat(OrderRules.pickFound(CRITERIA.search(), List.of("+14157770002", "+14157770003"), settled)).isEmpty();
        assertThat(decisions.notEnoughFound(CRITERIA, List.of("+14157770002", "+14157770003"), settled).outcome().reason())
                .contains("only 1 of 2 numbers still wanted");
    }

    @Test
    void allRoundsMakeOneResult() {
        List<NumberResult> settled = List.of(number("+14157770001", NumberResult.State.ordered),
                number("+14157770002", NumberResult.State.failed));
        OrderResult last = new OrderResult(new Outcome("c1", Outcome.State.completed, "u4", 2, 2, 0, null, null, null,
                "t0", "t1"), List.of(number("+14157770003", NumberResult.State.ordered),
                number("+14157770004", NumberResult.State.ordered)));
        OrderResult all = decisions.combine(CRITERIA, settled, last);
        assertThat(all.numbers()).hasSize(4);
        Outcome o = all.outcome();
        assertThat(o.state()).isEqualTo(Outcome.State.completed);
        assertThat(o.numbersRequested()).isEqualTo(3);
        assertThat(o.numbersOrdered()).isEqualTo(3);
        assertThat(o.numbersFailed()).isEqualTo(1);
        assertThat(o.price().nrc()).isEqualTo("3.00");
        assertThat(o.orderUuid()).isEqualTo("u4");

        OrderResult nothingMore = decisions.combine(CRITERIA, settled,
                decisions.notEnoughFound(CRITERIA.withTns(null), List.of(), settled));
        assertThat(nothingMore.outcome().state()).isEqualTo(Outcome.State.partial);
        assertThat(nothingMore.outcome().reason()).contains("1 of 3 numbers ordered").contains("only 0 of 2");
    }
}
