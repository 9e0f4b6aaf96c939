package dev.tnorders.opentact.sandbox;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;

import static dev.tnorders.opentact.sandbox.SandboxWire.field;
import static dev.tnorders.opentact.sandbox.SandboxWire.intParam;
import static dev.tnorders.opentact.sandbox.SandboxWire.number;
import static dev.tnorders.opentact.sandbox.SandboxWire.page;
import static dev.tnorders.opentact.sandbox.SandboxWire.time;

/**
 * The inventory endpoints: the number search ({@code POST /rest/tn/search}), with the extra and
 * soon-gone numbers tests ask for, and the lease search (what the account holds).
 */
final class InventoryEndpoints {

    private final SandboxState state;
    private final SandboxWire wire;
    private final AtomicReference<long[]> extraInSearch =
            new AtomicReference<>(new long[0]);
    private final AtomicReference<long[]> goneAfterSearch =
            new AtomicReference<>(new long[0]);

    InventoryEndpoints(SandboxState state, SandboxWire wire) {
        this.state = state;
        this.wire = wire;
    }

    /** The next number search still offers these numbers, then they leave the inventory. */
    void goneAfterSearch(long... tns) {
        goneAfterSearch.set(tns.clone());
    }

    /** Every number search also offers these numbers (put in the inventory), first. */
    void offerExtraInSearch(long... tns) {
        state.addInventory(tns);
        extraInSearch.set(tns.clone());
    }

    Map<String, Object> searchNumbers(JsonNode body, Map<String, String> query) {
        int page = intParam(query, "page", 1, 1, Integer.MAX_VALUE);
        int size = intParam(query, "size", 10, 1, 100);
        String pattern = body.path("pattern").asText("");
        if (!pattern.matches("[0-9*%]{10}")) {
            throw new ApiError(500, "Validation failed", Map.of("pattern",
                    field("must be ten digits or wildcards (* or %)", body.get("pattern"))));
        }
        List<Map<String, Object>> found = new ArrayList<>();
        List<Long> matching = state.search(pattern);
        for (long tn : extraInSearch.get()) {
            if (!matching.contains(tn)) {
                found.add(Map.of("tn", wire.numberOut(tn), "state", "available"));
            }
        }
        for (long tn : matching) {
            found.add(Map.of("tn", wire.numberOut(tn), "state", "available"));
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("page", page);
        payload.put("size", size);
        payload.put("total", found.size());
        int from = Math.min(found.size(), (page - 1) * size);
        payload.put("data", found.subList(from, Math.min(found.size(), from + size)));
        // Someone else buys these right after they were offered: gone by the time they are ordered.
        long[] gone = goneAfterSearch.getAndSet(new long[0]);
        if (gone.length > 0) {
            state.removeInventory(gone);
        }
        return payload;
    }

    Map<String, Object> leases(JsonNode body, Map<String, String> query) {
        int take = intParam(query, "take", 10, 1, 1000);
        int skip = intParam(query, "skip", 0, 0, Integer.MAX_VALUE);
        Long wanted = body.hasNonNull("tn") ? number(body.get("tn")) : null;
        List<Map<String, Object>> out = new ArrayList<>();
        List<SandboxState.Lease> all = new ArrayList<>(state.leases());
        if ("DESC".equalsIgnoreCase(body.path("order").path("created_on").asText("ASC"))) {
            Collections.reverse(all);
        }
        for (SandboxState.Lease lease : all) {
            if (wanted == null || wanted == lease.tn()) {
                out.add(Map.of("uuid", lease.uuid(), "tn", Map.of("tn", wire.numberOut(lease.tn())),
                        "created_on", time(lease.createdOn()), "autorenew", lease.autorenew()));
            }
        }
        return page("take", take, "skip", skip, out);
    }
}
