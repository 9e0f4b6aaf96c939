package dev.tnorders.opentact.order;

import java.time.Instant;
import java.util.List;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * Tells whether the order of a case whose POST went unanswered (or whose intent a crash left
 * behind) exists: {@link OrderReconciler}, on Opentact's documented answers only.
 */
public interface Reconciliation {

    /** The requests were all in one order POST; their numbers are looked for together. */
    OrderReconciler.Reconciled reconcile(List<OrderRequest> requests) throws InterruptedException;

    /**
     * The earliest {@code created_on} an order of these requests' POST can show: their intent less
     * the clock-skew margin. An order created before it is not theirs. Null when not known.
     */
    default Instant createdNotBefore(List<OrderRequest> requests) {
        return null;
    }
}
