package dev.tnorders.opentact.client;

/**
 * A call that never left for Opentact: its guard refused it ({@link SendGuard}), or it waited for
 * its turn longer than {@code opentact.api.queue-timeout-ms}. Certain, unlike a lost answer: an
 * order POST that ends so was not placed.
 */
public class CallNotSentException extends OpentactUnavailableException {

    public CallNotSentException(String message, Throwable cause) {
        super(message);
        if (cause != null) {
            initCause(cause);
        }
    }
}
