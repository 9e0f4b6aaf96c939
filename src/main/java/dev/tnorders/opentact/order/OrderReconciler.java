package dev.tnorders.opentact.order;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.client.ApiResponse;
import dev.tnorders.opentact.client.OpentactApi;
import dev.tnorders.opentact.client.OpentactAuthException;
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
 * <p>The reconciliations of an instance share their reads ({@link Listing}) and their lookups: after
 * a crash hundreds of them run at once, and each reading and looking up the same orders for itself
 * spent the account's rate limit on one answer many times over.
 */
public class OrderReconciler implements Reconciliation {

    private static final Logger LOG = LoggerFactory.getLogger(OrderReconciler.class);

    /** Orders (and leases) asked per page; the payload's take says how many came. */
    static final int PAGE = 100;
    /** Passes after the window at the most, when none of them is clean. */
    static final int FINAL_PASSES = 3;
    /** Passes at the most in all, whatever the window: every loop is bounded in count too. */
    static final int MAX_PASSES = 1_000;
    private static final String PARTLY = " holds some of these numbers but not all";
    /**
     * How long a reconciliation waits for another's lookup of the same order, or for the listing
     * another is reading, at the most: then that pass lacks the answer, and the next pass asks again.
     */
    static final long LOOKUP_WAIT_MS = 300_000;
    private static final String NEWEST_FIRST = "{\"order\":{\"created_on\":\"DESC\"}}";

    private final OpentactApi api;
    private final OpentactPayloads payloads;
    private final OrderJournal journal;
    private final OrderClock clock;
    private final long windowMs;
    private final long intervalMs;
    private final long clockSkewMs;
    private final int maxPages;
    /** How far below its last read's start a listing read again goes: the search lag and the clock skew. */
    private final long overlapMs;
    /** The search lag when none is set: opentact.order.reconcile-search-lag-ms's default. */
    static final long DEFAULT_SEARCH_LAG_MS = 10_000;
    /** Entries a listing read again holds at the most (the orders or leases since the oldest intent); beyond, it is read whole. */
    static final int MAX_LISTED = 100_000;
    // Numbers of final orders already looked up: they do not change any more.
    private final Map<String, Looked> orderNumbers = new ConcurrentHashMap<>();
    // The lookups being asked now, by order uuid.
    private final Map<String, CompletableFuture<Looked>> lookupsInFlight = new ConcurrentHashMap<>();

    /**
     * Builds the reconciler from its parts by name (beans.camel.yaml sets each as a property, the
     * settings from their declared defaults); every part is required.
     */
    public static class Builder {
        private OpentactApi api;
        private OpentactPayloads payloads;
        private OrderJournal journal;
        private OrderClock clock;
        private Long windowMs;
        private Long intervalMs;
        private Long clockSkewMs;
        private Integer maxPages;
        private Long postTimeoutMs;
        private Long connectTimeoutMs;
        private Long sendDeadlineMs;
        private Long searchLagMs;

        /**
         * {@code opentact.api.response-timeout-ms}: how long an order POST can be in flight. The
         * window is the intent's lease: it must outlast the POST, or another instance could
         * conclude "no order" while the POST of the instance that wrote the intent still lands
         * ({@link ReconcileWindow}).
         */
        public void setPostTimeoutMs(long postTimeoutMs) {
            this.postTimeoutMs = postTimeoutMs;
        }

        /** {@code opentact.api.connect-timeout-ms} ({@link ReconcileWindow}). */
        public void setConnectTimeoutMs(long connectTimeoutMs) {
            this.connectTimeoutMs = connectTimeoutMs;
        }

        /** {@code opentact.order.send-deadline-ms} ({@link ReconcileWindow}). */
        public void setSendDeadlineMs(long sendDeadlineMs) {
            this.sendDeadlineMs = sendDeadlineMs;
        }

        /** {@code opentact.order.reconcile-search-lag-ms} ({@link ReconcileWindow}). */
        public void setSearchLagMs(long searchLagMs) {
            this.searchLagMs = searchLagMs;
        }

        public void setApi(OpentactApi api) {
            this.api = api;
        }

        public void setPayloads(OpentactPayloads payloads) {
            this.payloads = payloads;
        }

        public void setJournal(OrderJournal journal) {
            this.journal = journal;
        }

