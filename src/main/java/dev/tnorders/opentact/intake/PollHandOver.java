package dev.tnorders.opentact.intake;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.trace.RequestTraces;

/**
 * One requests consumer's hand-over of its records to the route {@code kafka-intake}: the records
 * polled wait in its buffer, and become polls (full ones, or what waited the batch's wait), each run
 * on a thread of its own ({@link PollWork}) and counted in flight until it ended, then reported to
 * the consumer's {@link CommitBook}; the polls of partitions given up are cancelled here. Used on the
 * consumer's thread.
 */
final class PollHandOver {

    /** The requests consumers' logger (RequestConsumers): the logs read as they did. */
    private static final Logger LOG = LoggerFactory.getLogger("dev.tnorders.opentact.intake.RequestConsumers");

    private final ConsumerContext ctx;
    private final int member;
    private final CommitBook book;
    private final List<ConsumerRecord<String, String>> buffer;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Set<PollWork.Poll> polling = ConcurrentHashMap.newKeySet();
    private long bufferedSince;

    /** @param buffer the consumer's records polled and not handed over yet */
    PollHandOver(ConsumerContext ctx, int member, CommitBook book, List<ConsumerRecord<String, String>> buffer) {
        this.ctx = ctx;
        this.member = member;
        this.book = book;
        this.buffer = buffer;
    }

    /** The consumer's records in flight: handed over, their poll not ended yet. */
    int inFlight() {
        return inFlight.get();
    }

    /** The poll's records of partitions this consumer reads (and does not give back now) wait to be handed over. */
    void buffer(ConsumerRecords<String, String> records) {
        for (ConsumerRecord<String, String> r : records) {
            if (book.owns(r.partition()) && !book.givingBack(r.partition())) {
                if (buffer.isEmpty()) {
                    bufferedSince = System.nanoTime();
                }
                buffer.add(r);
            }
        }
    }

    /** The buffered records as polls: full ones, or what waited the batch's wait. */
    void handOver() {
        if (buffer.isEmpty() || ctx.intake.isPaused()) {
            return;
        }
        boolean waited = System.nanoTime() - bufferedSince >= TimeUnit.MILLISECONDS.toNanos(ctx.batchWaitMs);
        int size = ctx.batching ? ctx.maxPollRecords : 1;
        boolean submitted = false;
        while ((buffer.size() >= size || (!buffer.isEmpty() && (waited || !ctx.batching)))
                && ctx.pollsInFlight.get() < ConsumerContext.MAX_POLLS_IN_FLIGHT) {
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
        IntakeBatch batch = ctx.batchIntake.read(records);
        Map<Integer, List<Long>> offsets = new TreeMap<>();
        for (ConsumerRecord<String, String> r : records) {
            book.polled(r.partition(), r.offset());
            offsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset());
        }
        PollWork polls = ctx.polls();
        // Claimed in offset order, on this thread: a request in flight already is waited for.
        PollWork.Poll poll = polls.handOver(name(offsets), batch);
        polling.add(poll);
        inFlight.addAndGet(records.size());
        long handedOver = System.nanoTime();
        ctx.pollsInFlight.incrementAndGet();
        ctx.pollThreads().execute(() -> {
            Throwable failure = null;
            try {
                failure = polls.run(poll); // returns once every case of it ended or was cancelled
            } finally {
                polling.remove(poll);
                // Tracing on: each request's span ends with its poll's work (given back: an error).
                RequestTraces.endRequests(batch.requests(), failure);
                ctx.pollsInFlight.decrementAndGet();
                inFlight.addAndGet(-records.size());
                ctx.finishedRecordNanos.add(records.size() * (System.nanoTime() - handedOver));
                ctx.finishedRecords.add(records.size());
                book.finished(offsets, failure);
            }
        });
    }

    /** The poll's records for the logs: topic-partition@first..last of each partition. */
    private String name(Map<Integer, List<Long>> offsets) {
        StringBuilder b = new StringBuilder();
        offsets.forEach((p, os) -> {
            long first = os.stream().mapToLong(Long::longValue).min().orElse(-1);
            long last = os.stream().mapToLong(Long::longValue).max().orElse(-1);
            b.append(b.length() == 0 ? "" : ",").append(ctx.topic).append('-').append(p).append('@').append(first)
                    .append(first == last ? "" : ".." + last);
        });
        return b.toString();
    }

    /** The polls with records of these partitions start no more order cases. */
    void cancelPolls(Collection<Integer> partitions, String why) {
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
}
