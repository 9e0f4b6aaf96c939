package dev.tnorders.opentact.lifecycle;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.Outcome;
import dev.tnorders.opentact.model.Price;
import dev.tnorders.opentact.opentact.ApiResponse;
import dev.tnorders.opentact.opentact.OrderStatus;
import dev.tnorders.opentact.opentact.PriceQuote;

/**
 * The decisions of an order's life, kept apart from the routes: whether a quote is within the
 * request's limits, what to order from a criteria search, and what a request finally became.
 */
public class OrderDecisions {

    public static final DateTimeFormatter UTC_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** Polls of one order at the most, whatever the deadline: every loop is bounded in count too. */
    static final int MAX_POLLS = 10_000;

    private final Clock clock;
    private final long pollIntervalMs;
    private final long pollMaxIntervalMs;
    private final long followDeadlineMs;

    public OrderDecisions(long pollIntervalMs, long pollMaxIntervalMs, long followDeadlineMs) {
        this(Clock.systemUTC(), pollIntervalMs, pollMaxIntervalMs, followDeadlineMs);
    }

    public OrderDecisions(Clock clock, long pollIntervalMs, long pollMaxIntervalMs, long followDeadlineMs) {
        this.clock = clock;
        this.pollIntervalMs = pollIntervalMs;
        this.pollMaxIntervalMs = pollMaxIntervalMs;
        this.followDeadlineMs = followDeadlineMs;
    }

    public long nowMillis() {
        return clock.millis();
    }

    /** Wait before poll number {@code pollIndex} (0-based): doubling from the interval up to the maximum. */
    public long pollDelay(Integer pollIndex) {
        long delay = pollIntervalMs << Math.min(pollIndex == null ? 0 : pollIndex, 20);
        return Math.min(delay, Math.max(pollIntervalMs, pollMaxIntervalMs));
    }

    /**
     * How long to wait before sending again an order POST that Opentact refused with 429: what
     * its Retry-After asked, and at least 1 s doubling with each try, at most a minute.
     */
    public long rateLimitedWait(long retryAfterMillis, Integer tryIndex) {
        long backoff = 1000L << Math.min(tryIndex == null ? 0 : tryIndex, 6);
        return Math.min(60_000L, Math.max(retryAfterMillis, backoff));
    }

    /** Whether to poll the order again: not final yet, before the deadline, and under the poll cap. */
    public boolean keepFollowing(OrderStatus status, long startedMillis, Integer pollIndex) {
        if (status != null && status.isFinal()) {
            return false;
        }
        // The loop index is not set yet when the loop asks before its first round.
        return (pollIndex == null ? 0 : pollIndex) < MAX_POLLS && clock.millis() - startedMillis < followDeadlineMs;
    }

    public String now() {
        return UTC_MILLIS.format(Instant.now(clock));
    }

    /** @return why the quote is over the request's per-number limits, or null when it is within them */
    public String overLimit(OrderRequest request, PriceQuote quote) {
        // A price that cannot be read refuses the request, whether or not it has limits; one
        // number's price (base plus the requested features, see PriceDerivation) must be within
        // max_nrc and max_mrc.
        if (quote == null) {
            return "Opentact gave no price, so the order was refused; nothing was ordered";
        }
        if (!quote.isReadable()) {
            return quote.refusal();
        }
        if (quote.maxNumberNrc() == null || quote.maxNumberMrc() == null) {
            return "Opentact's price has no per-number nrc and mrc; nothing was ordered";
        }
        if (request.maxNrc() != null && quote.maxNumberNrc().compareTo(request.maxNrc()) > 0) {
            return "a number costs " + quote.maxNumberNrc().toPlainString() + " one-time (nrc), over max_nrc "
                    + request.maxNrc().toPlainString();
        }
        if (request.maxMrc() != null && quote.maxNumberMrc().compareTo(request.maxMrc()) > 0) {
            return "a number costs " + quote.maxNumberMrc().toPlainString() + " a month (mrc), over max_mrc "
                    + request.maxMrc().toPlainString();
        }
        return null;
    }

