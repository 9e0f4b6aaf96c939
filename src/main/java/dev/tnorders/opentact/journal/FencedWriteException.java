package dev.tnorders.opentact.journal;

/** A write refused because its consumer's group generation moved on (a rebalance): it may be tried again. */
final class FencedWriteException extends IllegalStateException {

    FencedWriteException(String message, Throwable cause) {
        super(message, cause);
    }
}
