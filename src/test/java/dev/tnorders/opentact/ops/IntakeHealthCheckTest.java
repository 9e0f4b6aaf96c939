package dev.tnorders.opentact.ops;

import java.util.Map;

import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.lifecycle.IntakeControl;

import static org.assertj.core.api.Assertions.assertThat;

class IntakeHealthCheckTest {

    private final IntakeControl intake = new IntakeControl();
    private final IntakeHealthCheck check = new IntakeHealthCheck(intake);

    @Test
    void downWithTheReasonWhilePausedUpWhenResumed() {
        assertThat(check.isReadiness()).isTrue();
        assertThat(check.isLiveness()).isFalse();
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);

        intake.pause("Opentact refused the API token (HTTP 401: \"Unauthorized\")");
        HealthCheck.Result down = check.call();
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        // Quotes would break Camel's hand-written health JSON.
        assertThat(down.getMessage()).hasValue("intake paused: Opentact refused the API token (HTTP 401: 'Unauthorized')");
        assertThat(down.getDetails()).containsEntry("paused_for", "token");

        intake.resume();
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);

        intake.pauseFor("not enough account balance", 60_000);
        HealthCheck.Result timed = check.call(Map.of());
        assertThat(timed.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(timed.getDetails()).containsEntry("paused_for", "timed");
    }
}
