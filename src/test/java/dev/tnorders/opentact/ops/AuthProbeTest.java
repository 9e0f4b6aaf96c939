package dev.tnorders.opentact.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.client.ApiResponse;
import dev.tnorders.opentact.client.OpentactApi;
import dev.tnorders.opentact.client.OpentactAuthException;
import dev.tnorders.opentact.control.IntakeControl;

import static org.assertj.core.api.Assertions.assertThat;

class AuthProbeTest {

    private final List<String> calls = new ArrayList<>();
    private RuntimeException refuse;

    private final OpentactApi api = new OpentactApi() {
        @Override
        public ApiResponse call(String method, String path, String query, String body) {
            calls.add(method + " " + path + "?" + query);
            if (refuse != null) {
                throw refuse;
            }
            return new ApiResponse(200, true, null, null, Map.of());
        }

        @Override
        public ApiResponse callIdempotent(String method, String path, String query, String body) {
            return call(method, path, query, body);
        }
    };

    @Test
    void asksOnlyWhilePausedForTheTokenAndResumesWhenItWorks() {
        IntakeControl intake = new IntakeControl();
        AuthProbe probe = new AuthProbe(api, intake);
        assertThat(probe.probe()).isFalse();
        intake.pauseFor("Opentact is down", 60_000);
        assertThat(probe.probe()).as("a timed pause is not the token's").isFalse();
        assertThat(calls).isEmpty();

        intake.resumeNow();
        intake.pause("Opentact refused the token");
        refuse = new OpentactAuthException(401, "Unauthorized");
        assertThat(probe.probe()).isFalse();
        assertThat(intake.isPausedForToken()).isTrue();
        refuse = null;
        assertThat(probe.probe()).isTrue();
        assertThat(intake.isPaused()).isFalse();
        assertThat(calls).containsExactly("GET /rest/lease/tn?take=1&skip=0", "GET /rest/lease/tn?take=1&skip=0");
    }
}
