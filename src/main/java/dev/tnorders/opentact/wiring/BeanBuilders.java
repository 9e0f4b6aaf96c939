package dev.tnorders.opentact.wiring;

import dev.tnorders.opentact.client.OpentactApi;
import dev.tnorders.opentact.client.OpentactAuth;
import dev.tnorders.opentact.client.OpentactCallThreads;
import dev.tnorders.opentact.client.OpentactClient;
import dev.tnorders.opentact.client.OpentactPayloads;
import dev.tnorders.opentact.client.SharedRateLimit;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.files.FileEnds;
import dev.tnorders.opentact.intake.AdaptiveInFlight;
import dev.tnorders.opentact.intake.BatchIntake;
import dev.tnorders.opentact.intake.CsvIntake;
import dev.tnorders.opentact.intake.CsvOutbox;
import dev.tnorders.opentact.intake.InboxClaims;
import dev.tnorders.opentact.intake.InboxNames;
import dev.tnorders.opentact.intake.OrderSink;
import dev.tnorders.opentact.intake.RequestConsumers;
import dev.tnorders.opentact.intake.RequestValidator;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.order.OrderLifecycle;

/**
 * The builders of the flow's beans in beans.camel.yaml (intake, the Opentact client, Kafka, the
 * journal, the file ends, the requests consumers), in its order: each hands its bean's arguments, set
 * in the YAML by name, to the bean's constructor (and setters). The beans themselves stay plain classes.
 */
public final class BeanBuilders {

    private BeanBuilders() {
    }

    public static final class RequestValidatorBuilder extends NamedArguments<RequestValidator> {
        public RequestValidatorBuilder() {
            super(RequestValidator.class);
        }

        @Override
        protected RequestValidator make() {
            return new RequestValidator(integer("maxNumbersPerRequest"));
        }
    }

    public static final class OrderSinkBuilder extends NamedArguments<OrderSink> {
        public OrderSinkBuilder() {
            super(OrderSink.class);
        }

        @Override
        protected OrderSink make() {
            return new OrderSink(bean("validator", RequestValidator.class), text("requestsTopic"));
        }
    }

    public static final class CsvOutboxBuilder extends NamedArguments<CsvOutbox> {
        public CsvOutboxBuilder() {
            super(CsvOutbox.class);
        }

        @Override
        protected CsvOutbox make() {
            return new CsvOutbox(text("outboxDir"));
        }
    }

    public static final class CsvIntakeBuilder extends NamedArguments<CsvIntake> {
        public CsvIntakeBuilder() {
            super(CsvIntake.class);
        }

        @Override
        protected CsvIntake make() {
            return new CsvIntake(bean("validator", RequestValidator.class), integer("chunkSize"),
                    whole("progressEveryRows"), whole("progressEveryMs"), bean("outbox", CsvOutbox.class));
        }
    }

    public static final class InboxNamesBuilder extends NamedArguments<InboxNames> {
        public InboxNamesBuilder() {
            super(InboxNames.class);
        }

        @Override
        protected InboxNames make() {
            return new InboxNames(text("inboxDir"));
        }
    }

    public static final class InboxClaimsBuilder extends NamedArguments<InboxClaims> {
        public InboxClaimsBuilder() {
            super(InboxClaims.class);
        }

        @Override
        protected InboxClaims make() {
            return new InboxClaims(text("inboxDir"), text("instanceId"), whole("quietMs"), whole("claimTimeoutMs"),
                    integer("maxFiles"));
        }
    }

    public static final class OpentactAuthBuilder extends NamedArguments<OpentactAuth> {
        public OpentactAuthBuilder() {
            super(OpentactAuth.class);
        }

        @Override
        protected OpentactAuth make() {
            return new OpentactAuth(text("baseUrl"), text("mode"), text("token"));
        }
    }

    public static final class OpentactPayloadsBuilder extends NamedArguments<OpentactPayloads> {
        public OpentactPayloadsBuilder() {
            super(OpentactPayloads.class);
        }

        @Override
        protected OpentactPayloads make() {
            return new OpentactPayloads(text("orderForm"), text("numberFormat"));
        }
    }

    public static final class KafkaClientSettingsBuilder extends NamedArguments<KafkaClientSettings> {
        public KafkaClientSettingsBuilder() {
            super(KafkaClientSettings.class);
        }

        @Override
        protected KafkaClientSettings make() {
            KafkaClientSettings settings = new KafkaClientSettings(text("brokers"));
            settings.setSecurityProtocol(text("securityProtocol"));
            settings.setSaslMechanism(text("saslMechanism"));
            settings.setSaslJaasConfig(text("saslJaasConfig"));
            settings.setSslTruststoreLocation(text("sslTruststoreLocation"));
            settings.setSslTruststorePassword(text("sslTruststorePassword"));
            settings.setSslTruststoreType(text("sslTruststoreType"));
            settings.setSslKeystoreLocation(text("sslKeystoreLocation"));
            settings.setSslKeystorePassword(text("sslKeystorePassword"));
            settings.setSslKeystoreType(text("sslKeystoreType"));
            settings.setSslKeyPassword(text("sslKeyPassword"));
            settings.setSslEndpointAlgorithm(text("sslEndpointAlgorithm"));
            settings.setStartupTimeoutMs(whole("startupTimeoutMs"));
            return settings;
        }
    }

