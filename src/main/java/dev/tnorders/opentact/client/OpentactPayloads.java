package dev.tnorders.opentact.client;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.PhoneNumbers;

/**
 * Builds Opentact request bodies and reads the payloads of its answers, in the documented
 * shapes (opentact-api.md). Where the documents disagree (numbers as JSON numbers or E.164
 * strings; tn_leases or tnleases), both forms are read.
 */
public class OpentactPayloads {

    /** Order states we know to be final; anything else is still in progress until the deadline. */
    private static final Set<String> FINAL_STATES = Set.of("success", "failed", "completed", "complete", "error",
            "cancelled", "canceled", "partial");
    /** Item states that are a number's result; any other item state is still in progress. */
    private static final Set<String> SUCCESS_ITEM_STATES = Set.of("success", "completed", "complete");
    private static final Set<String> FAILED_ITEM_STATES = Set.of("failed", "error", "cancelled", "canceled");

    /** Which endpoint places orders: the newer items form or CreateTNOrder. */
    public enum OrderForm { items, tn }

    /**
     * How request bodies carry telephone numbers ({@code opentact.api.number-format}): JSON numbers
     * with the country code ({@code 12029822917}, as the order examples show) or E.164 strings
     * ({@code "+12029822917"}, as the conventions page says). Answers are read in either form.
     */
    public enum NumberFormat { integer, e164 }

    private final OrderForm orderForm;
    private final NumberFormat numberFormat;

    public OpentactPayloads(String orderForm) {
        this(orderForm, NumberFormat.integer.name());
    }

    public OpentactPayloads(String orderForm, String numberFormat) {
        this.orderForm = OrderForm.valueOf(orderForm.trim().toLowerCase(Locale.ROOT));
        this.numberFormat = numberFormat(numberFormat);
    }

