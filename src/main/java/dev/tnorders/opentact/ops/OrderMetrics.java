package dev.tnorders.opentact.ops;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.StartupListener;

import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.intake.AdaptiveInFlight;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.Outcome;
import dev.tnorders.opentact.model.RequestSource;

/**
 * Every business metric of the routes, recorded in one place (docs/operations.md). Tags are a
 * bounded set of values (source, state, reason category, endpoint template, status): never a
 * request id, a number, an order uuid or free text, which would make one time series per request.
 *
 * <p>The meters go to the runtime's {@link MeterRegistry}: Camel's {@code metricsRegistry} (the
 * Prometheus registry of the standalone run), else the only MeterRegistry bean (a Spring Boot or
 * Quarkus host), else Micrometer's global registry. It is looked up on first use, because in a
 * host the registry may be bound after this bean is created.
 */
public class OrderMetrics implements CamelContextAware {

    public static final String PREFIX = "opentact.";

    /** Why a request was rejected, as a category fit for a metric tag. */
    public enum RejectReason { over_limit, unreadable_price, balance, opentact_refused, quote_only, not_enough_found, other }

    /**
     * Latency buckets of {@code opentact.api.calls} (Prometheus {@code _bucket}, for
     * {@code histogram_quantile}): a fixed, short list, so that the series stay few.
     */
    static final Duration[] API_CALL_BUCKETS = {
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30) };

    private final IntSupplier openOrders;
    private final BooleanSupplier intakePaused;
    private volatile MeterRegistry registry;
    private volatile AdaptiveInFlight inFlightLimit;
    private CamelContext camelContext;
    /** Highest offset counted per partition of the requests topic: a record polled again is not counted twice. */
    private final Map<Integer, Long> countedOffsets = new ConcurrentHashMap<>();

    /** In the routes: orders in flight are the journal's requests in phase intent or placed. */
    public OrderMetrics(OrderJournal journal) {
        this(journal::openOrders, () -> false, null);
    }

    /** In the routes: also whether intake is paused (the gauge {@code opentact.intake.paused}). */
    public OrderMetrics(OrderJournal journal, IntakeControl intake) {
        this(journal::openOrders, intake::isPaused, null);
    }

    /** @param registry where the meters go; null: looked up in the Camel registry on first use */
    public OrderMetrics(IntSupplier openOrders, MeterRegistry registry) {
        this(openOrders, () -> false, registry);
    }

    /**
     * @param intakePaused whether intake is paused now (1 or 0 in the gauge)
     * @param registry     where the meters go; null: looked up in the Camel registry on first use
     */
    public OrderMetrics(IntSupplier openOrders, BooleanSupplier intakePaused, MeterRegistry registry) {
        this.openOrders = openOrders;
        this.intakePaused = intakePaused;
        if (registry != null) {
            bind(registry);
        }
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** A request taken from the requests topic (CSV rows travel through it too). */
    public void received(OrderRequest request, Integer partition, Long offset) {
        if (partition != null && offset != null) {
            // Every request (CSV rows too) comes from the one requests topic: its partition is the key.
            Long before = countedOffsets.get(partition);
            if (before != null && offset <= before) {
                return; // the same record again (polled again after a pause or an error)
            }
            countedOffsets.put(partition, offset);
        }
        Counter.builder(PREFIX + "requests.received").description("Order requests taken in, by where they came from")
                .tag("source", MetricTags.sourceOf(request.source())).register(registry()).increment();
    }

    /** {@link #received} for the requests of one poll (batching mode), with their records' positions. */
    public void receivedAll(List<OrderRequest> requests, List<Integer> partitions, List<Long> offsets) {
        for (int i = 0; i < requests.size(); i++) {
            received(requests.get(i), partitions.get(i), offsets.get(i));
        }
    }

    /** {@link #outcome} for each result of a batch. */
    public void outcomes(List<OrderResult> results) {
        for (OrderResult r : results) {
            outcome(r);
        }
    }

    /** A request's one outcome, right after it was published. */
    public void outcome(OrderResult result) {
        Outcome o = result.outcome();
        MeterRegistry r = registry();
        Counter.builder(PREFIX + "outcomes").description("Request outcomes, by state and source")
                .tag("state", o.state().name()).tag("source", MetricTags.sourceOf(o.source())).register(r).increment();
        for (NumberResult n : result.numbers()) {
            Counter.builder(PREFIX + "numbers").description("Per-number results, by state")
                    .tag("state", n.state().name()).register(r).increment();
        }
        if (o.state() == Outcome.State.rejected) {
            Counter.builder(PREFIX + "rejections").description("Rejected requests, by reason category")
                    .tag("reason", rejectReason(o.reason()).name()).register(r).increment();
        }
        if (o.numbersOrdered() > 0 && o.price() != null) {
            spend(r, "nrc", o.price().nrc());
            spend(r, "mrc", o.price().mrc());
        }
    }

    private static void spend(MeterRegistry r, String kind, String amount) {
        if (amount == null || amount.isBlank()) {
            return;
        }
        // Metrics are doubles; the exact amounts stay in the outcomes (decimal strings).
        Counter.builder(PREFIX + "spend." + kind)
                .description(kind.equals("nrc") ? "One-time cost of the orders that bought numbers"
                        : "Monthly cost of the orders that bought numbers")
                .register(r).increment(new BigDecimal(amount).doubleValue());
    }

    /** An input that could not become a request, written to the DLQ. */
    public void deadLetter(Map<String, Object> record) {
        Object source = record == null ? null : record.get("source");
        Counter.builder(PREFIX + "dlq.records").description("Records written to the DLQ, by where the input came from")
                .tag("source", source instanceof RequestSource s ? MetricTags.sourceOf(s) : "unknown").register(registry())
                .increment();
    }

    /**
     * A record read from the control topic: the command's name ({@link OperatorCommands#COMMANDS}),
     * or {@code invalid} for a record that was not a valid command.
     */
    public void operatorCommand(String command) {
        String tag = OperatorCommands.COMMANDS.contains(command) ? command : "invalid";
        Counter.builder(PREFIX + "operator.commands").description("Operator commands read from the control topic, by command")
                .tag("command", tag).register(registry()).increment();
    }

    /**
     * The limit of records in flight per requests consumer: told every call's answer (429s,
     * latency), and shown as the gauge {@code opentact.intake.in.flight.limit}.
     */
    public void setInFlightLimit(AdaptiveInFlight inFlightLimit) {
        this.inFlightLimit = inFlightLimit;
        MeterRegistry r = registry;
        if (r != null && inFlightLimit != null) {
            inFlightGauge(r, inFlightLimit);
        }
    }

    private static void inFlightGauge(MeterRegistry r, AdaptiveInFlight limit) {
        Gauge.builder(PREFIX + "intake.in.flight.limit", limit, l -> l.limit())
                .description("Records each requests consumer may have in flight now: follows the rate limit, "
                        + "at most opentact.kafka.max-in-flight").register(r);
    }

    /** Start of an Opentact call: the value to give back to {@link #opentactCall}. */
    public long startTimer() {
        return System.nanoTime();
    }

    /**
     * One call to Opentact, answered or not.
     *
     * @param status the HTTP status, or null when there was no answer
     * @param error  the exception when there was no answer, else null
     */
    public void opentactCall(String method, String path, Integer status, Throwable error, Long startedNanos) {
        if (startedNanos == null && (status == null || status <= 0)) {
            return; // refused before it left (no turn in time, its caller gone, its guard): no call was made
        }
        lastAnswer = new LastAnswer(status != null && status > 0 ? status : null,
                status != null && status > 0 ? null : MetricTags.errorKind(error), System.currentTimeMillis());
        String endpoint = MetricTags.endpointTemplate(path);
        String statusTag = status != null && status > 0 ? String.valueOf(status) : MetricTags.errorKind(error);
        String m = method == null ? "GET" : method.toUpperCase(Locale.ROOT);
        AdaptiveInFlight limit = inFlightLimit;
        if (limit != null && startedNanos != null) {
            limit.calls().answered(status, System.nanoTime() - startedNanos);
        }
        MeterRegistry r = registry();
        if (startedNanos != null) {
            Timer.builder(PREFIX + "api.calls").description("Calls to Opentact, by endpoint and status")
                    .serviceLevelObjectives(API_CALL_BUCKETS)
                    .tag("method", m).tag("endpoint", endpoint).tag("status", statusTag).register(r)
                    .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
        }
        if (status == null || status <= 0 || status >= 400) {
            Counter.builder(PREFIX + "api.errors").description("Opentact calls that failed: HTTP 4xx/5xx or no answer")
                    .tag("method", m).tag("endpoint", endpoint).tag("status", statusTag).register(r).increment();
        }
    }

    /**
     * The last answer from Opentact to a call of the routes.
     *
     * @param status the HTTP status, or null when no answer came
     * @param error  what happened instead (no answer), else null
     */
    public record LastAnswer(Integer status, String error, long atMillis) {
    }

    private volatile LastAnswer lastAnswer;

    /** The last answer from Opentact to a call of the routes, or null before the first (OpentactHealthCheck). */
    public LastAnswer lastAnswer() {
        return lastAnswer;
    }

    /**
     * The category of a rejection, read from the reason {@link dev.tnorders.opentact.order.OrderResults}
     * wrote (its unit test pins each wording to its category).
     */
    public static RejectReason rejectReason(String reason) {
        if (reason == null) {
            return RejectReason.other;
        }
        if (reason.startsWith("quote only")) {
            return RejectReason.quote_only;
        }
        if (reason.startsWith("not enough account balance")) {
            return RejectReason.balance;
        }
        if (reason.startsWith("Opentact refused")) {
            return RejectReason.opentact_refused;
        }
        if (reason.contains(", over max_nrc") || reason.contains(", over max_mrc")) {
            return RejectReason.over_limit;
        }
        if (reason.startsWith("Opentact's price") || reason.startsWith("Opentact gave no price")) {
            return RejectReason.unreadable_price;
        }
        if (reason.startsWith("only ") && reason.contains("numbers are available")) {
            return RejectReason.not_enough_found;
        }
        return RejectReason.other;
    }

    /**
     * The registry the meters go to, found once. Before the Camel context has started, the
     * runtime's registry may not be bound yet: the global fallback is used then without being kept,
     * so that the runtime's registry is still taken once it is there ({@link #start}).
     */
    MeterRegistry registry() {
        MeterRegistry r = registry;
        if (r != null) {
            return r;
        }
        synchronized (this) {
            if (registry == null) {
                MeterRegistry inCamel = findInCamel();
                if (inCamel != null) {
                    bind(inCamel);
                } else if (camelContext == null || camelContext.isStarted()) {
                    bind(Metrics.globalRegistry);
                } else {
                    return Metrics.globalRegistry; // not kept: the runtime's registry may come later
                }
            }
            return registry;
        }
    }

    /** The runtime's registry in Camel's bean registry ({@code metricsRegistry}, or the only one), or null. */
    private MeterRegistry findInCamel() {
        if (camelContext == null) {
            return null;
        }
        MeterRegistry named = camelContext.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        if (named != null) {
            return named;
        }
        Set<MeterRegistry> all = camelContext.getRegistry().findByType(MeterRegistry.class);
        return all.size() == 1 ? all.iterator().next() : null;
    }

    private void bind(MeterRegistry r) {
        Gauge.builder(PREFIX + "orders.in.flight", openOrders, s -> s.getAsInt())
                .description("Orders placed (or about to be) whose outcome is not published yet").register(r);
        Gauge.builder(PREFIX + "intake.paused", intakePaused, p -> p.getAsBoolean() ? 1 : 0)
                .description("1 while request intake is paused (refused token, no balance, Opentact down), else 0")
                .register(r);
        if (inFlightLimit != null) {
            inFlightGauge(r, inFlightLimit);
        }
        registry = r;
    }

    /**
     * Registers the meters that exist before anything happens (the in-flight gauge) in the
     * runtime's registry, whichever is created first: this bean or the registry. Once the Camel
     * context has fully started (Camel Main binds its Prometheus registry while the context starts,
     * a host may bind its own after this bean; which comes first differs between runs), and only
     * by the instance the Camel registry holds: Camel Main 4.18 builds the YAML beans twice (once
     * to pre-parse them), and a gauge registered by the copy no route uses would report its
     * journal, not the one in use. Never the global fallback while the context starts: a meter
     * bound to it would never show in the runtime's scrape.
     */
    public void start() throws Exception {
        if (camelContext == null) {
            return;
        }
        camelContext.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                if (alreadyStarted) {
                    onCamelContextFullyStarted(context, true);
                }
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
                if (!context.getRegistry().findByType(OrderMetrics.class).contains(OrderMetrics.this)) {
                    return; // a copy no route uses
                }
                if (!bindFromCamel()) {
                    synchronized (OrderMetrics.this) {
                        if (registry == null) {
                            bind(Metrics.globalRegistry); // no runtime registry at all: the global one
                        }
                    }
                }
            }
        });
    }

    private boolean bindFromCamel() {
        MeterRegistry inCamel = findInCamel();
        if (inCamel == null) {
            return false;
        }
        synchronized (this) {
            if (registry == null) {
                bind(inCamel);
            }
        }
        return true;
    }
}