        public void setClock(OrderClock clock) {
            this.clock = clock;
        }

        public void setWindowMs(long windowMs) {
            this.windowMs = windowMs;
        }

        public void setIntervalMs(long intervalMs) {
            this.intervalMs = intervalMs;
        }

        public void setClockSkewMs(long clockSkewMs) {
            this.clockSkewMs = clockSkewMs;
        }

        public void setMaxPages(int maxPages) {
            this.maxPages = maxPages;
        }

        public OrderReconciler build() {
            if (api == null || payloads == null || clock == null || windowMs == null || intervalMs == null
                    || clockSkewMs == null || maxPages == null) {
                throw new IllegalArgumentException("OrderReconciler needs its api, payloads, clock and the "
                        + "opentact.order.reconcile-* settings");
            }
            long window = windowMs;
            if (postTimeoutMs != null && connectTimeoutMs != null && sendDeadlineMs != null && searchLagMs != null) {
                window = new ReconcileWindow(sendDeadlineMs, connectTimeoutMs, postTimeoutMs, clockSkewMs, searchLagMs)
                        .resolve(windowMs);
            } else if (window <= 0) {
                throw new IllegalArgumentException("OrderReconciler needs a window, or the settings it is derived from");
            }
            LOG.debug("Reconciliation concludes \"no order\" only after {} ms since a request's intent", window);
            return new OrderReconciler(api, payloads, journal, clock, window, intervalMs, clockSkewMs, maxPages,
                    searchLagMs == null ? DEFAULT_SEARCH_LAG_MS : searchLagMs);
        }
    }

    /** @param clock the lifecycle's clock; the waits between passes are its pauses */
    public OrderReconciler(OpentactApi api, OpentactPayloads payloads, OrderJournal journal, OrderClock clock,
                           long windowMs, long intervalMs, long clockSkewMs, int maxPages) {
        this(api, payloads, journal, clock, windowMs, intervalMs, clockSkewMs, maxPages, DEFAULT_SEARCH_LAG_MS);
    }

