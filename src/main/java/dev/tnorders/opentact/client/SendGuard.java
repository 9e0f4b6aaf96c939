package dev.tnorders.opentact.client;

/**
 * What must still hold when a call leaves for Opentact, checked on the thread that sends it, after
 * every queue (the rate limit's throttles, the workers' pool): for an order POST, that this
 * instance still owns every request and that the request's intent lease has not ended
 * ({@code dev.tnorders.opentact.order.IntentLease}).
 */
@FunctionalInterface
public interface SendGuard {

    /**
     * @return null when the call may leave now; else why it must not (it is then not sent)
     * @throws RuntimeException also means "not sent", with the cause kept for the caller
     */
    String refusal();

    /**
     * Asks {@code guard} (none: the call may leave) on behalf of {@code call}.
     *
     * @throws CallNotSentException when it refuses or throws: the call is not sent
     */
    static void admit(String call, SendGuard guard) {
        if (guard == null) {
            return;
        }
        String refusal;
        RuntimeException cause = null;
        try {
            refusal = guard.refusal();
        } catch (RuntimeException e) {
            refusal = e.getMessage() == null ? e.toString() : e.getMessage();
            cause = e;
        }
        if (refusal != null) {
            throw new CallNotSentException(call + " was not sent: " + refusal, cause);
        }
    }
}
