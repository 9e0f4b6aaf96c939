package dev.tnorders.opentact.files;

import java.util.concurrent.TimeUnit;

/** Whether the threads of {@link FileEnds} run (its start and stop set it), and their pause between tries. */
final class Running {

    private volatile boolean on;

    boolean on() {
        return on;
    }

    void set(boolean on) {
        this.on = on;
    }

    /** Waits {@code ms}, or less when stopped or interrupted. */
    void pause(long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (on && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
