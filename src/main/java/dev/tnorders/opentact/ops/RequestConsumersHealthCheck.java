package dev.tnorders.opentact.ops;

import java.util.function.Supplier;

import dev.tnorders.opentact.intake.RequestConsumers;

/**
 * Readiness: DOWN while a requests consumer of this instance is not polling (its Kafka consumer
 * failed and is joining again, or its thread has not come back from a poll for a while), with
 * which one and why. The brokers' reachability is {@code opentact-kafka}'s.
 */
public class RequestConsumersHealthCheck extends ProblemHealthCheck {

    public RequestConsumersHealthCheck(RequestConsumers consumers) {
        this(consumers::problem);
    }

    RequestConsumersHealthCheck(Supplier<String> problem) {
        super("opentact-requests-consumers", "consumers", "polling", "not polling", "requests consumers: ", problem);
    }
}
