package dev.tnorders.opentact.ops;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.control.IntakeControl;

import static org.assertj.core.api.Assertions.assertThat;

class IntakeHealthCheckTest {

    private final IntakeControl intake = new IntakeControl();
    private final AtomicInteger open = new AtomicInteger();
    private final IntakeHealthCheck check = new IntakeHealthCheck(intake, open::get,
            limit -> List.of("r1: placed u-1", "r2: intent").subList(0, Math.min(limit, open.get())));

    @Test
    void downWithTheReasonWhilePausedUpWhenResumed() {
        assertThat(check.isReadiness()).isTrue();
        assertThat(check.isLiveness()).isFalse();
        HealthCheck.Result up = check.call();
        assertThat(up.getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(up.getDetails()).containsEntry("intake", "running").containsEntry("orders_in_flight", 0);

        open.set(2);
        intake.pause("Opentact refused the API token (HTTP 401: \"Unauthorized\")");
        HealthCheck.Result down = check.call();
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        // Quotes would break Camel's hand-written health JSON.
        assertThat(down.getMessage()).hasValue("intake paused: Opentact refused the API token (HTTP 401: 'Unauthorized')");
        assertThat(down.getDetails()).containsEntry("paused_for", "token").containsEntry("intake", "paused")
                .containsEntry("orders_in_flight", 2).containsEntry("open_requests", "r1: placed u-1; r2: intent");

        intake.resume();
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);

        intake.pauseFor("not enough account balance", 60_000);
        HealthCheck.Result timed = check.call(Map.of());
        assertThat(timed.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(timed.getDetails()).containsEntry("paused_for", "timed");
    }
}
