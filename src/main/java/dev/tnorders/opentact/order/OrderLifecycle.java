package dev.tnorders.opentact.order;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.client.OpentactClient;
import dev.tnorders.opentact.client.OrderStatus;
import dev.tnorders.opentact.client.PriceQuote;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.journal.OrderStore;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.trace.RequestTraces;

/**
 * The one order lifecycle: a state machine that moves an {@link OrderCase} (one request, or a
 * batch of compatible ones ordered together) through its {@link Phase}s, from the journal's
 * phase or a new request to its published results. Every phase is one method here (the journal
 * read of {@link Phase#RESUME} is {@link CaseResume}'s, the intent and POST of {@link Phase#PLACE}
 * {@link OrderPlacing}'s); the rules it decides by are in {@link OrderRules}, {@link FollowPolicy},
 * {@link Budgets}, {@link NumberSearch} and {@link OrderReconciler}, its calls go through
 * {@link OpentactClient}, and the results it publishes are built by {@link OrderResults}.
 *
 * <p>Money rules: the intent is durable before the one order POST, the order uuid right after
 * it; a POST is never sent again blindly (only after a 429, which by RFC 6585 refuses the call
 * before any processing): when its answer is lost, {@link Phase#RECONCILE} decides. A failure
 * this class does not handle (the token refused, Opentact down after the retries, the journal
 * unreachable) is thrown: the poll is given back, and the journal tells where each request is
 * when it is read again.
 */
