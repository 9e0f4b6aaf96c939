package dev.tnorders.opentact.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When the injected faults fire, and how they are counted, without HTTP. */
class SandboxFaultsTest {

    private static final long SECOND = 1_000_000_000L;

    private final SandboxFaults faults = new SandboxFaults();

    @Test
    void theRateLimitCountsCallsByArrivalInASlidingSecond() {
        assertThat(faults.overRateLimit(0)).as("no limit set").isFalse();
        faults.setRateLimit(2);
        assertThat(faults.overRateLimit(0)).isFalse();
        assertThat(faults.overRateLimit(SECOND / 2)).isFalse();
        assertThat(faults.overRateLimit(SECOND / 2 + 1)).as("a third call within the second").isTrue();
        assertThat(faults.overRateLimit(SECOND)).as("the first left the window").isFalse();
        assertThat(faults.overRateLimit(SECOND + 1)).isTrue();
    }

    @Test
    void anInjectedErrorFiresForItsPathOrPrefixAsOftenAsAsked() {
        faults.failNext("/rest/order/*", 503, 2);
        faults.injectedFault("/rest/tn/search");
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> faults.injectedFault("/rest/order/abc"))
                    .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status).isEqualTo(503));
        }
        faults.injectedFault("/rest/order/abc");
        assertThat(faults.faultsInjected()).isEqualTo(2);
    }

    @Test
    void faultsAfterHandlingAreUsedUpOneByOneAndCounted() {
        faults.proxyErrorAfterHandling("/rest/order", 1);
        faults.malformedAnswerNext("/rest/order/*", 1);
        faults.dropAnswerAfterHandling("/rest/order", 1);
        assertThat(faults.proxyErrorAfter("/rest/order/tn")).as("exact path only").isFalse();
        assertThat(faults.proxyErrorAfter("/rest/order")).isTrue();
        assertThat(faults.proxyErrorAfter("/rest/order")).isFalse();
        assertThat(faults.malformed("/rest/order/x")).isTrue();
        assertThat(faults.malformed("/rest/order/x")).isFalse();
        assertThat(faults.shouldDrop("/rest/order")).isTrue();
        assertThat(faults.shouldDrop("/rest/order")).isFalse();
        assertThat(faults.faultsInjected()).as("a drop is counted by the server").isEqualTo(2);
    }

    @Test
    void anOddStateReplacesTheLookupsStateAsOftenAsAsked() {
        faults.unexpectedOrderStateNext("on_hold", 1);
        Map<String, Object> view = new LinkedHashMap<>(Map.of("state", "success"));
        faults.oddState(view);
        assertThat(view.get("state")).isEqualTo("on_hold");
        view.put("state", "success");
        faults.oddState(view);
        assertThat(view.get("state")).isEqualTo("success");
        assertThat(faults.faultsInjected()).isEqualTo(1);
    }

    @Test
    void theDegradedModeIsOnUntilStopped() {
        assertThat(faults.degradation()).isNull();
        assertThat(faults.degradedFaults()).isEmpty();
        faults.setDegradation(new Degradation(7, new Degradation.Rates(1, 0, 0, 0)));
        assertThat(faults.degradation().before()).isEqualTo(Degradation.Fault.unavailable);
        assertThat(faults.degradedFaults()).containsEntry("unavailable", 1);
        faults.setDegradation(null);
        assertThat(faults.degradation()).isNull();
    }
}
