package dev.tnorders.opentact.wiring;

import dev.tnorders.opentact.client.OpentactClient;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.journal.OrderStore;
import dev.tnorders.opentact.order.Budgets;
import dev.tnorders.opentact.order.FollowPolicy;
import dev.tnorders.opentact.order.NumberSearch;
import dev.tnorders.opentact.order.OrderCaseThreads;
import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.order.OrderLifecycle;
import dev.tnorders.opentact.order.OrderPlanner;
import dev.tnorders.opentact.order.OrderReconciler;
import dev.tnorders.opentact.order.Outcomes;
import dev.tnorders.opentact.order.ReconcileWindow;
import dev.tnorders.opentact.order.Reconciliation;

/**
 * The builders of the order lifecycle's beans in beans.camel.yaml (its policies, reconciliation,
 * budgets, the planner, the lifecycle, its threads), in its order: each hands its bean's arguments,
 * set in the YAML by name, to the bean's constructor.
 */
public final class OrderBuilders {

    private OrderBuilders() {
    }

    public static final class FollowPolicyBuilder extends NamedArguments<FollowPolicy> {
        public FollowPolicyBuilder() {
            super(FollowPolicy.class);
        }

        @Override
        protected FollowPolicy make() {
            return new FollowPolicy(bean("clock", OrderClock.class), whole("pollIntervalMs"), whole("pollMaxIntervalMs"),
                    whole("followDeadlineMs"));
        }
    }

    public static final class NumberSearchBuilder extends NamedArguments<NumberSearch> {
        public NumberSearchBuilder() {
            super(NumberSearch.class);
        }

        @Override
        protected NumberSearch make() {
            return new NumberSearch(integer("maxPages"));
        }
    }

    public static final class BudgetsBuilder extends NamedArguments<Budgets> {
        public BudgetsBuilder() {
            super(Budgets.class);
        }

        @Override
        protected Budgets make() {
            return new Budgets(text("dailyNrc"), text("fileNrc"), bean("journal", OrderJournal.class));
        }
    }

    public static final class OrderReconcilerBuilder extends NamedArguments<OrderReconciler> {
        public OrderReconcilerBuilder() {
            super(OrderReconciler.class);
        }

        @Override
        protected OrderReconciler make() {
            OpentactClient client = bean("client", OpentactClient.class);
            OrderJournal journal = bean("journal", OrderJournal.class);
            OrderClock clock = bean("clock", OrderClock.class);
            long clockSkewMs = whole("clockSkewMs");
            ReconcileWindow lease = new ReconcileWindow(whole("sendDeadlineMs"), whole("connectTimeoutMs"),
                    whole("postTimeoutMs"), clockSkewMs, whole("searchLagMs"));
            return OrderReconciler.leased(client, journal, clock, lease, whole("windowMs"), whole("intervalMs"),
                    clockSkewMs, integer("maxPages"));
        }
    }

    public static final class OrderPlannerBuilder extends NamedArguments<OrderPlanner> {
        public OrderPlannerBuilder() {
            super(OrderPlanner.class);
        }

        @Override
        protected OrderPlanner make() {
            return new OrderPlanner(integer("maxNumbers"), bean("journal", OrderStore.class));
        }
    }

    public static final class OrderCaseThreadsBuilder extends NamedArguments<OrderCaseThreads> {
        public OrderCaseThreadsBuilder() {
            super(OrderCaseThreads.class);
        }

        @Override
        protected OrderCaseThreads make() {
            return new OrderCaseThreads(integer("threads"));
        }
    }

    public static final class OrderLifecycleBuilder extends NamedArguments<OrderLifecycle> {
        public OrderLifecycleBuilder() {
            super(OrderLifecycle.class);
        }

        @Override
        protected OrderLifecycle make() {
            OpentactClient client = bean("client", OpentactClient.class);
            OrderStore store = bean("store", OrderStore.class);
            Reconciliation reconciliation = bean("reconciliation", Reconciliation.class);
            Budgets budgets = bean("budgets", Budgets.class);
            NumberSearch numberSearch = bean("numberSearch", NumberSearch.class);
            IntakeControl intake = bean("intake", IntakeControl.class);
            OrderClock clock = bean("clock", OrderClock.class);
            FollowPolicy follow = bean("follow", FollowPolicy.class);
            Outcomes outcomes = bean("outcomes", Outcomes.class);
            OrderLifecycle.Settings settings = new OrderLifecycle.Settings(flag("quoteOnly"), integer("maxPostAttempts"),
                    integer("researchTries"), integer("postRetries"), whole("balancePauseMs"), whole("sendDeadlineMs"));
            return new OrderLifecycle(client, store, reconciliation, budgets, numberSearch, intake, clock, follow,
                    outcomes, settings, System::nanoTime);
        }
    }
}
