package dev.tnorders.opentact.client;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Headers;

/**
 * Adds the API token to an Opentact call in the configured form, and checks the base URL once:
 * plain {@code http} is only allowed to a loopback host, because the token would travel in clear.
 */
public class OpentactAuth {

    public static final String X_AUTH_TOKEN = "X-Auth-Token";
    public static final String AUTHORIZATION = "Authorization";

    public enum Mode { x_auth_token, bearer, query }

    private final Mode mode;
    private final String token;

    public OpentactAuth(String baseUrl, String mode, String token) {
        checkBaseUrl(baseUrl);
        this.mode = Mode.valueOf(mode.trim().toLowerCase(Locale.ROOT).replace('-', '_'));
        this.token = token == null ? "" : token;
    }

    /** Puts the token on the outgoing message's headers (the map is the message's own). */
    public void apply(@Headers Map<String, Object> headers) {
        headers.remove(X_AUTH_TOKEN);
        headers.remove(AUTHORIZATION);
        switch (mode) {
            case x_auth_token -> headers.put(X_AUTH_TOKEN, token);
            case bearer -> headers.put(AUTHORIZATION, "Bearer " + token);
            case query -> {
                Object q = headers.get(Exchange.HTTP_QUERY);
                String bearer = "bearer=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
                headers.put(Exchange.HTTP_QUERY, q == null || q.toString().isEmpty() ? bearer : q + "&" + bearer);
            }
        }
    }

    /**
     * A GET to Opentact with the token in the configured form, for checks made outside the routes
     * (the health check). The token stays in the request: never log the request or its URI.
     */
    public HttpRequest probe(String baseUrl, String path, String query, Duration timeout) {
        String q = query == null ? "" : query;
        if (mode == Mode.query) {
            String bearer = "bearer=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
            q = q.isEmpty() ? bearer : q + "&" + bearer;
        }
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        HttpRequest.Builder b = HttpRequest.newBuilder(
                URI.create(base + path + (q.isEmpty() ? "" : "?" + q))).timeout(timeout).GET()
                .header("Accept", "application/json");
        switch (mode) {
            case x_auth_token -> b.header(X_AUTH_TOKEN, token);
            case bearer -> b.header(AUTHORIZATION, "Bearer " + token);
            case query -> { }
        }
        return b.build();
    }

    /** The text with the token masked: for messages about a call that carried it. */
    public String mask(String text) {
        if (text == null || token.isEmpty()) {
            return text;
        }
        return text.replace(token, "***").replace(URLEncoder.encode(token, StandardCharsets.UTF_8), "***");
    }

    /** Removes the token again, so that nothing after the call can log or forward it. */
    public void strip(@Headers Map<String, Object> headers) {
        headers.remove(X_AUTH_TOKEN);
        headers.remove(AUTHORIZATION);
        headers.remove(Exchange.HTTP_QUERY);
    }

    static void checkBaseUrl(String baseUrl) {
        URI uri;
        try {
            uri = URI.create(baseUrl.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("opentact.api.base-url is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https")) {
            return;
        }
        if (scheme.equals("http") && isLoopback(uri.getHost())) {
            return;
        }
        throw new IllegalArgumentException("opentact.api.base-url must be https (plain http is only allowed to "
                + "127.0.0.1, ::1 or localhost, because the API token would travel in clear); got " + scheme + "://"
                + uri.getHost());
    }

    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
    }
}
