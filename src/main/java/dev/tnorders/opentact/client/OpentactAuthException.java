package dev.tnorders.opentact.client;

/** Opentact refused the API token (401/403). Intake stops instead of failing every request. */
public class OpentactAuthException extends RuntimeException {
    public OpentactAuthException(int status, String message) {
        super("Opentact refused the API token (HTTP " + status + ": " + message
                + "); intake is paused until the token is fixed");
    }
}
