package dev.tnorders.opentact.order;

/**
 * Where an {@link OrderCase} is in its life. The journal records three of them durably
 * ({@code intent} before {@link #PLACE}'s POST, {@code placed} after it, {@code done} with
 * {@link #PUBLISH}); the rest are steps in memory, safe to repeat after a crash.
 */
public enum Phase {
    /** A request the journal knows goes on where it stopped: done, placed (follow) or intent (reconcile). */
    RESUME,
    /** A criteria request chooses its numbers from Opentact's number search. */
    SEARCH,
    /** Opentact prices the case's numbers. */
    PRICE,
    /** Limits, quote-only mode and budgets decide which requests may be ordered; the others are published. */
    ADMIT,
    /** The intent is recorded, then the one order POST. */
    PLACE,
    /** The POST's answer was lost: the documented answers tell whether the order exists. */
    RECONCILE,
    /** The placed order is read until it is final or the deadline passes. */
    FOLLOW,
    /** The results and the done entries, in one Kafka transaction. */
    PUBLISH,
    /** Opentact refused a batch as a whole: each request goes on as a case of its own. */
    SPLIT,
    /** Nothing is left to do. */
    DONE
}
