package dev.tnorders.opentact.client;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a call's admission from the client route to its HTTP client ({@link OpentactHttpClient}),
 * on the thread that sends: the route arms it right before the HTTP step, the client carries it
 * out once the connection is ready ({@link #admitArmed}), and the route disarms it when the call
 * has ended (whether or not the client got that far). The route and the HTTP client run on one
 * thread for a call (camel-http is synchronous), so a thread-local is the hand-over.
 *
 * <p>Two things hold from the admission to the write. The call's turn in the rate limit counts until
 * its request was written ({@link #left}, from the client's stream listener) or the call ended. And
 * right before the request is written ({@link #beforeWrite}, from the client's request executor), a
 * call held up for more than {@link #HELD_UP_MS} ms since its admission (a pause of the JVM, a frozen
 * process, a busy host), or whose turn is older than {@link #TURN_MAX_AGE_MS} ms, gives its turn back
 * and is admitted again: a new turn at the share in force now, its guard asked again (the intent
 * lease by the clock of now). Otherwise a process frozen after its admission would send, when it
 * resumes, a call whose turn came from a share that other instances have taken over meanwhile, or an
 * order POST whose lease ended.
 */
public final class SendAdmission {

    private static final Logger LOG = LoggerFactory.getLogger(SendAdmission.class);

    /** Held up longer than this between its admission and its write, a call is admitted again. */
    static final long HELD_UP_MS = 100;
    /**
     * A turn older than this at the write is taken again, however long the guard after it took: the
     * shares of other instances change in whole looks (seconds), never within this.
     */
    static final long TURN_MAX_AGE_MS = 1000;
    /** The most admissions of one call at its write (each one a new turn and its guard). */
    static final int MAX_ADMISSIONS = 3;

    /** An admission and how to queue the call again for a new one. */
    private record Armed(Runnable admission, Runnable requeue) {
    }

    /** An admission carried out, and when it ended. */
    private record Admitted(Armed armed, long atNanos) {
    }

    private static final ThreadLocal<Armed> ARMED = new ThreadLocal<>();
    private static final ThreadLocal<Admitted> ADMITTED = new ThreadLocal<>();
    /** The admitted call's turn, until it has left (its request written, or it ended without). */
    private static final ThreadLocal<Departing> LEAVING = new ThreadLocal<>();

    private SendAdmission() {
    }

    /** The admission of the call this thread is about to send (no new admission at its write). */
    static void arm(Runnable admission) {
        arm(admission, null);
    }

    /**
     * The admission of the call this thread is about to send.
     *
     * @param requeue queues the call again for a new admission at its write when it was held up
     *                (null: none; it leaves on its first)
     */
    static void arm(Runnable admission, Runnable requeue) {
        endedUnwritten(); // a turn an earlier call on this thread left behind (not disarmed) counts as left now
        ARMED.set(new Armed(admission, requeue));
        ADMITTED.remove();
    }

    /** Carries out the armed admission once (it may throw: the call is then not sent); none armed: passes. */
    static void admitArmed() {
        Armed armed = ARMED.get();
        if (armed != null) {
            ARMED.remove();
            admit(armed);
        }
    }

    private static void admit(Armed armed) {
        armed.admission().run();
        ADMITTED.set(new Admitted(armed, System.nanoTime()));
    }

    /**
     * Right before the request is written: a call held up since its admission for more than
     * {@link #HELD_UP_MS}, or whose turn is older than {@link #TURN_MAX_AGE_MS}, gives its turn back
     * and is admitted again, at most {@link #MAX_ADMISSIONS} times in all (it may throw: the call is
     * then not sent). A call armed without a way to queue it again leaves on its first admission.
     */
    static void beforeWrite() {
        for (int admissions = 1; ; admissions++) { // bounded: MAX_ADMISSIONS
            Admitted admitted = ADMITTED.get();
            if (admitted == null || admitted.armed().requeue() == null) {
                return;
            }
            Departing turn = LEAVING.get();
            long now = System.nanoTime();
            long heldMs = TimeUnit.NANOSECONDS.toMillis(now - admitted.atNanos());
            // The guard after the turn may take a while (an intent's renewal, a view catching up): that
            // is no hold-up, as long as the turn is not older than a share can be taken over in.
            long turnAgeMs = turn == null ? 0 : TimeUnit.NANOSECONDS.toMillis(now - turn.turnNanos());
            if (heldMs <= HELD_UP_MS && turnAgeMs <= TURN_MAX_AGE_MS) {
                return;
            }
            heldMs = Math.max(heldMs, turnAgeMs);
            ADMITTED.remove();
            LEAVING.remove();
            if (turn != null) {
                turn.giveBack();
            }
            if (admissions >= MAX_ADMISSIONS) {
                throw new CallNotSentException("the call was held up " + heldMs + " ms between its turn and its write "
                        + "(a pause of this JVM or a busy host), " + admissions + " times in a row; it was not sent", null);
            }
            LOG.debug("A call was held up {} ms between its turn and its write (a pause of this JVM, a busy host): "
                    + "admitted again (a new turn in the rate limit, its guard asked again)", heldMs);
            admitted.armed().requeue().run();
            admit(admitted.armed());
        }
    }

    /** The call admitted on this thread leaves later: its turn counts until {@link #left}. */
    static void leaving(Departing turn) {
        LEAVING.set(turn);
    }

    /** The call's request was written (the HTTP client's stream listener). */
    static void left() {
        leave(Departing::left);
    }

    /** The call ended with its request not written (or not known to be): its turn counts as left now. */
    private static void endedUnwritten() {
        leave(Departing::endedUnwritten);
    }

    private static void leave(Consumer<Departing> how) {
        Departing turn = LEAVING.get();
        if (turn != null) {
            LEAVING.remove();
            how.accept(turn);
        }
    }

    /** The call ended: nothing stays armed on this thread, and a call not yet counted as left is now (not written). */
    static void disarm() {
        ARMED.remove();
        ADMITTED.remove();
        endedUnwritten();
    }
}
