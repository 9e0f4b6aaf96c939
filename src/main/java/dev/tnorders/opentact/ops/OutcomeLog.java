package dev.tnorders.opentact.ops;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.model.OrderResult;

/** One log line per published outcome, under one logger name whichever path published it. */
public class OutcomeLog {

    static final String LOGGER = "dev.tnorders.opentact.outcomes";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    public void log(OrderResult result) {
        LOG.info("{}", result.outcome().getLogLine());
    }

    /** A batch's outcomes, without a Camel exchange per line. */
    public void logAll(List<OrderResult> results) {
        for (OrderResult r : results) {
            log(r);
        }
    }
}
