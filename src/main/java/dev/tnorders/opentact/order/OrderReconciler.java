package dev.tnorders.opentact.order;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.client.OpentactClient;
import dev.tnorders.opentact.client.OpentactPayloads;
import dev.tnorders.opentact.client.OrderStatus;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.model.OrderRequest;

/**
 * Was an order for these numbers placed, after all? Asked when an order POST got no usable answer
 * (lost, timed out, a proxy's 502, a crash between intent and placed), on documented answers only:
 * <ol>
 *   <li>the order search, newest first, paged by the payload's {@code take}/{@code total}, down to
 *       the orders created before the request's intent (less a clock-skew margin): the candidates;</li>
 *   <li>each candidate's numbers from {@code GET /rest/order/{uuid}} (the search lists a summary
 *       only); a candidate holding all of the numbers is the request's order;</li>
 *   <li>else the account's leases ({@code POST /rest/lease/tn/search}) created since then: a
 *       number the account holds was bought.</li>
 * </ol>
 * An answer that errors, or a candidate whose numbers cannot be read yet, is not "no order": the
 * passes go on, {@code intervalMs} apart, until {@code windowMs} after the intent (an order may
 * show in the search only a while after the POST, and a POST still in flight elsewhere has ended
 * by then). Only a clean pass after that concludes that no order exists. A pass that cannot be
 * made clean ends {@link Reconciliation.Verdict#UNKNOWN}: nothing is ordered again on a guess.
 *
 * <p>This class gives the verdicts, from what the reads show. The reconciliations of an instance
 * share those reads and their lookups ({@link OrderListings}): after a crash hundreds of them run at
 * once, and each reading and looking up the same orders for itself spent the account's rate limit
 * on one answer many times over.
 */
public class OrderReconciler implements Reconciliation {

    private static final Logger LOG = LoggerFactory.getLogger(OrderReconciler.class);

    /** Passes after the window at the most, when none of them is clean. */
    static final int FINAL_PASSES = 3;
    /** Passes at the most in all, whatever the window: every loop is bounded in count too. */
    static final int MAX_PASSES = 1_000;
    private static final String PARTLY = " holds some of these numbers but not all";

    private final OrderListings listings;
    private final OrderJournal journal;
    private final OrderClock clock;
    private final long windowMs;
    private final long intervalMs;
    private final long clockSkewMs;
    /** The search lag when none is set: opentact.order.reconcile-search-lag-ms's default. */
    static final long DEFAULT_SEARCH_LAG_MS = 10_000;

    /**
     * The reconciler beans.camel.yaml makes (through its builder in {@code wiring}, every part by name):
     * its window resolved from the intent's lease ({@link ReconcileWindow}: the window must outlast an
     * order POST that may still land, or another instance could conclude "no order" while it does) and
     * {@code opentact.order.reconcile-window-ms}.
     */
    public static OrderReconciler leased(OpentactClient client, OrderJournal journal, OrderClock clock,
                                         ReconcileWindow lease, long windowMs, long intervalMs, long clockSkewMs,
                                         int maxPages) {
        long window = lease.resolve(windowMs);
        LOG.debug("Reconciliation concludes \"no order\" only after {} ms since a request's intent", window);
        return new OrderReconciler(client, journal, clock, window, intervalMs, clockSkewMs, maxPages, lease.searchLagMs());
    }

    /** @param clock the lifecycle's clock; the waits between passes are its pauses */
    public OrderReconciler(OpentactClient client, OrderJournal journal, OrderClock clock,
                           long windowMs, long intervalMs, long clockSkewMs, int maxPages) {
        this(client, journal, clock, windowMs, intervalMs, clockSkewMs, maxPages, DEFAULT_SEARCH_LAG_MS);
    }

    /**
     * @param searchLagMs how late a new order (or lease) may show in its search
     *                    ({@code opentact.order.reconcile-search-lag-ms}): a listing read again
     *                    reads down to what its last read began with less this and the clock skew
     */
    public OrderReconciler(OpentactClient client, OrderJournal journal, OrderClock clock,
                           long windowMs, long intervalMs, long clockSkewMs, int maxPages, long searchLagMs) {
        this.listings = new OrderListings(client, clock, maxPages,
                Math.max(0, searchLagMs) + Math.max(0, clockSkewMs));
        this.journal = journal;
        this.clock = clock;
        this.windowMs = windowMs;
        this.intervalMs = Math.max(1, intervalMs);
        this.clockSkewMs = clockSkewMs;
    }

