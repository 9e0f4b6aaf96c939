package dev.tnorders.opentact.control;

import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether request intake is paused, and why. Intake pauses when Opentact refuses the token
 * (until the token works again: the auth probe checks), and for a configured interval when the
 * account balance runs out or Opentact stays unavailable after the retries (a circuit breaker).
 * Failing every request meanwhile would be wrong, and retrying at full speed would hammer Opentact.
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

    public enum Cause { token, timed }

    private final Clock clock;
    private String reason;
    private Cause cause;
    /** When a timed pause ends (epoch ms); 0 for a pause that lasts until resume(). */
    private long until;

    public IntakeControl() {
        this(Clock.systemUTC());
    }

    public IntakeControl(Clock clock) {
        this.clock = clock;
    }

    /** Pauses until {@link #resume()}: for a refused token. @return true when this call paused intake */
    public synchronized boolean pause(String why) {
        if (isPaused()) {
            return false;
        }
        set(why, Cause.token, 0);
        return true;
    }

    /**
     * Pauses for {@code millis}: the balance ran out, Opentact is down, an unexpected error. A
     * running timed pause is extended, not shortened; a token pause is left as it is.
     */
    public synchronized void pauseFor(String why, long millis) {
        long newUntil = clock.millis() + millis;
        if (!isPaused() || (cause == Cause.timed && newUntil > until)) {
            set(why, Cause.timed, newUntil);
        }
    }

    /** Pauses for {@code millis} after an error nobody expected. */
    public void pauseForError(String message, long millis) {
        pauseFor("unexpected error: " + message, millis);
    }

    private void set(String why, Cause newCause, long newUntil) {
        reason = why;
        cause = newCause;
        until = newUntil;
        LOG.error("Intake PAUSED{}: {}", newUntil == 0 ? "" : " for " + (newUntil - clock.millis()) + " ms", why);
    }

    /** @return true when this call resumed intake (it was paused) */
    public synchronized boolean resume() {
        if (!isPaused()) {
            return false;
        }
        LOG.warn("Intake RESUMED (was paused: {})", reason);
        reason = null;
        cause = null;
        notifyAll();
        return true;
    }

    /** A pause that {@link #resumeNow()} ended: why intake was paused, and whether for the token. */
    public record Ended(Cause cause, String reason) {
        public boolean forToken() {
            return cause == Cause.token;
        }
    }

    /**
     * Ends any pause at once, whatever its cause: an operator's command. A token pause ends too:
     * if Opentact still refuses the token, the next call pauses intake again. Logs nothing: the
     * caller says who resumed and why.
     *
     * @return the pause it ended, or null when intake was running
     */
    public synchronized Ended resumeNow() {
        if (!isPaused()) {
            return null;
        }
        Ended ended = new Ended(cause, reason);
        reason = null;
        cause = null;
        notifyAll();
        return ended;
    }

    public synchronized boolean isPaused() {
        if (reason != null && until > 0 && clock.millis() >= until) {
            LOG.warn("Intake RESUMED: the timed pause is over (was paused: {})", reason);
            reason = null;
            cause = null;
        }
        return reason != null;
    }

    /** Whether intake waits for the token to work again: what the auth probe checks for. */
    public synchronized boolean isPausedForToken() {
        return isPaused() && cause == Cause.token;
    }

    /** Why intake is paused, or null when it runs. */
    public synchronized String reason() {
        return isPaused() ? reason : null;
    }

    /**
     * Returns at once while intake runs; while it is paused, waits up to {@code maxWaitMillis} for
     * it to resume.
     *
     * @throws IntakePausedException when still paused after the wait
     */
    public synchronized void awaitRunning(long maxWaitMillis) throws InterruptedException {
        long deadline = clock.millis() + maxWaitMillis;
        while (isPaused()) {
            long now = clock.millis();
            if (now >= deadline) {
                throw new IntakePausedException(reason);
            }
            long wake = until > 0 ? Math.min(deadline, until) : deadline;
            wait(Math.max(1, wake - now));
        }
    }
}
