package dev.tnorders.opentact.client;

import java.io.IOException;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpConnection;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.impl.Http1StreamListener;
import org.apache.hc.core5.http.impl.io.HttpRequestExecutor;
import org.apache.hc.core5.http.io.HttpClientConnection;
import org.apache.hc.core5.http.io.HttpResponseInformationCallback;
import org.apache.hc.core5.http.protocol.HttpContext;

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
 *   <li>Right before the request is written, a call held up since its turn (a pause of the JVM, a
 *       frozen process) is admitted again ({@link SendAdmission#beforeWrite}); its turn counts until
 *       the request's head was written ({@link SendAdmission#left}, from the request executor's
 *       stream listener): a thread held up between its turn and its write keeps the calls after it
 *       spaced from when it really left.</li>
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
        clientBuilder.setRequestExecutor(new AdmittedExecutor());
    }

    /**
     * Writes the request: first, a call held up since its admission is admitted again
     * ({@link SendAdmission#beforeWrite}); once its head is written, its turn counts as left.
     */
    private static final class AdmittedExecutor extends HttpRequestExecutor {
        AdmittedExecutor() {
            super(HttpRequestExecutor.DEFAULT_WAIT_FOR_CONTINUE, null, new Written());
        }

        @Override
        public ClassicHttpResponse execute(ClassicHttpRequest request, HttpClientConnection connection,
                                           HttpResponseInformationCallback informationCallback, HttpContext context)
                throws IOException, HttpException {
            SendAdmission.beforeWrite();
            return super.execute(request, connection, informationCallback, context);
        }
    }

    /** Tells {@link SendAdmission} when a request's head was written, on the thread that sends. */
    private static final class Written implements Http1StreamListener {
        @Override
        public void onRequestHead(HttpConnection connection, HttpRequest request) {
            SendAdmission.left();
        }

        @Override
        public void onResponseHead(HttpConnection connection, HttpResponse response) {
            // nothing to do
        }

        @Override
        public void onExchangeComplete(HttpConnection connection, boolean keepAlive) {
            // nothing to do
        }
    }
}