    static NumberFormat numberFormat(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        try {
            return NumberFormat.valueOf(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("opentact.api.number-format must be 'integer' (JSON numbers such as "
                    + "12029822917) or 'e164' (strings such as \"+12029822917\"), not '" + value + "'", e);
        }
    }

    public NumberFormat numberFormat() {
        return numberFormat;
    }

    /** A number (E.164) as request bodies carry it: see {@link NumberFormat}. */
    private void addNumber(ArrayNode array, String e164) {
        if (numberFormat == NumberFormat.e164) {
            array.add(e164);
        } else {
            array.add(PhoneNumbers.toApiNumber(e164));
        }
    }

    private void putNumber(ObjectNode node, String field, String e164) {
        if (numberFormat == NumberFormat.e164) {
            node.put(field, e164);
        } else {
            node.put(field, PhoneNumbers.toApiNumber(e164));
        }
    }

    /**
     * Body of {@code POST /rest/order/price} and of {@code POST /rest/order/tn}: {@code tns} in the
     * configured {@link NumberFormat}.
     */
    public String priceBody(OrderRequest request) {
        ObjectNode body = OpentactResponses.MAPPER.createObjectNode();
        ArrayNode tns = body.putArray("tns");
        request.tns().forEach(tn -> addNumber(tns, tn));
        for (Feature f : Feature.values()) {
            body.put(f.apiName(), request.features().contains(f));
        }
        body.put("autorenew", request.autorenew());
        putIfSet(body, "profile", request.profile());
        putIfSet(body, "sip_connection", request.sipConnection());
        putIfSet(body, "sip_control_app", request.sipControlApp());
        return write(body);
    }

    /**
     * Whether this order goes in CreateTNOrder's form ({@code POST /rest/order/tn}, the price body):
     * when configured, or when the request has profile or SIP settings, which the items form cannot carry.
     */
    public boolean tnForm(OrderRequest request) {
        boolean needsTnForm = request.profile() != null || request.sipConnection() != null
                || request.sipControlApp() != null;
        return orderForm == OrderForm.tn || needsTnForm;
    }

    /** Body of the order POST: every number in the configured {@link NumberFormat}, in the {@link #tnForm} or items form. */
    public String orderBody(OrderRequest request) {
        if (tnForm(request)) {
            return priceBody(request);
        }
        ObjectNode body = OpentactResponses.MAPPER.createObjectNode();
        ArrayNode items = body.putArray("items");
        for (String tn : request.tns()) {
            ObjectNode item = items.addObject();
            putNumber(item, "tn", tn);
            ArrayNode features = item.putArray("features");
            request.features().forEach(f -> features.add(f.apiName()));
            item.put("autorenew", request.autorenew());
        }
        return write(body);
    }

    /** Body of {@code POST /rest/tn/search} for a criteria request. */
    public String searchBody(String pattern) {
        ObjectNode body = OpentactResponses.MAPPER.createObjectNode();
        body.put("pattern", pattern);
        return write(body);
    }

    /**
     * The price of {@code request}'s numbers from the answer to its price body, as
     * {@link PriceDerivation} derives it: per number, the dearest price group's base price plus its
     * requested features' prices, cross-checked with the answer's totals, never less. An answer
     * that cannot be read gives a quote that refuses the order ({@link PriceQuote#refusal()}).
     */
    public PriceQuote quote(ApiResponse response, OrderRequest request) {
        return PriceDerivation.derive(response.payload(), request.features(),
                request.tns() == null ? 0 : request.tns().size());
    }

    /**
     * The uuid of the order an order POST created, when its answer shows a new order of ours: a
     * 2xx with an order uuid, and nothing in it that says otherwise: no {@code created_on} before
     * {@code createdNotBefore} (the intent less the clock-skew margin), no echoed request
     * ({@code request.tns}, {@code request.items[].tn}) for other numbers, no number named anywhere
     * in it ({@code tn_items}, leases, {@code tns}) that is not ours. Counters prove nothing either
     * way (seed 000 answers a one-number order with {@code total: 10}). Seed 001 documents a
     * {@code POST /rest/order} that lists an existing order: an answer that does not look like our
     * new order is no usable answer, and reconciliation decides.
     *
     * @param createdNotBefore the earliest creation time our order can show, or null when not known
     * @throws OpentactUnavailableException when the answer is not recognisably our new order
     */
    public String placedOrder(ApiResponse response, OrderRequest order, Instant createdNotBefore) {
        JsonNode p = response.payload();
        JsonNode uuid = p == null ? null : p.get("uuid");
        if (uuid == null || !uuid.isTextual() || uuid.asText().isBlank()) {
            throw new OpentactUnavailableException(response.httpStatus(),
                    "Opentact answered the order POST without an order uuid", 0);
        }
        Instant created = instant(p.get("created_on"));
        if (createdNotBefore != null && created != null && created.isBefore(createdNotBefore)) {
            throw new OpentactUnavailableException(response.httpStatus(), "Opentact answered the order POST with order "
                    + uuid.asText() + ", created " + created + ", before our order could be (" + createdNotBefore + ")", 0);
        }
        Set<String> ours = new HashSet<>(order.tns());
        Set<String> echoed = new HashSet<>();
        JsonNode request = p.path("request");
        request.path("tns").forEach(tn -> addNumber(echoed, tn));
        request.path("items").forEach(item -> addNumber(echoed, item.get("tn")));
        boolean echoesRequest = request.path("tns").size() > 0 || request.path("items").size() > 0;
        if (echoesRequest && !echoed.equals(ours)) {
            throw new OpentactUnavailableException(response.httpStatus(), "Opentact answered the order POST with order "
                    + uuid.asText() + ", whose request is not for our numbers", 0);
        }
        Set<String> named = new HashSet<>(statusOf(p).listed());
        named.removeAll(ours);
        if (!named.isEmpty()) {
            throw new OpentactUnavailableException(response.httpStatus(), "Opentact answered the order POST with order "
                    + uuid.asText() + ", which names numbers that are not ours", 0);
        }
        return uuid.asText();
    }

    /** @return the order's status, or null when the answer does not show the order (yet) */
    public OrderStatus status(ApiResponse response) {
        JsonNode p = response.payload();
        if (!response.success() || p == null || !p.isObject()) {
            return null;
        }
        return statusOf(p);
    }

    /** One page of {@code POST /rest/order/search}: its orders as they are listed (often a summary only). */
    public record OrderPage(int take, int skip, long total, List<OrderStatus> orders) {
    }

    /** @return the page, or null when the answer is no readable page of orders */
    public OrderPage orderPage(ApiResponse response) {
        JsonNode p = response.payload();
        JsonNode data = p == null ? null : p.get("data");
        if (!response.success() || data == null || !data.isArray()) {
            return null;
        }
        List<OrderStatus> orders = new ArrayList<>();
        for (JsonNode order : data) {
            if (order.isObject()) {
                orders.add(statusOf(order));
            }
        }
        return new OrderPage(p.path("take").asInt(orders.size()), p.path("skip").asInt(0),
                p.path("total").asLong(-1), orders);
    }

    /** One lease (a number the account holds) of {@code /rest/lease/tn}. */
    public record Lease(String tn, Instant createdOn) {
    }

    /** One page of leases, in the order search's envelope. */
    public record LeasePage(long total, List<Lease> leases) {
    }

    /** @return the page, or null when the answer is no readable page of leases */
    public LeasePage leasePage(ApiResponse response) {
        JsonNode p = response.payload();
        JsonNode data = p == null ? null : (p.isArray() ? p : p.get("data"));
        if (!response.success() || data == null || !data.isArray()) {
            return null;
        }
        List<Lease> leases = new ArrayList<>();
        for (JsonNode lease : data) {
            String tn = numberIn(lease);
            if (tn != null) {
                leases.add(new Lease(tn, instant(lease.get("created_on"))));
            }
        }
        return new LeasePage(p.isArray() ? -1 : p.path("total").asLong(-1), leases);
    }

    /**
     * An order as documented in either form: seed 000's (tn_items, tn_leases) or seed 001's
     * lookup (tns, tnleases, no tn_items); a summary (the order search) has neither.
     */
    private OrderStatus statusOf(JsonNode p) {
        String state = p.path("state").asText("");
        Map<String, OrderStatus.Item> numbers = new LinkedHashMap<>();
        Set<String> listed = new LinkedHashSet<>();
        JsonNode items = p.get("tn_items");
        if (items != null && items.isArray()) {
            for (JsonNode item : items) {
                String tn = itemNumber(item);
                if (tn == null) {
                    continue;
                }
                listed.add(tn);
                String itemState = item.path("state").asText("");
                OrderStatus.Item read = new OrderStatus.Item(itemResult(itemState), itemState, item.path("reason").asText(null));
                numbers.merge(tn, read, OrderStatus.Item::merge);
            }
        }
        for (String spelling : List.of("tn_leases", "tnleases")) {
            JsonNode leases = p.get(spelling);
            if (leases != null && leases.isArray()) {
                for (JsonNode lease : leases) {
                    String tn = numberIn(lease);
                    if (tn != null) {
                        listed.add(tn);
                        numbers.merge(tn, new OrderStatus.Item(OrderStatus.Result.SUCCESS, "leased", null),
                                OrderStatus.Item::merge);
                    }
                }
            }
        }
        JsonNode request = p.path("request");
        request.path("tns").forEach(tn -> addNumber(listed, tn));
        request.path("items").forEach(item -> addNumber(listed, item.get("tn")));
        p.path("tns").forEach(tn -> addNumber(listed, tn));
        boolean anyInProgress = numbers.values().stream().anyMatch(OrderStatus.Item::inProgress);
        JsonNode price = p.get("price");
        BigDecimal nrc = price != null && price.isObject() ? decimal(price.get("nrc")) : null;
        BigDecimal mrc = price != null && price.isObject() ? decimal(price.get("mrc")) : null;
        return new OrderStatus(p.path("uuid").asText(null), state,
                FINAL_STATES.contains(state.toLowerCase(Locale.ROOT)) && !anyInProgress, numbers,
                Collections.unmodifiableSet(listed), nrc, mrc, instant(p.get("created_on")));
    }

    /** The {@code total} of a number search answer: how many numbers match in all; null when it has none. */
    public Integer searchTotal(ApiResponse response) {
        JsonNode total = response.payload() == null || !response.payload().isObject() ? null
                : response.payload().get("total");
        return total != null && total.canConvertToInt() && total.isIntegralNumber() ? total.intValue() : null;
    }

    /** Numbers offered by {@code POST /rest/tn/search}, as E.164, in the order given. */
    public List<String> foundNumbers(ApiResponse response) {
        JsonNode p = response.payload();
        JsonNode data = p == null ? null : (p.isArray() ? p : p.get("data"));
        ArrayList<String> out = new ArrayList<>();
        if (data != null && data.isArray()) {
            for (JsonNode n : data) {
                String tn = numberIn(n);
                if (tn != null) {
                    out.add(tn);
                }
            }
        }
        return out;
    }

    /** An item's state: success and failure as documented; any other state is still in progress. */
    private static OrderStatus.Result itemResult(String itemState) {
        String s = itemState.toLowerCase(Locale.ROOT);
        if (SUCCESS_ITEM_STATES.contains(s)) {
            return OrderStatus.Result.SUCCESS;
        }
        return FAILED_ITEM_STATES.contains(s) ? OrderStatus.Result.FAILED : OrderStatus.Result.IN_PROGRESS;
    }

    /**
     * A number as the documents show one in every place: a JSON number or a string, or an object
     * holding it as {@code tn} ({@code {"tn": 1202…}}, {@code {"tn": {"tn": 1202…}}}: a lease, a
     * tn_item's {@code tn}, a search result).
     *
     * @return the number as E.164, or null when there is none
     */
    private static String numberIn(JsonNode v) {
        for (int depth = 0; depth < 2 && v != null && v.isObject(); depth++) {
            v = v.get("tn");
        }
        return v == null || v.isNull() || v.isContainerNode() || v.asText().isBlank() ? null : PhoneNumbers.fromApi(v.asText());
    }

    private static void addNumber(Set<String> into, JsonNode tn) {
        String number = numberIn(tn);
        if (number != null) {
            into.add(number);
        }
    }

    private static Instant instant(JsonNode v) {
        if (v == null || !v.isTextual()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(v.asText().replaceAll("([+-]\\d\\d)(\\d\\d)$", "$1:$2")).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** A tn_items entry's number: its {@code tn.tn}, else its {@code request.tn}. */
    private static String itemNumber(JsonNode item) {
        String tn = numberIn(item);
        return tn != null ? tn : numberIn(item.get("request"));
    }

    private static BigDecimal decimal(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            return v.decimalValue();
        }
        try {
            return new BigDecimal(v.asText().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void putIfSet(ObjectNode body, String name, String value) {
        if (value != null) {
            body.put(name, value);
        }
    }

    private static String write(JsonNode node) {
        try {
            return OpentactResponses.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
