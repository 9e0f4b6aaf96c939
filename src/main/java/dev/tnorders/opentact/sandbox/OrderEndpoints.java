package dev.tnorders.opentact.sandbox;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import static dev.tnorders.opentact.sandbox.SandboxWire.field;
import static dev.tnorders.opentact.sandbox.SandboxWire.number;
import static dev.tnorders.opentact.sandbox.SandboxWire.time;

/**
 * The order-taking endpoints: the price ({@code POST /rest/order/price}) and the order POST in both
 * forms ({@code /rest/order} with items, {@code /rest/order/tn} with tns), their validation, and the
 * hooks tests set on an order's arrival and placement.
 */
final class OrderEndpoints {

    static final List<String> FEATURES = List.of("voice", "sms", "mms", "fax", "emergency");
    private static final Pattern UUID_PATTERN =
            Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

    private final SandboxState state;
    private final SandboxWire wire;
    private final AtomicInteger orderPosts = new AtomicInteger();
    private volatile IntConsumer orderPostHook = n -> { };
    private volatile Consumer<List<Long>> orderArrivalHook = tns -> { };

    OrderEndpoints(SandboxState state, SandboxWire wire) {
        this.state = state;
        this.wire = wire;
    }

    void onOrderPlaced(IntConsumer hook) {
        orderPostHook = hook;
    }

    void onOrderArrival(Consumer<List<Long>> hook) {
        orderArrivalHook = hook;
    }

    /** An order POST was carried out and is about to be answered: the placement hook runs with the running count. */
    void placed() {
        orderPostHook.accept(orderPosts.incrementAndGet());
    }

    /** Places an order as if through the API (someone else's order, or one whose answer was lost). */
    String placeOrder(long... tns) {
        List<Long> list = new ArrayList<>();
        List<Map<String, Object>> items = new ArrayList<>();
        for (long tn : tns) {
            list.add(tn);
            items.add(Map.of("tn", tn, "features", List.of("voice", "sms"), "autorenew", true));
        }
        SandboxState.Order order = state.place(list, List.of("voice", "sms"), true, Map.of("items", items));
        if (order == null) {
            throw new IllegalStateException("not enough balance");
        }
        return order.uuid();
    }

    /** The CreateTNOrder / price body: tns, feature booleans, autorenew, profile, SIP uuids. */
    private record TnBody(List<Long> tns, Map<String, Boolean> features, boolean autorenew) {
    }

    private TnBody readTnBody(JsonNode body) {
        Map<String, Object> fields = new LinkedHashMap<>();
        List<Long> tns = new ArrayList<>();
        JsonNode t = body.get("tns");
        if (t == null || !t.isArray() || t.isEmpty()) {
            fields.put("tns", field("must be a non-empty array of phone numbers", t));
        } else {
            for (int i = 0; i < t.size(); i++) {
                Long tn = number(t.get(i));
                if (tn == null) {
                    fields.put("tns." + i, field("must be a valid phone number", t.get(i)));
                } else {
                    tns.add(tn);
                }
            }
        }
        Map<String, Boolean> features = new LinkedHashMap<>();
        for (String f : FEATURES) {
            JsonNode v = body.get(f);
            if (v != null && !v.isNull() && !v.isBoolean()) {
                fields.put(f, field("must be a boolean", v));
            }
            features.put(f, v != null && v.isBoolean() ? v.booleanValue() : f.equals("voice") || f.equals("sms"));
        }
        JsonNode autorenew = body.get("autorenew");
        if (autorenew != null && !autorenew.isNull() && !autorenew.isBoolean()) {
            fields.put("autorenew", field("must be a boolean", autorenew));
        }
        JsonNode profile = body.get("profile");
        if (profile != null && !profile.isNull() && (!profile.isTextual() || profile.asText().isEmpty()
                || profile.asText().length() > 255)) {
            fields.put("profile", field("must be a string of 1 to 255 characters", profile));
        }
        for (String name : List.of("sip_connection", "sip_control_app")) {
            JsonNode v = body.get(name);
            if (v != null && !v.isNull() && !(v.isTextual() && UUID_PATTERN.matcher(v.asText()).matches())) {
                fields.put(name, field("must match " + UUID_PATTERN.pattern(), v));
            }
        }
        if (!fields.isEmpty()) {
            throw new ApiError(500, "Validation failed", fields);
        }
        return new TnBody(tns, features, autorenew == null || autorenew.isNull() || autorenew.booleanValue());
    }

