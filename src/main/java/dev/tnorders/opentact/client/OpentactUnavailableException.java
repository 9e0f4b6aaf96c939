package dev.tnorders.opentact.client;

/** Opentact could not answer now (5xx without field errors, 429): worth retrying an idempotent call. */
public class OpentactUnavailableException extends RuntimeException {
    private final long retryAfterMillis;

    public OpentactUnavailableException(int status, String message, long retryAfterMillis) {
        super("Opentact is unavailable (HTTP " + status + ": " + message + ")");
        this.retryAfterMillis = retryAfterMillis;
    }

    /** A failure in the bundle's own words (no HTTP status): a call not sent, or no answer in time. */
    protected OpentactUnavailableException(String message) {
        super(message);
        this.retryAfterMillis = 0;
    }

    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}
