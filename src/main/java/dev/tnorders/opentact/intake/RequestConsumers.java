package dev.tnorders.opentact.intake;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.StartupListener;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.client.OpentactCallThreads;
import dev.tnorders.opentact.client.SharedRateLimit;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.kafka.GroupInstanceIds;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.order.CaseTickets;
import dev.tnorders.opentact.order.OrderLifecycle;

/**
 * The requests topic's consumers ({@code opentact.kafka.consumers} of them, one thread each, in the
 * consumer group {@code opentact.kafka.group-id}). A consumer never waits on an order: it reads a
 * poll, hands it to the route {@code kafka-intake} on a thread of its own, and polls again, so
 * the next poll's requests are priced and ordered while earlier orders are followed. Why not
 * camel-kafka's consumer: docs/architecture.md, "The requests consumers".
 *
 * <ul>
 * <li>Bounded: when the in-flight limit of its records are in flight, or intake is paused, the
 *     consumer pauses its partitions and goes on polling (it stays in the group and takes part in
 *     rebalances). The limit follows the rate limit ({@link AdaptiveInFlight}, sampled every
 *     second), never above {@code opentact.kafka.max-in-flight}.</li>
 * <li>Offsets are committed in order as requests finish ({@link PartitionProgress}).</li>
 * <li>A failed poll is given back on its own: its order cases not started yet are cancelled
 *     ({@link PollWork}), its partitions pause, and once their work in flight has ended, they are
 *     read again from the first unfinished record. Other partitions and other consumers go on. A
 *     poll's route has a deadline ({@code opentact.kafka.poll-timeout-ms}); past it, the poll is
 *     cancelled and given back the same way.</li>
 * <li>Rebalances are incremental ({@code cooperative-sticky}): only the partitions that move stop.
 *     A partition given up is fenced first ({@link PartitionOwners}): its polls in flight here start
 *     no more order cases, the work already running writes nothing more, and the journal's
 *     transactions carry the member's generation.</li>
 * <li>The same request in two records in flight (a file sent again after a crash, say) is worked
 *     on by one thread at a time: the later waits for the earlier.</li>
 * <li>Static membership ({@link GroupInstanceIds}): consumer {@code n} joins as
 *     {@code <instance id>-<n>}, so that a killed instance started again gets its partitions back
 *     at once instead of after the session timeout. Fenced by another live process with the same
 *     id, a consumer says so and joins again as a dynamic member; a stopped instance leaves the
 *     group ({@code opentact.kafka.leave-group-on-stop}).</li>
 * </ul>
 * Its parts: one {@link ConsumerLoop} per consumer thread (the poll loop), with its
 * {@link PollHandOver} (polls to the route), {@link CommitBook} (offsets committed in order, polls
 * given back) and {@link Rebalances} (partitions taken, revoked, lost); what they share,
 * {@link ConsumerContext}; the group ids, {@link StaticMembership}; the in-flight limit's sampler,
 * {@link InFlightSampler}.
 */
