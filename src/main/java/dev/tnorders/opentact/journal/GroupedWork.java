package dev.tnorders.opentact.journal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One thread that does, for every caller waiting at the same moment, one round of work for all of
 * them: the order journal's writer (one Kafka transaction for many callers' records) and its
 * reader (one read to the end for every caller that needs to catch up). A round costs about the
 * same however many callers it serves, so under load callers share rounds instead of queueing
 * for one each.
 *
 * @param <T> what a caller hands over with its request
 */
final class GroupedWork<T> {

    /** One round: the work of every caller in it; null when done, else the error each of them gets. */
    interface Round<T> extends Function<List<T>, RuntimeException> {
    }

    private record Waiting<T>(T work, CompletableFuture<Void> done) {
    }

    private final String threadName;
    private final int maxPerRound;
    private final Round<T> round;
    private final BlockingQueue<Waiting<T>> queue = new LinkedBlockingQueue<>();
    private volatile boolean running;
    private Thread thread;

    GroupedWork(String threadName, int maxPerRound, Round<T> round) {
        this.threadName = threadName;
        this.maxPerRound = maxPerRound;
        this.round = round;
    }

    void start() {
        running = true;
        thread = new Thread(this::serve, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Ends the thread after its round in progress; callers still waiting get an error. */
    void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Hands the work over and waits until a round has done it.
     *
     * @param what what the work is, for the errors ("writing the order journal")
     * @throws IllegalStateException when the round failed (its error), or took longer than the timeout
     */
    void submitAndWait(T work, long timeoutSeconds, String what) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Waiting<>(work, done));
        try {
            done.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " did not finish within " + timeoutSeconds + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + what, e);
        }
    }

    /** Hands the work over without waiting for a round to do it (its error, if any, goes nowhere). */
    void submit(T work) {
        queue.add(new Waiting<>(work, new CompletableFuture<>()));
    }

    /** How many callers are waiting for a round. */
    int waiting() {
        return queue.size();
    }

    /** Takes the first caller waiting and all the others up to the cap, and does one round for them. */
    private void serve() {
        while (running) {
            List<Waiting<T>> group = new ArrayList<>();
            try {
                Waiting<T> first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                queue.drainTo(group, maxPerRound - 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            RuntimeException failure;
            try {
                failure = round.apply(group.stream().map(Waiting::work).toList());
            } catch (RuntimeException e) {
                failure = e;
            }
            for (Waiting<T> w : group) {
                if (failure == null) {
                    w.done().complete(null);
                } else {
                    w.done().completeExceptionally(failure);
                }
            }
        }
        RuntimeException stopped = new IllegalStateException(threadName + " is stopped");
        List<Waiting<T>> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(w -> w.done().completeExceptionally(stopped));
    }
}
