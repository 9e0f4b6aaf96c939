package dev.tnorders.opentact.order;

import java.util.List;

/**
 * Tells whether the order of a case whose POST went unanswered (or whose intent a crash left
 * behind) exists: {@link OrderReconciler}, on Opentact's documented answers only.
 */
public interface Reconciliation {

    /** The requests were all in one order POST; their numbers are looked for together. */
    OrderReconciler.Reconciled reconcile(List<dev.tnorders.opentact.model.OrderRequest> requests)
            throws InterruptedException;
}
