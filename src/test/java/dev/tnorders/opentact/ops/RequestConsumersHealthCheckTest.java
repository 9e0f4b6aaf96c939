package dev.tnorders.opentact.ops;

import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RequestConsumersHealthCheckTest {

    @Test
    void downWithWhichConsumerAndWhyWhileOneIsNotPolling() {
        AtomicReference<String> problem = new AtomicReference<>();
        RequestConsumersHealthCheck check = new RequestConsumersHealthCheck(problem::get);
        assertThat(check.isReadiness()).isTrue();
        assertThat(check.isLiveness()).isFalse();
        assertThat(check.getId()).isEqualTo("opentact-requests-consumers");
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(check.call().getDetails()).containsEntry("consumers", "polling");

        problem.set("consumer 1 has not polled for 31 s");
        HealthCheck.Result down = check.call();
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(down.getMessage()).hasValue("requests consumers: consumer 1 has not polled for 31 s");
        assertThat(down.getDetails()).containsEntry("consumers", "not polling");

        problem.set(null);
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
    }
}
