package dev.tnorders.opentact.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import static dev.tnorders.opentact.sandbox.SandboxWire.intParam;
import static dev.tnorders.opentact.sandbox.SandboxWire.number;
import static dev.tnorders.opentact.sandbox.SandboxWire.page;
import static dev.tnorders.opentact.sandbox.SandboxWire.time;

/**
 * How orders are shown: the order lookup ({@code GET /rest/order/{uuid}}) in seed 000's or seed 001's
 * form, and the order search ({@code POST /rest/order/search}) with its page cap and delay.
 */
final class OrderViews {

    private static final String ACCOUNT_UUID = "5d6b1c2e-0000-4000-8000-000000000001";

    private final SandboxState state;
    private final SandboxWire wire;
    /** Seed 001's lookup form (tns, tnleases, no tn_items) rather than seed 000's, the documented style. */
    private volatile boolean seed001Form;
    /** Orders per page of the order search at the most, whatever take asked (seed 000 answers take 1 to take=10). */
    private volatile int searchPageCap = 10;
    /** How long a new order takes to show in the order search (nothing documents how soon it does). */
    private volatile Duration searchDelay = Duration.ZERO;
    /** tn_items listed per order at the most; counters and leases still cover every number. */
    private volatile int itemsListed = 50;
    /** As seed 000: an order's first bought number is listed twice, success then failed. */
    private volatile boolean boughtNumberListedTwice = true;

    OrderViews(SandboxState state, SandboxWire wire) {
        this.state = state;
        this.wire = wire;
    }

    void setSeed001Form(boolean value) {
        seed001Form = value;
    }

    void setSearchPageCap(int cap) {
        this.searchPageCap = Math.max(1, cap);
    }

    void setSearchDelay(Duration delay) {
        this.searchDelay = delay;
    }

    void setItemsListed(int count) {
        this.itemsListed = count;
    }

    void setBoughtNumberListedTwice(boolean twice) {
        this.boughtNumberListedTwice = twice;
    }

    /** The summary of the account's oldest order other than {@code uuid}; {@code otherwise} when there is none. */
    Object oldestOrderBut(String uuid, Object otherwise) {
        return state.orders().stream().filter(o -> !o.uuid().equals(uuid))
                .min((a, b) -> a.createdOn().compareTo(b.createdOn())).<Object>map(this::orderSummary).orElse(otherwise);
    }

    /** An order's summary, as the order search lists it (seed 000): no request, no numbers. */
    private Map<String, Object> orderSummary(SandboxState.Order order) {
        String visible = state.visibleState(order);
        boolean done = visible.equals("success") || visible.equals("failed");
        long success = order.items().stream().filter(SandboxState.Item::success).count();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("uuid", order.uuid());
        o.put("state", visible);
        o.put("created_on", time(order.createdOn()));
        o.put("modified_on", time(done ? order.createdOn() : state.now()));
        o.put("total", order.items().size());
        o.put("success", done ? success : 0);
        o.put("processing", done ? 0 : order.items().size());
        o.put("failed", done ? order.items().size() - success : 0);
        return o;
    }

    /**
     * An order as {@code GET /rest/order/{uuid}} shows it, in the documented style: seed 000's form
     * lists at most {@code itemsListed} tn_items (the counters cover every number), the first bought
     * number twice (success, then failed), and every bought number as a lease; seed 001's form has
     * tns and tnleases instead. Items show as processing until the order is final.
     */
    Map<String, Object> orderView(SandboxState.Order order) {
        String visible = state.visibleState(order);
        boolean done = visible.equals("success") || visible.equals("failed");
        Map<String, Object> o = orderSummary(order);
        o.put("account", Map.of("uuid", ACCOUNT_UUID, "balance", state.balance()));
        o.put("created_by", Map.of("uuid", ACCOUNT_UUID));
        Map<String, Object> price = new LinkedHashMap<>();
        price.put("nrc", done ? order.nrc() : null);
        price.put("mrc", done ? order.mrc() : null);
        price.put("items", List.of());
        o.put("price", price);
        o.put("autorenew", order.autorenew());
        List<Map<String, Object>> leases = new ArrayList<>();
        if (done) {
            for (SandboxState.Item item : order.items()) {
                if (item.success()) {
                    leases.add(Map.of("tn", Map.of("tn", wire.numberOut(item.tn())), "autorenew", item.autorenew()));
                }
            }
        }
        if (seed001Form) {
            o.put("tns", order.items().stream().map(i -> Map.of("tn", wire.numberOut(i.tn()))).toList());
            o.put("request", order.request());
            o.put("tnleases", leases);
            return o;
        }
        List<Map<String, Object>> items = new ArrayList<>();
        boolean listedTwice = !boughtNumberListedTwice;
        for (SandboxState.Item item : order.items()) {
            if (items.size() >= itemsListed) {
                break;
            }
            String itemState = !done ? "processing" : item.success() ? "success" : "failed";
            items.add(item(item, itemState, !done ? "Processing" : item.reason()));
            if (done && item.success() && !listedTwice) {
                items.add(item(item, "failed", "Error buying a number"));
                listedTwice = true;
            }
        }
        o.put("tn_items", items);
        o.put("tn_leases", leases);
        return o;
    }

    private Map<String, Object> item(SandboxState.Item item, String itemState, String reason) {
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("uuid", item.uuid());
        i.put("state", itemState);
        i.put("reason", reason);
        i.put("autorenew", item.autorenew());
        i.put("request", Map.of("tn", wire.numberOut(item.tn())));
        i.put("features", item.features());
        i.put("context", "a2p");
        i.put("tn", Map.of("tn", wire.numberOut(item.tn())));
        return i;
    }

    Map<String, Object> searchOrders(JsonNode body, Map<String, String> query) {
        int take = intParam(query, "take", 10, 1, 1000);
        int skip = intParam(query, "skip", 0, 0, Integer.MAX_VALUE);
        String wantedState = body.hasNonNull("state") ? body.get("state").asText() : null;
        Long wantedTn = body.hasNonNull("tn") ? number(body.get("tn")) : null;
        boolean ascending = "ASC".equalsIgnoreCase(body.path("order").path("created_on").asText("DESC"));
        List<SandboxState.Order> all = state.orders();
        if (!ascending) {
            Collections.reverse(all);
        }
        List<Map<String, Object>> matching = new ArrayList<>();
        Instant shownBefore = state.now().minus(searchDelay);
        for (SandboxState.Order order : all) {
            if (order.createdOn().isAfter(shownBefore)) {
                continue;
            }
            if (wantedState != null && !wantedState.equals(state.visibleState(order))) {
                continue;
            }
            if (wantedTn != null && order.items().stream().noneMatch(i -> i.tn() == wantedTn)) {
                continue;
            }
            matching.add(orderSummary(order));
        }
        return page("take", Math.min(take, searchPageCap), "skip", skip, matching);
    }
}
