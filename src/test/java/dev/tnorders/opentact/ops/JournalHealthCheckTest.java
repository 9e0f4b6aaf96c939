package dev.tnorders.opentact.ops;

import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JournalHealthCheckTest {

    @Test
    void downWithTheReasonWhileTheViewIsStaleUpAgainAfter() {
        AtomicReference<String> problem = new AtomicReference<>();
        JournalHealthCheck check = new JournalHealthCheck(() -> null, problem::get);
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

    @Test
    void downWithTheReasonWhileItCannotWriteUpAgainOnceItCan() {
        AtomicReference<String> write = new AtomicReference<>();
        AtomicReference<String> view = new AtomicReference<>();
        JournalHealthCheck check = new JournalHealthCheck(write::get, view::get);

        write.set("cannot write since 2026-01-01T00:00:00Z (70 s): committing its transaction failed: TimeoutException");
        view.set("could not ask where the order journal ends");
        HealthCheck.Result down = check.call();
        assertThat(down.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(down.getMessage()).hasValue("order journal: cannot write since 2026-01-01T00:00:00Z (70 s): "
                + "committing its transaction failed: TimeoutException");
        assertThat(down.getDetails()).containsEntry("journal", "cannot write");
        assertThat(check.isLiveness()).as("a restart would not bring Kafka back").isFalse();

        write.set(null); // a new producer started, or a write committed: the view's problem is what is left
        assertThat(check.call().getDetails()).containsEntry("journal", "stale");
        view.set(null);
        assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(check.call().getDetails()).containsEntry("journal", "up to date");
    }
}
