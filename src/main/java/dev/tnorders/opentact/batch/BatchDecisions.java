package dev.tnorders.opentact.batch;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import dev.tnorders.opentact.lifecycle.Budgets;
import dev.tnorders.opentact.lifecycle.OrderDecisions;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.opentact.ApiResponse;
import dev.tnorders.opentact.lifecycle.OrderReconciler;
import dev.tnorders.opentact.opentact.OrderStatus;
import dev.tnorders.opentact.opentact.PriceQuote;

/**
 * The decisions of a batch, made per request with the same rules as the per-request path
 * ({@link OrderDecisions}, {@link Budgets}): which requests may be ordered after pricing, and
 * what each became once the batch's order is final.
 */
public class BatchDecisions {

    /** The requests of a priced batch that may be ordered, and the results of the ones that may not. */
    public record Admission(List<OrderRequest> admitted, List<OrderRequest> refused, List<OrderResult> refusedResults) {

        /** The admitted requests as one order: what is placed. */
        public OrderRequest order() {
            return new OrderBatch(admitted).asOneRequest();
        }
    }

    private final OrderDecisions decisions;
    private final Budgets budgets;
    private final boolean quoteOnly;

    public BatchDecisions(OrderDecisions decisions, Budgets budgets, boolean quoteOnly) {
        this.decisions = decisions;
        this.budgets = budgets;
        this.quoteOnly = quoteOnly;
    }

    /**
     * The price of one number in this quote, as {@link dev.tnorders.opentact.opentact.PriceDerivation}
     * derives it: the dearest price group's base nrc plus the requested features' nrc, or the
     * answer's total per number when that is more (so budgets are never under-counted).
     */
    public static BigDecimal nrcPerNumber(PriceQuote quote) {
        return quote == null ? null : quote.maxNumberNrc();
    }

    public Admission admit(OrderBatch batch, PriceQuote quote) {
        if (quote == null || !quote.isReadable()) {
            // A price that cannot be read is no price: nothing of the batch is ordered.
            String reason = quote == null ? "Opentact gave no price, so the order was refused; nothing was ordered"
                    : quote.refusal();
            List<OrderResult> results = new ArrayList<>();
            batch.requests().forEach(r -> results.add(decisions.rejected(r, reason, null)));
            return new Admission(List.of(), List.copyOf(batch.requests()), results);
        }
        List<String> overBudget = quoteOnly ? null : budgets.checkEach(batch.requests(), nrcPerNumber(quote));
        List<OrderRequest> admitted = new ArrayList<>();
        List<OrderRequest> refused = new ArrayList<>();
        List<OrderResult> results = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            OrderRequest r = batch.requests().get(i);
            PriceQuote own = share(r, quote);
            if (quoteOnly) {
                refused.add(r);
                results.add(decisions.quoteOnly(r, own));
            } else if (overBudget.get(i) != null) {
                refused.add(r);
                results.add(decisions.rejected(r, overBudget.get(i), own));
            } else {
                admitted.add(r);
            }
        }
        return new Admission(admitted, refused, results);
    }

    /** Opentact refused the batch's order as a whole: each request with Opentact's own words. */
    public List<OrderResult> refusedAll(List<OrderRequest> requests, ApiResponse response, PriceQuote quote) {
        List<OrderResult> results = new ArrayList<>();
        for (OrderRequest r : requests) {
            results.add(decisions.refusedByOpentact(r, "order", response, share(r, quote)));
        }
        return results;
    }

    /**
     * The batch's order POST went unanswered and reconciliation could not find its order: each
     * request's numbers the account holds since then are {@code ordered}, the rest {@code unknown},
     * as on the per-request path; nothing of the batch is ordered again.
     */
    public List<OrderResult> unreconciledAll(List<OrderRequest> requests, OrderReconciler.Reconciled reconciled,
                                             PriceQuote quote) {
        List<OrderResult> results = new ArrayList<>();
        for (OrderRequest r : requests) {
            results.add(decisions.unreconciled(r, reconciled, share(r, quote)));
        }
        return results;
    }

    /**
     * What each request of a placed batch became. The order's own total covers the whole batch,
     * so each request's price comes from its share of the quote instead.
     */
    public List<OrderResult> finishedAll(List<OrderRequest> requests, String orderUuid, OrderStatus status,
                                         PriceQuote quote) {
        OrderStatus withoutOrderTotal = status == null ? null : status.withoutPrice();
        List<OrderResult> results = new ArrayList<>();
        for (OrderRequest r : requests) {
            results.add(decisions.finished(r, orderUuid, withoutOrderTotal, share(r, quote)));
        }
        return results;
    }

    /**
     * One request's part of the batch's quote: one number's price (never understated) × its
     * numbers. Claimed only when the quote has a single price group; with several, which group a
     * request's numbers fell in is not known.
     */
    static PriceQuote share(OrderRequest r, PriceQuote quote) {
        if (quote == null || quote.priceGroups() != 1 || quote.maxNumberNrc() == null || quote.maxNumberMrc() == null) {
            return null;
        }
        BigDecimal n = BigDecimal.valueOf(r.tns().size());
        return new PriceQuote(quote.maxNumberNrc().multiply(n), quote.maxNumberMrc().multiply(n), quote.maxNumberNrc(),
                quote.maxNumberMrc(), 1);
    }
}
