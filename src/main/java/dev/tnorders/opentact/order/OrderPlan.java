package dev.tnorders.opentact.order;

import java.util.List;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * The order cases of one poll: {@code batches} of new requests run side by side (their requests and
 * numbers are distinct); {@code oneAfterAnother} run after them, in poll order: requests the
 * journal knows (grouped by their order), and cases of one (criteria, own price limits, or a
 * request id or number another request of the poll also has).
 */
public record OrderPlan(List<List<OrderRequest>> batches, List<List<OrderRequest>> oneAfterAnother) {

    /** The requests that go one case after another, flattened (tests, logs). */
    public List<OrderRequest> singles() {
        return oneAfterAnother.stream().flatMap(List::stream).toList();
    }
}
