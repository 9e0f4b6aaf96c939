package dev.tnorders.opentact.order;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import dev.tnorders.opentact.client.SendGuard;

/**
 * The lease an order case's intent gives its order POST ({@link SendGuard}, checked on the thread
 * that sends, after the rate limit's queue): the POST leaves only while this instance still owns
 * every request of the case and at most {@code sendDeadlineMs} after the intent was written, by the
 * monotonic clock (a frozen JVM's clock goes on). Past the deadline the intent is written again
 * first ({@code renew}: through the fenced journal, so only the requests' owner can), which starts
 * a new lease; if that fails, the POST is not sent. {@link ReconcileWindow} is what another
 * instance waits, from the last intent, before it may conclude that no order was placed.
 */
public final class IntentLease implements SendGuard {

    private final Runnable confirmOwned;
    private final Runnable renew;
    private final LongSupplier nanos;
    private final long sendDeadlineNanos;
    private volatile long startedNanos;
    private volatile int renewals;

    /**
     * Starts the lease: call right before the intent is written (its time is taken after this).
     *
     * @param confirmOwned throws when a request is no longer this instance's
     * @param renew        writes the case's intent again (through the fenced journal)
     */
    public IntentLease(Runnable confirmOwned, Runnable renew, LongSupplier nanos, long sendDeadlineMs) {
        this.confirmOwned = confirmOwned;
        this.renew = renew;
        this.nanos = nanos;
        this.sendDeadlineNanos = TimeUnit.MILLISECONDS.toNanos(sendDeadlineMs);
        this.startedNanos = nanos.getAsLong();
    }

    /** The intent was written again by the case itself (a POST sent again after a 429): a new lease. */
    public void restart(long atNanos) {
        startedNanos = atNanos;
    }

    /**
     * Now: whether the POST may leave, renewing the intent first when its lease ended.
     *
     * @throws RuntimeException when a request is no longer this instance's, or the renewal failed: not sent
     */
    @Override
    public String refusal() {
        confirmOwned.run(); // throws NotOwnedException: not sent, and the case's work here stops
        long now = nanos.getAsLong();
        if (now - startedNanos <= sendDeadlineNanos) {
            return null;
        }
        long over = TimeUnit.NANOSECONDS.toMillis(now - startedNanos);
        try {
            renew.run();
        } catch (RuntimeException e) {
            throw new IllegalStateException("its intent was written " + over + " ms ago, past "
                    + "opentact.order.send-deadline-ms (" + TimeUnit.NANOSECONDS.toMillis(sendDeadlineNanos)
                    + " ms), and could not be written again: " + e.getMessage(), e);
        }
        startedNanos = now; // the renewal's time is taken after this instant
        renewals++;
        return null;
    }

    /** How often the intent was written again at the send. */
    public int renewals() {
        return renewals;
    }
}
