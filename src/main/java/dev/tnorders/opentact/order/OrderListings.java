package dev.tnorders.opentact.order;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
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

import dev.tnorders.opentact.client.OpentactAuthException;
import dev.tnorders.opentact.client.OpentactClient;
import dev.tnorders.opentact.client.OpentactPayloads;
import dev.tnorders.opentact.client.OrderStatus;

/**
 * The reads of reconciliation, shared by every reconciliation of an instance: the order search and
 * the leases as newest-first {@link Listing}s read page by page (each kept, under its lock, for the
 * passes it can serve), and the lookups of candidate orders (one in flight per order, a final
 * order's numbers remembered). Every read is retried ({@link OpentactClient}); what a failed one
 * says names it and its attempts. What the answers mean is {@link OrderReconciler}'s.
 */
final class OrderListings {

    // The reconciler's logger, as before these reads had a class of their own.
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.order.OrderReconciler");

    /** Orders (and leases) asked per page; the payload's take says how many came. */
    static final int PAGE = 100;
    /**
     * How long a reconciliation waits for another's lookup of the same order, or for the listing
     * another is reading, at the most: then that pass lacks the answer, and the next pass asks again.
     */
    static final long LOOKUP_WAIT_MS = 300_000;
    /** Entries a listing read again holds at the most (the orders or leases since the oldest intent); beyond, it is read whole. */
    static final int MAX_LISTED = 100_000;

    private final OpentactClient client;
    private final OrderClock clock;
    private final int maxPages;
    /** How far below its last read's start a listing read again goes: the search lag and the clock skew. */
    private final long overlapMs;
    // Numbers of final orders already looked up: they do not change any more.
    private final Map<String, Looked> orderNumbers = new ConcurrentHashMap<>();
    // The lookups being asked now, by order uuid.
    private final Map<String, CompletableFuture<Looked>> lookupsInFlight = new ConcurrentHashMap<>();
    private final ReentrantLock ordersLock = new ReentrantLock();
    private final ReentrantLock leasesLock = new ReentrantLock();
    private volatile Listing<OrderStatus> lastOrders;
    private volatile Listing<OpentactPayloads.Lease> lastLeases;

    /** @param overlapMs the search lag and the clock skew: how far below its last read's start a listing read again goes */
    OrderListings(OpentactClient client, OrderClock clock, int maxPages, long overlapMs) {
        this.client = client;
        this.clock = clock;
        this.maxPages = maxPages;
        this.overlapMs = overlapMs;
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
    record Listing<T>(long startedAt, Instant reachedBack, List<T> items, String problem) {

        boolean serves(Instant cutoff, long notBefore) {
            return problem == null && startedAt >= notBefore
                    && (reachedBack == null || (cutoff != null && !cutoff.isBefore(reachedBack)));
        }
    }

    /** The order search down to {@code cutoff}, read at or after {@code notBefore}: shared, or read now. */
    Listing<OrderStatus> orders(Instant cutoff, long notBefore) throws InterruptedException {
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
                    OrderListings::orderKey, OrderStatus::createdOn);
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
    record Looked(Set<String> numbers, Instant createdOn, String failure) {
    }

    /** The numbers of one candidate order: from the search's entry when it shows them, else a lookup. */
    Looked numbersOf(OrderStatus listed) throws InterruptedException {
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
            OrderStatus order = client.lookUpOrder(uuid, read::sent);
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

    /** The leases down to {@code cutoff}, read at or after {@code notBefore}: shared, or read now. */
    Listing<OpentactPayloads.Lease> leases(Instant cutoff, long notBefore) throws InterruptedException {
        Listing<OpentactPayloads.Lease> leases;
        if (!leasesLock.tryLock(LOOKUP_WAIT_MS, TimeUnit.MILLISECONDS)) {
            return new Listing<>(clock.millis(), null, List.of(), "the lease search another reconciliation is reading "
                    + "gave no answer in " + LOOKUP_WAIT_MS + " ms");
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
            return notYetBack(leases, cutoff, "the lease search");
        } finally {
            leasesLock.unlock();
        }
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

        /** How many times the read went out ({@link OpentactClient}'s reads tell it). */
        void sent(int times) {
            sent = times;
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
        OpentactPayloads.OrderPage p = client.orderPage(PAGE, skip, read::sent);
        return p == null ? null : new Page<>(p.orders(), p.total());
    }

    private Page<OpentactPayloads.Lease> leasePage(int skip, Read read) throws Exception {
        OpentactPayloads.LeasePage p = client.leasePage(PAGE, skip, read::sent);
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

    private static RuntimeException sneaky(Exception e) throws InterruptedException {
        if (e instanceof InterruptedException ie) {
            throw ie;
        }
        return (RuntimeException) e;
    }
}
