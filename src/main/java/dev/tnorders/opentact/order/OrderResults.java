package dev.tnorders.opentact.order;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import dev.tnorders.opentact.client.ApiResponse;
import dev.tnorders.opentact.client.OrderStatus;
import dev.tnorders.opentact.client.PriceQuote;
import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.Outcome;
import dev.tnorders.opentact.model.Price;

/**
 * What a request became, as the outcome and the per-number results it publishes: refused,
 * quote only, followed to an end, not reconciled, or unanswered. Nothing here calls anything.
 */
public class OrderResults {

    private final OrderClock clock;

    public OrderResults(OrderClock clock) {
        this.clock = clock;
    }

    String now() {
        return clock.now();
    }

    /** fill=all and too few numbers found (leaving out those earlier rounds already tried). */
    public OrderResult notEnoughFound(OrderRequest request, List<String> found, List<NumberResult> settled) {
        CriteriaSearch s = request.search();
        long fresh = OrderRules.fresh(found, settled).size();
        return rejected(request, "only " + fresh + " of " + OrderRules.stillWanted(s, settled) + " numbers "
                + (settled == null ? "" : "still wanted ") + "are available for " + s.pattern()
                + " and fill is 'all'", null);
    }

    /**
     * A criteria request's one result over all its search rounds: every number it tried, and an
     * outcome counted against the quantity it asked for.
     */
    public OrderResult combine(OrderRequest request, List<NumberResult> settled, OrderResult last) {
        List<NumberResult> numbers = new ArrayList<>(settled);
        numbers.addAll(last.numbers());
        int ordered = 0;
        int failed = 0;
        int unknown = 0;
        BigDecimal nrc = BigDecimal.ZERO;
        BigDecimal mrc = BigDecimal.ZERO;
        boolean pricesKnown = true;
        for (NumberResult n : numbers) {
            switch (n.state()) {
                case ordered -> {
                    ordered++;
                    if (n.nrc() == null || n.mrc() == null) {
                        pricesKnown = false;
                    } else {
                        nrc = nrc.add(new BigDecimal(n.nrc()));
                        mrc = mrc.add(new BigDecimal(n.mrc()));
                    }
                }
                case failed -> failed++;
                case unknown -> unknown++;
                default -> { }
            }
        }
        int requested = request.isCriteria() ? request.search().quantity() : numbers.size();
        Outcome.State state;
        String reason = null;
        if (ordered >= requested) {
            state = Outcome.State.completed;
        } else if (ordered > 0) {
            state = Outcome.State.partial;
        } else if (unknown > 0) {
            state = Outcome.State.unknown;
        } else {
            state = Outcome.State.failed;
        }
        if (state != Outcome.State.completed) {
            reason = ordered + " of " + requested + " numbers ordered; some offered numbers were gone by order time and "
                    + "were searched for again" + (last.outcome().reason() == null ? "" : ": " + last.outcome().reason());
        }
        Outcome l = last.outcome();
        Price price = ordered > 0 && pricesKnown ? Price.of(nrc, mrc) : l.price();
        Outcome outcome = new Outcome(request.requestId(), state, l.orderUuid() != null ? l.orderUuid() : lastOrder(settled),
                requested, ordered, failed, price, reason, request.source(), request.receivedAt(), now());
        return new OrderResult(outcome, numbers);
    }

    private static String lastOrder(List<NumberResult> settled) {
        String uuid = null;
        for (NumberResult n : settled) {
            uuid = n.orderUuid() != null ? n.orderUuid() : uuid;
        }
        return uuid;
    }

    /** Opentact refused the price or the order: its own words become the reason. */
    public OrderResult refusedByOpentact(OrderRequest request, String step, ApiResponse response, PriceQuote quote) {
        String reason = response.httpStatus() == 402
                ? "not enough account balance (Opentact: " + response.describeFailure() + ")"
                : "Opentact refused the " + step + ": " + response.describeFailure();
        return rejected(request, reason, quote);
    }

    /** The order POST got no answer, repeatedly, and no order for the numbers can be found. */
    public OrderResult postUnanswered(OrderRequest request, String error) {
        List<NumberResult> numbers = new ArrayList<>();
        String reason = "the order POST got no usable answer (" + error + ") and no order for these numbers was "
                + "found in Opentact; check the account's orders before ordering them again";
        for (String tn : request.tns()) {
            numbers.add(new NumberResult(request.requestId(), tn, NumberResult.State.unknown, reason, null, null, null,
                    request.source()));
        }
        Outcome outcome = new Outcome(request.requestId(), Outcome.State.unknown, null, request.numbersRequested(), 0, 0,
                null, reason, request.source(), request.receivedAt(), now());
        return new OrderResult(outcome, numbers);
    }

    /** Quote-only mode: the outcome carries Opentact's price; nothing is ordered. */
    public OrderResult quoteOnly(OrderRequest request, PriceQuote quote) {
        return rejected(request, "quote only (opentact.order.quote-only=true): priced, nothing ordered", quote);
    }

    /** Nothing was ordered: every number is rejected with the same reason. */
    public OrderResult rejected(OrderRequest request, String reason, PriceQuote quote) {
        List<NumberResult> numbers = new ArrayList<>();
        for (String tn : request.tns() == null ? List.<String>of() : request.tns()) {
            numbers.add(new NumberResult(request.requestId(), tn, NumberResult.State.rejected, reason, null, null, null,
                    request.source()));
        }
        Outcome outcome = new Outcome(request.requestId(), Outcome.State.rejected, null, request.numbersRequested(), 0, 0,
                quote == null || !quote.isReadable() ? null : Price.of(quote.totalNrc(), quote.totalMrc()), reason,
                request.source(),
                request.receivedAt(), now());
        return new OrderResult(outcome, numbers);
    }

