package dev.tnorders.opentact.ops;

import java.util.List;

import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.order.Outcomes;

/** What operations learn of each published outcome: its meters and its log line. */
public class PublishedOutcomes implements Outcomes {

    private final OrderMetrics metrics;
    private final OutcomeLog log;

    public PublishedOutcomes(OrderMetrics metrics, OutcomeLog log) {
        this.metrics = metrics;
        this.log = log;
    }

    @Override
    public void published(List<OrderResult> results) {
        metrics.outcomes(results);
        log.logAll(results);
    }
}
