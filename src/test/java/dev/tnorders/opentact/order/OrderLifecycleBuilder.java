package dev.tnorders.opentact.order;

import java.util.function.LongSupplier;

import dev.tnorders.opentact.client.OpentactClient;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.journal.OrderStore;

/**
 * The tests' lifecycle, from its parts by name (the settings as a test needs them); every part is
 * required but the outcomes. beans.camel.yaml builds its lifecycle through {@code wiring}.
 */
public class OrderLifecycleBuilder {
    private OpentactClient client;
    private OrderStore store;
    private Reconciliation reconciliation;
    private Budgets budgets;
    private NumberSearch numberSearch;
    private IntakeControl intake;
    private OrderClock clock;
    private FollowPolicy follow;
    private Outcomes outcomes;
    private boolean quoteOnly;
    private Integer maxPostAttempts;
    private Integer researchTries;
    private Integer postRetries;
    private Long balancePauseMs;
    private long sendDeadlineMs = 10_000;
    private LongSupplier nanos = System::nanoTime;

    public void setClient(OpentactClient client) {
        this.client = client;
    }

    public void setStore(OrderStore store) {
        this.store = store;
    }

    public void setReconciliation(Reconciliation reconciliation) {
        this.reconciliation = reconciliation;
    }

    public void setBudgets(Budgets budgets) {
        this.budgets = budgets;
    }

    public void setNumberSearch(NumberSearch numberSearch) {
        this.numberSearch = numberSearch;
    }

    public void setIntake(IntakeControl intake) {
        this.intake = intake;
    }

    public void setClock(OrderClock clock) {
        this.clock = clock;
    }

    public void setFollow(FollowPolicy follow) {
        this.follow = follow;
    }

    public void setOutcomes(Outcomes outcomes) {
        this.outcomes = outcomes;
    }

    public void setQuoteOnly(boolean quoteOnly) {
        this.quoteOnly = quoteOnly;
    }

    public void setMaxPostAttempts(int maxPostAttempts) {
        this.maxPostAttempts = maxPostAttempts;
    }

    public void setResearchTries(int researchTries) {
        this.researchTries = researchTries;
    }

    public void setPostRetries(int postRetries) {
        this.postRetries = postRetries;
    }

    public void setBalancePauseMs(long balancePauseMs) {
        this.balancePauseMs = balancePauseMs;
    }

    /** {@code opentact.order.send-deadline-ms}: an order POST leaves at most this long after its intent. */
    public void setSendDeadlineMs(long sendDeadlineMs) {
        this.sendDeadlineMs = sendDeadlineMs;
    }

    /** The monotonic clock of the intent leases (tests). */
    public void setNanos(LongSupplier nanos) {
        this.nanos = nanos;
    }

    public OrderLifecycle build() {
        OpentactClient client = require(this.client, "client");
        OrderStore store = require(this.store, "store");
        Reconciliation reconciliation = require(this.reconciliation, "reconciliation");
        Budgets budgets = require(this.budgets, "budgets");
        NumberSearch numberSearch = require(this.numberSearch, "numberSearch");
        IntakeControl intake = require(this.intake, "intake");
        OrderClock clock = require(this.clock, "clock");
        FollowPolicy follow = require(this.follow, "follow");
        Outcomes outcomes = this.outcomes == null ? results -> { } : this.outcomes;
        OrderLifecycle.Settings settings = new OrderLifecycle.Settings(quoteOnly,
                require(maxPostAttempts, "maxPostAttempts"), require(researchTries, "researchTries"),
                require(postRetries, "postRetries"), require(balancePauseMs, "balancePauseMs"), sendDeadlineMs);
        return new OrderLifecycle(client, store, reconciliation, budgets, numberSearch, intake, clock, follow, outcomes,
                settings, nanos);
    }

    private static <T> T require(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException("OrderLifecycle needs its " + name);
        }
        return value;
    }
}

