package dev.tnorders.opentact.order;

import java.util.List;

import dev.tnorders.opentact.model.OrderResult;

/** Told of every outcome once it is published (metrics, the outcome log). */
public interface Outcomes {

    void published(List<OrderResult> results);
}