    /**
     * @param searchLagMs how late a new order (or lease) may show in its search
     *                    ({@code opentact.order.reconcile-search-lag-ms}): a listing read again
     *                    reads down to what its last read began with less this and the clock skew
     */
    public OrderReconciler(OpentactApi api, OpentactPayloads payloads, OrderJournal journal, OrderClock clock,
                           long windowMs, long intervalMs, long clockSkewMs, int maxPages, long searchLagMs) {
        this.overlapMs = Math.max(0, searchLagMs) + Math.max(0, clockSkewMs);
        this.api = api;
        this.payloads = payloads;
        this.journal = journal;
        this.clock = clock;
        this.windowMs = windowMs;
        this.intervalMs = Math.max(1, intervalMs);
        this.clockSkewMs = clockSkewMs;
        this.maxPages = maxPages;
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

    /**
     * One read of a newest-first listing (the order search, or the leases), shared by the passes
     * of every reconciliation in this instance that it can serve: after a crash or a rebalance many
     * requests are reconciled at once, and each reading the same pages would spend the account's
     * rate limit many times over on one answer.
     *
     * @param startedAt   clock millis before its first page was asked
     * @param reachedBack it holds every entry created since this (null: the whole listing)
     * @param items       newest first, down to {@code reachedBack}
     * @param problem     why it is not a clean answer (then it is not shared), or null
     */
    private record Listing<T>(long startedAt, Instant reachedBack, List<T> items, String problem) {

        boolean serves(Instant cutoff, long notBefore) {
            return problem == null && startedAt >= notBefore
                    && (reachedBack == null || (cutoff != null && !cutoff.isBefore(reachedBack)));
        }
    }

    private final ReentrantLock ordersLock = new ReentrantLock();
    private final ReentrantLock leasesLock = new ReentrantLock();
    private volatile Listing<OrderStatus> lastOrders;
    private volatile Listing<OpentactPayloads.Lease> lastLeases;

    private Pass pass(Set<String> wanted, Set<String> ours, Instant cutoff, long notBefore) throws InterruptedException {
        Listing<OrderStatus> orders = orders(cutoff, notBefore);
        if (orders.problem() != null) {
            return new Pass(null, Set.of(), orders.problem(), orders.startedAt());
        }
        String problem = null;
        for (OrderStatus order : orders.items()) {
            if (createdBefore(order.createdOn(), cutoff)) {
                continue; // a listing shared with an older request's reconciliation reaches further back
            }
            Looked looked = numbersOf(order);
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

    /** The order search down to {@code cutoff}, read at or after {@code notBefore}: shared, or read now. */
    private Listing<OrderStatus> orders(Instant cutoff, long notBefore) throws InterruptedException {
        if (!ordersLock.tryLock(LOOKUP_WAIT_MS, TimeUnit.MILLISECONDS)) {
            return new Listing<>(clock.millis(), null, List.of(), "the order search another reconciliation is reading "
                    + "gave no answer in " + LOOKUP_WAIT_MS + " ms");
        }
        try {
            Listing<OrderStatus> shared = lastOrders;
            if (shared != null && shared.serves(cutoff, notBefore)) {
                return shared;
            }
            Listing<OrderStatus> read = read(shared, cutoff, "the order search", "list of orders", this::orderPage,
                    OrderReconciler::orderKey, OrderStatus::createdOn);
            if (read.problem() == null) {
                lastOrders = read;
            }
            return notYetBack(read, cutoff, "the order search");
        } finally {
            ordersLock.unlock();
        }
    }

    /**
     * What is known of one candidate order's numbers.
     *
     * @param numbers   the numbers it names, or null when none could be read (yet)
     * @param createdOn its {@code created_on}, when known
     * @param failure   why its lookup gave no answer (the read failed), or null
     */
    private record Looked(Set<String> numbers, Instant createdOn, String failure) {
    }

    /** The numbers of one candidate order: from the search's entry when it shows them, else a lookup. */
    private Looked numbersOf(OrderStatus listed) throws InterruptedException {
        if (listed.uuid() == null) {
            return new Looked(null, null, null);
        }
        if (!listed.listed().isEmpty()) {
            return new Looked(listed.listed(), listed.createdOn(), null);
        }
        Looked known = orderNumbers.get(listed.uuid());
        if (known != null) {
            return known;
        }
        // One lookup of an order at a time in this instance: the reconciliations that need it while
        // it is asked (many, after a crash, going down one listing) take its answer.
        CompletableFuture<Looked> mine = new CompletableFuture<>();
        CompletableFuture<Looked> asked = lookupsInFlight.putIfAbsent(listed.uuid(), mine);
        if (asked != null) {
            try {
                return asked.get(LOOKUP_WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                return new Looked(null, null, null); // its asker saw the failure; here a lookup without an answer
            } catch (TimeoutException e) {
                LOG.warn("The lookup of order {} that another reconciliation asked did not end within {} ms",
                        listed.uuid(), LOOKUP_WAIT_MS);
                return new Looked(null, null, "the lookup of order " + listed.uuid() + " did not end within "
                        + LOOKUP_WAIT_MS + " ms");
            }
        }
        try {
            Looked looked = lookUp(listed.uuid());
            mine.complete(looked);
            return looked;
        } catch (InterruptedException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            lookupsInFlight.remove(listed.uuid(), mine);
        }
    }

    private Looked lookUp(String uuid) throws InterruptedException {
        Read read = new Read("the lookup of order " + uuid, "");
        try {
            OrderStatus order = payloads.status(read.send("GET", "/rest/order/" + uuid, null, null));
            if (order == null) {
                return new Looked(null, null, read.unreadable("order"));
            }
            if (order.listed().isEmpty()) {
                return new Looked(null, order.createdOn(), null);
            }
            Looked looked = new Looked(order.listed(), order.createdOn(), null);
            // Only a final order's numbers are remembered: one still in progress may list more later.
            if (order.isFinal()) {
                if (orderNumbers.size() > 10_000) {
                    orderNumbers.clear(); // a bound, not a policy: it is a cache of lookups
                }
                orderNumbers.put(uuid, looked);
            }
            return looked;
        } catch (OpentactAuthException | InterruptedException e) {
            throw sneaky(e);
        } catch (Exception e) {
            return new Looked(null, null, read.failed(e));
        }
    }

    /** The wanted numbers the account holds through a lease created since the cutoff. */
    private Pass leases(Set<String> wanted, Instant cutoff, long notBefore) throws InterruptedException {
        Listing<OpentactPayloads.Lease> leases;
        if (!leasesLock.tryLock(LOOKUP_WAIT_MS, TimeUnit.MILLISECONDS)) {
            return new Pass(null, Set.of(), "the lease search another reconciliation is reading gave no answer in "
                    + LOOKUP_WAIT_MS + " ms", clock.millis());
        }
        try {
            leases = lastLeases;
            if (leases == null || !leases.serves(cutoff, notBefore)) {
                leases = read(leases, cutoff, "the lease search", "list of leases", this::leasePage,
                        l -> l.tn() + "@" + l.createdOn(), OpentactPayloads.Lease::createdOn);
                if (leases.problem() == null) {
                    lastLeases = leases;
                }
            }
            leases = notYetBack(leases, cutoff, "the lease search");
        } finally {
            leasesLock.unlock();
        }
        Set<String> held = new HashSet<>();
        for (OpentactPayloads.Lease lease : leases.items()) {
            boolean recent = cutoff == null || lease.createdOn() == null || !lease.createdOn().isBefore(cutoff);
            if (recent && wanted.contains(lease.tn())) {
                held.add(lease.tn());
            }
        }
        return new Pass(null, held, leases.problem(), leases.startedAt());
    }

    /**
     * One read of a pass. Reads are safe to repeat: each goes through the retried call
     * ({@code opentact-call-idempotent}: 5xx, 429 with its Retry-After, an answer that is not JSON,
     * a connection closed or timed out, with backoff), so that one fault does not spoil a pass.
     * What a failed read says names the read and how many times it was sent.
     */
    private final class Read {
        private final String what;
        private final String where;
        private int sent;

        Read(String what, String where) {
            this.what = what;
            this.where = where;
        }

        ApiResponse send(String method, String path, String query, String body) throws Exception {
            ApiResponse r = api.callIdempotent(method, path, query, body, n -> sent = n);
            if (r != null && !r.success()) {
                throw new IllegalStateException("HTTP " + r.httpStatus() + ", " + r.describeFailure());
            }
            return r;
        }

        String failed(Exception e) {
            return what + " failed" + where + attempts() + ": " + e.getMessage();
        }

        String unreadable(String shape) {
            return what + " gave no readable " + shape + where + attempts();
        }

        private String attempts() {
            return sent > 0 ? " after " + sent + (sent == 1 ? " attempt" : " attempts") : "";
        }
    }

    /** One page of a newest-first listing: its entries, and the listing's total (-1: not said). */
    private record Page<T>(List<T> items, long total) {
    }

    /** Reads the page at {@code skip}; null when the answer is no readable page. */
    @FunctionalInterface
    private interface PageRead<T> {
        Page<T> read(int skip, Read read) throws Exception;
    }

    private Page<OrderStatus> orderPage(int skip, Read read) throws Exception {
        OpentactPayloads.OrderPage p = payloads.orderPage(read.send("POST", "/rest/order/search",
                "take=" + PAGE + "&skip=" + skip, NEWEST_FIRST));
        return p == null ? null : new Page<>(p.orders(), p.total());
    }

    private Page<OpentactPayloads.Lease> leasePage(int skip, Read read) throws Exception {
        OpentactPayloads.LeasePage p = payloads.leasePage(read.send("POST", "/rest/lease/tn/search",
                "take=" + PAGE + "&skip=" + skip, NEWEST_FIRST));
        return p == null ? null : new Page<>(p.leases(), p.total());
    }

    private static String orderKey(OrderStatus o) {
        return o.uuid() == null ? "no uuid " + System.identityHashCode(o) : o.uuid();
    }

    /**
     * A newest-first listing (the order search, the leases) down to {@code cutoff}, at most
     * {@code opentact.order.reconcile-pages} pages a read:
     * <ul>
     *   <li>with a clean earlier read, from the top only down to the first page holding an entry
     *       created before that read began, less the search lag and the clock skew (every entry
     *       created before that already showed then, so the earlier read holds it), then the earlier
     *       read's entries; and, when the cutoff is older than the earlier read reached, on below them
     *       (new entries push old ones down the pages: reading on at the count of entries known
     *       reads some again, never skips one). In a busy account a pass then costs the entries
     *       created since the last read, not every one since the intent (2,000 orders since it are
     *       200 pages of 10: past the page cap every time, and the rate limit spent on the same pages);</li>
     *   <li>without one, from the top;</li>
     *   <li>when the pages run out first, a clean listing down to the oldest entry read (pages newest
     *       first): the next pass reads on from there ({@link #notYetBack}).</li>
     * </ul>
     *
     * @return the listing; a problem when a page failed or the pages are not newest first
     */
    private <T> Listing<T> read(Listing<T> earlier, Instant cutoff, String what, String shape, PageRead<T> pages,
                                Function<T, String> key,
                                Function<T, Instant> created) throws InterruptedException {
        long startedAt = clock.millis();
        boolean top = earlier != null && earlier.problem() == null;
        Instant boundary = top ? Instant.ofEpochMilli(earlier.startedAt() - overlapMs) : null;
        List<T> items = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        int skip = 0;
        Instant reached = null;
        for (int page = 0; page < maxPages; page++) {
            Read read = new Read(what, " on page " + (page + 1) + " (skip=" + skip + ")");
            Page<T> p;
            try {
                p = pages.read(skip, read);
            } catch (OpentactAuthException | InterruptedException e) {
                throw sneaky(e);
            } catch (Exception e) {
                return new Listing<>(startedAt, null, List.of(), read.failed(e));
            }
            if (p == null) {
                return new Listing<>(startedAt, null, List.of(), read.unreadable(shape));
            }
            for (T t : p.items()) {
                if (keys.add(key.apply(t))) {
                    items.add(t);
                }
            }
            skip += p.items().size();
            if (p.items().isEmpty() || (p.total() >= 0 && skip >= p.total())) {
                return new Listing<>(startedAt, null, items, null); // the whole listing
            }
            Instant oldest = oldestIfNewestFirst(p.items(), created);
            reached = oldest;
            if (top && oldest != null && oldest.isBefore(boundary)) {
                top = false;
                for (T t : earlier.items()) {
                    if (keys.add(key.apply(t))) {
                        items.add(t);
                    }
                }
                if (items.size() > MAX_LISTED) {
                    return read(null, cutoff, what, shape, pages, key, created); // once: no earlier read then
                }
                reached = earlier.reachedBack();
                if (reached == null || (cutoff != null && !cutoff.isBefore(reached))) {
                    return new Listing<>(startedAt, reached, items, null);
                }
                skip = items.size(); // read on below the earlier read
            } else if (!top && cutoff != null && oldest != null && oldest.isBefore(cutoff)) {
                return new Listing<>(startedAt, oldest, items, null);
            }
        }
        if (reached != null) {
            // Every entry created since the oldest read is here (pages newest first): the next pass reads on.
            return new Listing<>(startedAt, reached, items, null);
        }
        return new Listing<>(startedAt, null, List.of(), what + " still listed entries newer than the request after "
                + maxPages + " pages (opentact.order.reconcile-pages), not newest first");
    }

    /**
     * A clean listing that does not reach back to the cutoff yet (the pages of one read ran out):
     * kept to read on from, and for this pass a problem that says how far it got.
     */
    private static <T> Listing<T> notYetBack(Listing<T> listing, Instant cutoff, String what) {
        if (listing.problem() != null || listing.reachedBack() == null
                || (cutoff != null && !cutoff.isBefore(listing.reachedBack()))) {
            return listing;
        }
        return new Listing<>(listing.startedAt(), listing.reachedBack(), listing.items(), what
                + " reached back to " + listing.reachedBack() + " within opentact.order.reconcile-pages pages, not yet to "
                + (cutoff == null ? "its end" : cutoff + " (the intent less the clock skew)") + "; reading on from there");
    }

    /** The oldest creation time of a page listed newest first; null when it is not (or does not say). */
    private static <T> Instant oldestIfNewestFirst(List<T> items, Function<T, Instant> created) {
        Instant previous = null;
        for (T t : items) {
            Instant c = created.apply(t);
            if (c == null || (previous != null && c.isAfter(previous))) {
                return null;
            }
            previous = c;
        }
        return previous;
    }

    /** Whether an order's (or lease's) creation time is known to be before the cutoff. */
    private static boolean createdBefore(Instant createdOn, Instant cutoff) {
        return cutoff != null && createdOn != null && createdOn.isBefore(cutoff);
    }

    private static RuntimeException sneaky(Exception e) throws InterruptedException {
        if (e instanceof InterruptedException ie) {
            throw ie;
        }
        return (RuntimeException) e;
    }
}
