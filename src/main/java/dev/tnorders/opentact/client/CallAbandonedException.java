package dev.tnorders.opentact.client;

/**
 * A call its caller stopped waiting for ({@link CallTicket#abandon}), found before it left: it is
 * not sent, and not retried (nobody waits for its answer).
 */
public class CallAbandonedException extends RuntimeException {

    public CallAbandonedException(String message) {
        super(message);
    }
}
