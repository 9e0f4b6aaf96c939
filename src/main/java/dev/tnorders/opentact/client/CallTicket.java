package dev.tnorders.opentact.client;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One call to Opentact as its caller waits for it ({@link CamelOpentactApi}): which stage it is in
 * (queued behind the rate limit, sent, answered and waiting for a retry) and since when, by the
 * monotonic clock. The client route moves it on ({@link #queued}, {@link #admit}, {@link #answered});
 * the caller asks {@link #overdue} while it waits, and {@link #abandon}s it after its deadline,
 * after which the call never leaves. {@link #admit} runs on the thread that sends, after every
 * queue: a call that waited too long, or whose {@link SendGuard} refuses, is not sent.
 */
public final class CallTicket {

    private final String call;
    private final SendGuard guard;
    private final LongSupplier nanos;
    private CallDeadlines.Stage stage = CallDeadlines.Stage.CREATED;
    private long since;
    /** When the attempt was queued (since is moved on when it is sent). */
    private long queuedSince;
    private int attempts;
    private boolean abandoned;
    private Long sentAt;

    /**
     * @param call  what it is, for messages ({@code POST /rest/order})
     * @param guard what must hold when it leaves, or null
     * @param nanos the monotonic clock ({@code System::nanoTime})
     */
    public CallTicket(String call, SendGuard guard, LongSupplier nanos) {
        this.call = call;
        this.guard = guard;
        this.nanos = nanos;
        this.since = nanos.getAsLong();
    }

    /** An attempt entered the client route (the first, or a retry). */
    public synchronized void queued() {
        stage = CallDeadlines.Stage.QUEUED;
        sentAt = null;
        since = nanos.getAsLong();
        queuedSince = since;
        attempts++;
    }

    /**
     * The attempt was admitted but held up before its request was written (a pause of the JVM, a
     * busy host): it is queued again, as from when it first was, and must be admitted again (a new
     * turn, its guard asked again) before it may leave; its queue timeout still counts from then.
     */
    public synchronized void requeue() {
        if (stage == CallDeadlines.Stage.SENT) {
            stage = CallDeadlines.Stage.QUEUED;
            sentAt = null;
            since = queuedSince;
        }
    }

    /**
     * Right before the HTTP call, on the thread that makes it: the call leaves only if its caller
     * still waits, it did not wait for its turn longer than the queue timeout, and its guard agrees.
     *
     * @throws CallAbandonedException when the caller stopped waiting (never retried)
     * @throws CallNotSentException   when it waited too long or its guard refused (not sent)
     */
    public void admit(CallDeadlines deadlines) {
        synchronized (this) {
            if (abandoned) {
                throw abandonedBeforeSent();
            }
            long waited = nanos.getAsLong() - since;
            if (stage == CallDeadlines.Stage.QUEUED && waited > deadlines.queueNanos()) {
                throw new CallNotSentException(call + " waited " + TimeUnit.NANOSECONDS.toMillis(waited)
                        + " ms for its turn (the rate limit), more than opentact.api.queue-timeout-ms ("
                        + deadlines.queueMs() + " ms); it was not sent", null);
            }
        }
        SendGuard.admit(call, guard);
        synchronized (this) {
            if (abandoned) {
                throw abandonedBeforeSent();
            }
            stage = CallDeadlines.Stage.SENT;
            since = nanos.getAsLong();
            sentAt = since;
        }
    }

    /** When this attempt left (its clock), or null while it has not. */
    public synchronized Long sentNanos() {
        return sentAt;
    }

    /** What is left of the queue timeout for this attempt (0 when it is over, or not queued). */
    public synchronized long queueLeftNanos(CallDeadlines deadlines) {
        if (stage != CallDeadlines.Stage.QUEUED) {
            return 0;
        }
        return Math.max(0, deadlines.queueNanos() - (nanos.getAsLong() - since));
    }

    private CallAbandonedException abandonedBeforeSent() {
        return new CallAbandonedException(call + ": its caller stopped waiting before it was sent; it was not sent");
    }

    /** The HTTP call ended (answered or not). */
    public synchronized void answered() {
        stage = CallDeadlines.Stage.ANSWERED;
        since = nanos.getAsLong();
    }

    /** @return why the caller should stop waiting now (a stage overran its limit), or null */
    public synchronized String overdue(CallDeadlines deadlines) {
        long in = nanos.getAsLong() - since;
        if (in <= deadlines.limitNanos(stage)) {
            return null;
        }
        String where = switch (stage) {
            case CREATED -> "never reached the client route";
            case QUEUED -> "still waiting for its turn (the rate limit)";
            case SENT -> "sent, with no answer";
            case ANSWERED -> "answered, and not retried or handed back";
        };
        return call + " " + where + " after " + TimeUnit.NANOSECONDS.toMillis(in) + " ms (attempt " + Math.max(1, attempts)
                + "; the limit of that stage is " + TimeUnit.NANOSECONDS.toMillis(deadlines.limitNanos(stage)) + " ms)";
    }

    /**
     * The caller stops waiting: if the call has not left, it never will.
     *
     * @return whether it may have reached Opentact (an attempt was sent)
     */
    public synchronized boolean abandon() {
        abandoned = true;
        return stage == CallDeadlines.Stage.SENT || stage == CallDeadlines.Stage.ANSWERED || attempts > 1;
    }

    /** What the call is ({@code POST /rest/order}). */
    public String call() {
        return call;
    }

    public synchronized CallDeadlines.Stage stage() {
        return stage;
    }
}
