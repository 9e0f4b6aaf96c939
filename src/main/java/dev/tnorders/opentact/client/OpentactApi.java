package dev.tnorders.opentact.client;

import java.util.function.IntConsumer;

/**
 * The calls to Opentact, all through the one client route (token, rate limit, metrics, envelope).
 * Failures come back as the client route throws them: {@link
 * OpentactUnavailableException} (429, 5xx), {@link OpentactAuthException}, or an I/O error.
 */
public interface OpentactApi {

    /**
     * @param query the query string without '?', or null
     * @param body  the JSON body, or null
     */
    ApiResponse call(String method, String path, String query, String body) throws Exception;

    /**
     * A call that is safe to repeat (a price, a search, a GET): sent again on connection errors,
     * timeouts, 5xx and 429, with backoff and Opentact's Retry-After ({@code opentact.api.retries});
     * still failing, it throws as {@link #call} does. Never for an order POST.
     */
    ApiResponse callIdempotent(String method, String path, String query, String body) throws Exception;

    /**
     * A call sent once, that leaves only while {@code guard} agrees, checked on the thread that
     * sends it after every queue (an order POST: {@code IntentLease}). Refused, it throws {@link
     * CallNotSentException}: certain that it was not sent.
     */
    default ApiResponse callGuarded(String method, String path, String query, String body, SendGuard guard)
            throws Exception {
        SendGuard.admit(method + " " + path, guard);
        return call(method, path, query, body);
    }

    /**
     * {@link #callIdempotent(String, String, String, String)}, telling {@code sent} how many times
     * the call went out (the first and each redelivery), whether it then answered or failed: what
     * a caller that logs a failed read says it cost. Without a count to tell, {@code sent} is not told.
     */
    default ApiResponse callIdempotent(String method, String path, String query, String body, IntConsumer sent)
            throws Exception {
        return callIdempotent(method, path, query, body);
    }
}
