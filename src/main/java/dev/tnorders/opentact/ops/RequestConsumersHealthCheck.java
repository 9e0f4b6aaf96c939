package dev.tnorders.opentact.ops;

import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.health.HealthCheckResultBuilder;

import dev.tnorders.opentact.intake.RequestConsumers;

/**
 * Readiness: DOWN while a requests consumer of this instance is not polling (its Kafka consumer
 * failed and is joining again, or its thread has not come back from a poll for a while), with
 * which one and why. The brokers' reachability is {@code opentact-kafka}'s. Its detail
 * {@code membership} tells the consumers' group.instance.ids, and whether another running
 * process took one (two instances with one id: the fenced consumer goes on as a dynamic member).
 */
public class RequestConsumersHealthCheck extends ProblemHealthCheck {

    private final Supplier<String> membership;

    public RequestConsumersHealthCheck(RequestConsumers consumers) {
        this(consumers::problem, consumers::membership);
    }

    RequestConsumersHealthCheck(Supplier<String> problem) {
        this(problem, () -> null);
    }

    RequestConsumersHealthCheck(Supplier<String> problem, Supplier<String> membership) {
        super("opentact-requests-consumers", "consumers", "polling", "not polling", "requests consumers: ", problem);
        this.membership = membership;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        super.doCall(builder, options);
        String m = membership.get();
        if (m != null) {
            builder.detail("membership", m);
        }
    }
}
