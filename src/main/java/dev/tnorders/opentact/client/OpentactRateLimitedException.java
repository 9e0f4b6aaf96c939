package dev.tnorders.opentact.client;

/**
 * Opentact answered 429 Too Many Requests: by HTTP's definition (RFC 6585) the call was refused
 * before it was processed, so even an order POST answered this way placed nothing.
 */
public class OpentactRateLimitedException extends OpentactUnavailableException {

    public OpentactRateLimitedException(String message, long retryAfterMillis) {
        super(429, message, retryAfterMillis);
    }
}
