package dev.tnorders.opentact.client;

import java.util.concurrent.TimeUnit;

/** A rate-limit turn for tests: taken some time ago, telling what happens to it. */
final class FakeTurn {

    private FakeTurn() {
    }

    /** A turn taken {@code agoMs} before now that runs {@code onLeft} or {@code onGiveBack}. */
    static Departing taken(long agoMs, Runnable onLeft, Runnable onGiveBack) {
        long at = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(agoMs);
        return new Departing() {
            @Override
            public long turnNanos() {
                return at;
            }

            @Override
            public void left() {
                onLeft.run();
            }

            @Override
            public void giveBack() {
                onGiveBack.run();
            }
        };
    }
}