    /**
     * What a placed order became. Per-number results come only from tn_items: a number without
     * an item, or an order still open when we stop following it, is {@code unknown}, never a guess.
     *
     * @param status the last status seen, or null when none could be read
     */
    public OrderResult finished(OrderRequest request, String orderUuid, OrderStatus status, PriceQuote quote) {
        boolean open = status == null || !status.isFinal();
        List<NumberResult> numbers = new ArrayList<>();
        int ordered = 0;
        int failed = 0;
        int unknown = 0;
        BigDecimal nrc = quote != null && quote.priceGroups() == 1 ? quote.maxNumberNrc() : null;
        BigDecimal mrc = quote != null && quote.priceGroups() == 1 ? quote.maxNumberMrc() : null;
        for (String tn : request.tns()) {
            OrderStatus.Item item = status == null ? null : status.numbers().get(tn);
            NumberResult.State state;
            String reason;
            if (item != null && item.success()) {
                // A successful item or a lease: bought, whatever else the order lists for the number.
                state = NumberResult.State.ordered;
                reason = null;
                ordered++;
            } else if (item != null && !open && !item.inProgress()) {
                state = NumberResult.State.failed;
                reason = item.reason() == null || item.reason().isBlank() ? "Opentact reported '" + item.state() + "'"
                        : item.reason();
                failed++;
            } else {
                // Still in progress (the order's or the number's own state), or no item at all:
                // never guessed into failed, which would let a criteria request buy again.
                state = NumberResult.State.unknown;
                if (open) {
                    reason = "the order was still '" + (status == null ? "unreadable" : status.state())
                            + "' when we stopped following it; check order " + orderUuid + " in Opentact";
                } else if (item != null) {
                    reason = "Opentact's order " + orderUuid + " still shows this number as '" + item.state()
                            + "'; check it in Opentact";
                } else {
                    reason = "Opentact's order " + orderUuid + " lists no result for this number";
                }
                unknown++;
            }
            boolean bought = state == NumberResult.State.ordered;
            numbers.add(new NumberResult(request.requestId(), tn, state, reason, orderUuid,
                    bought && nrc != null ? nrc.toPlainString() : null, bought && mrc != null ? mrc.toPlainString() : null,
                    request.source()));
        }
        Price price = null;
        if (status != null && status.nrc() != null && !open) {
            price = Price.of(status.nrc(), status.mrc());
        } else if (quote != null && ordered == request.tns().size()) {
            price = Price.of(quote.totalNrc(), quote.totalMrc());
        }
        return result(request, orderUuid, numbers, ordered, failed, unknown, price);
    }

    /**
     * A request whose order POST went unanswered and whose order reconciliation could not find:
     * numbers the account holds since then are {@code ordered} (a lease proves the purchase), the
     * rest {@code unknown}; nothing is ordered again on a guess.
     */
    public OrderResult unreconciled(OrderRequest request, Reconciliation.Reconciled reconciled, PriceQuote quote) {
        List<NumberResult> numbers = new ArrayList<>();
        int ordered = 0;
        BigDecimal nrc = quote != null && quote.priceGroups() == 1 ? quote.maxNumberNrc() : null;
        BigDecimal mrc = quote != null && quote.priceGroups() == 1 ? quote.maxNumberMrc() : null;
        for (String tn : request.tns()) {
            boolean held = reconciled.held().contains(tn);
            ordered += held ? 1 : 0;
            String reason = held ? reconciled.reason()
                    : reconciled.held().isEmpty() ? reconciled.reason()
                    : "the order POST got no usable answer, its order was not found, and the account does not "
                    + "hold this number; check the account's orders before ordering it again";
            numbers.add(new NumberResult(request.requestId(), tn, held ? NumberResult.State.ordered : NumberResult.State.unknown,
                    reason, null, held && nrc != null ? nrc.toPlainString() : null,
                    held && mrc != null ? mrc.toPlainString() : null, request.source()));
        }
        return result(request, null, numbers, ordered, 0, request.tns().size() - ordered, null);
    }

    /** The outcome over a request's per-number results. */
    private OrderResult result(OrderRequest request, String orderUuid, List<NumberResult> numbers, int ordered,
                               int failed, int unknown, Price price) {
        int requested = request.tns().size();
        Outcome.State state;
        String reason = null;
        if (ordered == requested) {
            state = Outcome.State.completed;
        } else if (ordered > 0) {
            state = Outcome.State.partial;
            reason = (requested - ordered) + " of " + requested + " numbers were not ordered; see each number's reason";
        } else if (unknown > 0) {
            state = Outcome.State.unknown;
            reason = numbers.stream().filter(n -> n.state() == NumberResult.State.unknown).findFirst()
                    .map(NumberResult::reason).orElse(null);
        } else {
            state = Outcome.State.failed;
            reason = numbers.size() == 1 ? numbers.get(0).reason() : "no number could be bought; see each number's reason";
        }
        Outcome outcome = new Outcome(request.requestId(), state, orderUuid, requested, ordered, failed, price, reason,
                request.source(), request.receivedAt(), now());
        return new OrderResult(outcome, numbers);
    }
}
