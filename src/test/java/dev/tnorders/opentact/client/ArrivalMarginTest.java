package dev.tnorders.opentact.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ArrivalMarginTest {

    @Test
    void aQuietHostKeepsTheConfiguredWindow() {
        ArrivalMargin m = new ArrivalMargin(1020, 0);
        assertThat(m.windowMs(0)).isEqualTo(1020);
        assertThat(m.windowMs(10_000_000)).isEqualTo(1020);
        assertThat(m.maxWindowMs()).isEqualTo(1020 + 255);
    }

    @Test
    void a429WidensTheWindowOnceAWindowUpToAQuarterOfIt() {
        ArrivalMargin m = new ArrivalMargin(1020, 0);
        assertThat(m.rateLimited(1000)).isTrue();
        assertThat(m.windowMs(1000)).isEqualTo(1040);
        assertThat(m.rateLimited(1500)).as("the 429s of one burst are one sign").isFalse();
        assertThat(m.windowMs(1500)).isEqualTo(1040);
        assertThat(m.rateLimited(2040)).isTrue();
        assertThat(m.windowMs(2040)).isEqualTo(1060);
        long t = 2040;
        for (int i = 0; i < 50; i++) {
            t += 2000;
            m.rateLimited(t);
        }
        assertThat(m.windowMs(t)).isEqualTo(1020 + 255);
    }

    @Test
    void aMinuteWithoutA429TakesAStepOffAgain() {
        ArrivalMargin m = new ArrivalMargin(1000, 0);
        m.rateLimited(0);
        m.rateLimited(2000);
        m.rateLimited(4000);
        assertThat(m.windowMs(4000)).isEqualTo(1060);
        assertThat(m.windowMs(4000 + 59_999)).isEqualTo(1060);
        assertThat(m.windowMs(4000 + 60_000)).isEqualTo(1040);
        assertThat(m.windowMs(4000 + 180_000)).isEqualTo(1000);
        assertThat(m.windowMs(4000 + 900_000)).isEqualTo(1000);
        assertThat(m.rateLimited(4000 + 900_000)).isTrue();
        assertThat(m.windowMs(4000 + 900_000)).isEqualTo(1020);
    }
}
