package dev.tnorders.opentact.ops;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.client.ApiResponse;
import dev.tnorders.opentact.client.OrderStatus;
import dev.tnorders.opentact.client.PriceQuote;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestBuilder;
import dev.tnorders.opentact.model.RequestSource;
import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.order.OrderResults;
import dev.tnorders.opentact.order.OrderRules;

import static dev.tnorders.opentact.ops.OrderMetrics.RejectReason;
import static org.assertj.core.api.Assertions.assertThat;

class OrderMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicInteger open = new AtomicInteger();
    private final OrderMetrics metrics = new OrderMetrics(open::get, registry);
    private final OrderResults decisions = new OrderResults(new OrderClock(Clock.fixed(Instant.parse("2026-11-24T12:00:00Z"), ZoneOffset.UTC), ms -> { }));

    private static final PriceQuote QUOTE = new PriceQuote(new BigDecimal("2.00"), new BigDecimal("1.00"),
            new BigDecimal("1.00"), new BigDecimal("0.50"), 1);

    private static OrderRequest request(RequestSource source, String maxNrc, String... tns) {
        return RequestBuilder.request("r1").tns(tns).maxNrc(maxNrc).source(source).receivedAt("t0").build();
    }

    private static final RequestSource TOPIC = RequestSource.ofTopic("requests", 0, 7);
    private static final RequestSource FILE = RequestSource.ofFile("orders.csv", 2);

    private double count(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void receivedCountsEachRecordOnceBySource() {
        metrics.received(request(TOPIC, null, "+12029822917"), 0, 7L);
        metrics.received(request(TOPIC, null, "+12029822917"), 0, 7L); // polled again after a pause
        metrics.received(request(TOPIC, null, "+12029822917"), 0, 8L);
        metrics.received(request(FILE, null, "+12029822917"), 1, 3L); // another partition's offsets are its own
        metrics.received(request(FILE, null, "+12029822917"), 0, 8L); // CSV rows share the requests topic
        metrics.received(request(FILE, null, "+12029822917"), 0, 9L);

        assertThat(count("opentact.requests.received", "source", "topic")).isEqualTo(2);
        assertThat(count("opentact.requests.received", "source", "file")).isEqualTo(2);
    }

    @Test
    void outcomesNumbersAndSpend() {
        Map<String, OrderStatus.Item> items = new LinkedHashMap<>();
        items.put("+12029822917", new OrderStatus.Item(true, "success", "Complete"));
        items.put("+12025550143", new OrderStatus.Item(false, "failed", "Error buying a number"));
        OrderStatus status = new OrderStatus("u1", "success", true, items, new BigDecimal("1.25"), new BigDecimal("0.75"));

        metrics.outcome(decisions.finished(request(TOPIC, null, "+12029822917"), "u1", status, QUOTE));
        metrics.outcome(decisions.finished(request(FILE, null, "+12029822917", "+12025550143"), "u1", status, QUOTE));
        metrics.outcome(decisions.finished(request(TOPIC, null, "+12025550143"), "u1", status, QUOTE));
        metrics.outcome(decisions.finished(request(TOPIC, null, "+12012000001"), "u1",
                new OrderStatus("u1", "processing", false, Map.of(), null, null), QUOTE));

        assertThat(count("opentact.outcomes", "state", "completed", "source", "topic")).isEqualTo(1);
        assertThat(count("opentact.outcomes", "state", "partial", "source", "file")).isEqualTo(1);
        assertThat(count("opentact.outcomes", "state", "failed", "source", "topic")).isEqualTo(1);
        assertThat(count("opentact.outcomes", "state", "unknown", "source", "topic")).isEqualTo(1);
        assertThat(count("opentact.numbers", "state", "ordered")).isEqualTo(2);
        assertThat(count("opentact.numbers", "state", "failed")).isEqualTo(2);
        assertThat(count("opentact.numbers", "state", "unknown")).isEqualTo(1);
        // Spend: Opentact's order price, only for the outcomes that bought something (completed, partial).
        assertThat(count("opentact.spend.nrc")).isEqualTo(2.50);
        assertThat(count("opentact.spend.mrc")).isEqualTo(1.50);
        assertThat(registry.find("opentact.rejections").counters()).isEmpty();
    }

    @Test
    void rejectionsByCategoryFromWhatOrderResultsWrites() {
        OrderRequest r = request(TOPIC, "0.10", "+12029822917");
        String overLimit = OrderRules.overLimit(r, QUOTE);
        assertThat(OrderMetrics.rejectReason(overLimit)).isEqualTo(RejectReason.over_limit);
        assertThat(OrderMetrics.rejectReason(OrderRules.overLimit(
                RequestBuilder.request("r1").tns("+12029822917").maxMrc("0.01").source(TOPIC).receivedAt("t0")
                        .build(), QUOTE))).isEqualTo(RejectReason.over_limit);
        assertThat(OrderMetrics.rejectReason(OrderRules.overLimit(r,
                new PriceQuote(BigDecimal.ONE, BigDecimal.ONE, null, null, 0)))).isEqualTo(RejectReason.unreadable_price);
        assertThat(OrderMetrics.rejectReason(OrderRules.overLimit(r,
                PriceQuote.unreadable("Opentact's price has no readable sms_mrc for item 1; nothing was ordered"))))
                .isEqualTo(RejectReason.unreadable_price);

        ApiResponse noBalance = new ApiResponse(402, false, null, "not enough account balance", Map.of());
        ApiResponse badField = new ApiResponse(400, false, null, "bad request", Map.of("profile", "unknown"));
        OrderRequest criteria = RequestBuilder.request("r2")
                .search(new CriteriaSearch("201", null, 5, CriteriaSearch.Fill.all)).source(TOPIC).receivedAt("t0")
                .build();

        metrics.outcome(decisions.rejected(r, overLimit, QUOTE));
        metrics.outcome(decisions.refusedByOpentact(r, "order", noBalance, QUOTE));
        metrics.outcome(decisions.refusedByOpentact(r, "price request", badField, null));
        metrics.outcome(decisions.quoteOnly(r, QUOTE));
        metrics.outcome(decisions.quoteOnly(r, QUOTE));
        metrics.outcome(decisions.notEnoughFound(criteria, List.of("+14157770001", "+14157770002"), null));

        assertThat(count("opentact.rejections", "reason", "over_limit")).isEqualTo(1);
        assertThat(count("opentact.rejections", "reason", "balance")).isEqualTo(1);
        assertThat(count("opentact.rejections", "reason", "opentact_refused")).isEqualTo(1);
        assertThat(count("opentact.rejections", "reason", "quote_only")).isEqualTo(2);
        assertThat(count("opentact.rejections", "reason", "not_enough_found")).isEqualTo(1);
        assertThat(count("opentact.outcomes", "state", "rejected", "source", "topic")).isEqualTo(6);
        assertThat(count("opentact.numbers", "state", "rejected")).isEqualTo(5);
        // A quote is not spend: nothing was bought.
        assertThat(count("opentact.spend.nrc")).isZero();
        assertThat(OrderMetrics.rejectReason("something new")).isEqualTo(RejectReason.other);
        assertThat(OrderMetrics.rejectReason(null)).isEqualTo(RejectReason.other);
    }

    @Test
    void opentactCallsByEndpointTemplateAndStatus() {
        long started = metrics.startTimer();
        metrics.opentactCall("GET", "/rest/order/0f8e2c1a-1111-4222-8333-944445555666", 200, null, started);
        metrics.opentactCall("GET", "/rest/order/a0000000-1111-4222-8333-944445555666", 200, null, started);
        metrics.opentactCall("POST", "/rest/order/price", 503, null, started);
        metrics.opentactCall("post", "/rest/order", null, new ConnectException("refused"), started);
        metrics.opentactCall("POST", "/rest/order", null,
                new IOException("wrapped", new SocketTimeoutException("read")), started);
        metrics.opentactCall("GET", "/rest/lease/tn/12029822917?take=1", 401, null, started);

        var gets = registry.find("opentact.api.calls").tags("method", "GET", "endpoint", "/rest/order/{uuid}",
                "status", "200").timer();
        assertThat(gets).isNotNull();
        assertThat(gets.count()).isEqualTo(2);
        assertThat(registry.find("opentact.api.calls").timers()).allSatisfy(t ->
                assertThat(t.getId().getTag("endpoint")).doesNotContainPattern("[0-9a-f]{8}-"));
        assertThat(count("opentact.api.errors", "endpoint", "/rest/order/price", "status", "503")).isEqualTo(1);
        assertThat(count("opentact.api.errors", "method", "POST", "endpoint", "/rest/order", "status", "connect_error"))
                .isEqualTo(1);
        assertThat(count("opentact.api.errors", "endpoint", "/rest/order", "status", "timeout")).isEqualTo(1);
        assertThat(count("opentact.api.errors", "endpoint", "/rest/lease/tn/{id}", "status", "401")).isEqualTo(1);
        assertThat(registry.find("opentact.api.errors").tags("status", "200").counters()).isEmpty();
    }

    /**
     * A call refused before it left (no turn in the rate limit in time, its caller gone, its guard)
     * reached nobody: it is not counted as an error of Opentact's, and the health check's last
     * answer stays the real one.
     */
    @Test
    void aCallRefusedBeforeItLeftIsNoCall() {
        long started = metrics.startTimer();
        metrics.opentactCall("GET", "/rest/order/price", 200, null, started);
        metrics.opentactCall("POST", "/rest/order", null, new IllegalStateException("no turn in time; it was not sent"), null);
        assertThat(registry.find("opentact.api.errors").counters()).isEmpty();
        assertThat(registry.find("opentact.api.calls").timers()).hasSize(1);
        assertThat(metrics.lastAnswer().status()).isEqualTo(200);
    }

    @Test
    void deadLettersBySourceAndOrdersInFlight() {
        metrics.deadLetter(Map.of("payload", "x", "source", TOPIC));
        metrics.deadLetter(Map.of("payload", "x", "source", FILE));
        metrics.deadLetter(Map.of("payload", "x", "source", FILE));
        assertThat(count("opentact.dlq.records", "source", "topic")).isEqualTo(1);
        assertThat(count("opentact.dlq.records", "source", "file")).isEqualTo(2);

        var inFlight = registry.find("opentact.orders.in.flight").gauge();
        assertThat(inFlight).isNotNull();
        assertThat(inFlight.value()).isZero();
        open.set(3);
        assertThat(inFlight.value()).isEqualTo(3);
    }

    @Test
    void intakePausedGaugeAndLatencyBuckets() {
        AtomicBoolean paused = new AtomicBoolean();
        SimpleMeterRegistry own = new SimpleMeterRegistry();
        OrderMetrics m = new OrderMetrics(open::get, paused::get, own);
        var gauge = own.find("opentact.intake.paused").gauge();
        assertThat(gauge).isNotNull();
        assertThat(gauge.value()).isZero();
        paused.set(true);
        assertThat(gauge.value()).isEqualTo(1);
        // The wiring of the routes: IntakeControl's state.
        IntakeControl intake = new IntakeControl();
        SimpleMeterRegistry wired = new SimpleMeterRegistry();
        OrderMetrics routes = new OrderMetrics(open::get, intake::isPaused, wired);
        intake.pause("token refused");
        assertThat(wired.find("opentact.intake.paused").gauge().value()).isEqualTo(1);
        intake.resume();
        assertThat(wired.find("opentact.intake.paused").gauge().value()).isZero();

        // api.calls has a short fixed list of latency buckets (Prometheus _bucket), for quantiles.
        m.opentactCall("GET", "/rest/order/price", 200, null, m.startTimer());
        var snapshot = own.find("opentact.api.calls").timer().takeSnapshot();
        assertThat(snapshot.histogramCounts()).hasSize(OrderMetrics.API_CALL_BUCKETS.length);
        assertThat(routes).isNotNull();
    }

    /**
     * The bean is created and started before the runtime's registry is bound (the order Camel
     * Main's YAML beans and its Prometheus service take differs from run to run): the in-flight
     * gauge still appears in that registry once the context has started, before any request.
     */
    @Test
    void theInFlightGaugeIsInTheRuntimesRegistryWhicheverIsBoundFirst() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            OrderMetrics late = new OrderMetrics(open::get, () -> false, null);
            late.setCamelContext(context);
            context.getRegistry().bind("orderMetrics", late);
            late.start();                                            // no registry bound yet
            SimpleMeterRegistry runtime = new SimpleMeterRegistry();
            context.getRegistry().bind("metricsRegistry", runtime);  // bound after the bean
            assertThat(runtime.find("opentact.orders.in.flight").gauge()).isNull();
            context.start();
            open.set(3);
            assertThat(runtime.find("opentact.orders.in.flight").gauge()).as("registered once the context started")
                    .isNotNull().extracting(g -> g.value()).isEqualTo(3.0);
            assertThat(late.registry()).isSameAs(runtime);
        }
    }

    @Test
    void theInFlightGaugeComesFromTheInstanceTheRegistryHoldsNotFromACopy() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            SimpleMeterRegistry runtime = new SimpleMeterRegistry();
            context.getRegistry().bind("metricsRegistry", runtime);
            AtomicInteger copysJournal = new AtomicInteger(7);
            OrderMetrics copy = new OrderMetrics(copysJournal::get, () -> false, null); // built by a pre-parse, unused
            copy.setCamelContext(context);
            copy.start();
            OrderMetrics used = new OrderMetrics(open::get, () -> false, null);
            used.setCamelContext(context);
            context.getRegistry().bind("orderMetrics", used);
            used.start();
            context.start();
            open.set(2);
            assertThat(runtime.find("opentact.orders.in.flight").gauge()).isNotNull()
                    .extracting(g -> g.value()).isEqualTo(2.0);
        }
    }
}
