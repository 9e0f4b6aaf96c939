package dev.tnorders.opentact.client;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * An order as {@code GET /rest/order/{uuid}} (or one entry of the order search) shows it.
 *
 * @param isFinal   the order's state is final and no number's item is still in progress
 * @param numbers   E.164 → that number's result, merged over every tn_items entry and lease that
 *                  names it (a number with a successful item or a lease was bought, whatever other
 *                  entries say); only numbers Opentact gave a result for
 * @param listed    every number the answer names in any documented place (the order's request,
 *                  {@code tns}, tn_items, leases): what the order is for, as far as it shows
 * @param createdOn the order's {@code created_on}, or null when absent or unreadable
 */
public record OrderStatus(String uuid, String state, boolean isFinal, Map<String, Item> numbers, Set<String> listed,
                          BigDecimal nrc, BigDecimal mrc, Instant createdOn) {

    public OrderStatus(String uuid, String state, boolean isFinal, Map<String, Item> numbers, BigDecimal nrc,
                       BigDecimal mrc) {
        this(uuid, state, isFinal, numbers, numbers.keySet(), nrc, mrc, null);
    }

    /** The same order without its own price (a batch's order covers other requests too). */
    public OrderStatus withoutPrice() {
        return new OrderStatus(uuid, state, isFinal, numbers, listed, null, null, createdOn);
    }

    /** What one number's entries add up to. */
    public enum Result { SUCCESS, FAILED, IN_PROGRESS }

    /** One number's result: the state and reason of the entry that decided it. */
    public record Item(Result result, String state, String reason) {

        public Item(boolean success, String state, String reason) {
            this(success ? Result.SUCCESS : Result.FAILED, state, reason);
        }

        public boolean success() {
            return result == Result.SUCCESS;
        }

        public boolean inProgress() {
            return result == Result.IN_PROGRESS;
        }

        /** Two entries for one number: success wins, then in progress (it may still succeed), then failed. */
        Item merge(Item other) {
            return other.rank() > rank() ? other : this;
        }

        private int rank() {
            return switch (result) {
                case SUCCESS -> 2;
                case IN_PROGRESS -> 1;
                case FAILED -> 0;
            };
        }
    }
}
