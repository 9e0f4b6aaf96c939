package dev.tnorders.opentact.client;

import java.util.concurrent.TimeUnit;

/** A rate-limit turn for tests: taken some time ago, telling what happens to it. */
final class FakeTurn {

    private FakeTurn() {
    }

    /** A turn taken {@code agoMs} before now that runs {@code onLeft} (written or not) or {@code onGiveBack}. */
    static Departing taken(long agoMs, Runnable onLeft, Runnable onGiveBack) {
        return taken(agoMs, onLeft, onGiveBack, onLeft);
    }

    /** As above, with {@code onUnwritten} when the call ended without its request written. */
    static Departing taken(long agoMs, Runnable onLeft, Runnable onGiveBack, Runnable onUnwritten) {
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
            public void endedUnwritten() {
                onUnwritten.run();
            }

            @Override
            public void giveBack() {
                onGiveBack.run();
            }
        };
    }
}
