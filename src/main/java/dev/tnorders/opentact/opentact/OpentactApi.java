package dev.tnorders.opentact.opentact;

/**
 * One call to Opentact, through the same client route as every other call (token, rate limit,
 * metrics, envelope): for Java code that makes several calls to reach one decision
 * (reconciliation). Failures come back as the client route throws them: {@link
 * OpentactUnavailableException} (429, 5xx), {@link OpentactAuthException}, or an I/O error.
 */
public interface OpentactApi {

    /**
     * @param query the query string without '?', or null
     * @param body  the JSON body, or null
     */
    ApiResponse call(String method, String path, String query, String body) throws Exception;
}
