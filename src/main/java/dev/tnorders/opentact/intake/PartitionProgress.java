package dev.tnorders.opentact.intake;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Where each partition of one consumer stands while many of its polls are worked on at once: the
 * offsets handed to the lifecycle and not finished yet, the ones whose poll failed, and from that
 * the offset that may be committed (every record before it finished). Offsets are committed in
 * order as requests finish: a slow order holds the commit point of its partition, never the work
 * on later records. Used by the consumer's own thread only.
 */
final class PartitionProgress {

    private static final class Partition {
        final TreeSet<Long> inFlight = new TreeSet<>();
        final TreeSet<Long> failed = new TreeSet<>();
        long next; // one past the last offset polled (or the position the partition started at)
        long committed;

        Partition(long start) {
            this.next = start;
            this.committed = start;
        }

        long committable() {
            long c = next;
            if (!inFlight.isEmpty()) {
                c = Math.min(c, inFlight.first());
            }
            if (!failed.isEmpty()) {
                c = Math.min(c, failed.first());
            }
            return c;
        }
    }

    private final Map<Integer, Partition> partitions = new HashMap<>();

    /** The partition is this consumer's from {@code position} on (assigned, or given back to it). */
    void start(int partition, long position) {
        partitions.put(partition, new Partition(position));
    }

    /** The partition is no longer this consumer's: what is still in flight on it is not its to commit. */
    void forget(int partition) {
        partitions.remove(partition);
    }

    boolean owns(int partition) {
        return partitions.containsKey(partition);
    }

    /** A record was polled and handed on (or skipped: then {@link #finished} at once). */
    void polled(int partition, long offset) {
        Partition p = partitions.get(partition);
        if (p == null) {
            return;
        }
        p.inFlight.add(offset);
        p.next = Math.max(p.next, offset + 1);
    }

    /** The records' requests are recorded (outcome published, or dead letter written). */
    void finished(int partition, Collection<Long> offsets) {
        Partition p = partitions.get(partition);
        if (p != null) {
            p.inFlight.removeAll(offsets);
        }
    }

    /** The records' poll failed: they must be read again, and nothing from the first of them on is committed. */
    void failed(int partition, Collection<Long> offsets) {
        Partition p = partitions.get(partition);
        if (p != null) {
            p.inFlight.removeAll(offsets);
            p.failed.addAll(offsets);
        }
    }

    int inFlight(int partition) {
        Partition p = partitions.get(partition);
        return p == null ? 0 : p.inFlight.size();
    }

    /** Records in flight over every partition. */
    int inFlight() {
        return partitions.values().stream().mapToInt(p -> p.inFlight.size()).sum();
    }

    /** Whether the partition has failed records and none in flight any more: it can be read again from {@link #rewind}. */
    boolean readyToRewind(int partition) {
        Partition p = partitions.get(partition);
        return p != null && !p.failed.isEmpty() && p.inFlight.isEmpty();
    }

    boolean hasFailed(int partition) {
        Partition p = partitions.get(partition);
        return p != null && !p.failed.isEmpty();
    }

    /**
     * The partition is read again from its first unfinished record: the offset to seek to. Records
     * after it that finished are read again too (the journal knows them: nothing is done twice).
     */
    long rewind(int partition) {
        Partition p = partitions.get(partition);
        long to = p.committable();
        p.failed.clear();
        p.inFlight.clear();
        p.next = to;
        return to;
    }

    /** Partitions whose commit point moved since the last {@link #committed}, with the offset to commit. */
    Map<Integer, Long> toCommit() {
        Map<Integer, Long> out = new HashMap<>();
        partitions.forEach((id, p) -> {
            long c = p.committable();
            if (c > p.committed) {
                out.put(id, c);
            }
        });
        return out;
    }

    /** The offset to commit of one partition now (every record before it finished), or -1 when not owned. */
    long committable(int partition) {
        Partition p = partitions.get(partition);
        return p == null ? -1 : p.committable();
    }

    /** Those offsets are committed. */
    void committed(Map<Integer, Long> offsets) {
        offsets.forEach((id, offset) -> {
            Partition p = partitions.get(id);
            if (p != null) {
                p.committed = Math.max(p.committed, offset);
            }
        });
    }

    /** The last committed offset of each partition (what a journal transaction commits again, to be fenced). */
    Map<Integer, Long> committed() {
        Map<Integer, Long> out = new HashMap<>();
        partitions.forEach((id, p) -> out.put(id, p.committed));
        return out;
    }
}
