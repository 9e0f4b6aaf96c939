package dev.tnorders.opentact.ops;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import dev.tnorders.opentact.client.CallNotSentException;
import dev.tnorders.opentact.client.OpentactAuth;
import dev.tnorders.opentact.client.SharedRateLimit;

/**
 * Readiness: can Opentact be reached, and does it take our token? The routes' last answer from
 * Opentact when they had one within the interval; else a cheap authenticated GET
 * ({@code /rest/lease/tn?take=1}), at most once per interval: probes in between get the last answer,
 * so a busy health endpoint does not become load on Opentact, and a busy instance makes no probe
 * on top of its share of the account's rate limit; a probe takes a turn in that share like any call.
 */
public class OpentactHealthCheck extends IntervalProbeHealthCheck {


    private final String baseUrl;
    private final OpentactAuth auth;
    private final Duration timeout;
    private final HttpClient client;
    private final long intervalMs;

    public OpentactHealthCheck(String baseUrl, OpentactAuth auth, long intervalMs, long timeoutMs) {
        this(baseUrl, auth, intervalMs, timeoutMs, System::currentTimeMillis);
    }

    OpentactHealthCheck(String baseUrl, OpentactAuth auth, long intervalMs, long timeoutMs, LongSupplier clock) {
        super("opentact-api", intervalMs, clock);
        this.baseUrl = baseUrl;
        this.auth = auth;
        this.timeout = Duration.ofMillis(timeoutMs);
        this.intervalMs = intervalMs;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * The last answer the routes had from Opentact (OrderMetrics): while they talk to it, that
     * answer tells, and the check makes no call of its own, which would come on top of the
     * account's rate limit. Only an instance that made no call for an interval probes.
     */
    public void setMetrics(OrderMetrics metrics) {
        this.lastAnswer = metrics::lastAnswer;
    }

    /** {@link #setMetrics}, for a test. */
    void setLastAnswer(Supplier<OrderMetrics.LastAnswer> lastAnswer) {
        this.lastAnswer = lastAnswer;
    }

    private volatile Supplier<OrderMetrics.LastAnswer> lastAnswer = () -> null;

    /**
     * The account's rate limit: a probe is a call too, and takes a turn in this instance's share
     * like every call of the routes (within the check's timeout); null: none (a test).
     */
    public void setRateLimit(SharedRateLimit rateLimit) {
        this.turn = rateLimit == null ? null : rateLimit::awaitTurn;
    }

    /** {@link #setRateLimit}, for a test: waits up to the given nanoseconds for a turn, or throws. */
    void setTurn(LongConsumer turn) {
        this.turn = turn;
    }

    private volatile LongConsumer turn;

    @Override
    Probe ask(long now) {
        OrderMetrics.LastAnswer seen = lastAnswer.get();
        if (seen != null && now - seen.atMillis() < intervalMs) {
            if (seen.status() == null) {
                return new Probe(false, "Opentact cannot be reached: " + seen.error(), now);
            }
            return judge(seen.status(), now);
        }
        LongConsumer limit = turn;
        if (limit != null) {
            try {
                limit.accept(timeout.toNanos());
            } catch (CallNotSentException e) {
                // No share now (an idle instance may have none: the busy ones use the limit; or it is
                // joining the group): not asked, and what it knew stands.
                Probe known = last();
                String why = "not asked again: this instance had no turn within the account's rate limit "
                        + "(opentact.api.rate-limit) in " + timeout.toMillis() + " ms (idle, or joining the group)";
                return known == null ? new Probe(true, "Opentact " + why, now)
                        : new Probe(known.up(), stripNote(known.message()) + " (" + why + ")", now);
            }
        }
        try {
            HttpResponse<Void> r = client.send(auth.probe(baseUrl, "/rest/lease/tn", "take=1&skip=0", timeout),
                    HttpResponse.BodyHandlers.discarding());
            return judge(r.statusCode(), now);
        } catch (IOException e) {
            return new Probe(false, "Opentact cannot be reached: " + describe(e), now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(false, "interrupted while asking Opentact", now);
        }
    }

    private static String stripNote(String message) {
        int at = message.indexOf(" (not asked again:");
        return at < 0 ? message : message.substring(0, at);
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
