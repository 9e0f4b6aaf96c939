package dev.tnorders.opentact.order;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.model.OrderRequest;

/**
 * Which order cases of a poll may still start. The requests consumers open a {@link Poll} for the
 * requests of each poll they hand to the lifecycle; every order case takes a {@link Ticket} before
 * it runs ({@link OrderLifecycle}) and gives it back when it ends. Once the poll is cancelled (a
 * case of it failed, so it is given back; its deadline passed; a partition of its records was
 * revoked) or closed, its cases that have not started yet never start: taking their ticket throws
 * {@link CaseCancelledException}. Cases already running go on (the journal's fencing stops them at
 * their next write when the partition moved); {@link Poll#ended} says when the last of them ended.
 *
 * <p>A case is known by its requests: the very objects of its poll (the planner and the routes pass
 * them on, never copies), not their ids, since a poll given back is read again as new objects
 * with the same ids while a case of the old poll may still wait in the case threads' queue. The
 * registry holds them weakly: a cancelled poll is remembered as long as a case that may still
 * start holds its requests. Requests of no poll (tools, tests) take a ticket that refuses nothing.
 */
public final class CaseTickets {

    private static final Logger LOG = LoggerFactory.getLogger(CaseTickets.class);

    /** The one ticket of a case whose requests came from no poll of the consumers. */
    private static final Ticket FREE = new Poll.Held(null);

    private final ReferenceQueue<OrderRequest> gone = new ReferenceQueue<>();
    private final Map<Key, Poll> polls = new ConcurrentHashMap<>();

    /** A case's right to run, held until it ends. */
    public interface Ticket extends AutoCloseable {
        @Override
        void close();
    }

    /** The cases of one poll. */
    public static final class Poll {
        private final String name;
        private final CompletableFuture<Void> ended = new CompletableFuture<>();
        private int running;
        private int started;
        private int refused;
        private boolean open = true;
        private String cancelled;

        private Poll(String name) {
            this.name = name;
        }

        /** No case of the poll starts any more (idempotent: the first reason is kept). */
        public synchronized void cancel(String why) {
            if (cancelled == null) {
                cancelled = why;
            }
            stop();
        }

        /** The poll's work is over (its route returned): no case of it starts any more. */
        public synchronized void close() {
            stop();
        }

        private void stop() {
            open = false;
            if (running == 0) {
                ended.complete(null);
            }
        }

        public synchronized boolean cancelled() {
            return cancelled != null;
        }

        /** Cases of the poll running now. */
        public synchronized int running() {
            return running;
        }

        /** Cases of the poll that started. */
        public synchronized int started() {
            return started;
        }

        /** Cases of the poll that did not start: it was cancelled or over. */
        public synchronized int refused() {
            return refused;
        }

        /** Completes once the poll is cancelled or closed and none of its cases runs. */
        public CompletableFuture<Void> ended() {
            return ended;
        }

        /**
         * Waits up to {@code timeoutMs} for {@link #ended}.
         *
         * @return whether it ended; false when the wait timed out
         */
        public boolean awaitEnded(long timeoutMs) throws InterruptedException {
            try {
                ended.get(Math.max(0, timeoutMs), TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e); // never completed exceptionally
            }
        }

        private synchronized Ticket start(int requests) {
            if (!open) {
                refused++;
                CaseCancelledException e = new CaseCancelledException("an order case of " + requests
                        + " request(s) of poll " + name + " did not start: the poll "
                        + (cancelled != null ? "was cancelled (" + cancelled + ")" : "was over")
                        + "; its requests are read again and resume from the journal");
                LOG.info("{}", e.getMessage());
                throw e;
            }
            running++;
            started++;
            return new Held(this);
        }

        /** A ticket taken (of no poll: refuses nothing, counts nothing). */
        private static final class Held implements Ticket {
            private final Poll poll;
            private boolean closed;

            private Held(Poll poll) {
                this.poll = poll;
            }

            void failed(Throwable e) {
                if (poll != null) {
                    poll.cancel("an order case of it failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }

            @Override
            public void close() {
                if (poll == null) {
                    return;
                }
                synchronized (poll) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    poll.running--;
                    if (poll.running == 0 && !poll.open) {
                        poll.ended.complete(null);
                    }
                }
            }
        }

        @Override
        public synchronized String toString() {
            return "poll " + name + " (" + running + " case(s) running" + (cancelled != null ? ", cancelled" : "")
                    + (open ? "" : ", over") + ")";
        }
    }

    /**
     * The poll's requests (the objects its cases will carry) are handed to the lifecycle.
     *
     * @param name for the logs (its partitions and offsets)
     */
    public Poll open(String name, List<OrderRequest> requests) {
        expunge();
        Poll poll = new Poll(name);
        for (OrderRequest r : requests) {
            Poll before = polls.putIfAbsent(new Key(r, gone), poll);
            if (before != null && before != poll) {
                throw new IllegalStateException("request " + r.requestId() + " handed over in two polls at once");
            }
        }
        return poll;
    }

    /**
     * A case of these requests is about to run.
     *
     * @throws CaseCancelledException when their poll was cancelled or is over: the case must not start
     */
    public Ticket take(List<OrderRequest> requests) {
        Poll poll = null;
        for (OrderRequest r : requests) {
            Poll p = polls.get(new Key(r, null));
            if (p == null) {
                continue;
            }
            if (poll != null && poll != p) {
                throw new IllegalStateException("an order case with requests of two polls: " + requests.size());
            }
            poll = p;
        }
        return poll == null ? FREE : poll.start(requests.size());
    }

    /**
     * Runs a case of these requests under its ticket. A case that fails cancels its poll before
     * its thread takes the next case: the poll fails and is given back, so its cases not started
     * yet must not start.
     *
     * @throws CaseCancelledException when their poll was cancelled or is over: nothing of the case ran
     */
    public <T> T run(List<OrderRequest> requests, Callable<T> work) throws Exception {
        try (Ticket ticket = take(requests)) {
            try {
                return work.call();
            } catch (Exception | Error e) {
                ((Poll.Held) ticket).failed(e);
                throw e;
            }
        }
    }

    /** Polls remembered (open ones, and cancelled ones a case may still hold): tests. */
    int remembered() {
        expunge();
        return (int) polls.values().stream().distinct().count();
    }

    private void expunge() {
        for (Reference<? extends OrderRequest> r; (r = gone.poll()) != null; ) {
            polls.remove(r);
        }
    }

    /** A request object by its identity, held weakly. */
    private static final class Key extends WeakReference<OrderRequest> {
        private final int hash;

        Key(OrderRequest request, ReferenceQueue<OrderRequest> queue) {
            super(request, queue);
            this.hash = System.identityHashCode(request);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Key other)) {
                return false;
            }
            Object mine = get();
            return mine != null && mine == other.get();
        }
    }
}