    /**
     * The documented price answer: totals {@code nrc}/{@code mrc} as numbers (each number's own price
     * plus the prices of the features asked for), and one item per distinct own price with every
     * documented field as a decimal string: {@code nrc}, {@code mrc}, each feature's {@code _nrc} and
     * {@code _mrc} and its usage costs.
     */
    Map<String, Object> price(JsonNode body) {
        TnBody req = readTnBody(body);
        List<String> asked = req.features().entrySet().stream().filter(Map.Entry::getValue)
                .map(Map.Entry::getKey).toList();
        // One price group per distinct per-number price.
        Map<String, List<Long>> groups = new LinkedHashMap<>();
        Map<String, BigDecimal[]> groupPrice = new HashMap<>();
        BigDecimal nrc = BigDecimal.ZERO;
        BigDecimal mrc = BigDecimal.ZERO;
        for (long tn : req.tns()) {
            BigDecimal[] p = state.priceOf(tn);
            String key = p[0].toPlainString() + "/" + p[1].toPlainString();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(tn);
            groupPrice.put(key, p);
            BigDecimal[] withFeatures = state.priceWith(tn, asked);
            nrc = nrc.add(withFeatures[0]);
            mrc = mrc.add(withFeatures[1]);
        }
        List<Map<String, Object>> items = new ArrayList<>();
        int id = 1;
        for (Map.Entry<String, List<Long>> g : groups.entrySet()) {
            BigDecimal[] p = groupPrice.get(g.getKey());
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", Integer.toString(id++));
            item.put("name", "US local");
            item.put("description", "Local number, price per number");
            item.put("nrc", p[0].toPlainString());
            item.put("mrc", p[1].toPlainString());
            for (String f : List.of("voice", "fax", "emergency")) {
                BigDecimal[] fp = state.featurePriceOf(f);
                item.put(f + "_nrc", fp[0].toPlainString());
                item.put(f + "_mrc", fp[1].toPlainString());
                item.put(f + "_incoming_per_min_cost", "0.0050");
                item.put(f + "_outgoing_per_min_cost", "0.0100");
            }
            for (String f : List.of("sms", "mms")) {
                BigDecimal[] fp = state.featurePriceOf(f);
                item.put(f + "_nrc", fp[0].toPlainString());
                item.put(f + "_mrc", fp[1].toPlainString());
                item.put(f + "_per_send_cost", "0.0040");
                item.put(f + "_per_receive_cost", "0.0000");
            }
            item.put("count", g.getValue().size());
            item.put("tns", g.getValue().stream().map(wire::numberOut).toList());
            items.add(item);
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("nrc", nrc);
        payload.put("mrc", mrc);
        payload.put("items", items);
        return payload;
    }

    Map<String, Object> placeItems(JsonNode body) {
        JsonNode items = body.get("items");
        Map<String, Object> fields = new LinkedHashMap<>();
        List<Long> tns = new ArrayList<>();
        List<String> features = new ArrayList<>();
        boolean autorenew = true;
        if (items == null || !items.isArray() || items.isEmpty()) {
            fields.put("items", field("must be a non-empty array", items));
        } else {
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = items.get(i);
                Long tn = number(item.get("tn"));
                if (tn == null) {
                    fields.put("items." + i + ".tn", field("must be a valid phone number", item.get("tn")));
                } else {
                    tns.add(tn);
                }
                JsonNode fs = item.get("features");
                if (fs != null && fs.isArray()) {
                    for (JsonNode f : fs) {
                        if (!FEATURES.contains(f.asText())) {
                            fields.put("items." + i + ".features", field("unknown feature", f));
                        } else if (i == 0) {
                            features.add(f.asText());
                        }
                    }
                }
                autorenew = !item.has("autorenew") || item.get("autorenew").asBoolean(true);
            }
        }
        if (!fields.isEmpty()) {
            throw new ApiError(500, "Validation failed", fields);
        }
        orderArrivalHook.accept(List.copyOf(tns));
        SandboxState.Order order = state.place(tns, features, autorenew, wire.json.convertValue(body, Map.class));
        if (order == null) {
            throw new ApiError(402, "Not enough account balance", null);
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("uuid", order.uuid());
        payload.put("state", "created");
        payload.put("created_on", time(order.createdOn()));
        payload.put("modified_on", time(order.createdOn()));
        payload.put("total", tns.size());
        payload.put("success", 0);
        payload.put("processing", tns.size());
        payload.put("failed", 0);
        return payload;
    }

    Map<String, Object> placeTn(JsonNode body) {
        TnBody req = readTnBody(body);
        List<String> features = req.features().entrySet().stream().filter(Map.Entry::getValue)
                .map(Map.Entry::getKey).toList();
        orderArrivalHook.accept(List.copyOf(req.tns()));
        SandboxState.Order order = state.place(req.tns(), features, req.autorenew(),
                wire.json.convertValue(body, Map.class));
        if (order == null) {
            throw new ApiError(402, "Not enough account balance", null);
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("uuid", order.uuid());
        payload.put("state", "created");
        payload.put("request", body);
        req.features().forEach(payload::put);
        payload.put("autorenew", req.autorenew());
        payload.put("price", null);
        payload.put("created_on", time(order.createdOn()));
        payload.put("modified_on", time(order.createdOn()));
        return payload;
    }
}
