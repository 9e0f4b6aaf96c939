package dev.tnorders.opentact.order;

import java.io.IOException;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.client.CallNotSentException;
import dev.tnorders.opentact.client.OpentactClient;
import dev.tnorders.opentact.client.OpentactRateLimitedException;
import dev.tnorders.opentact.client.OpentactUnavailableException;
import dev.tnorders.opentact.journal.Fencing;
import dev.tnorders.opentact.journal.OrderStore;
import dev.tnorders.opentact.model.OrderRequest;

/**
 * The lifecycle's {@link Phase#PLACE} up to the answer: the case's intent, durable before its one
 * order POST, which leaves under the intent's {@link IntentLease} and is sent again only when it
 * certainly did not reach Opentact; then what the answer says: our new order, a refusal, or no
 * usable answer. What each means for the case is {@link OrderLifecycle}'s.
 */
final class OrderPlacing {

    // The lifecycle's logger: these lines were OrderLifecycle's before placing had a class of its own.
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.order.OrderLifecycle");

    private final OpentactClient client;
    private final OrderStore store;
    private final Reconciliation reconciliation;
    private final OrderClock clock;
    private final FollowPolicy follow;
    private final LongSupplier nanos;
    private final int postRetries;
    private final long sendDeadlineMs;

    /**
     * @param postRetries    {@code opentact.api.retries}: an order POST is sent again at most this often after a 429
     * @param sendDeadlineMs {@code opentact.order.send-deadline-ms}: an order POST leaves at most this long after its intent
     */
    OrderPlacing(OpentactClient client, OrderStore store, Reconciliation reconciliation, OrderClock clock,
                 FollowPolicy follow, LongSupplier nanos, int postRetries, long sendDeadlineMs) {
        this.client = client;
        this.store = store;
        this.reconciliation = reconciliation;
        this.clock = clock;
        this.follow = follow;
        this.nanos = nanos;
        this.postRetries = postRetries;
        this.sendDeadlineMs = sendDeadlineMs;
    }

    /**
     * What the order POST came to: exactly one of our new order's uuid, a refusal, or no usable answer.
     *
     * @param order      the case's requests as the one order sent
     * @param orderUuid  the uuid of our new order (a 2xx that shows it)
     * @param answer     the answer, when it is a refusal
     * @param unanswered why the POST got no usable answer (it may or may not have reached Opentact)
     */
    record Sent(OrderRequest order, String orderUuid, OpentactClient.OrderPost answer, Exception unanswered) {
    }

    /** The intent, then the one order POST. */
    Sent send(OrderCase c) throws Exception {
        // The lease starts before the intent is written: its deadline is never later than the
        // intent's time plus opentact.order.send-deadline-ms.
        IntentLease lease = new IntentLease(() -> store.confirmOwned(c.requests()), () -> writeIntent(c), nanos,
                sendDeadlineMs);
        writeIntent(c);
        OrderRequest order = OrderRules.asOneOrder(c.requests());
        OpentactClient.OrderPost answer;
        String uuid;
        try {
            answer = post(c, lease, order);
            // Throws OpentactUnavailableException for a 2xx that is not our new order (one created
            // before the intent less the clock-skew margin, or another request's numbers).
            uuid = answer.success() ? answer.orderUuid(reconciliation.createdNotBefore(c.requests())) : null;
        } catch (IOException | OpentactUnavailableException e) {
            return new Sent(order, null, null, e);
        }
        return uuid != null ? new Sent(order, uuid, null, null) : new Sent(order, null, answer, null);
    }

    /** The intent of the case's order: written before every POST of it, so that it is never older than its POST. */
    private void writeIntent(OrderCase c) {
        int n = c.requests().size();
        store.intent(c.requests(), c.requests().stream().map(r -> OrderRules.reservedNrc(r, c.quote(), n)).toList(),
                c.single() ? c.settled() : null);
    }

    /**
     * The order POST, sent again only when it certainly did not reach Opentact: after a 429
     * (refused before any processing, RFC 6585), or when it never left (it waited longer than
     * the queue timeout), at most {@code opentact.api.retries} times. It leaves only under its
     * {@link IntentLease}, checked on the thread that sends: every request still this instance's,
     * and its intent written at most {@code opentact.order.send-deadline-ms} before (else written
     * again first). A POST sent again after a 429 renews the intent first, so that another
     * instance reconciling these requests counts its wait (the reconcile window) from this POST.
     */
    private OpentactClient.OrderPost post(OrderCase c, IntentLease lease, OrderRequest order) throws Exception {
        for (int attempt = 0; ; attempt++) {
            store.confirmOwned(c.requests());
            try {
                return client.place(order, lease);
            } catch (OpentactRateLimitedException e) {
                if (attempt >= postRetries) {
                    throw e;
                }
                LOG.warn("Opentact refused an order POST with 429 (too many requests); sending it again");
                clock.pause(follow.rateLimitedWait(e.retryAfterMillis(), attempt));
                lease.restart(nanos.getAsLong());
                writeIntent(c);
            } catch (CallNotSentException e) {
                if (e.getCause() instanceof Fencing.NotOwnedException notOwned) {
                    throw notOwned; // the new owner resumes these requests from the journal
                }
                if (attempt >= postRetries || e.getCause() != null) {
                    throw e; // not sent, for sure: the journal holds the intent; whoever resumes reconciles
                }
                LOG.warn("{}: {}; sending it again", c.describe(), e.getMessage());
            }
        }
    }
}
