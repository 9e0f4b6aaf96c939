package dev.tnorders.opentact.client;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Runs before each redelivery of an Opentact call: when Opentact said how long to wait
 * (429/503 with {@code Retry-After}), wait that long rather than the shorter backoff. Bounded to
 * a minute by {@link OpentactResponses}.
 */
public class HonourRetryAfter implements Processor {

    @Override
    public void process(Exchange exchange) throws InterruptedException {
        OpentactUnavailableException e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT,
                OpentactUnavailableException.class);
        if (e == null) {
            Exception other = exchange.getException();
            e = other instanceof OpentactUnavailableException u ? u : null;
        }
        if (e != null && e.retryAfterMillis() > 0) {
            Thread.sleep(e.retryAfterMillis());
        }
    }
}
