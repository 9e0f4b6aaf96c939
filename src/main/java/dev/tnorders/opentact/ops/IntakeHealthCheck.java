package dev.tnorders.opentact.ops;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import dev.tnorders.opentact.lifecycle.IntakeControl;

/**
 * Readiness: DOWN while request intake is paused (a refused token, no account balance, Opentact
 * unavailable after the retries), with the reason the pause gave. Not a liveness check: a paused
 * instance is healthy and resumes by itself, restarting it would not help.
 */
public class IntakeHealthCheck extends AbstractHealthCheck {

    private final IntakeControl intake;

    public IntakeHealthCheck(IntakeControl intake) {
        super("opentact", "opentact-intake");
        this.intake = intake;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String reason = intake.reason();
        if (reason == null) {
            builder.up();
            return;
        }
        builder.detail("paused_for", intake.isPausedForToken() ? "token" : "timed");
        builder.message("intake paused: " + HealthText.plain(reason));
        builder.down();
    }
}
