package dev.tnorders.opentact.order;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.Outcome;
import dev.tnorders.opentact.client.PriceQuote;

/**
 * The rules the lifecycle decides by, apart from any call: what a case orders as one request,
 * each request's part of the case's price, the request's own price limits, and a criteria
 * request's search rounds.
 */
public final class OrderRules {

    private OrderRules() {
    }

    /**
     * The case's requests as the one request the price and order bodies are built from: itself
     * for a case of one; for a batch, the settings its requests share and all their numbers.
     */
    public static OrderRequest asOneOrder(List<OrderRequest> requests) {
        if (requests.size() == 1) {
            return requests.get(0);
        }
        OrderRequest first = requests.get(0);
        List<String> tns = new ArrayList<>();
        requests.forEach(r -> tns.addAll(r.tns()));
        return new OrderRequest("batch-of-" + first.requestId(), tns, null, first.features(), first.autorenew(),
                first.profile(), first.sipConnection(), first.sipControlApp(), null, null, null, first.receivedAt());
    }

    /**
     * One request's part of the case's quote: the quote itself in a case of one; in a batch, one
     * number's price (never understated) × its numbers, claimed only when the quote has one price
     * group (with several, which group a request's numbers fell in is not known).
     */
    public static PriceQuote share(OrderRequest r, PriceQuote quote, int requestsInCase) {
        if (requestsInCase == 1) {
            return quote;
        }
        if (quote == null || quote.priceGroups() != 1 || quote.maxNumberNrc() == null || quote.maxNumberMrc() == null) {
            return null;
        }
        BigDecimal n = BigDecimal.valueOf(r.tns().size());
        return new PriceQuote(quote.maxNumberNrc().multiply(n), quote.maxNumberMrc().multiply(n), quote.maxNumberNrc(),
                quote.maxNumberMrc(), 1);
    }

    /**
     * The one-time spend a request books from its intent on (budgets, journal): the order's total
     * in a case of one; in a batch, the dearest price group's number price × its numbers, so that
     * budgets are never under-counted. Null when the quote has no figure.
     */
    public static BigDecimal reservedNrc(OrderRequest r, PriceQuote quote, int requestsInCase) {
        if (quote == null) {
            return null;
        }
        if (requestsInCase == 1) {
            return quote.totalNrc();
        }
        return quote.maxNumberNrc() == null ? null : quote.maxNumberNrc().multiply(BigDecimal.valueOf(r.tns().size()));
    }

    /** @return why the quote is over the request's per-number limits (or unusable), or null when it is within them */
    public static String overLimit(OrderRequest request, PriceQuote quote) {
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
     * Numbers to order for a criteria request from what the search found, after earlier rounds
     * settled some: those are left out, and only the rest of the quantity is wanted.
     *
     * @return the numbers, or an empty list when fill=all and not enough were found
     */
    public static List<String> pickFound(CriteriaSearch search, List<String> found, List<NumberResult> settled) {
        List<String> fresh = fresh(found, settled);
        int wanted = stillWanted(search, settled);
        if (fresh.size() < wanted && search.fill() == CriteriaSearch.Fill.all) {
            return List.of();
        }
        return List.copyOf(fresh.subList(0, Math.min(fresh.size(), wanted)));
    }

    /** The found numbers that no earlier round tried. */
    public static List<String> fresh(List<String> found, List<NumberResult> settled) {
        Set<String> tried = new HashSet<>();
        if (settled != null) {
            settled.forEach(n -> tried.add(n.tn()));
        }
        return found.stream().filter(tn -> !tried.contains(tn)).toList();
    }

    /** How many numbers a criteria request still wants after earlier rounds bought some. */
    public static int stillWanted(CriteriaSearch search, List<NumberResult> settled) {
        long bought = settled == null ? 0 : settled.stream().filter(n -> n.state() == NumberResult.State.ordered).count();
        return (int) Math.max(0, search.quantity() - bought);
    }

    /**
     * Whether a criteria request searches again after a round: some numbers it was offered were
     * gone by order time (they failed; none is unknown, which might be bought), and the tries
     * ({@code opentact.order.research-tries}) are not used up.
     */
    public static boolean searchAgain(OrderRequest request, OrderResult round, int roundsDone, int maxTries) {
        if (!request.isCriteria() || roundsDone >= maxTries) {
            return false;
        }
        Outcome.State state = round.outcome().state();
        boolean anyFailed = round.numbers().stream().anyMatch(n -> n.state() == NumberResult.State.failed);
        boolean anyUnknown = round.numbers().stream().anyMatch(n -> n.state() == NumberResult.State.unknown);
        return (state == Outcome.State.failed || state == Outcome.State.partial) && anyFailed && !anyUnknown;
    }

    /** The numbers settled so far: earlier rounds' and this one's (bought or failed). */
    public static List<NumberResult> settle(List<NumberResult> settled, OrderResult round) {
        List<NumberResult> all = new ArrayList<>(settled == null ? List.of() : settled);
        all.addAll(round.numbers());
        return all;
    }
}