public class RequestConsumers implements CamelContextAware, StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(RequestConsumers.class);

    private final Builder settings;
    private final ConsumerContext ctx;
    private final StaticMembership groupIds;
    private InFlightSampler sampler;
    private final List<ConsumerLoop> workers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private CamelContext camelContext;
    private ProducerTemplate template;
    private ExecutorService pollThreads;
    private ExecutorService routeThreads;

    private RequestConsumers(Builder b) {
        this.settings = b;
        AdaptiveInFlight inFlightLimit = b.inFlightLimit != null ? b.inFlightLimit
                : new AdaptiveInFlight(Math.min(b.maxPollRecords, b.maxInFlight), b.maxInFlight, false, 1);
        this.groupIds = new StaticMembership(b.kafka, b.groupId, b.groupInstanceId, b.instanceLockDir, b.sessionTimeoutMs);
        this.ctx = new ConsumerContext(b.kafka, b.topic, b.groupId, b.batching, b.maxPollRecords, b.batchWaitMs,
                b.fetchMinBytes, b.sessionTimeoutMs, b.maxPollIntervalMs, b.shutdownTimeoutMs, b.intake, b.batchIntake,
                b.rateShare, inFlightLimit, groupIds);
    }

    /** The records one consumer may have in flight now. */
    public int inFlightLimit() {
        return ctx.inFlightLimit.limit();
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    /**
     * Starts reading once every route runs (beans.camel.yaml: its initMethod). Camel Main's YAML
     * loader builds and initialises a builder-made bean of beans.camel.yaml twice (once when it
     * pre-parses the file, seen in 4.18): only the one in the registry then starts, and only it
     * fences the journal.
     */
    public void init() {
        try {
            camelContext.addStartupListener(this);
        } catch (Exception e) {
            throw new IllegalStateException("could not wait for the routes to start", e);
        }
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // the routes may not all run yet: see onCamelContextFullyStarted
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        if (!context.getRegistry().findByType(RequestConsumers.class).contains(this)) {
            LOG.debug("A RequestConsumers the registry does not hold: not started");
            return;
        }
        start();
    }

    /** Starts the consumer threads (once the routes run). */
    public synchronized void start() {
        if (settings.consumers == 0) {
            LOG.info("opentact.kafka.consumers=0: {} is not read by this instance", settings.topic);
            return;
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        settings.journal.fencedBy(ctx.owners, this::giveUpPartitions);
        // Another running process with this instance's static id has the journal's derived transactional id too.
        groupIds.onTaken(settings.journal::staticInstanceIdTaken);
        // Before the routes stop (CamelContext.stop tells its lifecycle strategies first): no new poll is
        // handed to kafka-intake, and the work in flight ends first.
        camelContext.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext context) {
                stop();
            }
        });
        pollThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "opentact-intake-poll");
            t.setDaemon(true);
            return t;
        });
        // The route runs on a thread of its own: the poll's thread waits for it with a deadline.
        routeThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "opentact-intake-route");
            t.setDaemon(true);
            return t;
        });
        String instanceId = groupIds.resolve(camelContext);
        if (settings.rateShare != null) {
            settings.rateShare.ownMembers(this::memberIds);
            settings.rateShare.backlog(this::backlog); // the demand it publishes: requests polled, not finished, and waiting
            settings.rateShare.instanceKey(instanceId); // a restart replaces its own claim at once
        }
        template = camelContext.createProducerTemplate();
        template.setExecutorService(routeThreads);
        CaseTickets tickets = settings.lifecycle == null ? new CaseTickets() : settings.lifecycle.tickets();
        ctx.started(new PollWork(ctx.owners, tickets, batch -> template.asyncRequestBody(settings.route, batch),
                settings.pollTimeoutMs, settings.casesEndMs, settings.shutdownTimeoutMs + 3_600_000L), pollThreads);
        for (int i = 0; i < settings.consumers; i++) {
            ConsumerLoop w = new ConsumerLoop(ctx, i);
            workers.add(w);
            Thread t = new Thread(w, "opentact-intake-" + i);
            t.setDaemon(true);
            w.thread = t;
            t.start();
        }
        sampler = new InFlightSampler(ctx, settings.callThreads, settings.consumers, this::inFlight);
        sampler.start();
        AdaptiveInFlight inFlightLimit = ctx.inFlightLimit;
        LOG.info("Reading {} with {} consumer(s) in group {} (at most {} records in flight each{}; {})", settings.topic,
                settings.consumers, settings.groupId, inFlightLimit.limit(), inFlightLimit.enabled()
                        ? ", following the rate limit between " + inFlightLimit.floor() + " and " + inFlightLimit.cap()
                        : "", membership());
    }

    /** How this instance's consumers are members of the group, for the log and the health check. */
    public String membership() {
        return groupIds.describe(workers.stream().map(w -> w.groupInstanceId).filter(Objects::nonNull).toList());
    }

    /** Stops polling, waits up to the shutdown timeout for the work in flight, commits what finished. */
    public synchronized void stop() {
        if (!started.compareAndSet(true, false)) {
            return;
        }
        LOG.info("Stopping the requests consumers: {} record(s) in flight, waited for up to {} ms", inFlight(),
                settings.shutdownTimeoutMs);
        workers.forEach(w -> w.running = false);
        List<String> staticIds = workers.stream().map(w -> w.groupInstanceId).filter(Objects::nonNull).toList();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.shutdownTimeoutMs + 10_000);
        for (ConsumerLoop w : workers) {
            try {
                w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.clear();
        if (sampler != null) {
            sampler.stop();
            sampler = null;
        }
        pollThreads.shutdownNow();
        routeThreads.shutdownNow();
        if (settings.leaveGroupOnStop) {
            groupIds.leave(staticIds);
        }
        groupIds.release();
    }

    /** The journal's producer was fenced: every consumer leaves the group and joins again. */
    private void giveUpPartitions() {
        workers.forEach(w -> w.rejoin = true);
    }

    /** A consumer that has not come back from a poll for this long is reported (readiness). */
    static final long STALLED_MS = 30_000;

    /**
     * What keeps a consumer of this instance from polling now, for readiness; null when every one
     * polls (or none runs: {@code opentact.kafka.consumers=0}, or not started yet).
     */
    public String problem() {
        long now = System.nanoTime();
        for (ConsumerLoop w : workers) {
            String failure = w.failure;
            if (failure != null) {
                return "consumer " + w.member + " failed and is joining the group again: " + failure;
            }
            long quietMs = TimeUnit.NANOSECONDS.toMillis(now - w.lastPoll);
            if (quietMs > STALLED_MS) {
                return "consumer " + w.member + " has not polled for " + quietMs / 1000 + " s";
            }
        }
        return null;
    }

    /**
     * Whether this instance works on the request now under the claim of a partition it owns now
     * (diagnostics and tests: an order POST for a request this says false of would be a defect).
     */
    public boolean owns(String requestId) {
        return ctx.owners.holds(requestId);
    }

    /** The member ids this instance's consumers have in the group now (those that joined). */
    public Set<String> memberIds() {
        Set<String> ids = new HashSet<>();
        for (ConsumerLoop w : workers) {
            String id = w.memberId;
            if (id != null && !id.isEmpty()) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** Records of this instance in flight (a metric). */
    public int inFlight() {
        return workers.stream().mapToInt(ConsumerLoop::inFlight).sum();
    }

    /**
     * This instance's backlog: records in flight, and those of its partitions not handed over yet
     * (polled and buffered, or still in Kafka by the consumers' last fetch). Records in Kafka count,
     * so that the demand it publishes for the rate limit does not fall to 0 between two polls while
     * its partitions still hold work (an in-flight limit of a few records empties often).
     */
    public long backlog() {
        return workers.stream().mapToLong(w -> w.inFlight() + w.waiting).sum();
    }

    /**
     * The consumers' parts and settings by name (beans.camel.yaml names each, its builder in wiring sets
     * them here), checked together; every one is required.
     */
    public static class Builder {
        private KafkaClientSettings kafka;
        private OrderJournal journal;
        private BatchIntake batchIntake;
        private IntakeControl intake;
        private String topic;
        private String groupId;
        private String route = "direct:kafka-intake";
        private Integer consumers;
        private Integer maxPollRecords;
        private Boolean batching;
        private Integer batchWaitMs;
        private Integer fetchMinBytes;
        private Integer sessionTimeoutMs;
        private Integer maxPollIntervalMs;
        private Integer maxInFlight;
        private Long shutdownTimeoutMs;
        private Long pollTimeoutMs;
        private OrderLifecycle lifecycle;
        private long casesEndMs = 3_600_000;
        private String groupInstanceId = "";
        private String instanceLockDir = "";
        private boolean leaveGroupOnStop = true;
        private SharedRateLimit rateShare;
        private AdaptiveInFlight inFlightLimit;
        private OpentactCallThreads callThreads;

        public void setKafka(KafkaClientSettings kafka) { this.kafka = kafka; }
        public void setJournal(OrderJournal journal) { this.journal = journal; }
        public void setBatchIntake(BatchIntake batchIntake) { this.batchIntake = batchIntake; }
        public void setIntake(IntakeControl intake) { this.intake = intake; }
        public void setTopic(String topic) { this.topic = topic; }
        public void setGroupId(String groupId) { this.groupId = groupId; }
        public void setRoute(String route) { this.route = route; }
        public void setConsumers(int consumers) { this.consumers = consumers; }
        public void setMaxPollRecords(int maxPollRecords) { this.maxPollRecords = maxPollRecords; }
        public void setBatching(boolean batching) { this.batching = batching; }
        public void setBatchWaitMs(int batchWaitMs) { this.batchWaitMs = batchWaitMs; }
        public void setFetchMinBytes(int fetchMinBytes) { this.fetchMinBytes = fetchMinBytes; }
        public void setSessionTimeoutMs(int sessionTimeoutMs) { this.sessionTimeoutMs = sessionTimeoutMs; }
        public void setMaxPollIntervalMs(int maxPollIntervalMs) { this.maxPollIntervalMs = maxPollIntervalMs; }
        public void setMaxInFlight(int maxInFlight) { this.maxInFlight = maxInFlight; }
        public void setShutdownTimeoutMs(long shutdownTimeoutMs) { this.shutdownTimeoutMs = shutdownTimeoutMs; }
        /** How long a poll's route may take before the poll is cancelled and given back. */
        public void setPollTimeoutMs(long pollTimeoutMs) { this.pollTimeoutMs = pollTimeoutMs; }
        /** The order lifecycle, whose case tickets a poll cancels (no lifecycle: no case to cancel). */
        public void setLifecycle(OrderLifecycle lifecycle) { this.lifecycle = lifecycle; }
        /** The longest a failed poll waits for its running cases (the follow deadline and more). */
        public void setCasesEndMs(long casesEndMs) { this.casesEndMs = casesEndMs; }

        /** {@code opentact.kafka.group-instance-id}: blank derives it, {@code none} turns static membership off. */
        public void setGroupInstanceId(String groupInstanceId) { this.groupInstanceId = groupInstanceId; }
        /** Where the derived id's slot is locked; blank: {@code <java.io.tmpdir>/opentact-instances}. */
        public void setInstanceLockDir(String instanceLockDir) { this.instanceLockDir = instanceLockDir; }
        /** Whether a stopped instance removes its static members from the group. */
        public void setLeaveGroupOnStop(boolean leaveGroupOnStop) { this.leaveGroupOnStop = leaveGroupOnStop; }

        /** The rate limit's share, told which group members are this instance's (optional). */
        public void setRateShare(SharedRateLimit rateShare) { this.rateShare = rateShare; }
        /** The limit of records in flight per consumer, following the rate limit (optional: else max-in-flight, fixed). */
        public void setInFlightLimit(AdaptiveInFlight inFlightLimit) { this.inFlightLimit = inFlightLimit; }
        /** The threads Opentact calls go out on, sized after the share and the calls' latency (optional). */
        public void setCallThreads(OpentactCallThreads callThreads) { this.callThreads = callThreads; }

        public RequestConsumers build() {
            for (Object[] part : new Object[][] {{kafka, "kafka"}, {journal, "journal"}, {batchIntake, "batchIntake"},
                    {intake, "intake"}, {topic, "topic"}, {groupId, "groupId"}, {consumers, "consumers"},
                    {maxPollRecords, "maxPollRecords"}, {batching, "batching"}, {batchWaitMs, "batchWaitMs"},
                    {fetchMinBytes, "fetchMinBytes"}, {sessionTimeoutMs, "sessionTimeoutMs"},
                    {maxPollIntervalMs, "maxPollIntervalMs"}, {maxInFlight, "maxInFlight"},
                    {shutdownTimeoutMs, "shutdownTimeoutMs"}, {pollTimeoutMs, "pollTimeoutMs"}}) {
                if (part[0] == null) {
                    throw new IllegalArgumentException("RequestConsumers needs its " + part[1]);
                }
            }
            if (GroupInstanceIds.modeOf(groupInstanceId) == GroupInstanceIds.Mode.EXPLICIT) {
                GroupInstanceIds.checked(groupInstanceId);
            }
            if (pollTimeoutMs < 1) {
                throw new IllegalArgumentException("opentact.kafka.poll-timeout-ms must be at least 1: " + pollTimeoutMs);
            }
            if (consumers < 0 || maxPollRecords < 1 || maxInFlight < maxPollRecords) {
                throw new IllegalArgumentException("opentact.kafka.consumers must be at least 0 (0: no Kafka intake), "
                        + "opentact.kafka.max-poll-records at least 1, and opentact.kafka.max-in-flight at least "
                        + "opentact.kafka.max-poll-records (were "
                        + consumers + ", " + maxPollRecords + ", " + maxInFlight + ")");
            }
            return new RequestConsumers(this);
        }
    }
}
