package dev.tnorders.opentact.client;

import java.math.BigDecimal;

/**
 * Opentact's price for an order, as {@link PriceDerivation} derives it from a price answer. Every
 * figure is an upper bound: it never understates what the order may cost.
 *
 * @param totalNrc     the whole order's one-time cost: the larger of the answer's total and
 *                     {@code maxNumberNrc} × numbers priced
 * @param totalMrc     the same for the monthly cost
 * @param maxNumberNrc one number's one-time cost: the dearest price group's base {@code nrc} plus the
 *                     {@code <feature>_nrc} of each requested feature, or the answer's total divided by
 *                     the numbers priced when that is more
 * @param maxNumberMrc the same for the monthly cost
 * @param priceGroups  how many price groups (items) Opentact answered with
 * @param refusal      why the price cannot be used (a field missing or not a decimal), in words a
 *                     person can act on; null when the price is readable. An unreadable price
 *                     refuses the order: every figure above is then null.
 */
public record PriceQuote(BigDecimal totalNrc, BigDecimal totalMrc, BigDecimal maxNumberNrc,
                         BigDecimal maxNumberMrc, int priceGroups, String refusal) {

    /** A readable quote. */
    public PriceQuote(BigDecimal totalNrc, BigDecimal totalMrc, BigDecimal maxNumberNrc, BigDecimal maxNumberMrc,
                      int priceGroups) {
        this(totalNrc, totalMrc, maxNumberNrc, maxNumberMrc, priceGroups, null);
    }

    /** A price answer that cannot be used: the order is refused for {@code reason}. */
    public static PriceQuote unreadable(String reason) {
        return new PriceQuote(null, null, null, null, 0, reason);
    }

    public boolean isReadable() {
        return refusal == null;
    }
}
