package dev.tnorders.opentact.ops;

import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A readiness check that asks one part of the app what is wrong with it now: nothing (null) is
 * UP; a reason is DOWN with that reason as its message. Not a liveness check.
 */
abstract class ProblemHealthCheck extends AbstractHealthCheck {

    private final String subject;
    private final String upDetail;
    private final String downDetail;
    private final String prefix;
    private final Supplier<String> problem;

    /**
     * @param subject the detail's key; {@code upDetail}/{@code downDetail} its value
     * @param prefix  before the reason in the message
     */
    ProblemHealthCheck(String id, String subject, String upDetail, String downDetail, String prefix,
                       Supplier<String> problem) {
        super("opentact", id);
        this.subject = subject;
        this.upDetail = upDetail;
        this.downDetail = downDetail;
        this.prefix = prefix;
        this.problem = problem;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String reason = problem.get();
        builder.detail(subject, reason == null ? upDetail : downDetail);
        if (reason == null) {
            builder.up();
            return;
        }
        builder.message(prefix + HealthText.plain(reason));
        builder.down();
    }
}
