package dev.tnorders.opentact.order;

import java.util.ArrayList;
import java.util.List;

import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.client.PriceQuote;

/**
 * One order on its way: the requests ordered together (one, or a batch of compatible ones),
 * where they are ({@link Phase}), and what the phases learnt so far. Only {@link OrderLifecycle}
 * (with its {@link CaseResume}) changes it.
 */
public final class OrderCase {

    private List<OrderRequest> requests;
    private Phase phase;
    private PriceQuote quote;
    private String orderUuid;
    /** A criteria request's numbers from earlier search rounds (bought or failed); null before a second round. */
    private List<NumberResult> settled;
    private int searchRound;
    private int postAttempts;
    private String lastPostFailure;
    /** Where the cases of one start when this case splits: its price (a refusal), or the journal. */
    private Phase splitInto = Phase.PRICE;
    private final List<OrderRequest> toPublish = new ArrayList<>();
    private final List<OrderResult> pending = new ArrayList<>();
    private final List<OrderResult> results = new ArrayList<>();

    OrderCase(List<OrderRequest> requests, Phase phase) {
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("an order case needs at least one request");
        }
        this.requests = List.copyOf(requests);
        this.phase = phase;
    }

    public List<OrderRequest> requests() {
        return requests;
    }

    /** The one request of a case of one. */
    public OrderRequest request() {
        if (requests.size() != 1) {
            throw new IllegalStateException("a batch of " + requests.size() + " requests has no single request");
        }
        return requests.get(0);
    }

    public boolean single() {
        return requests.size() == 1;
    }

    /** The case in a log line: its request, or the size of its batch. */
    String describe() {
        return single() ? "Request " + request().requestId() : "Batch of " + requests.size() + " requests";
    }

    public Phase phase() {
        return phase;
    }

    public PriceQuote quote() {
        return quote;
    }

    public String orderUuid() {
        return orderUuid;
    }

    public List<NumberResult> settled() {
        return settled;
    }

    public int searchRound() {
        return searchRound;
    }

    /** The requests whose results wait for {@link Phase#PUBLISH}, and those results, in the same order. */
    public List<OrderRequest> toPublish() {
        return List.copyOf(toPublish);
    }

    /** The results waiting for {@link Phase#PUBLISH}, in the order of {@link #toPublish()}. */
    public List<OrderResult> pendingResults() {
        return List.copyOf(pending);
    }

    /** Every result this case published, or has waiting. */
    public List<OrderResult> results() {
        return List.copyOf(results);
    }

    Phase splitInto() {
        return splitInto;
    }

    void splitInto(Phase start) {
        this.splitInto = start;
    }

    void phase(Phase next) {
        this.phase = next;
    }

    void requests(List<OrderRequest> next) {
        this.requests = List.copyOf(next);
    }

    void quote(PriceQuote q) {
        this.quote = q;
    }

    void orderUuid(String uuid) {
        this.orderUuid = uuid;
    }

    void settled(List<NumberResult> s) {
        this.settled = s;
    }

    void nextSearchRound() {
        searchRound++;
        quote = null;
        orderUuid = null;
        postAttempts = 0;
    }

    /** Order POSTs of this case that got no usable answer (since its last search round). */
    int postAttempts() {
        return postAttempts;
    }

    /** What the last order POST without a usable answer met, or null. */
    String lastPostFailure() {
        return lastPostFailure;
    }

    /** An order POST got no usable answer: one attempt more, and what it met. */
    void postUnanswered(String failure) {
        postAttempts++;
        lastPostFailure = failure;
    }

    void conclude(OrderRequest request, OrderResult result) {
        toPublish.add(request);
        pending.add(result);
        results.add(result);
    }

    void published() {
        toPublish.clear();
        pending.clear();
    }

    /** Nothing waits for publishing. */
    boolean nothingToPublish() {
        return toPublish.isEmpty();
    }
}
