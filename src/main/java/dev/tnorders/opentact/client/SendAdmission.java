package dev.tnorders.opentact.client;

/**
 * Hands a call's admission from the client route to its HTTP client ({@link OpentactHttpClient}),
 * on the thread that sends: the route arms it right before the HTTP step, the client carries it
 * out once the connection is ready, right before the request is written, and the route disarms it
 * when the call has ended (whether or not the client got that far). The route and the HTTP client
 * run on one thread for a call (camel-http is synchronous), so a thread-local is the hand-over.
 */
public final class SendAdmission {

    private static final ThreadLocal<Runnable> ARMED = new ThreadLocal<>();

    private SendAdmission() {
    }

    /** The admission of the call this thread is about to send. */
    static void arm(Runnable admission) {
        ARMED.set(admission);
    }

    /** Carries out the armed admission once (it may throw: the call is then not sent); none armed: passes. */
    static void admitArmed() {
        Runnable admission = ARMED.get();
        if (admission != null) {
            ARMED.remove();
            admission.run();
        }
    }

    /** The call ended: nothing stays armed on this thread. */
    static void disarm() {
        ARMED.remove();
    }
}
