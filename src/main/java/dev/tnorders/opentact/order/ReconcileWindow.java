package dev.tnorders.opentact.order;

/**
 * How long after a request's intent reconciliation must wait before a clean pass may conclude "no
 * order" (docs/several-instances.md, "The intent lease", has the argument). An order POST leaves at
 * most {@code sendDeadlineMs} after its intent was written ({@link IntentLease}, by the sender's
 * monotonic clock), reaches Opentact within the connect and response timeouts or is abandoned, and
 * its order shows in the search at most {@code searchLagMs} later; the intent's time is the
 * writer's clock and the reconciler reads its own, which may differ by {@code clockSkewMs}. So
 * the window must be at least the sum of the five.
 */
public record ReconcileWindow(long sendDeadlineMs, long connectTimeoutMs, long responseTimeoutMs, long clockSkewMs,
                              long searchLagMs) {

    public ReconcileWindow {
        if (sendDeadlineMs < 1 || connectTimeoutMs < 1 || responseTimeoutMs < 1 || clockSkewMs < 0 || searchLagMs < 0) {
            throw new IllegalArgumentException("the intent lease needs opentact.order.send-deadline-ms, "
                    + "opentact.api.connect-timeout-ms and opentact.api.response-timeout-ms of at least 1 ms, and "
                    + "opentact.order.reconcile-clock-skew-ms and opentact.order.reconcile-search-lag-ms of at least 0: "
                    + sendDeadlineMs + ", " + connectTimeoutMs + ", " + responseTimeoutMs + ", " + clockSkewMs + ", "
                    + searchLagMs);
        }
    }

    /** The least safe window. */
    public long minimumMs() {
        return sendDeadlineMs + connectTimeoutMs + responseTimeoutMs + clockSkewMs + searchLagMs;
    }

    /**
     * @param configuredMs {@code opentact.order.reconcile-window-ms}: 0 (or less) for the least safe
     *                     window, else a longer one
     * @throws IllegalArgumentException when it is shorter than the least safe one: the start stops
     */
    public long resolve(long configuredMs) {
        long min = minimumMs();
        if (configuredMs <= 0) {
            return min;
        }
        if (configuredMs < min) {
            throw new IllegalArgumentException("opentact.order.reconcile-window-ms (" + configuredMs + ") must be at least "
                    + "opentact.order.send-deadline-ms (" + sendDeadlineMs + ") + opentact.api.connect-timeout-ms ("
                    + connectTimeoutMs + ") + opentact.api.response-timeout-ms (" + responseTimeoutMs
                    + ") + opentact.order.reconcile-clock-skew-ms (" + clockSkewMs
                    + ") + opentact.order.reconcile-search-lag-ms (" + searchLagMs + ") = " + min + " ms: otherwise "
                    + "another instance may conclude \"no order\" while an order POST can still land "
                    + "(docs/several-instances.md, \"The intent lease\"); set it to 0 for the least safe window");
        }
        return configuredMs;
    }
}