    /**
     * A case's one order POST went unanswered: its requests' numbers all went in it. Requests of a
     * batch resumed apart (a poll given back, partitions moved to other consumers) share its order
     * with the other requests of that POST, whose numbers their intents hold ({@code post_tns}).
     */
    @Override
    public Reconciliation.Reconciled reconcile(List<OrderRequest> requests) throws InterruptedException {
        List<String> tns = new ArrayList<>();
        Set<String> samePost = new HashSet<>();
        for (OrderRequest r : requests) {
            tns.addAll(r.tns());
            List<String> post = journal == null ? null : journal.postNumbersOf(r.requestId());
            if (post != null) {
                samePost.addAll(post);
            }
        }
        return reconcile(tns, samePost, earliestIntent(requests));
    }

    @Override
    public Instant createdNotBefore(List<OrderRequest> requests) {
        Long earliest = earliestIntent(requests);
        return earliest == null ? null : Instant.ofEpochMilli(earliest - clockSkewMs);
    }

    private Long earliestIntent(List<OrderRequest> requests) {
        Long earliest = null;
        for (OrderRequest r : requests) {
            Long at = journal == null ? null : journal.intentAtOf(r.requestId());
            earliest = at == null ? earliest : (earliest == null ? at : Math.min(earliest, at));
        }
        return earliest;
    }

    /**
     * @param intentAtMillis when the intent was written, or null when unknown (then every order
     *                       the search lists is a candidate, up to the page cap)
     */
    public Reconciliation.Reconciled reconcile(List<String> tns, Long intentAtMillis) throws InterruptedException {
        return reconcile(tns, Set.of(), intentAtMillis);
    }

