package dev.tnorders.opentact.ops;

import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JournalHealthCheckTest {

    @Test
    void downWithTheReasonWhileTheViewIsStaleUpAgainAfter() {
        AtomicReference<String> problem = new AtomicReference<>();
        JournalHealthCheck check = new JournalHealthCheck(problem::get);
        assertThat(check.isReadiness()).isTrue();
        assertThat(check.isLiveness()).isFalse();
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(check.call().getDetails()).containsEntry("journal", "up to date");

        problem.set("order journal 'j' partition 0 is stuck at offset 7 (log end 9) behind a \"transaction\"");
        HealthCheck.Result down = check.call();
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(down.getMessage()).hasValue(
                "order journal: order journal 'j' partition 0 is stuck at offset 7 (log end 9) behind a 'transaction'");
        assertThat(down.getDetails()).containsEntry("journal", "stale");

        problem.set(null);
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
    }
}
