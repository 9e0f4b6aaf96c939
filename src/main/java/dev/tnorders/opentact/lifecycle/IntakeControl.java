package dev.tnorders.opentact.lifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether request intake is paused, and why. Intake pauses when Opentact refuses the token:
 * failing every request for it would be wrong, so requests wait until the token works again.
 *
 * <p>While paused, the Kafka intake waits here before each record, a bounded time, then gives the
 * record back (uncommitted) and polls it again: the consumer stays alive in its group and no
 * record is lost or failed.
 */
public class IntakeControl {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeControl.class);

    /** Thrown when intake is still paused after waiting: the record is polled again later. */
    public static class IntakePausedException extends RuntimeException {
        public IntakePausedException(String reason) {
            super("intake is paused: " + reason);
        }
    }

    private String pausedBecause;

    /** @return true when this call paused intake (it was running) */
    public synchronized boolean pause(String reason) {
        if (pausedBecause != null) {
            return false;
        }
        pausedBecause = reason;
        LOG.error("Intake PAUSED: {}", reason);
        return true;
    }

    /** @return true when this call resumed intake (it was paused) */
    public synchronized boolean resume() {
        if (pausedBecause == null) {
            return false;
        }
        pausedBecause = null;
        LOG.warn("Intake RESUMED: Opentact accepts the token again");
        notifyAll();
        return true;
    }

    public synchronized boolean isPaused() {
        return pausedBecause != null;
    }

    /** Why intake is paused, or null when it runs. */
    public synchronized String reason() {
        return pausedBecause;
    }

    /**
     * Returns at once while intake runs; while it is paused, waits up to {@code maxWaitMillis} for
     * it to resume.
     *
     * @throws IntakePausedException when still paused after the wait
     */
    public synchronized void awaitRunning(long maxWaitMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxWaitMillis;
        while (pausedBecause != null) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new IntakePausedException(pausedBecause);
            }
            wait(left);
        }
    }
}