    /**
     * @param samePost       numbers that may be in the order besides {@code tns}: those of the other
     *                       requests of the same order POST (a batch's); any other number in an
     *                       order makes it someone else's, never found
     * @param intentAtMillis when the intent was written, or null when unknown (then every order
     *                       the search lists is a candidate, up to the page cap)
     */
    public Reconciliation.Reconciled reconcile(List<String> tns, Set<String> samePost, Long intentAtMillis) throws InterruptedException {
        Set<String> wanted = new LinkedHashSet<>(tns);
        Set<String> ours = new HashSet<>(wanted);
        ours.addAll(samePost);
        Instant cutoff = intentAtMillis == null ? null : Instant.ofEpochMilli(intentAtMillis - clockSkewMs);
        long concludeAt = (intentAtMillis == null ? clock.millis() : intentAtMillis) + windowMs;
        String problem = null;
        int passesAfterWindow = 0;
        long lastListed = Long.MIN_VALUE;
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            long now = clock.millis();
            boolean afterWindow = now >= concludeAt;
            // The listings a pass may share with other reconciliations: read after this one's previous
            // pass, and after the intent's lease ended (then they show every order its POST can have
            // made, however recent), or, before that, at most an interval ago.
            long notBefore = Math.max(lastListed + 1, afterWindow ? concludeAt : now - intervalMs);
            Pass p = pass(wanted, ours, cutoff, notBefore);
            lastListed = Math.max(lastListed, p.listedAt);
            if (p.orderUuid != null) {
                return new Reconciliation.Reconciled(Reconciliation.Verdict.FOUND, p.orderUuid, Set.of(), null);
            }
            if (p.problem == null && afterWindow) {
                return p.held.isEmpty()
                        ? new Reconciliation.Reconciled(Reconciliation.Verdict.NOT_PLACED, null, Set.of(), "no order for these numbers was found in "
                                + "Opentact's order search, and the account holds none of them")
                        : new Reconciliation.Reconciled(Reconciliation.Verdict.HELD_WITHOUT_ORDER, null, Set.copyOf(p.held), "the account holds "
                                + "this number (a lease since the order was sent), but its order was not found in "
                                + "Opentact's order search");
            }
            if (p.problem != null && !p.problem.equals(problem)) {
                // What this pass lacked: the read that failed and what it cost, or the order that could not be told.
                LOG.info("Reconciling {} number(s), pass {}: {}; looking again", wanted.size(), pass + 1, p.problem);
            }
            problem = p.problem == null ? problem : p.problem;
            if (afterWindow && ++passesAfterWindow >= FINAL_PASSES) {
                break;
            }
            long wait = afterWindow ? intervalMs : Math.min(intervalMs, Math.max(1, concludeAt - clock.millis()));
            clock.pause(wait);
        }
        return new Reconciliation.Reconciled(problem != null && problem.endsWith(PARTLY) ? Reconciliation.Verdict.IN_SEVERAL_ORDERS : Reconciliation.Verdict.UNKNOWN,
                null, Set.of(), "the order POST got no usable answer, and Opentact's "
                + "answers could not tell whether an order was placed (" + (problem == null ? "no clean answer" : problem)
                + "); check the account's orders before ordering these numbers again");
    }

    /**
     * What one pass over the order search (and, when it found nothing, the leases) showed.
     *
     * @param listedAt when the newest listing it read began (clock millis)
     */
    private record Pass(String orderUuid, Set<String> held, String problem, long listedAt) {
    }

    private Pass pass(Set<String> wanted, Set<String> ours, Instant cutoff, long notBefore) throws InterruptedException {
        OrderListings.Listing<OrderStatus> orders = listings.orders(cutoff, notBefore);
        if (orders.problem() != null) {
            return new Pass(null, Set.of(), orders.problem(), orders.startedAt());
        }
        String problem = null;
        for (OrderStatus order : orders.items()) {
            if (createdBefore(order.createdOn(), cutoff)) {
                continue; // a listing shared with an older request's reconciliation reaches further back
            }
            OrderListings.Looked looked = listings.numbersOf(order);
            Set<String> numbers = looked.numbers();
            if (createdBefore(looked.createdOn(), cutoff)) {
                continue; // the search did not say when it was created, its lookup does: before the intent
            }
            if (numbers == null) {
                problem = looked.failure() != null ? looked.failure()
                        : "order " + order.uuid() + " does not show its numbers yet";
            } else if (numbers.containsAll(wanted)) {
                List<String> others = numbers.stream().filter(n -> !ours.contains(n)).sorted().toList();
                if (others.isEmpty()) {
                    return new Pass(order.uuid(), Set.of(), null, orders.startedAt());
                }
                // Not this POST's order: it holds its own numbers only (this is someone else's order, say).
                problem = "order " + order.uuid() + " holds these numbers and " + others.size() + " of no request "
                        + "of this order POST (" + String.join(", ", others.subList(0, Math.min(3, others.size())))
                        + (others.size() > 3 ? ", ..." : "") + "): not taken as theirs";
            } else if (numbers.stream().anyMatch(wanted::contains)) {
                problem = "order " + order.uuid() + PARTLY;
            }
        }
        if (problem != null) {
            return new Pass(null, Set.of(), problem, orders.startedAt());
        }
        return leases(wanted, cutoff, notBefore);
    }

    /** The wanted numbers the account holds through a lease created since the cutoff. */
    private Pass leases(Set<String> wanted, Instant cutoff, long notBefore) throws InterruptedException {
        OrderListings.Listing<OpentactPayloads.Lease> leases = listings.leases(cutoff, notBefore);
        Set<String> held = new HashSet<>();
        for (OpentactPayloads.Lease lease : leases.items()) {
            boolean recent = cutoff == null || lease.createdOn() == null || !lease.createdOn().isBefore(cutoff);
            if (recent && wanted.contains(lease.tn())) {
                held.add(lease.tn());
            }
        }
        return new Pass(null, held, leases.problem(), leases.startedAt());
    }

    /** Whether an order's (or lease's) creation time is known to be before the cutoff. */
    private static boolean createdBefore(Instant createdOn, Instant cutoff) {
        return cutoff != null && createdOn != null && createdOn.isBefore(cutoff);
    }
}
