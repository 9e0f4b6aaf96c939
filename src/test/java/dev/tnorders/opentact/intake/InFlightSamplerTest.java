package dev.tnorders.opentact.intake;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The turns the in-flight limit judges its calls against. */
class InFlightSamplerTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void theTurnsAvailableFollowTheWindowTheShareIsSpacedOver() {
        assertThat(InFlightSampler.turnsAvailable(6, SECOND, 1020)).as("alone").isCloseTo(5.88, within(0.01));
        // three instances at R = 20: a share of 6 spaced over 1,133 ms while the others claim (at
        // opentact.api.rate-share-percent 90); an instance that takes every turn uses all of them, not 90%
        double available = InFlightSampler.turnsAvailable(6, SECOND, 1133);
        assertThat(available).isCloseTo(5.30, within(0.01));
        assertThat(5.3 / available).isGreaterThanOrEqualTo(AdaptiveInFlight.BUSY);
        assertThat(InFlightSampler.turnsAvailable(20, 2 * SECOND, 1040)).as("after 429s: the window grown")
                .isCloseTo(38.46, within(0.01));
        assertThat(InFlightSampler.turnsAvailable(6, SECOND, 0)).as("no window known").isZero();
    }
}
