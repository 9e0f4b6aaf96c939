package dev.tnorders.opentact.batch;

import java.util.List;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * What to do with the requests of one poll: batches for the fast path, and singles that go one
 * by one through the per-request lifecycle (already in the journal, criteria, own price limits,
 * or a number another request of this poll also asks for).
 */
public record BatchPlan(List<OrderBatch> batches, List<OrderRequest> singles) {
}
