package dev.tnorders.opentact.batch;

import java.util.ArrayList;
import java.util.List;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * Compatible requests (same features, autorenew, profile and SIP settings) priced and ordered
 * together in one call each. Their numbers are distinct.
 */
public record OrderBatch(List<OrderRequest> requests) {

    public OrderBatch {
        requests = List.copyOf(requests);
    }

    /** Every number of the batch, in request order. */
    public List<String> tns() {
        List<String> all = new ArrayList<>();
        requests.forEach(r -> all.addAll(r.tns()));
        return all;
    }

    /**
     * One request standing for the whole batch, to build the price and order bodies from: the
     * settings the requests share, and all their numbers.
     */
    public OrderRequest asOneRequest() {
        OrderRequest first = requests.get(0);
        return new OrderRequest("batch-of-" + first.requestId(), tns(), null, first.features(), first.autorenew(),
                first.profile(), first.sipConnection(), first.sipControlApp(), null, null, null, first.receivedAt());
    }

    public int size() {
        return requests.size();
    }
}
