package dev.tnorders.opentact.intake;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.StartupListener;
import org.apache.camel.support.LifecycleStrategySupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.client.OpentactCallThreads;
import dev.tnorders.opentact.client.SharedRateLimit;
import dev.tnorders.opentact.config.HostInstanceId;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.kafka.GroupInstanceIds;
import dev.tnorders.opentact.kafka.InstanceSlot;
import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.order.CaseTickets;
import dev.tnorders.opentact.order.OrderLifecycle;
import dev.tnorders.opentact.trace.RequestTraces;

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
 */
public class RequestConsumers implements CamelContextAware, StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(RequestConsumers.class);
    private static final Duration POLL = Duration.ofMillis(100);
    /**
     * Polls in flight in one instance at most (each holds a thread while its orders are followed):
     * in per-request mode every record is a poll, and max-in-flight records must not mean as many threads.
     */
    static final int MAX_POLLS_IN_FLIGHT = 256;

    private final Builder settings;
    private final PartitionOwners owners;
    private final AtomicInteger pollsInFlight = new AtomicInteger();
    /** Records of this instance that finished (or were given back) since the start. */
    private final LongAdder finishedRecords = new LongAdder();
    /** A consumer was held back at the in-flight limit with a backlog since the last sample. */
    private final AtomicBoolean heldAtLimit = new AtomicBoolean();
    private final AdaptiveInFlight inFlightLimit;
    private ScheduledExecutorService sampler;
    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private CamelContext camelContext;
    private ProducerTemplate template;
    private ExecutorService pollThreads;
    private ExecutorService routeThreads;
    private PollWork polls;
    /** The instance's id in the group (consumer n: {@code <id>-<n>}); null: dynamic members. */
    private volatile String instanceId;
    private InstanceSlot slot;
    /** The group.instance.ids another live process took from this one (fenced). */
    private final Set<String> taken = ConcurrentHashMap.newKeySet();

    private RequestConsumers(Builder b) {
        this.settings = b;
        this.owners = new PartitionOwners(b.topic);
        this.inFlightLimit = b.inFlightLimit != null ? b.inFlightLimit
                : new AdaptiveInFlight(Math.min(b.maxPollRecords, b.maxInFlight), b.maxInFlight, false, 1);
    }

    /** The records one consumer may have in flight now. */
    public int inFlightLimit() {
        return inFlightLimit.limit();
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
        settings.journal.fencedBy(owners, this::giveUpPartitions);
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
        instanceId = resolveInstanceId();
        if (settings.rateShare != null) {
            settings.rateShare.ownMembers(this::memberIds);
            settings.rateShare.backlog(this::backlog); // the demand it publishes: requests polled, not finished, and waiting
            settings.rateShare.instanceKey(instanceId); // a restart replaces its own claim at once
        }
        template = camelContext.createProducerTemplate();
        template.setExecutorService(routeThreads);
        CaseTickets tickets = settings.lifecycle == null ? new CaseTickets() : settings.lifecycle.tickets();
        polls = new PollWork(owners, tickets, batch -> template.asyncRequestBody(settings.route, batch),
                settings.pollTimeoutMs, settings.casesEndMs, settings.shutdownTimeoutMs + 3_600_000L);
        for (int i = 0; i < settings.consumers; i++) {
            Worker w = new Worker(i);
            workers.add(w);
            Thread t = new Thread(w, "opentact-intake-" + i);
            t.setDaemon(true);
            w.thread = t;
            t.start();
        }
        startSampler();
        LOG.info("Reading {} with {} consumer(s) in group {} (at most {} records in flight each{}; {})", settings.topic,
                settings.consumers, settings.groupId, inFlightLimit.limit(), inFlightLimit.enabled()
                        ? ", following the rate limit between " + inFlightLimit.floor() + " and " + inFlightLimit.cap()
                        : "", membership());
    }

    /**
     * This instance's id in the group, by {@code opentact.kafka.group-instance-id}; null for dynamic
     * membership (asked for, or no slot could be locked).
     */
    private String resolveInstanceId() {
        switch (GroupInstanceIds.modeOf(settings.groupInstanceId)) {
            case NONE:
                return null;
            case EXPLICIT:
                return GroupInstanceIds.checked(settings.groupInstanceId);
            default:
                Path dir = settings.instanceLockDir == null || settings.instanceLockDir.isBlank()
                        ? Path.of(System.getProperty("java.io.tmpdir"), "opentact-instances")
                        : Path.of(settings.instanceLockDir.strip());
                try {
                    slot = InstanceSlot.take(dir, settings.groupId, InstanceSlot.MAX_SLOTS);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("No static group membership: could not lock a slot for group {} in {} ({}). A killed "
                            + "instance's partitions wait for opentact.kafka.session-timeout-ms ({} ms) before they "
                            + "move; set opentact.kafka.group-instance-id (OPENTACT_KAFKA_GROUP_INSTANCE_ID) per "
                            + "instance, or opentact.kafka.instance-lock-dir to a writable folder",
                            settings.groupId, dir, e.toString(), settings.sessionTimeoutMs);
                    return null;
                }
                return GroupInstanceIds.derived(HostInstanceId.current(), slot.slot());
        }
    }

    /** How this instance's consumers are members of the group, for the log and the health check. */
    public String membership() {
        String id = instanceId;
        List<String> ids = workers.stream().map(w -> w.groupInstanceId).filter(Objects::nonNull).toList();
        String m = !ids.isEmpty() ? "static group members " + String.join(", ", ids)
                : id != null && taken.isEmpty() ? "static group members " + GroupInstanceIds.member(id, 0) + ".."
                : "dynamic group members";
        return taken.isEmpty() ? m : m + "; group.instance.id " + String.join(", ", new TreeSet<>(taken))
                + " taken by another running process (two instances with one id: give each its own "
                + GroupInstanceIds.KEY + ")";
    }

    /** Stops polling, waits up to the shutdown timeout for the work in flight, commits what finished. */
    public synchronized void stop() {
        if (!started.compareAndSet(true, false)) {
            return;
        }
        LOG.info("Stopping the requests consumers: {} record(s) in flight, waited for up to {} ms", inFlight(),
                settings.shutdownTimeoutMs);
        workers.forEach(w -> w.running = false);
        List<String> staticIds = workers.stream().map(w -> w.groupInstanceId).filter(Objects::nonNull)
                .toList();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.shutdownTimeoutMs + 10_000);
        for (Worker w : workers) {
            try {
                w.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.clear();
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
        pollThreads.shutdownNow();
        routeThreads.shutdownNow();
        if (settings.leaveGroupOnStop) {
            leaveGroup(staticIds);
        }
        if (slot != null) {
            slot.close();
            slot = null;
        }
    }

    /**
     * A static member does not leave the group when its consumer closes (it is expected back): its
     * partitions would wait for the session timeout. A stopped instance removes its members itself.
     */
    private void leaveGroup(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        Properties p = settings.kafka.clientProperties("opentact-intake-leave-" + settings.groupId);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        Admin admin = null;
        try {
            admin = Admin.create(p);
            admin.removeMembersFromConsumerGroup(settings.groupId, new RemoveMembersFromConsumerGroupOptions(
                    ids.stream().map(MemberToRemove::new).toList()).timeoutMs(5_000)).all().get(6, TimeUnit.SECONDS);
            LOG.info("Requests consumers {} left group {}: their partitions move to the other members now", ids,
                    settings.groupId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Requests consumers {} could not leave group {} ({}): their partitions move after "
                    + "opentact.kafka.session-timeout-ms, or at once if this instance starts again with the same ids",
                    ids, settings.groupId, settings.kafka.mask(e.toString()));
        } finally {
            if (admin != null) {
                admin.close(Duration.ofSeconds(2));
            }
        }
    }

    /** The journal's producer was fenced: every consumer leaves the group and joins again. */
    private void giveUpPartitions() {
        workers.forEach(w -> w.rejoin = true);
    }

    /** How often the in-flight limit looks at its signals. */
    static final long SAMPLE_MS = 1000;

    private void startSampler() {
        if (!inFlightLimit.enabled()) {
            return;
        }
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "opentact-in-flight-limit");
            t.setDaemon(true);
            return t;
        });
        sampledAt = System.nanoTime();
        sampledTurns = turnsTaken();
        sampledFinished = finishedRecords.sum();
        sampler.scheduleWithFixedDelay(() -> {
            try {
                sample();
            } catch (RuntimeException e) {
                LOG.debug("In-flight limit: sample failed ({})", e.toString()); // the next one tries again
            }
        }, SAMPLE_MS, SAMPLE_MS, TimeUnit.MILLISECONDS);
    }

    /** The sampler's figures at the start of its interval (its thread only). */
    private long sampledAt;
    private long sampledTurns;
    private long sampledFinished;

    /** One interval's signals to the in-flight limit (and the call threads' size that follows). */
    private void sample() {
        long now = System.nanoTime();
        long turns = turnsTaken();
        long finished = finishedRecords.sum();
        var rate = settings.rateShare;
        double available = rate == null ? 0
                : rate.share() * (double) (now - sampledAt) / TimeUnit.MILLISECONDS.toNanos(rate.windowMs());
        AdaptiveInFlight.Sample s = new AdaptiveInFlight.Sample(now - sampledAt, available, turns - sampledTurns,
                heldAtLimit.getAndSet(false), inFlight(), finished - sampledFinished, Math.max(1, settings.consumers),
                inFlightLimit.calls().drain());
        sampledAt = now;
        sampledTurns = turns;
        sampledFinished = finished;
        AdaptiveInFlight.Change change = inFlightLimit.observe(s, now);
        var callThreads = settings.callThreads;
        int threads = inFlightLimit.callThreads();
        if (callThreads != null && threads > 0) {
            int before = callThreads.getMaximumPoolSize();
            callThreads.resize(threads);
            if (callThreads.getMaximumPoolSize() != before) {
                LOG.debug("Opentact call threads: {} (were {})", callThreads.getMaximumPoolSize(), before);
            }
        }
        int logged = inFlightLimit.toLog(now);
        if (logged >= 0) {
            LOG.info("Requests consumers: now at most {} records in flight each ({} of {} calls/s used; {}; last change: {})",
                    logged, s.turnsTaken(), Math.round(available), inFlightLimit.learnt(),
                    change == AdaptiveInFlight.Change.NONE ? inFlightLimit.lastReason() : change);
        }
    }

    private long turnsTaken() {
        return settings.rateShare == null ? 0 : settings.rateShare.turnsTaken();
    }

    /** A consumer that has not come back from a poll for this long is reported (readiness). */
    static final long STALLED_MS = 30_000;

    /**
     * What keeps a consumer of this instance from polling now, for readiness; null when every one
     * polls (or none runs: {@code opentact.kafka.consumers=0}, or not started yet).
     */
    public String problem() {
        long now = System.nanoTime();
        for (Worker w : workers) {
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
        return owners.holds(requestId);
    }

    /** The member ids this instance's consumers have in the group now (those that joined). */
    public Set<String> memberIds() {
        Set<String> ids = new HashSet<>();
        for (Worker w : workers) {
            String id = w.memberId;
            if (id != null && !id.isEmpty()) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** Records of this instance in flight (a metric). */
    public int inFlight() {
        return workers.stream().mapToInt(w -> w.inFlight.get()).sum();
    }

    /**
     * This instance's backlog: records in flight, and those of its partitions not handed over yet
     * (polled and buffered, or still in Kafka by the consumers' last fetch). Records in Kafka count,
     * so that the demand it publishes for the rate limit does not fall to 0 between two polls while
     * its partitions still hold work (an in-flight limit of a few records empties often).
     */
    public long backlog() {
        return workers.stream().mapToLong(w -> w.inFlight.get() + w.waiting).sum();
    }

    /** One consumer and its thread. */
    private final class Worker implements Runnable, ConsumerRebalanceListener {
        final int member;
        final PartitionProgress progress = new PartitionProgress();
        final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
        final List<ConsumerRecord<String, String>> buffer = new ArrayList<>();
        final AtomicInteger inFlight = new AtomicInteger();
        /** Records of its partitions not handed over at its last poll: buffered, and the lag by the last fetch. */
        volatile long waiting;
        final Set<Integer> givingBack = new HashSet<>();
        final Set<PollWork.Poll> polling = ConcurrentHashMap.newKeySet();
        volatile boolean running = true;
        volatile boolean rejoin;
        volatile long lastPoll = System.nanoTime();
        volatile String failure;
        /** This consumer's member id in the group (empty until it has joined). */
        volatile String memberId;
        /** This consumer's static id in the group; null: a dynamic member. */
        volatile String groupInstanceId;
        long bufferedSince;
        Thread thread;
        KafkaConsumer<String, String> consumer;

        Worker(int member) {
            this.member = member;
            String id = instanceId;
            this.groupInstanceId = id == null ? null : GroupInstanceIds.member(id, member);
        }

        @Override
        public void run() {
            while (running) {
                try {
                    consumer = new KafkaConsumer<>(consumerProperties(member, groupInstanceId));
                    consumer.subscribe(List.of(settings.topic), this);
                    loop();
                    drain();
                } catch (RuntimeException e) {
                    failure = e.toString();
                    if (groupInstanceId != null && causedBy(e, FencedInstanceIdException.class)) {
                        fenced();
                    } else {
                        LOG.error("Requests consumer {} failed ({}); it joins the group again", member, e.toString(), e);
                    }
                    List<Integer> partitions = progressPartitions();
                    cancelPolls(partitions, "requests consumer " + member + " failed");
                    owners.revoked(partitions);
                    forgetAll();
                    pauseBeforeRetry();
                } finally {
                    closeConsumer();
                }
            }
        }

        /**
         * Another live process joined the group with this consumer's group.instance.id and took its
         * place: two instances share an id. Joining again with it would fence that process in turn,
         * and so on: this consumer joins again as a dynamic member instead, for good.
         */
        private void fenced() {
            String id = groupInstanceId;
            taken.add(id);
            groupInstanceId = null;
            failure = "group.instance.id " + id + " taken by another running process";
            LOG.error("Requests consumer {} was fenced: another running process joined group {} as group.instance.id "
                    + "'{}' (two instances with one id). This consumer joins again as a dynamic member, so this "
                    + "process no longer gets its partitions back at once after a restart. Give each instance its "
                    + "own {} (OPENTACT_KAFKA_GROUP_INSTANCE_ID), or leave it unset on every instance",
                    member, settings.groupId, id, GroupInstanceIds.KEY);
        }

        private void loop() {
            while (running) {
                if (rejoin) {
                    rejoin = false;
                    LOG.warn("Requests consumer {} gives its partitions up and joins the group again", member);
                    consumer.unsubscribe();
                    consumer.subscribe(List.of(settings.topic), this);
                }
                ConsumerRecords<String, String> records = consumer.poll(POLL);
                lastPoll = System.nanoTime();
                failure = null;
                ConsumerGroupMetadata metadata = consumer.groupMetadata();
                owners.observe(member, metadata);
                memberId = metadata.memberId();
                for (ConsumerRecord<String, String> r : records) {
                    if (progress.owns(r.partition()) && !givingBack.contains(r.partition())) {
                        if (buffer.isEmpty()) {
                            bufferedSince = System.nanoTime();
                        }
                        buffer.add(r);
                    }
                }
                handOver();
                settle();
                flowControl();
                waiting = buffer.size() + lag();
            }
        }

        /** Records of its partitions still in Kafka, by the consumer's last fetch (no call to the broker). */
        private long lag() {
            long lag = 0;
            for (TopicPartition tp : consumer.assignment()) {
                lag += consumer.currentLag(tp).orElse(0);
            }
            return lag;
        }

        /** The buffered records as polls: full ones, or what waited the batch's wait. */
        private void handOver() {
            if (buffer.isEmpty() || settings.intake.isPaused()) {
                return;
            }
            boolean waited = System.nanoTime() - bufferedSince >= TimeUnit.MILLISECONDS.toNanos(settings.batchWaitMs);
            int size = settings.batching ? settings.maxPollRecords : 1;
            boolean submitted = false;
            while ((buffer.size() >= size || (!buffer.isEmpty() && (waited || !settings.batching)))
                    && pollsInFlight.get() < MAX_POLLS_IN_FLIGHT) {
                List<ConsumerRecord<String, String>> poll = new ArrayList<>(buffer.subList(0, Math.min(size, buffer.size())));
                buffer.subList(0, poll.size()).clear();
                submit(poll);
                submitted = true;
            }
            if (submitted) {
                bufferedSince = System.nanoTime(); // what is left waits its own batch's wait
            }
        }

        private void submit(List<ConsumerRecord<String, String>> records) {
            IntakeBatch batch = settings.batchIntake.read(records);
            Map<Integer, List<Long>> offsets = new TreeMap<>();
            for (ConsumerRecord<String, String> r : records) {
                progress.polled(r.partition(), r.offset());
                offsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset());
            }
            // Claimed in offset order, on this thread: a request in flight already is waited for.
            PollWork.Poll poll = polls.handOver(name(offsets), batch);
            polling.add(poll);
            inFlight.addAndGet(records.size());
            pollsInFlight.incrementAndGet();
            pollThreads.execute(() -> {
                Throwable failure = null;
                try {
                    failure = polls.run(poll); // returns once every case of it ended or was cancelled
                } finally {
                    polling.remove(poll);
                    // Tracing on: each request's span ends with its poll's work (given back: an error).
                    RequestTraces.endRequests(batch.requests(), failure);
                    pollsInFlight.decrementAndGet();
                    inFlight.addAndGet(-records.size());
                    finishedRecords.add(records.size());
                    finished.add(new Finished(offsets, failure));
                }
            });
        }

        /** The poll's records for the logs: topic-partition@first..last of each partition. */
        private String name(Map<Integer, List<Long>> offsets) {
            StringBuilder b = new StringBuilder();
            offsets.forEach((p, os) -> {
                long first = os.stream().mapToLong(Long::longValue).min().orElse(-1);
                long last = os.stream().mapToLong(Long::longValue).max().orElse(-1);
                b.append(b.length() == 0 ? "" : ",").append(settings.topic).append('-').append(p).append('@').append(first)
                        .append(first == last ? "" : ".." + last);
            });
            return b.toString();
        }

        /** The polls with records of these partitions start no more order cases. */
        private void cancelPolls(Collection<Integer> partitions, String why) {
            int cancelled = 0;
            for (PollWork.Poll p : polling) {
                if (p.cancelIfOf(partitions, why)) {
                    cancelled++;
                }
            }
            if (cancelled > 0) {
                LOG.info("Requests consumer {}: {} poll(s) in flight on {} cancelled ({}): their order cases not started "
                        + "yet never start", member, cancelled, partitions, why);
            }
        }

        /** Finished polls: offsets to commit, failed ones to give back once their partitions are quiet. */
        private void settle() {
            for (Finished f; (f = finished.poll()) != null; ) {
                for (Map.Entry<Integer, List<Long>> e : f.offsets().entrySet()) {
                    if (f.failure() == null) {
                        progress.finished(e.getKey(), e.getValue());
                    } else if (progress.owns(e.getKey())) {
                        progress.failed(e.getKey(), e.getValue());
                        if (givingBack.add(e.getKey())) {
                            LOG.warn("A poll of {}-{} failed ({}); reading it again once its work in flight has ended",
                                    settings.topic, e.getKey(), describe(f.failure()));
                        }
                    }
                }
            }
            for (Integer p : new ArrayList<>(givingBack)) {
                if (!progress.owns(p)) {
                    givingBack.remove(p);
                } else if (progress.readyToRewind(p)) {
                    long to = progress.rewind(p);
                    buffer.removeIf(r -> r.partition() == p);
                    consumer.seek(new TopicPartition(settings.topic, p), to);
                    givingBack.remove(p);
                    LOG.info("Reading {}-{} again from offset {}", settings.topic, p, to);
                }
            }
            commit(progress.toCommit());
        }

        private void commit(Map<Integer, Long> offsets) {
            if (offsets.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            offsets.forEach((p, o) -> commit.put(new TopicPartition(settings.topic, p), new OffsetAndMetadata(o)));
            try {
                consumer.commitSync(commit, Duration.ofSeconds(10));
                progress.committed(offsets);
                offsets.forEach(owners::committed);
            } catch (RebalanceInProgressException
                     | TimeoutException e) {
                LOG.debug("Commit of {} deferred: {}", offsets, e.toString()); // tried again at the next loop
            }
        }

        /** Pauses every partition while too much is in flight or intake is paused, and those being given back. */
        private void flowControl() {
            Set<TopicPartition> assigned = consumer.assignment();
            boolean atLimit = inFlight.get() + buffer.size() >= inFlightLimit.limit();
            boolean hold = settings.intake.isPaused() || atLimit || pollsInFlight.get() >= MAX_POLLS_IN_FLIGHT;
            if (atLimit && !settings.intake.isPaused() && !heldAtLimit.get() && backlog(assigned)) {
                heldAtLimit.set(true);
            }
            List<TopicPartition> pause = new ArrayList<>();
            List<TopicPartition> resume = new ArrayList<>();
            for (TopicPartition tp : assigned) {
                (hold || givingBack.contains(tp.partition()) ? pause : resume).add(tp);
            }
            Set<TopicPartition> paused = consumer.paused();
            pause.removeIf(paused::contains);
            resume.removeIf(tp -> !paused.contains(tp));
            if (!pause.isEmpty()) {
                consumer.pause(pause);
            }
            if (!resume.isEmpty()) {
                consumer.resume(resume);
            }
        }

        /** Records wait beyond the limit: buffered here, or not read yet from a partition (its lag, as last fetched). */
        private boolean backlog(Set<TopicPartition> assigned) {
            if (!buffer.isEmpty()) {
                return true;
            }
            for (TopicPartition tp : assigned) {
                OptionalLong lag = consumer.currentLag(tp);
                if (lag.isPresent() && lag.getAsLong() > 0) {
                    return true;
                }
            }
            return false;
        }

        /** Stopping: no new poll; the work in flight may end (up to the shutdown timeout) and is committed. */
        private void drain() {
            consumer.pause(consumer.assignment());
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.shutdownTimeoutMs);
            for (int rounds = 0; inFlight.get() > 0 && System.nanoTime() < deadline && rounds < 100_000; rounds++) {
                consumer.poll(POLL); // stays in the group meanwhile
                settle();
            }
            settle();
            if (inFlight.get() > 0) {
                LOG.warn("Requests consumer {} stops with {} record(s) still in flight: they are read again by the "
                        + "partition's next owner, and the journal tells where each request is", member, inFlight.get());
            }
            List<Integer> partitions = progressPartitions();
            cancelPolls(partitions, "requests consumer " + member + " stops");
            owners.revoked(partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            // Settle what finished so far, commit it, then fence the rest: its work writes nothing more.
            settle();
            giveUp(partitions, "partitions revoked");
            LOG.info("Requests consumer {} gave up {}", member, partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            giveUp(partitions, "partitions lost"); // nothing to commit: another member may own them already
            LOG.warn("Requests consumer {} lost {} (it left the group): their work here stops", member, partitions);
        }

        /**
         * Cancels the partitions' polls in flight here (their order cases not started yet never
         * start), fences the work already running (it writes nothing more), and forgets them.
         */
        private void giveUp(Collection<TopicPartition> partitions, String why) {
            List<Integer> ids = partitions.stream().map(TopicPartition::partition).toList();
            cancelPolls(ids, why);
            owners.revoked(ids);
            ids.forEach(p -> {
                progress.forget(p);
                givingBack.remove(p);
            });
            buffer.removeIf(r -> ids.contains(r.partition()));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // Called after every rebalance this member took part in (cooperative: with no new
            // partition too): it is in the group's current generation now.
            if (settings.rateShare != null) {
                settings.rateShare.memberJoined(member);
            }
            if (partitions.isEmpty()) {
                return;
            }
            Map<Integer, Long> positions = new HashMap<>();
            for (TopicPartition tp : partitions) {
                long position = consumer.position(tp);
                positions.put(tp.partition(), position);
                progress.start(tp.partition(), position);
            }
            owners.assigned(member, positions);
            LOG.info("Requests consumer {} took {}", member, partitions);
        }

        private List<Integer> progressPartitions() {
            List<Integer> ids = new ArrayList<>();
            if (consumer != null) {
                try {
                    consumer.assignment().forEach(tp -> ids.add(tp.partition()));
                } catch (RuntimeException ignored) {
                    // closed: nothing is assigned
                }
            }
            return ids;
        }

        private void forgetAll() {
            progressPartitions().forEach(progress::forget);
            givingBack.clear();
            buffer.clear();
        }

        private void pauseBeforeRetry() {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (running && System.nanoTime() < until) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        private void closeConsumer() {
            memberId = null;
            if (consumer != null) {
                try {
                    consumer.close(Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    LOG.debug("Closing requests consumer {}: {}", member, e.toString());
                }
                consumer = null;
            }
        }
    }

    private record Finished(Map<Integer, List<Long>> offsets, Throwable failure) {
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private Properties consumerProperties(int member, String groupInstanceId) {
        Properties p = settings.kafka.clientProperties("opentact-intake-" + settings.groupId + "-" + member);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId);
        if (groupInstanceId != null) {
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, groupInstanceId);
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, settings.sessionTimeoutMs);
        // Kafka's 3 s (a third of a short session at most): a member hears of a rebalance at its next
        // heartbeat, and a cooperative rebalance takes two rounds.
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(100, Math.min(3_000, settings.sessionTimeoutMs / 3)));
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, settings.maxPollIntervalMs);
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, settings.fetchMinBytes);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, settings.batchWaitMs);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }

    /** The consumers' parts and settings by name (beans.camel.yaml); every one is required. */
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
