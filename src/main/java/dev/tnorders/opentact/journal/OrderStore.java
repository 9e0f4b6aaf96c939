package dev.tnorders.opentact.journal;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;

/**
 * Where the lifecycle records its durable phases (the Kafka journal, {@link OrderJournal}). Each
 * write covers every request of a case at once and is acknowledged before it returns.
 */
public interface OrderStore {

    /** The latest entry of a request, after reading what every instance wrote so far; null when none. */
    JournalEntry lookup(String requestId);

    /** The entries of those of these requests that have one, after reading what every instance wrote so far (once). */
    Map<String, JournalEntry> entries(Collection<String> requestIds);

    /**
     * Before the order POST: the numbers, and each request's reserved one-time spend.
     *
     * @param reservedNrc one per request (an element may be null: no price known)
     * @param settled     a criteria request's earlier rounds (cases of one), or null
     */
    void intent(List<OrderRequest> requests, List<BigDecimal> reservedNrc, List<NumberResult> settled);

    /**
     * Right before an order POST: throws when a request's record was given to another consumer
     * (its partition moved in a rebalance), so that no POST goes out for work another instance owns.
     */
    default void confirmOwned(List<OrderRequest> requests) {
    }

    /** After the POST (or reconciliation found the order): every request of the case is in this order. */
    void placed(List<OrderRequest> requests, String orderUuid);

    /** One result per number, the outcome and the done entry of each request, in one transaction. */
    void finish(List<OrderRequest> requests, List<OrderResult> results);
}
