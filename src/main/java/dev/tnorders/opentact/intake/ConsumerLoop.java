package dev.tnorders.opentact.intake;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.GroupInstanceIds;

/**
 * One requests consumer and its thread: the poll loop. It joins the group (again after a failure,
 * or as a dynamic member once fenced), polls, hands the records over ({@link PollHandOver}), settles
 * and commits ({@link CommitBook}), pauses its partitions at the in-flight limit, while intake is
 * paused, and while they are given back, and drains its work in flight when it stops. Rebalances:
 * {@link Rebalances}.
 */
final class ConsumerLoop implements Runnable {

    /** The requests consumers' logger (RequestConsumers): the logs read as they did. */
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.intake.RequestConsumers");
    private static final Duration POLL = Duration.ofMillis(100);

    final int member;
    private final ConsumerContext ctx;
    private final List<ConsumerRecord<String, String>> buffer = new ArrayList<>();
    private final CommitBook book;
    private final PollHandOver handOver;
    private final Rebalances rebalances;
    /** Records of its partitions not handed over at its last poll: buffered, and the lag by the last fetch. */
    volatile long waiting;
    volatile boolean running = true;
    volatile boolean rejoin;
    volatile long lastPoll = System.nanoTime();
    volatile String failure;
    /** This consumer's member id in the group (empty until it has joined). */
    volatile String memberId;
    /** This consumer's static id in the group; null: a dynamic member. */
    volatile String groupInstanceId;
    Thread thread;
    private KafkaConsumer<String, String> consumer;

    ConsumerLoop(ConsumerContext ctx, int member) {
        this.ctx = ctx;
        this.member = member;
        String id = ctx.membership.instanceId();
        this.groupInstanceId = id == null ? null : GroupInstanceIds.member(id, member);
        this.book = new CommitBook(ctx.topic, ctx.owners, () -> consumer, buffer);
        this.handOver = new PollHandOver(ctx, member, book, buffer);
        this.rebalances = new Rebalances(member, ctx.owners, ctx.rateShare, () -> consumer, book, buffer,
                handOver::cancelPolls);
    }

    /** Its records in flight. */
    int inFlight() {
        return handOver.inFlight();
    }

    @Override
    public void run() {
        while (running) {
            try {
                consumer = new KafkaConsumer<>(ctx.consumerProperties(member, groupInstanceId));
                consumer.subscribe(List.of(ctx.topic), rebalances);
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
                handOver.cancelPolls(partitions, "requests consumer " + member + " failed");
                ctx.owners.revoked(partitions);
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
        ctx.membership.taken(id);
        groupInstanceId = null;
        failure = "group.instance.id " + id + " taken by another running process";
        LOG.error("Requests consumer {} was fenced: another running process joined group {} as group.instance.id "
                + "'{}' (two instances with one id). This consumer joins again as a dynamic member, so this "
                + "process no longer gets its partitions back at once after a restart. Give each instance its "
                + "own {} (OPENTACT_KAFKA_GROUP_INSTANCE_ID), or leave it unset on every instance",
                member, ctx.groupId, id, GroupInstanceIds.KEY);
    }

    private void loop() {
        while (running) {
            if (rejoin) {
                rejoin = false;
                LOG.warn("Requests consumer {} gives its partitions up and joins the group again", member);
                consumer.unsubscribe();
                consumer.subscribe(List.of(ctx.topic), rebalances);
            }
            ConsumerRecords<String, String> records = consumer.poll(POLL);
            lastPoll = System.nanoTime();
            failure = null;
            ConsumerGroupMetadata metadata = consumer.groupMetadata();
            ctx.owners.observe(member, metadata);
            memberId = metadata.memberId();
            handOver.buffer(records);
            handOver.handOver();
            book.settle();
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

    /** Pauses every partition while too much is in flight or intake is paused, and those being given back. */
    private void flowControl() {
        Set<TopicPartition> assigned = consumer.assignment();
        boolean atLimit = handOver.inFlight() + buffer.size() >= ctx.inFlightLimit.limit();
        boolean hold = ctx.intake.isPaused() || atLimit
                || ctx.pollsInFlight.get() >= ConsumerContext.MAX_POLLS_IN_FLIGHT;
        if (atLimit && !ctx.intake.isPaused() && !ctx.heldAtLimit.get() && backlog(assigned)) {
            ctx.heldAtLimit.set(true);
        }
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (TopicPartition tp : assigned) {
            (hold || book.givingBack(tp.partition()) ? pause : resume).add(tp);
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
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ctx.shutdownTimeoutMs);
        for (int rounds = 0; handOver.inFlight() > 0 && System.nanoTime() < deadline && rounds < 100_000; rounds++) {
            consumer.poll(POLL); // stays in the group meanwhile
            book.settle();
        }
        book.settle();
        if (handOver.inFlight() > 0) {
            LOG.warn("Requests consumer {} stops with {} record(s) still in flight: they are read again by the "
                    + "partition's next owner, and the journal tells where each request is", member, handOver.inFlight());
        }
        List<Integer> partitions = progressPartitions();
        handOver.cancelPolls(partitions, "requests consumer " + member + " stops");
        ctx.owners.revoked(partitions);
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
        book.forgetAll(progressPartitions());
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

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
