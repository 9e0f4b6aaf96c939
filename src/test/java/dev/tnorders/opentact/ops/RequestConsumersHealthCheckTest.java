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

    @Test
    void saysHowTheConsumersAreMembersAndWhenAnotherProcessTookTheirId() {
        AtomicReference<String> membership = new AtomicReference<>("static group members app0-0, app0-1");
        RequestConsumersHealthCheck check = new RequestConsumersHealthCheck(() -> null, membership::get);
        assertThat(check.call().getDetails()).containsEntry("membership", "static group members app0-0, app0-1");

        membership.set("dynamic group members; group.instance.id app0-0 taken by another running process");
        HealthCheck.Result r = check.call();
        assertThat(r.getState()).isEqualTo(HealthCheck.State.UP); // it still reads its partitions
        assertThat(r.getDetails()).containsEntry("membership",
                "dynamic group members; group.instance.id app0-0 taken by another running process");
    }
}
