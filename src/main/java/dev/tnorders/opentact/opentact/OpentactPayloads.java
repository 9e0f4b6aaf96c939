package dev.tnorders.opentact.opentact;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tnorders.opentact.intake.PhoneNumbers;
import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;

/**
 * Builds Opentact request bodies and reads the payloads of its answers, in the documented
 * shapes (opentact-api.md). Where the documents disagree (numbers as JSON numbers or E.164
 * strings; tn_leases or tnleases), both forms are read.
 */
public class OpentactPayloads {

    /** Order states we know to be final; anything else is still in progress until the deadline. */
    private static final Set<String> FINAL_STATES = Set.of("success", "failed", "completed", "complete", "error",
            "cancelled", "canceled", "partial");

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
     * The endpoint for this request. The items form cannot carry profile or SIP settings, so a
     * request that has them goes to {@code /rest/order/tn} whatever the configuration says.
     */
    public String orderPath(OrderRequest request) {
        boolean needsTnForm = request.profile() != null || request.sipConnection() != null
                || request.sipControlApp() != null;
        return orderForm == OrderForm.tn || needsTnForm ? "/rest/order/tn" : "/rest/order";
    }

    /** Body for {@link #orderPath(OrderRequest)}: every number in the configured {@link NumberFormat}. */
    public String orderBody(OrderRequest request) {
        if (orderPath(request).equals("/rest/order/tn")) {
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

    /** The order uuid from an answer to either order POST. */
    public String orderUuid(ApiResponse response) {
        JsonNode uuid = response.payload() == null ? null : response.payload().get("uuid");
        if (uuid == null || uuid.asText().isBlank()) {
            throw new IllegalStateException("Opentact accepted the order but its answer has no order uuid");
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

    /**
     * Finds, among the orders of an order search answer, the newest one that holds all these
     * numbers: how a crashed or unanswered order POST is reconciled.
     *
     * @return the order's uuid, or null when no listed order holds them
     */
    public String findOrderFor(ApiResponse response, List<String> tns) {
        JsonNode p = response.payload();
        JsonNode data = p == null ? null : p.get("data");
        if (data == null || !data.isArray()) {
            return null;
        }
        java.util.Set<String> wanted = new java.util.HashSet<>(tns);
        for (JsonNode order : data) {
            java.util.Set<String> held = new java.util.HashSet<>(statusOf(order).numbers().keySet());
            JsonNode requested = order.path("request").path("tns");
            if (requested.isArray()) {
                requested.forEach(tn -> held.add(PhoneNumbers.fromApi(tn.asText())));
            }
            JsonNode items = order.path("request").path("items");
            if (items.isArray()) {
                items.forEach(item -> held.add(PhoneNumbers.fromApi(item.path("tn").asText())));
            }
            // A batched order holds other requests' numbers too: it is this request's order when
            // it holds all of this request's numbers.
            if (held.containsAll(wanted) && order.hasNonNull("uuid")) {
                return order.get("uuid").asText();
            }
        }
        return null;
    }

    /** Whether a search answer filled its page, so that a next page may hold more. */
    public boolean isFullPage(ApiResponse response, int take) {
        JsonNode data = response.payload() == null ? null : response.payload().get("data");
        return data != null && data.isArray() && data.size() >= take;
    }

    private OrderStatus statusOf(JsonNode p) {
        String state = p.path("state").asText("");
        Map<String, OrderStatus.Item> numbers = new LinkedHashMap<>();
        JsonNode items = p.get("tn_items");
        if (items != null && items.isArray()) {
            for (JsonNode item : items) {
                String tn = itemNumber(item);
                if (tn == null) {
                    continue;
                }
                String itemState = item.path("state").asText("");
                numbers.put(tn, new OrderStatus.Item(isSuccess(itemState), itemState, item.path("reason").asText(null)));
            }
        }
        JsonNode price = p.get("price");
        BigDecimal nrc = price != null && price.isObject() ? decimal(price.get("nrc")) : null;
        BigDecimal mrc = price != null && price.isObject() ? decimal(price.get("mrc")) : null;
        return new OrderStatus(p.path("uuid").asText(null), state,
                FINAL_STATES.contains(state.toLowerCase(Locale.ROOT)), numbers, nrc, mrc);
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
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        if (data != null && data.isArray()) {
            for (JsonNode n : data) {
                JsonNode tn = n.isObject() ? n.get("tn") : n;
                if (tn != null && tn.isObject()) {
                    tn = tn.get("tn");
                }
                if (tn != null && !tn.isNull()) {
                    out.add(PhoneNumbers.fromApi(tn.asText()));
                }
            }
        }
        return out;
    }

    private static boolean isSuccess(String itemState) {
        String s = itemState.toLowerCase(Locale.ROOT);
        return s.equals("success") || s.equals("completed") || s.equals("complete");
    }

    private static String itemNumber(JsonNode item) {
        JsonNode tn = item.path("tn").path("tn");
        if (tn.isMissingNode() || tn.isNull()) {
            tn = item.path("request").path("tn");
        }
        if (tn.isMissingNode() || tn.isNull()) {
            tn = item.get("tn");
        }
        return tn == null || tn.isMissingNode() || tn.isNull() || tn.isObject() ? null : PhoneNumbers.fromApi(tn.asText());
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
