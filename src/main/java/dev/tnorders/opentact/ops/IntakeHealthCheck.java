package dev.tnorders.opentact.ops;

import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.journal.OrderJournal;

/**
 * Readiness: DOWN while request intake is paused (a refused token, no account balance, Opentact
 * unavailable after the retries), with the reason the pause gave. Not a liveness check: a paused
 * instance is healthy and resumes by itself, restarting it would not help. Its details (Camel's
 * {@code ?data=true}) are the status at a glance: intake running or paused, orders in flight.
 */
public class IntakeHealthCheck extends AbstractHealthCheck {

    /** Open requests listed in the details at most (the count is always exact). */
    static final int LISTED = 20;

    private final IntakeControl intake;
    private final IntSupplier openOrders;
    private final IntFunction<List<String>> openRequests;

    public IntakeHealthCheck(IntakeControl intake, OrderJournal journal) {
        this(intake, journal::openOrders, journal::openRequests);
    }

    IntakeHealthCheck(IntakeControl intake, IntSupplier openOrders, IntFunction<List<String>> openRequests) {
        super("opentact", "opentact-intake");
        this.intake = intake;
        this.openOrders = openOrders;
        this.openRequests = openRequests;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        // The status at a glance (shown with ?data=true): orders not finished yet, and which.
        builder.detail("orders_in_flight", openOrders.getAsInt());
        builder.detail("open_requests", HealthText.plain(String.join("; ", openRequests.apply(LISTED))));
        String reason = intake.reason();
        builder.detail("intake", reason == null ? "running" : "paused");
        if (reason == null) {
            builder.up();
            return;
        }
        builder.detail("paused_for", intake.isPausedForToken() ? "token" : "timed");
        builder.message("intake paused: " + HealthText.plain(reason));
        builder.down();
    }
}
