package dev.tnorders.opentact.routes;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;

import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.intake.BatchIntake;
import dev.tnorders.opentact.intake.RequestValidator;
import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.journal.OrderStore;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.ops.OrderMetrics;
import dev.tnorders.opentact.order.OrderCaseThreads;
import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.order.OrderPlanner;

/**
 * The beans the route files name, for fast route tests: the real decision classes where they need
 * nothing outside the JVM, and a recording fake for the lifecycle. One set per test class (the fields are static
 * because Camel Main creates the configuration class itself); {@link #reset()} before each test.
 */
public class RouteTestBeans implements CamelConfiguration {

    /** What the fake lifecycle received, and on which thread. */
    public record Run(List<String> requestIds, String thread) {
    }

    public static final List<Run> RUNS = new CopyOnWriteArrayList<>();
    /** The request objects the fake lifecycle received (the case tickets know a poll's cases by them). */
    public static final List<OrderRequest> RECEIVED = new CopyOnWriteArrayList<>();
    public static volatile RuntimeException failWith;
    public static final IntakeControl INTAKE = new IntakeControl();

    public static void reset() {
        RUNS.clear();
        RECEIVED.clear();
        failWith = null;
        INTAKE.resumeNow();
    }

    /** Stands for OrderLifecycle: the route calls runNew (a new batch) or run with one case's requests. */
    public static class FakeLifecycle {
        public void runNew(List<OrderRequest> requests) {
            run(requests);
        }

        public void run(List<OrderRequest> requests) {
            RUNS.add(new Run(requests.stream().map(OrderRequest::requestId).toList(), Thread.currentThread().getName()));
            RECEIVED.addAll(requests);
            RuntimeException e = failWith;
            if (e != null) {
                throw e;
            }
        }
    }

    @BindToRegistry("orderClock")
    public OrderClock orderClock() {
        return new OrderClock();
    }

    @BindToRegistry("batchIntake")
    public BatchIntake batchIntake() {
        return new BatchIntake(new RequestValidator(100), new OrderClock());
    }

    @BindToRegistry("intakeControl")
    public IntakeControl intakeControl() {
        return INTAKE;
    }

    @BindToRegistry("orderMetrics")
    public OrderMetrics orderMetrics() {
        return new OrderMetrics(() -> 0, new SimpleMeterRegistry());
    }

    @BindToRegistry("orderPlanner")
    public OrderPlanner orderPlanner() {
        return new OrderPlanner(3, new NoJournal());
    }

    @BindToRegistry("orderLifecycle")
    public FakeLifecycle orderLifecycle() {
        return new FakeLifecycle();
    }

    @BindToRegistry("orderCaseThreads")
    public OrderCaseThreads orderCaseThreads() {
        return new OrderCaseThreads(4);
    }

    /** A journal that knows no request. */
    static final class NoJournal implements OrderStore {
        @Override
        public JournalEntry lookup(String requestId) {
            return null;
        }

        @Override
        public Map<String, JournalEntry> entries(
                Collection<String> requestIds) {
            return Map.of();
        }

        @Override
        public void intent(List<OrderRequest> r, List<BigDecimal> n, List<NumberResult> s) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void placed(List<OrderRequest> requests, String orderUuid) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void finish(List<OrderRequest> requests, List<OrderResult> results) {
            throw new UnsupportedOperationException();
        }
    }

}
