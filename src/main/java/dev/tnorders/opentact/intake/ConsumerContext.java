package dev.tnorders.opentact.intake;

import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.tnorders.opentact.client.SharedRateLimit;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * What one instance's requests consumers ({@link ConsumerLoop}) share with each other and with their
 * bean ({@link RequestConsumers}): the settings a consumer reads (and its Kafka properties), the
 * partitions' owners, the polls' work and threads, and the counters the in-flight limit reads.
 */
final class ConsumerContext {

    /**
     * Polls in flight in one instance at most (each holds a thread while its orders are followed):
     * in per-request mode every record is a poll, and max-in-flight records must not mean as many threads.
     */
    static final int MAX_POLLS_IN_FLIGHT = 256;

    private final KafkaClientSettings kafka;
    final String topic;
    final String groupId;
    final boolean batching;
    final int maxPollRecords;
    final int batchWaitMs;
    private final int fetchMinBytes;
    private final int sessionTimeoutMs;
    private final int maxPollIntervalMs;
    final long shutdownTimeoutMs;
    final IntakeControl intake;
    final BatchIntake batchIntake;
    /** The rate limit's share (optional: null). */
    final SharedRateLimit rateShare;
    final AdaptiveInFlight inFlightLimit;
    final StaticMembership membership;
    final PartitionOwners owners;
    final AtomicInteger pollsInFlight = new AtomicInteger();
    /** Records of this instance that finished (or were given back) since the start. */
    final LongAdder finishedRecords = new LongAdder();
    /** The time in flight of the finished records, summed (each record from its hand-over to its poll's end). */
    final LongAdder finishedRecordNanos = new LongAdder();
    /** A consumer was held back at the in-flight limit with a backlog since the last sample. */
    final AtomicBoolean heldAtLimit = new AtomicBoolean();
    /** The polls' bookkeeping and the threads they run on (set when the consumers start). */
    private volatile PollWork polls;
    private volatile ExecutorService pollThreads;

    ConsumerContext(KafkaClientSettings kafka, String topic, String groupId, boolean batching, int maxPollRecords,
                    int batchWaitMs, int fetchMinBytes, int sessionTimeoutMs, int maxPollIntervalMs,
                    long shutdownTimeoutMs, IntakeControl intake, BatchIntake batchIntake, SharedRateLimit rateShare,
                    AdaptiveInFlight inFlightLimit, StaticMembership membership) {
        this.kafka = kafka;
        this.topic = topic;
        this.groupId = groupId;
        this.batching = batching;
        this.maxPollRecords = maxPollRecords;
        this.batchWaitMs = batchWaitMs;
        this.fetchMinBytes = fetchMinBytes;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.maxPollIntervalMs = maxPollIntervalMs;
        this.shutdownTimeoutMs = shutdownTimeoutMs;
        this.intake = intake;
        this.batchIntake = batchIntake;
        this.rateShare = rateShare;
        this.inFlightLimit = inFlightLimit;
        this.membership = membership;
        this.owners = new PartitionOwners(topic);
    }

    /** The consumers start: their polls are handed over to this bookkeeping and run on these threads. */
    void started(PollWork polls, ExecutorService pollThreads) {
        this.polls = polls;
        this.pollThreads = pollThreads;
    }

    /** A consumer's Kafka properties, by its number and its group.instance.id (null: a dynamic member). */
    Properties consumerProperties(int member, String groupInstanceId) {
        Properties p = kafka.clientProperties("opentact-intake-" + groupId + "-" + member);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        if (groupInstanceId != null) {
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, groupInstanceId);
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeoutMs);
        // Kafka's 3 s (a third of a short session at most): a member hears of a rebalance at its next
        // heartbeat, and a cooperative rebalance takes two rounds.
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(100, Math.min(3_000, sessionTimeoutMs / 3)));
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, maxPollIntervalMs);
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, fetchMinBytes);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, batchWaitMs);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }

    PollWork polls() {
        return polls;
    }

    ExecutorService pollThreads() {
        return pollThreads;
    }
}
