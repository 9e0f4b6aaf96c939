package dev.tnorders.opentact.client;

/** Opentact could not answer now (5xx without field errors, 429): worth retrying an idempotent call. */
public class OpentactUnavailableException extends RuntimeException {
    private final long retryAfterMillis;

    public OpentactUnavailableException(int status, String message, long retryAfterMillis) {
        super("Opentact is unavailable (HTTP " + status + ": " + message + ")");
        this.retryAfterMillis = retryAfterMillis;
    }

    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}
