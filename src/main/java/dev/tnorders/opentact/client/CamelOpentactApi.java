package dev.tnorders.opentact.client;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.trace.RequestTraces;
import dev.tnorders.opentact.trace.TraceParent;

/**
 * {@link OpentactApi} over the client routes: {@code direct:opentact-call} (sent once) and
 * {@code direct:opentact-call-idempotent} (Camel's redelivery, opentact-client.camel.yaml).
 * Every call has a deadline ({@link CallDeadlines}, followed through its {@link CallTicket}): its
 * caller never waits longer, whatever happens to the exchange inside Camel.
 */
public class CamelOpentactApi implements OpentactApi, CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(CamelOpentactApi.class);

    /** The exchange property that carries a call's {@link CallTicket} through the client route. */
    public static final String TICKET = "opentactCallTicket";
    /** How often a waiting caller looks at its call's stage. */
    static final long CHECK_MS = 1_000;

    private CamelContext camelContext;
    private volatile ProducerTemplate template;
    private long queueTimeoutMs = 120_000; // the defaults of opentact.api.*, for a bean made without the YAML
    private long connectTimeoutMs = 5_000;
    private long responseTimeoutMs = 30_000;
    private int retries = 4;
    private long retryDelayMs = 500;
    private volatile CallDeadlines deadlines;
    private volatile SharedRateLimit rateLimit;

    private static final IntConsumer NOT_TOLD = n -> { };

    @Override
    public ApiResponse call(String method, String path, String query, String body) throws Exception {
        return send("direct:opentact-call", method, path, query, body, null, NOT_TOLD);
    }

    @Override
    public ApiResponse callGuarded(String method, String path, String query, String body, SendGuard guard)
            throws Exception {
        return send("direct:opentact-call", method, path, query, body, guard, NOT_TOLD);
    }

    @Override
    public ApiResponse callIdempotent(String method, String path, String query, String body) throws Exception {
        return send("direct:opentact-call-idempotent", method, path, query, body, null, NOT_TOLD);
    }

    /** The count is Camel's redelivery counter of the call's exchange, plus its first send. */
    @Override
    public ApiResponse callIdempotent(String method, String path, String query, String body, IntConsumer sent)
            throws Exception {
        return send("direct:opentact-call-idempotent", method, path, query, body, null, sent);
    }

    /** Sends again a call Camel's throttler failed before it left (at most this often). */
    static final int THROTTLER_FAULT_TRIES = 3;

    private ApiResponse send(String uri, String method, String path, String query, String body, SendGuard guard,
                             IntConsumer sentCount) throws Exception {
        // Tracing on, and the call made for an order case's requests: the call's span(s) in their
        // traces (RequestTraces), and the route's and HTTP spans Camel makes hang off it.
        RequestTraces.Call traced = RequestTraces.startCall(method, path);
        if (traced == null) {
            return sendTraced(uri, method, path, query, body, null, guard, sentCount);
        }
        ApiResponse response = null;
        Throwable failure = null;
        try {
            response = sendTraced(uri, method, path, query, body, traced.traceparent(), guard, sentCount);
            return response;
        } catch (Exception | Error e) {
            failure = e;
            throw e;
        } finally {
            traced.end(response == null ? null : response.httpStatus(), failure);
        }
    }

    private ApiResponse sendTraced(String uri, String method, String path, String query, String body,
                                   String traceparent, SendGuard guard, IntConsumer sentCount) throws Exception {
        for (int attempt = 1; ; attempt++) {
            CallTicket ticket = new CallTicket(method + " " + path, guard, System::nanoTime);
            // Not ProducerTemplate.send, which waits without a deadline: the call runs on a
            // thread of the template's pool, and the caller waits for it with the ticket's deadlines.
            CompletableFuture<Exchange> sent = template().asyncSend(uri, exchange -> {
                exchange.getMessage().setBody(body);
                exchange.getMessage().setHeader(Exchange.HTTP_METHOD, method);
                exchange.getMessage().setHeader(Exchange.HTTP_PATH, path);
                if (query != null) {
                    exchange.getMessage().setHeader(Exchange.HTTP_QUERY, query);
                }
                if (traceparent != null) { // the parent of Camel's spans; opentact-call removes it before the HTTP call
                    exchange.getMessage().setHeader(TraceParent.HEADER, traceparent);
                }
                exchange.setProperty(TICKET, ticket);
            });
            Exchange answer = await(sent, ticket);
            Exception e = answer.getException();
            if (e == null || !failedInThrottler(e)) {
                // Redeliveries (opentact-retries) count in this header, which the client route keeps.
                sentCount.accept(1 + answer.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class));
            }
            if (e == null) {
                return answer.getMessage().getBody(ApiResponse.class);
            }
            if (attempt >= THROTTLER_FAULT_TRIES || !failedInThrottler(e)) {
                throw e;
            }
        }
    }

    /**
     * Waits for the call's end, each stage at most as long as {@link CallDeadlines} allows it, and
     * all stages together at most {@link #hardLimitNanos}: a call lost inside Camel becomes an
     * error after its deadline and a log line, never a stalled caller.
     */
    private Exchange await(CompletableFuture<Exchange> sent, CallTicket ticket) throws Exception {
        CallDeadlines d = deadlines();
        long started = System.nanoTime();
        while (true) {
            try {
                return sent.get(CHECK_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillWaiting) {
                String overdue = ticket.overdue(d);
                if (overdue == null && System.nanoTime() - started > hardLimitNanos(d)) {
                    overdue = ticket.call() + " took longer than all its attempts may take together";
                }
                if (overdue != null) {
                    throw gaveUp(ticket, overdue);
                }
            } catch (InterruptedException e) {
                ticket.abandon();
                throw e;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }
    }

    private Exception gaveUp(CallTicket ticket, String overdue) {
        boolean maybeSent = ticket.abandon();
        if (!maybeSent) {
            LOG.error("Stopped waiting for a call to Opentact: {}; it will not be sent", overdue);
            return new CallNotSentException(overdue + "; it was not sent", null);
        }
        LOG.error("Stopped waiting for a call to Opentact: {}; it may have reached Opentact", overdue);
        return new CallTimedOutException(overdue);
    }

    /** Every attempt of a retried call, each with its wait before it. */
    private long hardLimitNanos(CallDeadlines d) {
        return TimeUnit.MILLISECONDS.toNanos((retries + 1L) * (d.attemptMs() + d.betweenAttemptsMs()));
    }

    /** No answer within the call's deadline, after it may have been sent: as a lost answer. */
    public static class CallTimedOutException extends OpentactUnavailableException {
        public CallTimedOutException(String message) {
            super("no answer from Opentact in time: " + message);
        }
    }

    // The route's steps (opentact-client.camel.yaml) move a call's ticket on; a call made without
    // one (none is made today) passes.

    /** An attempt entered the client route. */
    public void queued(CallTicket ticket) {
        if (ticket != null) {
            ticket.queued();
        }
    }

    /**
     * Right before the HTTP step, on the thread that sends: the call's admission ({@link #admit}) is
     * armed for the HTTP client, which carries it out once the call's connection is ready, right
     * before the request is written ({@link OpentactHttpClient}).
     */
    public void armAdmission(CallTicket ticket) {
        if (ticket != null) {
            SendAdmission.arm(() -> admit(ticket), ticket::requeue);
        }
    }

    /**
     * On the thread that sends, after every queue: first a turn in the rate limit's rolling window,
     * then the ticket's own checks ({@link CallTicket#admit}), last.
     */
    void admit(CallTicket ticket) {
        SharedRateLimit limit = rateLimit;
        if (limit != null) {
            SendAdmission.leaving(limit.awaitTurnUntilLeft(ticket.queueLeftNanos(deadlines())));
        }
        ticket.admit(deadlines());
    }

    /**
     * When the call's HTTP attempt began, for its latency: when it left (after its admission), or
     * {@code attemptedNanos} when it failed before (its connection could not be made); null when it
     * was refused before it left ({@link CallNotSentException}, {@link CallAbandonedException}):
     * no call was made, and nothing is measured.
     */
    public Long callStartedNanos(CallTicket ticket, Throwable error, Long attemptedNanos) {
        Long sent = ticket == null ? null : ticket.sentNanos();
        if (sent != null) {
            return sent;
        }
        return error instanceof CallNotSentException || error instanceof CallAbandonedException ? null : attemptedNanos;
    }

    /**
     * The account's rate limit, asked for a turn in its rolling window right before each call
     * ({@link SharedRateLimit#awaitTurn}); null: the route's throttles only.
     */
    public void setRateLimit(SharedRateLimit rateLimit) {
        this.rateLimit = rateLimit;
    }

    /** The HTTP call ended, answered or not. */
    public void answered(CallTicket ticket) {
        SendAdmission.disarm();
        if (ticket != null) {
            ticket.answered();
        }
    }

    CallDeadlines deadlines() {
        CallDeadlines d = deadlines;
        if (d == null) {
            d = CallDeadlines.of(queueTimeoutMs, connectTimeoutMs, responseTimeoutMs, retries, retryDelayMs);
            deadlines = d;
        }
        return d;
    }

    /** {@code opentact.api.queue-timeout-ms}: the longest a call waits for its turn before it is not sent. */
    public void setQueueTimeoutMs(long queueTimeoutMs) {
        this.queueTimeoutMs = queueTimeoutMs;
        deadlines = null;
    }

    public void setConnectTimeoutMs(long connectTimeoutMs) {
        this.connectTimeoutMs = connectTimeoutMs;
        deadlines = null;
    }

    public void setResponseTimeoutMs(long responseTimeoutMs) {
        this.responseTimeoutMs = responseTimeoutMs;
        deadlines = null;
    }

    public void setRetries(int retries) {
        this.retries = retries;
        deadlines = null;
    }

    public void setRetryDelayMs(long retryDelayMs) {
        this.retryDelayMs = retryDelayMs;
        deadlines = null;
    }

    /**
     * Camel 4.18's asynchronous TotalRequests throttler can fail a call with a NullPointerException
     * when a dynamic limit of one permit is taken between its poll and its peek of the permits (seen
     * with several instances, whose shares are small). The throttle comes before the HTTP step, so
     * such a call never reached Opentact, and sending it again is safe, an order POST too.
     */
    static boolean failedInThrottler(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NullPointerException && t.getStackTrace().length > 0
                    && Arrays.stream(t.getStackTrace()).limit(3)
                            .anyMatch(f -> f.getClassName().startsWith("org.apache.camel.processor.")
                                    && f.getClassName().contains("Throttler"))) {
                return true;
            }
        }
        return false;
    }

    private ProducerTemplate template() {
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                if (template == null) {
                    ProducerTemplate created = camelContext.createProducerTemplate();
                    // asyncSend runs each call on a thread of this pool (Camel's reactive engine
                    // would queue it behind the caller's own route step, which waits for it). The
                    // pool grows with the callers waiting (the order cases' threads, bounded) and
                    // its idle threads end; one whose exchange was lost inside Camel stays blocked
                    // on it while its caller has long failed after the deadline.
                    created.setExecutorService(camelContext.getExecutorServiceManager()
                            .newCachedThreadPool(this, "OpentactCaller"));
                    template = created;
                }
                t = template;
            }
        }
        return t;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }
}
