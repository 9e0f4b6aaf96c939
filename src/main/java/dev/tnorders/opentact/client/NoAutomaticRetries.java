package dev.tnorders.opentact.client;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;

/**
 * Turns off the HTTP client's own retries. Left on, Apache HttpClient re-sends a request that got
 * 429/503 by itself, an order POST included: that could buy twice. Retries of idempotent calls
 * are the routes' (error-handling.camel.yaml), and an order POST is reconciled, never re-sent blindly.
 */
public class NoAutomaticRetries implements HttpClientConfigurer {

    @Override
    public void configureHttpClient(HttpClientBuilder clientBuilder) {
        clientBuilder.disableAutomaticRetries();
    }
}
