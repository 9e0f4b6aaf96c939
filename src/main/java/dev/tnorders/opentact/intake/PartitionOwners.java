package dev.tnorders.opentact.intake;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import dev.tnorders.opentact.journal.Fencing;

/**
 * Which consumer of this instance owns which partition of the requests topic, and which record
 * each request in flight came from: the journal asks it before every write ({@link Fencing}).
 *
 * <p>A partition's ownership has an epoch, new at every assignment. A request's work may write
 * only while its partition is owned in the epoch its record was polled in: after a revocation
 * (the partition went to another member) or a loss (this member left the group), and even after
 * the same partition came back, the old work stops at its next write, so no record is worked on
 * by two threads. A revocation waits until no write of that consumer group is in progress (a
 * write lock against the writes' read locks), and a zombie's write that slips past it is refused
 * by the group coordinator: it carries the member's generation.
 */
public final class PartitionOwners implements Fencing {

    private record Owner(int member, long epoch) {
    }

    /** Where a request in flight came from (identity matters: one per poll that carries it). */
    public static final class Claim {
        final int partition;
        final long epoch;

        Claim(int partition, long epoch) {
            this.partition = partition;
            this.epoch = epoch;
        }
    }

    private final String topic;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final AtomicLong epochs = new AtomicLong();
    private final Map<Integer, Owner> owners = new ConcurrentHashMap<>();
    private final Map<String, Claim> requests = new ConcurrentHashMap<>();
    private final Map<Integer, ConsumerGroupMetadata> members = new ConcurrentHashMap<>();
    private final Map<Integer, Long> committed = new ConcurrentHashMap<>();

    // Whether a request is being worked on by this instance's consumers now (RequestConsumers).
    private volatile Predicate<String> inFlight = id -> false;

    public PartitionOwners(String topic) {
        this.topic = topic;
    }

    /**
     * The requests this instance's consumers are working on: a write for one of them without a
     * claim is refused (fail closed), never let through unfenced.
     */
    void inFlight(Predicate<String> inFlight) {
        this.inFlight = inFlight;
    }

    /** The member's group membership as its consumer saw it last (its generation moves at every rebalance). */
    public void observe(int member, ConsumerGroupMetadata metadata) {
        members.put(member, metadata);
    }

    /** The partitions are this member's now, read from these committed positions. */
    public void assigned(int member, Map<Integer, Long> positions) {
        positions.forEach((p, position) -> {
            owners.put(p, new Owner(member, epochs.incrementAndGet()));
            committed.put(p, position);
        });
    }

    /**
     * The partitions are no longer this instance's: waits for the writes in progress to end, and
     * refuses every later write of the work still in flight on them.
     */
    public void revoked(Collection<Integer> partitions) {
        lock.writeLock().lock();
        try {
            partitions.forEach(p -> {
                owners.remove(p);
                committed.remove(p);
            });
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public long takeovers() {
        return epochs.get();
    }

    public boolean owns(int partition) {
        return owners.containsKey(partition);
    }

    public void committed(int partition, long offset) {
        committed.computeIfPresent(partition, (p, before) -> Math.max(before, offset));
    }

    /** A request of a record of this partition is handed to the lifecycle. */
    /** A record of this partition was polled now: its claim is of the partition's current epoch. */
    public Claim claim(int partition) {
        Owner o = owners.get(partition);
        return new Claim(partition, o == null ? -1 : o.epoch());
    }

    /**
     * The request's work starts, with the claim of the record it came in. Tracked only while that
     * work runs, and only one work per request id runs at a time (RequestConsumers): a later record
     * of the same request, polled in a later epoch, cannot lend its claim to earlier work.
     */
    public void track(String requestId, Claim claim) {
        requests.put(requestId, claim);
    }

    /** {@link #claim} and {@link #track} at once. */
    public Claim track(String requestId, int partition) {
        Claim c = claim(partition);
        track(requestId, c);
        return c;
    }

    /**
     * Whether the request is worked on here now under the claim of its record, in the epoch its
     * partition is owned in now: its writes, and its order POST, would be let through.
     */
    public boolean holds(String requestId) {
        Claim c = requests.get(requestId);
        if (c == null) {
            return false;
        }
        Owner o = owners.get(c.partition);
        return o != null && o.epoch() == c.epoch;
    }

    public void untrack(String requestId, Claim claim) {
        requests.remove(requestId, claim);
    }

    @Override
    public Fence acquire(Collection<String> requestIds) {
        lock.readLock().lock();
        try {
            Integer member = null;
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (String id : requestIds) {
                Claim c = requests.get(id);
                if (c == null) {
                    if (inFlight.test(id)) {
                        throw new NotOwnedException("request " + id + " is worked on here without the claim of its "
                                + "record; its work stops (it is read again from the journal)");
                    }
                    continue; // not from a record of this instance's consumers (tools, tests)
                }
                Owner o = owners.get(c.partition);
                if (o == null || o.epoch() != c.epoch) {
                    throw new NotOwnedException("request " + id + ": partition " + topic + "-" + c.partition
                            + " was given to another consumer; its work here stops (the new owner resumes it from the journal)");
                }
                if (member != null && member != o.member()) {
                    throw new IllegalStateException("requests of two consumers in one journal write: " + requestIds);
                }
                member = o.member();
                Long at = committed.get(c.partition);
                if (at != null) {
                    offsets.put(new TopicPartition(topic, c.partition), new OffsetAndMetadata(at));
                }
            }
            ConsumerGroupMetadata metadata = member == null ? null : members.get(member);
            if (metadata == null) {
                lock.readLock().unlock();
                return null;
            }
            String key = "member-" + member;
            return new Fence() {
                private boolean closed;

                @Override
                public ConsumerGroupMetadata member() {
                    return metadata;
                }

                @Override
                public Map<TopicPartition, OffsetAndMetadata> offsets() {
                    return offsets;
                }

                @Override
                public String key() {
                    return key;
                }

                @Override
                public synchronized void close() {
                    if (!closed) {
                        closed = true;
                        lock.readLock().unlock();
                    }
                }
            };
        } catch (RuntimeException e) {
            lock.readLock().unlock();
            throw e;
        }
    }
}
