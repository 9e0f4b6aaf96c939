package dev.tnorders.opentact.ops;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.LongSupplier;


import dev.tnorders.opentact.client.OpentactAuth;

/**
 * Readiness: can Opentact be reached, and does it take our token? A cheap authenticated GET
 * ({@code /rest/lease/tn?take=1}), at most once per interval: probes in between get the last answer,
 * so a busy health endpoint does not become load on Opentact.
 */
public class OpentactHealthCheck extends IntervalProbeHealthCheck {


    private final String baseUrl;
    private final OpentactAuth auth;
    private final Duration timeout;
    private final HttpClient client;

    public OpentactHealthCheck(String baseUrl, OpentactAuth auth, long intervalMs, long timeoutMs) {
        this(baseUrl, auth, intervalMs, timeoutMs, System::currentTimeMillis);
    }

    OpentactHealthCheck(String baseUrl, OpentactAuth auth, long intervalMs, long timeoutMs, LongSupplier clock) {
        super("opentact-api", intervalMs, clock);
        this.baseUrl = baseUrl;
        this.auth = auth;
        this.timeout = Duration.ofMillis(timeoutMs);
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    Probe ask(long now) {
        try {
            HttpResponse<Void> r = client.send(auth.probe(baseUrl, "/rest/lease/tn", "take=1&skip=0", timeout),
                    HttpResponse.BodyHandlers.discarding());
            return judge(r.statusCode(), now);
        } catch (java.io.IOException e) {
            return new Probe(false, "Opentact cannot be reached: " + describe(e), now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(false, "interrupted while asking Opentact", now);
        }
    }

    static Probe judge(int status, long now) {
        if (status == 401 || status == 403) {
            return new Probe(false, "Opentact refused the API token (HTTP " + status + ")", now);
        }
        if (status >= 200 && status < 300) {
            return new Probe(true, "Opentact answers and takes the token", now);
        }
        if (status == 429 || status >= 500) {
            return new Probe(false, "Opentact is unavailable (HTTP " + status + ")", now);
        }
        // Any other answer: Opentact is there and did not refuse the token; the routes deal with it.
        return new Probe(true, "Opentact answers (HTTP " + status + ")", now);
    }

    private String describe(Exception e) {
        String m = e.getMessage();
        return HealthText.plain(auth.mask(e.getClass().getSimpleName() + (m == null ? "" : ": " + m)));
    }
}
