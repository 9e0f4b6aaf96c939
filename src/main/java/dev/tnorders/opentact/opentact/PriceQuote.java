package dev.tnorders.opentact.opentact;

import java.math.BigDecimal;

/**
 * Opentact's price for an order.
 *
 * @param maxNumberNrc the dearest one-time price of a single number among the price groups
 * @param maxNumberMrc the dearest monthly price of a single number among the price groups
 * @param priceGroups  how many price groups (items) Opentact answered with
 */
public record PriceQuote(BigDecimal totalNrc, BigDecimal totalMrc, BigDecimal maxNumberNrc,
                         BigDecimal maxNumberMrc, int priceGroups) {
}
