package dev.tnorders.opentact.order;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.OrderStore;
import dev.tnorders.opentact.model.OrderRequest;

/**
 * The lifecycle's {@link Phase#RESUME}: where the journal says a case's requests are, and so the
 * phase the case goes on from (a new request's search or price, an order to follow again, an
 * intent to reconcile, a request already done).
 */
final class CaseResume {

    // The lifecycle's logger: these lines were OrderLifecycle's before this phase had a class of its own.
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.order.OrderLifecycle");

    private final OrderStore store;

    CaseResume(OrderStore store) {
        this.store = store;
    }

    /**
     * Requests the journal knows from one order (OrderPlanner grouped them): followed, or
     * reconciled, once for all of them. Entries that do not agree (another instance moved one on
     * meanwhile) split the case: each request resumes on its own.
     */
    private Phase resumeAll(OrderCase c) {
        Map<String, JournalEntry> known = store.entries(c.requests().stream().map(OrderRequest::requestId)
                .toList());
        List<JournalEntry> entries = c.requests().stream().map(r -> known.get(r.requestId())).toList();
        if (entries.stream().allMatch(Objects::isNull)) {
            return Phase.PRICE;
        }
        JournalEntry first = entries.get(0);
        boolean allPlaced = first != null && first.phase() == JournalEntry.Phase.placed && first.orderUuid() != null
                && entries.stream().allMatch(e -> e != null && e.phase() == JournalEntry.Phase.placed
                && first.orderUuid().equals(e.orderUuid()));
        if (allPlaced) {
            LOG.info("{} were already placed in order {}; following it again", c.describe(), first.orderUuid());
            c.orderUuid(first.orderUuid());
            return Phase.FOLLOW;
        }
        if (entries.stream().allMatch(e -> e != null && e.phase() == JournalEntry.Phase.intent)) {
            LOG.warn("{} may have been ordered before a crash; reconciling them together with Opentact", c.describe());
            return Phase.RECONCILE;
        }
        c.splitInto(Phase.RESUME);
        return Phase.SPLIT;
    }

    /** A case of one: where the journal says the request is. */
    Phase resume(OrderCase c) {
        if (!c.single()) {
            return resumeAll(c);
        }
        OrderRequest request = c.request();
        JournalEntry entry = store.lookup(request.requestId());
        if (entry == null) {
            return request.isCriteria() && request.tns() == null ? Phase.SEARCH : Phase.PRICE;
        }
        // A criteria request's numbers were chosen by its search before: only the journal knows them.
        if (request.isCriteria() && request.tns() == null && entry.tns() != null) {
            c.requests(List.of(request.withTns(entry.tns())));
        }
        if (entry.phase() != JournalEntry.Phase.done) {
            c.settled(entry.settled());
        }
        return switch (entry.phase()) {
            case done -> {
                LOG.info("Request {} was already completed; it is not ordered again", request.requestId());
                yield Phase.DONE;
            }
            case placed -> {
                LOG.info("Request {} was already placed; following its order again", request.requestId());
                c.orderUuid(entry.orderUuid());
                yield Phase.FOLLOW;
            }
            case intent -> {
                LOG.warn("Request {} may have been ordered before a crash; reconciling with Opentact", request.requestId());
                yield Phase.RECONCILE;
            }
        };
    }
}
