package dev.tnorders.opentact.order;

import java.util.List;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * The order cases of one poll: {@code batches} run side by side (their requests and numbers are
 * distinct); {@code singles}, cases of one, run after them one after the other (already in the
 * journal, criteria, own price limits, or a request id or number another request of the poll also has).
 */
public record OrderPlan(List<List<OrderRequest>> batches, List<OrderRequest> singles) {

    /** The singles, each as the case of one it is ordered in. */
    public List<List<OrderRequest>> casesOfOne() {
        return singles.stream().map(List::of).toList();
    }
}
