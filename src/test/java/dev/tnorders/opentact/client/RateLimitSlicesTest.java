package dev.tnorders.opentact.client;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimitSlicesTest {

    @Test
    void fiftyPerSecondBecomesFiveEvery102Ms() {
        assertThat(RateLimitSlices.slice(50, 1020)).isEqualTo(new RateLimitSlices.Slice(5, 102));
        assertThat(RateLimitSlices.slice(20, 1020)).isEqualTo(new RateLimitSlices.Slice(2, 102));
    }

    @Test
    void aSliceIsNeverFasterThanTheLimitAndLosesLittle() {
        for (long calls : new long[] {1, 2, 3, 7, 20, 25, 33, 50, 99, 101, 250, 1000, 12_345, 1_000_000}) {
            for (long window : new long[] {100, 1000, 1020, 1500, 60_000}) {
                RateLimitSlices.Slice s = RateLimitSlices.slice(calls, window);
                double limit = (double) calls / window;
                double sliced = (double) s.calls() / s.periodMs();
                assertThat(sliced).as("%d per %d ms", calls, window).isLessThanOrEqualTo(limit);
                assertThat(s.calls()).isBetween(1L, calls);
                // Rounding the slice up to a whole millisecond costs at most 1 ms per slice.
                assertThat(sliced).as("%d per %d ms", calls, window)
                        .isGreaterThanOrEqualTo(limit * (s.periodMs() - 1) / s.periodMs());
            }
        }
    }

    @Test
    void anySecondHoldsNoMoreThanTheLimit() {
        // k slices cover at least the window, so the permits reused within any window are at most 'calls'.
        RateLimitSlices.Slice s = RateLimitSlices.slice(50, 1020);
        long slicesPerSecond = (1000 + s.periodMs() - 1) / s.periodMs();
        assertThat(slicesPerSecond * s.calls()).isLessThanOrEqualTo(50);
    }

    @Test
    void readsTheContractsPropertiesThroughCamel() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().addInitialProperty("opentact.api.rate-limit", "50");
            assertThat(context.resolvePropertyPlaceholders("{{opentact-rate-limit:calls}}/{{opentact-rate-limit:period-ms}}"))
                    .isEqualTo("5/102");
            assertThatThrownBy(() -> context.resolvePropertyPlaceholders("{{opentact-rate-limit:other}}"))
                    .hasMessageContaining("expected 'calls' or 'period-ms'");
        }
    }

    @Test
    void aLimitThatIsNoNumberIsRefusedByName() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().addInitialProperty("opentact.api.rate-limit-window-ms", "1s");
            assertThatThrownBy(() -> context.resolvePropertyPlaceholders("{{opentact-rate-limit:calls}}"))
                    .hasMessageContaining("opentact.api.rate-limit-window-ms must be a whole number, was '1s'");
        }
    }

    @Test
    void aLimitThatIsNotPositiveIsRefusedByName() {
        assertThatThrownBy(() -> RateLimitSlices.slice(0, 1020)).hasMessageContaining("opentact.api.rate-limit");
    }

    @Test
    void aWindowIsCutIntoSlicesOfAbout100Ms() {
        assertThat(RateLimitSlices.sliceMs(1020)).isEqualTo(102);
        assertThat(RateLimitSlices.sliceMs(1000)).isEqualTo(100);
        assertThat(RateLimitSlices.sliceMs(60_000)).isEqualTo(100);
        assertThat(RateLimitSlices.sliceMs(150)).isEqualTo(75);
        assertThat(RateLimitSlices.sliceMs(40)).isEqualTo(40);
        for (long window : new long[] {1, 40, 99, 150, 1000, 1020, 1500, 60_000}) {
            // the slices of one window cover at least the window
            assertThat(RateLimitSlices.sliceMs(window) * RateLimitSlices.slicesPerWindow(window))
                    .isGreaterThanOrEqualTo(window);
        }
    }

    @Test
    void aShareGoesOutInSmallBurstsAndTheSlicesAloneAllowAtLeastTheShare() {
        assertThat(RateLimitSlices.callsPerSlice(20, 1020)).isEqualTo(2);
        assertThat(RateLimitSlices.callsPerSlice(6, 1020)).isEqualTo(1);
        assertThat(RateLimitSlices.callsPerSlice(1, 1020)).isEqualTo(1);
        assertThat(RateLimitSlices.callsPerSlice(25, 1020)).isEqualTo(3);
        for (long calls : new long[] {1, 2, 3, 7, 10, 20, 33, 50, 1000}) {
            for (long window : new long[] {100, 1000, 1020, 60_000}) {
                long perSlice = RateLimitSlices.callsPerSlice(calls, window);
                // the window's throttle is the one that keeps to the rate: the slices never slow it
                assertThat(perSlice * RateLimitSlices.slicesPerWindow(window)).isGreaterThanOrEqualTo(calls);
                // and a burst is one slice's part, rounded up
                assertThat(perSlice).isLessThanOrEqualTo(Math.max(1, calls / RateLimitSlices.slicesPerWindow(window) + 1));
            }
        }
    }

    @Test
    void theSliceIsReadThroughCamel() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            assertThat(context.resolvePropertyPlaceholders("{{opentact-rate-limit:slice-ms}}")).isEqualTo("102");
        }
    }
}
