package dev.tnorders.opentact.client;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;

/**
 * The HTTP client of the calls to Opentact (route {@code opentact-call}):
 * <ul>
 *   <li>Its own retries off. Left on, Apache HttpClient re-sends a request that got 429/503 by
 *       itself, an order POST included: that could buy twice. Retries of idempotent calls are the
 *       routes' (error-handling.camel.yaml), and an order POST is reconciled, never re-sent blindly.</li>
 *   <li>The call's admission ({@link SendAdmission}: a turn in the rate limit, its deadlines, its
 *       guard) taken inside the client, after its connection is leased and connected and right
 *       before the request is written: a call whose connection had to be opened first (the first
 *       calls, or after an idle spell: a TLS handshake takes a round trip or two) would otherwise
 *       take its turn early and reach Opentact together with the calls after it.</li>
 * </ul>
 */
public class OpentactHttpClient implements HttpClientConfigurer {

    @Override
    public void configureHttpClient(HttpClientBuilder clientBuilder) {
        clientBuilder.disableAutomaticRetries();
        clientBuilder.addExecInterceptorBefore(ChainElement.MAIN_TRANSPORT.name(), "opentact-admission",
                (request, scope, chain) -> {
                    SendAdmission.admitArmed();
                    return chain.proceed(request, scope);
                });
    }
}