    /**
     * Numbers to order for a criteria request from what the search found.
     *
     * @return the numbers, or an empty list when fill=all and not enough were found
     */
    public List<String> pickFound(CriteriaSearch search, List<String> found) {
        return pickFound(search, found, null);
    }

    /**
     * Numbers to order for a criteria request from what the search found, after earlier rounds
     * settled some: those are left out, and only the rest of the quantity is wanted.
     *
     * @return the numbers, or an empty list when fill=all and not enough were found
     */
    public List<String> pickFound(CriteriaSearch search, List<String> found, List<NumberResult> settled) {
        java.util.Set<String> tried = new java.util.HashSet<>();
        if (settled != null) {
            settled.forEach(n -> tried.add(n.tn()));
        }
        List<String> fresh = found.stream().filter(tn -> !tried.contains(tn)).toList();
        int wanted = stillWanted(search, settled);
        if (fresh.size() < wanted && search.fill() == CriteriaSearch.Fill.all) {
            return List.of();
        }
        return List.copyOf(fresh.subList(0, Math.min(fresh.size(), wanted)));
    }

    /** How many numbers a criteria request still wants after earlier rounds bought some. */
    static int stillWanted(CriteriaSearch search, List<NumberResult> settled) {
        long bought = settled == null ? 0 : settled.stream().filter(n -> n.state() == NumberResult.State.ordered).count();
        return (int) Math.max(0, search.quantity() - bought);
    }

    public OrderResult notEnoughFound(OrderRequest request, int found) {
        CriteriaSearch s = request.search();
        return rejected(request, "only " + found + " of " + s.quantity() + " numbers are available for "
                + s.pattern() + " and fill is 'all'", null);
    }

    /** fill=all and too few numbers found (leaving out those earlier rounds already tried). */
    public OrderResult notEnoughFound(OrderRequest request, List<String> found, List<NumberResult> settled) {
        CriteriaSearch s = request.search();
        java.util.Set<String> tried = new java.util.HashSet<>();
        if (settled != null) {
            settled.forEach(n -> tried.add(n.tn()));
        }
        long fresh = found.stream().filter(tn -> !tried.contains(tn)).count();
        return rejected(request, "only " + fresh + " of " + stillWanted(s, settled) + " numbers "
                + (settled == null ? "" : "still wanted ") + "are available for " + s.pattern()
                + " and fill is 'all'", null);
    }

    /**
     * Whether a criteria request searches again: some numbers it was offered were gone by order
     * time (they failed; none is unknown, which might be bought), and the tries are not used up.
     * The first round always runs.
     */
    public boolean searchAgain(OrderRequest request, OrderResult lastRound, Integer round, int maxTries) {
        if (lastRound == null) {
            return true;
        }
        if (!request.isCriteria() || (round == null ? 0 : round) >= maxTries) {
            return false;
        }
        Outcome.State state = lastRound.outcome().state();
        boolean anyFailed = lastRound.numbers().stream().anyMatch(n -> n.state() == NumberResult.State.failed);
        boolean anyUnknown = lastRound.numbers().stream().anyMatch(n -> n.state() == NumberResult.State.unknown);
        return (state == Outcome.State.failed || state == Outcome.State.partial) && anyFailed && !anyUnknown;
    }

    /** The criteria request as before its search, for the next round to choose numbers again. */
    public OrderRequest forAnotherSearch(OrderRequest request) {
        return request.withTns(null);
    }

    /** The numbers settled so far: earlier rounds' and this one's (bought or failed). */
    public List<NumberResult> settle(List<NumberResult> settled, OrderResult round) {
        List<NumberResult> all = new ArrayList<>(settled == null ? List.of() : settled);
        all.addAll(round.numbers());
        return all;
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

    public int nextAttempt(Integer previous) {
        return previous == null ? 1 : previous + 1;
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
    public OrderResult unreconciled(OrderRequest request, OrderReconciler.Reconciled reconciled, PriceQuote quote) {
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