public class OrderLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(OrderLifecycle.class);
    // Which cases may still start: a case of a poll given back, or of a partition revoked, does not.
    private final CaseTickets tickets = new CaseTickets();

    /** Steps of one case at the most: every loop is bounded in count, whatever the answers. */
    static final int MAX_STEPS = 200;

    private final OpentactClient client;
    private final OrderStore store;
    private final Reconciliation reconciliation;
    private final Budgets budgets;
    private final NumberSearch numberSearch;
    private final IntakeControl intake;
    private final FollowPolicy follow;
    private final OrderResults results;
    private final OrderClock clock;
    private final Outcomes outcomes;
    private final Settings settings;
    private final CaseResume resume;
    private final OrderPlacing placing;

    /**
     * @param quoteOnly        {@code opentact.order.quote-only}: price, publish the price, order nothing
     * @param maxPostAttempts  {@code opentact.order.max-post-attempts}: POSTs without an answer before {@code unknown}
     * @param researchTries    {@code opentact.order.research-tries}: more search rounds of a criteria request
     * @param postRetries      {@code opentact.api.retries}: an order POST is sent again at most this often after a 429
     * @param balancePauseMs   {@code opentact.intake.balance-pause-ms}: intake pauses this long after a 402
     */
    public record Settings(boolean quoteOnly, int maxPostAttempts, int researchTries, int postRetries,
                           long balancePauseMs, long sendDeadlineMs) {
    }

    /**
     * Every part is required (beans.camel.yaml names each one, through its builder in {@code wiring}).
     *
     * @param nanos the monotonic clock of the intent leases ({@code System::nanoTime}; tests set their own)
     */
    public OrderLifecycle(OpentactClient client, OrderStore store, Reconciliation reconciliation, Budgets budgets,
                          NumberSearch numberSearch, IntakeControl intake, OrderClock clock, FollowPolicy follow,
                          Outcomes outcomes, Settings settings, LongSupplier nanos) {
        this.client = client;
        this.store = store;
        this.reconciliation = reconciliation;
        this.budgets = budgets;
        this.numberSearch = numberSearch;
        this.intake = intake;
        this.clock = clock;
        this.follow = follow;
        this.results = new OrderResults(clock);
        this.outcomes = outcomes;
        this.settings = settings;
        this.resume = new CaseResume(store);
        this.placing = new OrderPlacing(client, store, reconciliation, clock, follow, nanos, settings.postRetries(),
                settings.sendDeadlineMs());
    }

    /**
     * Takes requests the journal may know to their end, from what it says of them: a case of one,
     * or requests a crash left in one order ({@link OrderPlanner} grouped them).
     *
     * @return every result published for them
     */
    public List<OrderResult> run(List<OrderRequest> requests) throws Exception {
        return drive(new OrderCase(requests, Phase.RESUME));
    }

    /**
     * Takes a batch of new requests ({@link OrderPlanner} found none of them in the journal, so
     * none is read again) to their end, from its price.
     *
     * @return every result published for them
     */
    public List<OrderResult> runNew(List<OrderRequest> requests) throws Exception {
        return drive(new OrderCase(requests, Phase.PRICE));
    }

    /**
     * Drives the case, and the cases of one it splits into, holding its poll's ticket: a case whose
     * poll was cancelled meanwhile (it waited in the case threads' queue) throws
     * {@link CaseCancelledException} here, before anything of it runs; a case that fails cancels
     * its poll's cases not started yet.
     */
    private List<OrderResult> drive(OrderCase c) throws Exception {
        return tickets.run(c.requests(), () -> driveCase(c));
    }

    /**
     * The tickets of the cases of each poll (the requests consumers open and cancel the polls). A
     * poll whose order cases run side by side fails as soon as one of them fails, while the others
     * may still run or wait for a thread (Camel's parallel split stops waiting, not working): the
     * poll cancels those not started and is given back once none of them runs.
     */
    public CaseTickets tickets() {
        return tickets;
    }

    private List<OrderResult> driveCase(OrderCase c) throws Exception {
        advance(c);
        if (c.phase() != Phase.SPLIT) {
            return c.results();
        }
        // Refused as a whole (from its price: nothing was ordered), or resumed from entries that
        // do not agree: each request on its own.
        List<OrderResult> all = new ArrayList<>(c.results());
        for (OrderRequest r : c.requests()) {
            OrderCase one = new OrderCase(List.of(r), c.splitInto());
            advance(one);
            all.addAll(one.results());
        }
        return all;
    }

    /** Steps the case until it is done, or split into cases of one. */
    private void advance(OrderCase c) throws Exception {
        for (int steps = 0; c.phase() != Phase.DONE && c.phase() != Phase.SPLIT; steps++) {
            if (steps >= MAX_STEPS) {
                throw new IllegalStateException("order case of " + c.requests().get(0).requestId() + " took more than "
                        + MAX_STEPS + " steps (now " + c.phase() + ")");
            }
            // Tracing on: the phase's Opentact calls join the traces of the case's requests.
            try (RequestTraces.Scope calls =
                         RequestTraces.onBehalfOf(c.requests())) {
                c.phase(step(c));
            }
        }
    }

    /** One phase: its calls, and the phase the case goes to next. */
    Phase step(OrderCase c) throws Exception {
        return switch (c.phase()) {
            case RESUME -> resume.resume(c);
            case SEARCH -> search(c);
            case PRICE -> price(c);
            case ADMIT -> admit(c);
            case PLACE -> place(c);
            case RECONCILE -> reconcile(c);
            case FOLLOW -> follow(c);
            case PUBLISH -> publish(c);
            case SPLIT, DONE -> c.phase();
        };
    }

    /** A criteria request: the number search, page by page, then the numbers that fit its fill rule. */
    private Phase search(OrderCase c) throws Exception {
        OrderRequest request = c.request();
        NumberSearch.Pages pages = numberSearch.start();
        while (numberSearch.keepReading(request.search(), pages, c.settled())) {
            OpentactClient.NumbersPage page = client.searchNumbers(request.search().pattern(),
                    numberSearch.nextPage(pages), NumberSearch.PAGE_SIZE);
            if (!page.success() && pages.pagesRead() == 0) {
                // The first page refused: Opentact's own words become the outcome.
                return conclude(c, request, results.refusedByOpentact(request, "number search", page.answer(), null));
            }
            if (!page.success()) {
                LOG.warn("Request {}: Opentact refused the number search's page after page {} ({}); using the numbers "
                        + "found so far", request.requestId(), pages.pagesRead(), page.answer().describeFailure());
                pages = numberSearch.refused(pages);
            } else {
                pages = numberSearch.add(request.search(), pages, page.numbers(), page.total(), c.settled());
            }
        }
        if (pages.skipped() > 0) {
            LOG.warn("Request {}: the number search offered {} number(s) outside the area code/exchange asked ({}) or "
                    + "toll-free; they were skipped ({} usable in {} page(s))", request.requestId(), pages.skipped(),
                    request.search().pattern(), pages.usable().size(), pages.pagesRead());
        }
        List<String> found = numberSearch.usable(pages);
        List<String> picked = OrderRules.pickFound(request.search(), found, c.settled());
        if (picked.isEmpty()) {
            return conclude(c, request, results.notEnoughFound(request, found, c.settled()));
        }
        c.requests(List.of(request.withTns(picked)));
        return Phase.PRICE;
    }

    /** One price call for the case's numbers. */
    private Phase price(OrderCase c) throws Exception {
        OrderRequest order = OrderRules.asOneOrder(c.requests());
        OpentactClient.Priced priced = client.price(order);
        if (!priced.success()) {
            if (c.single()) {
                return conclude(c, c.request(), results.refusedByOpentact(c.request(), "price request", priced.answer(),
                        null));
            }
            LOG.warn("Opentact refused the price of a batch of {} requests ({}); handling them one by one",
                    c.requests().size(), priced.answer().describeFailure());
            return Phase.SPLIT;
        }
        c.quote(priced.quote());
        return Phase.ADMIT;
    }

    /**
     * Each request on its own rules: a price that cannot be read or is over its limits, quote-only
     * mode, then the budgets. The refused ones are published at once; the rest go on together.
     */
    private Phase admit(OrderCase c) {
        PriceQuote quote = c.quote();
        int n = c.requests().size();
        List<OrderRequest> candidates = new ArrayList<>();
        for (OrderRequest r : c.requests()) {
            String overLimit = OrderRules.overLimit(r, quote);
            if (overLimit != null) {
                record(c, r, results.rejected(r, overLimit, OrderRules.share(r, quote, n)));
            } else if (settings.quoteOnly()) {
                record(c, r, results.quoteOnly(r, OrderRules.share(r, quote, n)));
            } else {
                candidates.add(r);
            }
        }
        List<BigDecimal> reserved = candidates.stream().map(r -> OrderRules.reservedNrc(r, quote, n)).toList();
        List<String> overBudget = candidates.isEmpty() ? List.of() : budgets.checkEach(candidates, reserved);
        List<OrderRequest> admitted = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            OrderRequest r = candidates.get(i);
            if (overBudget.get(i) != null) {
                record(c, r, results.rejected(r, overBudget.get(i), OrderRules.share(r, quote, n)));
            } else {
                admitted.add(r);
            }
        }
        if (admitted.isEmpty()) {
            return Phase.PUBLISH;
        }
        publishPending(c);
        c.requests(admitted);
        return Phase.PLACE;
    }

    /** The intent, then the one order POST ({@link OrderPlacing}); what its answer means for the case. */
    private Phase place(OrderCase c) throws Exception {
        int n = c.requests().size();
        OrderPlacing.Sent sent = placing.send(c);
        if (sent.unanswered() != null) {
            // The POST may or may not have reached Opentact: find out before anything else (after
            // the last attempt too: its order may exist; RECONCILE stops at "not placed" then).
            c.postUnanswered(sent.unanswered().getMessage());
            LOG.warn("{}: the order POST got no usable answer ({}); reconciling", c.describe(),
                    sent.unanswered().getMessage());
            return Phase.RECONCILE;
        }
        String uuid = sent.orderUuid();
        OpentactClient.OrderPost answer = sent.answer();
        if (uuid != null) {
            store.placed(c.requests(), uuid);
            c.orderUuid(uuid);
            LOG.info("{}: order {} placed for {} number(s)", c.describe(), uuid, sent.order().tns().size());
            return Phase.FOLLOW;
        }
        if (answer.httpStatus() == 402 || c.single()) {
            for (OrderRequest r : c.requests()) {
                record(c, r, results.refusedByOpentact(r, "order", answer.answer(), OrderRules.share(r, c.quote(), n)));
            }
            if (answer.httpStatus() == 402) {
                // Out of balance: every next order would fail too. Pause intake for a while.
                intake.pauseFor(c.pendingResults().get(0).outcome().reason(), settings.balancePauseMs());
            }
            return Phase.PUBLISH;
        }
        // Refused for another reason (a field of one request, say): each request on its own, so
        // that only the ones at fault are refused.
        LOG.warn("Opentact refused the order of a batch ({}); handling its requests one by one",
                answer.answer().describeFailure());
        return Phase.SPLIT;
    }

    /** Was the case's order placed after all? The verdict sends it on. */
    private Phase reconcile(OrderCase c) throws Exception {
        Reconciliation.Reconciled verdict = reconciliation.reconcile(c.requests());
        if (verdict.isFound()) {
            LOG.info("{}: found its order {} in Opentact", c.describe(), verdict.orderUuid());
            store.placed(c.requests(), verdict.orderUuid());
            c.orderUuid(verdict.orderUuid());
            return Phase.FOLLOW;
        }
        if (verdict.isNotPlaced() && c.postAttempts() >= settings.maxPostAttempts()) {
            for (OrderRequest r : c.requests()) {
                record(c, r, results.postUnanswered(r, c.lastPostFailure()));
            }
            return Phase.PUBLISH;
        }
        if (verdict.isNotPlaced()) {
            // The same numbers again, never a new set: a criteria request does not search again.
            LOG.info("{}: {}; pricing and ordering the same numbers now", c.describe(), verdict.reason());
            return Phase.PRICE;
        }
        if (!c.single() && verdict.verdict() == Reconciliation.Verdict.IN_SEVERAL_ORDERS) {
            // Requests resumed together that were not in one order: each is reconciled on its own.
            LOG.warn("{}: {}; reconciling each request on its own", c.describe(), verdict.reason());
            c.splitInto(Phase.RECONCILE);
            return Phase.SPLIT;
        }
        LOG.warn("{}: {}", c.describe(), verdict.reason());
        int n = c.requests().size();
        for (OrderRequest r : c.requests()) {
            record(c, r, results.unreconciled(r, verdict, OrderRules.share(r, c.quote(), n)));
        }
        return Phase.PUBLISH;
    }

    /** Reads the order until it is final or the deadline passes; what it shows then is each request's result. */
    private Phase follow(OrderCase c) throws Exception {
        long started = clock.millis();
        OrderStatus status = null;
        for (int poll = 0; follow.keepFollowing(status, started, poll); poll++) {
            clock.pause(follow.pollDelay(poll));
            status = client.order(c.orderUuid());
        }
        int n = c.requests().size();
        // A batch's order total covers every request: each one's price comes from its share instead.
        OrderStatus seen = n > 1 && status != null ? status.withoutPrice() : status;
        if (c.single() && c.request().isCriteria()) {
            return afterRound(c, results.finished(c.request(), c.orderUuid(), seen, c.quote()));
        }
        for (OrderRequest r : c.requests()) {
            record(c, r, results.finished(r, c.orderUuid(), seen, OrderRules.share(r, c.quote(), n)));
        }
        return Phase.PUBLISH;
    }

    /** A criteria request's round ended: search again for numbers that were gone, or conclude. */
    private Phase afterRound(OrderCase c, OrderResult round) {
        OrderRequest request = c.request();
        if (!OrderRules.searchAgain(request, round, c.searchRound(), settings.researchTries())) {
            return conclude(c, request, round);
        }
        LOG.warn("Request {}: numbers offered by the search were gone by order time; searching again for the rest",
                request.requestId());
        c.settled(OrderRules.settle(c.settled(), round));
        c.nextSearchRound();
        c.requests(List.of(request.withTns(null)));
        return Phase.SEARCH;
    }

    /** A case of one's result, to publish; the case goes on to {@link Phase#PUBLISH}. */
    private Phase conclude(OrderCase c, OrderRequest request, OrderResult result) {
        record(c, request, result);
        return Phase.PUBLISH;
    }

    /** A request's result, to publish; a criteria request that searched more than once gets one over all its rounds. */
    private void record(OrderCase c, OrderRequest request, OrderResult result) {
        List<NumberResult> settled = c.single() ? c.settled() : null;
        c.conclude(request, settled == null ? result : results.combine(request, settled, result));
    }

    private Phase publish(OrderCase c) {
        publishPending(c);
        return Phase.DONE;
    }

    private void publishPending(OrderCase c) {
        if (c.nothingToPublish()) {
            return;
        }
        store.finish(c.toPublish(), c.pendingResults());
        outcomes.published(c.pendingResults());
        c.published();
    }
}
