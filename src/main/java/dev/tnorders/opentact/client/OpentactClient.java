package dev.tnorders.opentact.client;

import java.time.Instant;
import java.util.List;
import java.util.function.IntConsumer;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * The typed Opentact client: one method per endpoint the ordering flow uses (opentact-api.md),
 * each building its body, making its call through {@link OpentactApi} (the client routes: token,
 * rate limit, envelope) and reading its answer with {@link OpentactPayloads}. Every path the
 * flow calls is here. The calls that are safe to repeat go through the retried call; the order
 * POST is sent once, under its {@link SendGuard}. Failures reach the caller as {@link OpentactApi}
 * throws them.
 */
public class OpentactClient {

    static final String NUMBER_SEARCH = "/rest/tn/search";
    static final String PRICE = "/rest/order/price";
    static final String ORDER_ITEMS = "/rest/order";
    static final String ORDER_TN = "/rest/order/tn";
    static final String ORDER = "/rest/order/";
    static final String ORDER_SEARCH = "/rest/order/search";
    static final String LEASE_SEARCH = "/rest/lease/tn/search";
    /** The listings of reconciliation, newest first. */
    static final String NEWEST_FIRST = "{\"order\":{\"created_on\":\"DESC\"}}";

    private final OpentactApi api;
    private final OpentactPayloads payloads;

    public OpentactClient(OpentactApi api, OpentactPayloads payloads) {
        if (api == null || payloads == null) {
            throw new IllegalArgumentException("OpentactClient needs its api and payloads");
        }
        this.api = api;
        this.payloads = payloads;
    }

    /**
     * One page of a number search's answer.
     *
     * @param answer  the answer; when it is not a success, Opentact's refusal
     * @param numbers the numbers offered, as E.164, in the order given (a success only, else empty)
     * @param total   the answer's {@code total}: how many numbers match in all; null when it has none
     */
    public record NumbersPage(ApiResponse answer, List<String> numbers, Integer total) {

        public boolean success() {
            return answer.success();
        }
    }

    /**
     * A price answer.
     *
     * @param answer the answer; when it is not a success, Opentact's refusal
     * @param quote  the price read from it (a success only, else null)
     */
    public record Priced(ApiResponse answer, PriceQuote quote) {

        public boolean success() {
            return answer.success();
        }
    }

    /**
     * The answer to an order POST: a refusal (its status and Opentact's words), or a 2xx whose new
     * order is read by {@link #orderUuid(Instant)}.
     */
    public static final class OrderPost {
        private final ApiResponse answer;
        private final OrderRequest order;
        private final OpentactPayloads payloads;

        OrderPost(ApiResponse answer, OrderRequest order, OpentactPayloads payloads) {
            this.answer = answer;
            this.order = order;
            this.payloads = payloads;
        }

        public ApiResponse answer() {
            return answer;
        }

        public boolean success() {
            return answer.success();
        }

        public int httpStatus() {
            return answer.httpStatus();
        }

        /**
         * The uuid of the new order, read as {@link OpentactPayloads#placedOrder} reads it.
         *
         * @throws OpentactUnavailableException when the answer is not recognisably our new order
         */
        public String orderUuid(Instant createdNotBefore) {
            return payloads.placedOrder(answer, order, createdNotBefore);
        }
    }

    /** {@code POST /rest/tn/search?page=&size=} for a criteria request's pattern; retried. */
    public NumbersPage searchNumbers(String pattern, int page, int size) throws Exception {
        ApiResponse answer = api.callIdempotent("POST", NUMBER_SEARCH, "page=" + page + "&size=" + size,
                payloads.searchBody(pattern));
        if (!answer.success()) {
            return new NumbersPage(answer, List.of(), null);
        }
        return new NumbersPage(answer, payloads.foundNumbers(answer), payloads.searchTotal(answer));
    }

    /** {@code POST /rest/order/price} for the order's numbers and features; retried. */
    public Priced price(OrderRequest order) throws Exception {
        ApiResponse answer = api.callIdempotent("POST", PRICE, null, payloads.priceBody(order));
        return new Priced(answer, answer.success() ? payloads.quote(answer, order) : null);
    }

    /**
     * The endpoint that places this order: the configured form, or {@code /rest/order/tn} when the
     * request carries what only that form can ({@link OpentactPayloads#tnForm}).
     */
    public String orderPath(OrderRequest order) {
        return payloads.tnForm(order) ? ORDER_TN : ORDER_ITEMS;
    }

    /**
     * The order POST, sent once: it leaves only while {@code guard} agrees ({@link
     * OpentactApi#callGuarded}; else {@link CallNotSentException}). Never retried here: a 429
     * throws {@link OpentactRateLimitedException}, a lost answer an I/O error or {@link
     * OpentactUnavailableException}, for the caller to decide.
     */
    public OrderPost place(OrderRequest order, SendGuard guard) throws Exception {
        ApiResponse answer = api.callGuarded("POST", orderPath(order), null, payloads.orderBody(order), guard);
        return new OrderPost(answer, order, payloads);
    }

    /**
     * {@code GET /rest/order/{uuid}}, retried, to follow an order.
     *
     * @return the order's status, or null when the answer does not show the order (yet), a refusal too
     */
    public OrderStatus order(String uuid) throws Exception {
        return payloads.status(api.callIdempotent("GET", ORDER + uuid, null, null));
    }

    /**
     * {@code GET /rest/order/{uuid}} as reconciliation reads it: retried, telling {@code sent} how
     * many times it went out; an answer that is not a success throws.
     *
     * @return the order, or null when the answer does not show it
     * @throws IllegalStateException when Opentact refused the read ("HTTP status, its words")
     */
    public OrderStatus lookUpOrder(String uuid, IntConsumer sent) throws Exception {
        return payloads.status(read("GET", ORDER + uuid, null, null, sent));
    }

    /**
     * {@code POST /rest/order/search?take=&skip=}, newest first, as {@link #lookUpOrder} reads.
     *
     * @return the page, or null when the answer is no readable page of orders
     */
    public OpentactPayloads.OrderPage orderPage(int take, int skip, IntConsumer sent) throws Exception {
        return payloads.orderPage(read("POST", ORDER_SEARCH, "take=" + take + "&skip=" + skip, NEWEST_FIRST, sent));
    }

    /**
     * {@code POST /rest/lease/tn/search?take=&skip=}, newest first, as {@link #lookUpOrder} reads.
     *
     * @return the page, or null when the answer is no readable page of leases
     */
    public OpentactPayloads.LeasePage leasePage(int take, int skip, IntConsumer sent) throws Exception {
        return payloads.leasePage(read("POST", LEASE_SEARCH, "take=" + take + "&skip=" + skip, NEWEST_FIRST, sent));
    }

    /** A retried read that must answer: one that is not a success throws. */
    private ApiResponse read(String method, String path, String query, String body, IntConsumer sent)
            throws Exception {
        ApiResponse r = api.callIdempotent(method, path, query, body, sent);
        if (r != null && !r.success()) {
            throw new IllegalStateException("HTTP " + r.httpStatus() + ", " + r.describeFailure());
        }
        return r;
    }
}
