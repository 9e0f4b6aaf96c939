package dev.tnorders.opentact.client;

/** A call's turn in the rate limit, taken, with the call not yet written ({@link SharedRateLimit#awaitTurnUntilLeft}). */
public interface Departing {

    /** When it took its turn (the monotonic clock). */
    long turnNanos();

    /** Its request was written: it counts from now on by this instant. */
    void left();

    /**
     * It ended with its request not written, or not known to be (refused at its admission, its
     * connection failed): it counts from now on by this instant all the same.
     */
    default void endedUnwritten() {
        left();
    }

    /** It will not leave on this turn (it takes a new one): the turn no longer counts. */
    void giveBack();
}
