package dev.tnorders.opentact.order;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * Tells whether the order of a case whose POST went unanswered (or whose intent a crash left
 * behind) exists: {@link OrderReconciler}, on Opentact's documented answers only.
 */
public interface Reconciliation {

    enum Verdict {
        /** An order holding all the numbers exists: follow it. */
        FOUND,
        /** No order and no lease of the numbers since the intent, on clean answers: ordering is safe. */
        NOT_PLACED,
        /** No order found, but the account holds some of the numbers since the intent: never order again. */
        HELD_WITHOUT_ORDER,
        /** The answers could not tell: never order again; the outcome says what was seen. */
        UNKNOWN,
        /**
         * Orders hold some of the numbers but none holds all (requests resumed together that were
         * not in one order): as UNKNOWN for one request; several are reconciled each on its own.
         */
        IN_SEVERAL_ORDERS
    }

    /**
     * @param held    the numbers the account holds since the intent (HELD_WITHOUT_ORDER)
     * @param reason  what the answers showed, in words a person can act on (not FOUND)
     */
    record Reconciled(Verdict verdict, String orderUuid, Set<String> held, String reason) {

        public boolean isFound() {
            return verdict == Verdict.FOUND;
        }

        public boolean isNotPlaced() {
            return verdict == Verdict.NOT_PLACED;
        }
    }


    /** The requests were all in one order POST; their numbers are looked for together. */
    Reconciliation.Reconciled reconcile(List<OrderRequest> requests) throws InterruptedException;

    /**
     * The earliest {@code created_on} an order of these requests' POST can show: their intent less
     * the clock-skew margin. An order created before it is not theirs. Null when not known.
     */
    default Instant createdNotBefore(List<OrderRequest> requests) {
        return null;
    }
}