    public static final class FileEndsBuilder extends NamedArguments<FileEnds> {
        public FileEndsBuilder() {
            super(FileEnds.class);
        }

        @Override
        protected FileEnds make() {
            FileEnds ends = new FileEnds(bean("kafka", KafkaClientSettings.class), text("stateTopic"), text("filesTopic"),
                    text("outcomesTopic"), text("groupId"), text("outboxDir"), whole("progressIntervalMs"));
            ends.setSessionTimeoutMs(integer("sessionTimeoutMs"));
            ends.setManagementPort(integer("managementPort"));
            ends.setEndedShownMs(whole("endedShownMs"));
            ends.setRememberedMs(whole("rememberedMs"));
            return ends;
        }
    }

    public static final class OrderJournalBuilder extends NamedArguments<OrderJournal> {
        public OrderJournalBuilder() {
            super(OrderJournal.class);
        }

        @Override
        protected OrderJournal make() {
            OrderJournal journal = new OrderJournal(bean("kafka", KafkaClientSettings.class), text("topic"),
                    text("outcomesTopic"), text("numbersTopic"), text("transactionalId"));
            journal.setRetentionMs(whole("retentionMs"));
            return journal;
        }
    }

    public static final class SharedRateLimitBuilder extends NamedArguments<SharedRateLimit> {
        public SharedRateLimitBuilder() {
            super(SharedRateLimit.class);
        }

        @Override
        protected SharedRateLimit make() {
            SharedRateLimit share = new SharedRateLimit(bean("kafka", KafkaClientSettings.class), text("groupId"),
                    whole("limit"), whole("windowMs"), integer("consumers"), whole("intervalMs"),
                    integer("severalPercent"));
            share.setSharesTopic(text("sharesTopic"));
            return share;
        }
    }

    public static final class OpentactClientBuilder extends NamedArguments<OpentactClient> {
        public OpentactClientBuilder() {
            super(OpentactClient.class);
        }

        @Override
        protected OpentactClient make() {
            return new OpentactClient(bean("api", OpentactApi.class), bean("payloads", OpentactPayloads.class));
        }
    }

    public static final class BatchIntakeBuilder extends NamedArguments<BatchIntake> {
        public BatchIntakeBuilder() {
            super(BatchIntake.class);
        }

        @Override
        protected BatchIntake make() {
            return new BatchIntake(bean("validator", RequestValidator.class), bean("clock", OrderClock.class));
        }
    }

    public static final class AdaptiveInFlightBuilder extends NamedArguments<AdaptiveInFlight> {
        public AdaptiveInFlightBuilder() {
            super(AdaptiveInFlight.class);
        }

        @Override
        protected AdaptiveInFlight make() {
            return new AdaptiveInFlight(integer("maxPollRecords"), integer("maxInFlight"), flag("enabled"),
                    flag("batching"), integer("batchMaxNumbers"));
        }
    }

    public static final class OpentactCallThreadsBuilder extends NamedArguments<OpentactCallThreads> {
        public OpentactCallThreadsBuilder() {
            super(OpentactCallThreads.class);
        }

        @Override
        protected OpentactCallThreads make() {
            return new OpentactCallThreads(integer("concurrency"), flag("adaptive"));
        }
    }

    public static final class RequestConsumersBuilder extends NamedArguments<RequestConsumers> {
        public RequestConsumersBuilder() {
            super(RequestConsumers.class);
        }

        /** Fills the consumers' own builder, which holds their settings and checks them together. */
        @Override
        protected RequestConsumers make() {
            RequestConsumers.Builder consumers = new RequestConsumers.Builder();
            consumers.setKafka(bean("kafka", KafkaClientSettings.class));
            consumers.setJournal(bean("journal", OrderJournal.class));
            consumers.setBatchIntake(bean("batchIntake", BatchIntake.class));
            consumers.setIntake(bean("intake", IntakeControl.class));
            consumers.setTopic(text("topic"));
            consumers.setGroupId(text("groupId"));
            consumers.setConsumers(integer("consumers"));
            consumers.setMaxPollRecords(integer("maxPollRecords"));
            consumers.setBatching(flag("batching"));
            consumers.setBatchWaitMs(integer("batchWaitMs"));
            consumers.setFetchMinBytes(integer("fetchMinBytes"));
            consumers.setSessionTimeoutMs(integer("sessionTimeoutMs"));
            consumers.setMaxPollIntervalMs(integer("maxPollIntervalMs"));
            consumers.setMaxInFlight(integer("maxInFlight"));
            consumers.setShutdownTimeoutMs(whole("shutdownTimeoutMs"));
            consumers.setPollTimeoutMs(whole("pollTimeoutMs"));
            consumers.setGroupInstanceId(text("groupInstanceId"));
            consumers.setInstanceLockDir(text("instanceLockDir"));
            consumers.setLeaveGroupOnStop(flag("leaveGroupOnStop"));
            consumers.setRateShare(bean("rateShare", SharedRateLimit.class));
            consumers.setLifecycle(bean("lifecycle", OrderLifecycle.class));
            consumers.setInFlightLimit(bean("inFlightLimit", AdaptiveInFlight.class));
            consumers.setCallThreads(bean("callThreads", OpentactCallThreads.class));
            return consumers.build();
        }
    }
}
