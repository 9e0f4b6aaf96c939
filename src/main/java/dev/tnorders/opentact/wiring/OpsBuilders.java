package dev.tnorders.opentact.wiring;

import dev.tnorders.opentact.client.OpentactApi;
import dev.tnorders.opentact.client.OpentactAuth;
import dev.tnorders.opentact.client.SharedRateLimit;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.intake.AdaptiveInFlight;
import dev.tnorders.opentact.intake.RequestConsumers;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.ops.AuthProbe;
import dev.tnorders.opentact.ops.IntakeHealthCheck;
import dev.tnorders.opentact.ops.JournalHealthCheck;
import dev.tnorders.opentact.ops.KafkaHealthCheck;
import dev.tnorders.opentact.ops.OpentactHealthCheck;
import dev.tnorders.opentact.ops.OperatorCommands;
import dev.tnorders.opentact.ops.OrderMetrics;
import dev.tnorders.opentact.ops.OutcomeLog;
import dev.tnorders.opentact.ops.PublishedOutcomes;
import dev.tnorders.opentact.ops.RequestConsumersHealthCheck;

/**
 * The builders of the operations beans in beans.camel.yaml (metrics, health checks, the auth probe,
 * operator commands), in its order: each hands its bean's arguments, set in the YAML by name, to the
 * bean's constructor (and setters).
 */
public final class OpsBuilders {

    private OpsBuilders() {
    }

    public static final class AuthProbeBuilder extends NamedArguments<AuthProbe> {
        public AuthProbeBuilder() {
            super(AuthProbe.class);
        }

        @Override
        protected AuthProbe make() {
            return new AuthProbe(bean("api", OpentactApi.class), bean("intake", IntakeControl.class));
        }
    }

    public static final class OperatorCommandsBuilder extends NamedArguments<OperatorCommands> {
        public OperatorCommandsBuilder() {
            super(OperatorCommands.class);
        }

        @Override
        protected OperatorCommands make() {
            return new OperatorCommands(bean("intake", IntakeControl.class), text("groupIdPrefix"));
        }
    }

    public static final class OrderMetricsBuilder extends NamedArguments<OrderMetrics> {
        public OrderMetricsBuilder() {
            super(OrderMetrics.class);
        }

        @Override
        protected OrderMetrics make() {
            OrderMetrics metrics = new OrderMetrics(bean("journal", OrderJournal.class), bean("intake", IntakeControl.class));
            metrics.setInFlightLimit(bean("inFlightLimit", AdaptiveInFlight.class));
            return metrics;
        }
    }

    public static final class PublishedOutcomesBuilder extends NamedArguments<PublishedOutcomes> {
        public PublishedOutcomesBuilder() {
            super(PublishedOutcomes.class);
        }

        @Override
        protected PublishedOutcomes make() {
            return new PublishedOutcomes(bean("metrics", OrderMetrics.class), bean("log", OutcomeLog.class));
        }
    }

    public static final class IntakeHealthCheckBuilder extends NamedArguments<IntakeHealthCheck> {
        public IntakeHealthCheckBuilder() {
            super(IntakeHealthCheck.class);
        }

        @Override
        protected IntakeHealthCheck make() {
            return new IntakeHealthCheck(bean("intake", IntakeControl.class), bean("journal", OrderJournal.class));
        }
    }

    public static final class JournalHealthCheckBuilder extends NamedArguments<JournalHealthCheck> {
        public JournalHealthCheckBuilder() {
            super(JournalHealthCheck.class);
        }

        @Override
        protected JournalHealthCheck make() {
            return new JournalHealthCheck(bean("journal", OrderJournal.class));
        }
    }

    public static final class OpentactHealthCheckBuilder extends NamedArguments<OpentactHealthCheck> {
        public OpentactHealthCheckBuilder() {
            super(OpentactHealthCheck.class);
        }

        @Override
        protected OpentactHealthCheck make() {
            OpentactHealthCheck check = new OpentactHealthCheck(text("baseUrl"), bean("auth", OpentactAuth.class),
                    whole("intervalMs"), whole("timeoutMs"));
            check.setMetrics(bean("metrics", OrderMetrics.class));
            check.setRateLimit(bean("rateLimit", SharedRateLimit.class));
            return check;
        }
    }

    public static final class KafkaHealthCheckBuilder extends NamedArguments<KafkaHealthCheck> {
        public KafkaHealthCheckBuilder() {
            super(KafkaHealthCheck.class);
        }

        @Override
        protected KafkaHealthCheck make() {
            return new KafkaHealthCheck(bean("kafka", KafkaClientSettings.class), whole("intervalMs"), whole("timeoutMs"));
        }
    }

    public static final class RequestConsumersHealthCheckBuilder extends NamedArguments<RequestConsumersHealthCheck> {
        public RequestConsumersHealthCheckBuilder() {
            super(RequestConsumersHealthCheck.class);
        }

        @Override
        protected RequestConsumersHealthCheck make() {
            return new RequestConsumersHealthCheck(bean("consumers", RequestConsumers.class));
        }
    }
}
