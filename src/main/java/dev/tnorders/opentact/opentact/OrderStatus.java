package dev.tnorders.opentact.opentact;

import java.math.BigDecimal;
import java.util.Map;

/**
 * An order as {@code GET /rest/order/{uuid}} shows it.
 *
 * @param numbers E.164 → that number's item; only numbers Opentact listed in tn_items
 */
public record OrderStatus(String uuid, String state, boolean isFinal, Map<String, Item> numbers,
                          BigDecimal nrc, BigDecimal mrc) {

    /** One tn_items entry. */
    public record Item(boolean success, String state, String reason) {
    }
}
