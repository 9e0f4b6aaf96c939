package dev.tnorders.opentact.intake;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.apache.camel.CamelExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.order.CaseCancelledException;
import dev.tnorders.opentact.order.CaseTickets;

/**
 * The bookkeeping of the polls the requests consumers hand to the lifecycle, from the moment a
 * poll is handed over to the moment its records may be counted as done or given back:
 * <ul>
 * <li>its requests are claimed in the partition epoch they were polled in ({@link PartitionOwners}),
 *     and worked on by one poll at a time (a request already in flight waits for the earlier poll);</li>
 * <li>its order cases take tickets ({@link CaseTickets}): a poll that fails, passes its deadline,
 *     or has a record of a partition revoked or lost is cancelled, and its cases not started yet
 *     never start;</li>
 * <li>its route call has a deadline ({@code opentact.kafka.poll-timeout-ms});</li>
 * <li>it ends only once every case of it has ended or was cancelled: only then are its requests
 *     untracked and is it counted as done or given back. Past {@code casesEndMs}, cases that still
 *     run are fenced instead: their requests stay in flight without a claim, so every later journal
 *     write of theirs is refused, and no other poll works on those requests until they end.</li>
 * </ul>
 * Thread-safe: polls are handed over on the consumers' threads and run on threads of their own.
 */
final class PollWork {

    private static final Logger LOG = LoggerFactory.getLogger(PollWork.class);

    private final PartitionOwners owners;
    private final CaseTickets tickets;
    private final Function<IntakeBatch, CompletableFuture<?>> route;
    private final long routeTimeoutMs;
    private final long casesEndMs;
    private final long earlierTimeoutMs;
    private final Map<String, CompletableFuture<Void>> requestsInFlight = new ConcurrentHashMap<>();

    /**
     * @param route            hands a poll to the route and completes when the route returns
     * @param routeTimeoutMs   how long a poll's route may take ({@code opentact.kafka.poll-timeout-ms})
     * @param casesEndMs       how long a poll ended early (failed, timed out) waits for its running cases
     * @param earlierTimeoutMs how long a poll waits for an earlier poll of one of its requests
     */
    PollWork(PartitionOwners owners, CaseTickets tickets, Function<IntakeBatch, CompletableFuture<?>> route,
             long routeTimeoutMs, long casesEndMs, long earlierTimeoutMs) {
        this.owners = owners;
        this.tickets = tickets;
        this.route = route;
        this.routeTimeoutMs = routeTimeoutMs;
        this.casesEndMs = casesEndMs;
        this.earlierTimeoutMs = earlierTimeoutMs;
        owners.inFlight(requestsInFlight::containsKey);
    }

    /** One poll handed over. */
    static final class Poll {
        final String name;
        final IntakeBatch batch;
        final Set<Integer> partitions;
        final CaseTickets.Poll cases;
        private final List<PartitionOwners.Claim> claims;
        private final List<CompletableFuture<Void>> earlier;
        private final CompletableFuture<Void> mine;

        private Poll(String name, IntakeBatch batch, Set<Integer> partitions, CaseTickets.Poll cases,
                     List<PartitionOwners.Claim> claims, List<CompletableFuture<Void>> earlier,
                     CompletableFuture<Void> mine) {
            this.name = name;
            this.batch = batch;
            this.partitions = partitions;
            this.cases = cases;
            this.claims = claims;
            this.earlier = earlier;
            this.mine = mine;
        }

        /** A partition of its records was revoked or lost: its cases not started yet never start. */
        boolean cancelIfOf(Collection<Integer> revoked, String why) {
            for (Integer p : revoked) {
                if (partitions.contains(p)) {
                    cases.cancel(why);
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * On the consumer's thread, in poll order: the poll's requests are claimed in the partitions'
     * current epochs, and a request an earlier poll still works on will wait for it.
     *
     * @param name the poll's records, for the logs
     */
    Poll handOver(String name, IntakeBatch batch) {
        List<PartitionOwners.Claim> claims = new ArrayList<>();
        List<CompletableFuture<Void>> earlier = new ArrayList<>();
        CompletableFuture<Void> mine = new CompletableFuture<>();
        for (int i = 0; i < batch.requests().size(); i++) {
            String id = batch.requests().get(i).requestId();
            claims.add(owners.claim(batch.partitions().get(i))); // the epoch it was polled in
            CompletableFuture<Void> before = requestsInFlight.put(id, mine);
            if (before != null && before != mine) { // twice in this poll: the planner handles that
                earlier.add(before);
            }
        }
        return new Poll(name, batch, new TreeSet<>(batch.partitions()), tickets.open(name, batch.requests()), claims,
                earlier, mine);
    }

    /**
     * On a thread of its own: the poll's route, then the wait for its cases.
     *
     * @return null when every request of the poll finished; else why the poll is given back
     */
    Throwable run(Poll poll) {
        Throwable failure = null;
        try {
            CompletableFuture.allOf(poll.earlier.toArray(CompletableFuture[]::new))
                    .get(earlierTimeoutMs, TimeUnit.MILLISECONDS);
            // Its claims only now that no other work on these requests runs.
            for (int i = 0; i < poll.batch.requests().size(); i++) {
                owners.track(poll.batch.requests().get(i).requestId(), poll.claims.get(i));
            }
            if (poll.cases.cancelled()) {
                throw new CaseCancelledException("poll " + poll.name + " was cancelled before it started");
            }
            failure = awaitRoute(poll);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        } catch (Throwable t) { // the poll is given back, whatever failed
            failure = unwrap(t);
        }
        if (failure != null) {
            poll.cases.cancel(failure.getClass().getSimpleName() + ": " + failure.getMessage());
        }
        poll.cases.close();
        release(poll, awaitCases(poll));
        return failure;
    }

    /** The route's failure, a timeout, or null when it returned. */
    private Throwable awaitRoute(Poll poll) throws InterruptedException, ExecutionException {
        CompletableFuture<?> done = route.apply(poll.batch);
        try {
            done.get(routeTimeoutMs, TimeUnit.MILLISECONDS);
            return null;
        } catch (TimeoutException e) {
            LOG.error("Poll {} is still worked on after opentact.kafka.poll-timeout-ms ({} ms): its order cases not "
                    + "started yet are cancelled, and it is given back once its running ones have ended",
                    poll.name, routeTimeoutMs);
            return new TimeoutException("poll " + poll.name + " took longer than opentact.kafka.poll-timeout-ms ("
                    + routeTimeoutMs + " ms)");
        }
    }

    /** Whether every case of the poll ended (it is cancelled or closed now, so none starts any more). */
    private boolean awaitCases(Poll poll) {
        try {
            return poll.cases.awaitEnded(casesEndMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopping: the cases still running are fenced
            return false;
        }
    }

    /**
     * The poll's requests are no longer claimed. When some case of it still runs, they stay in
     * flight without a claim until it ends: its journal writes are refused (fail closed), and a
     * later poll of the same requests waits for it.
     */
    private void release(Poll poll, boolean ended) {
        for (int i = 0; i < poll.batch.requests().size(); i++) {
            owners.untrack(poll.batch.requests().get(i).requestId(), poll.claims.get(i));
        }
        if (ended) {
            forget(poll);
            return;
        }
        LOG.error("Poll {}: {} order case(s) still run after {} ms; the poll is given back, and their journal writes "
                + "are refused from now on (no claim): their requests are worked on again once they have ended",
                poll.name, poll.cases.running(), casesEndMs);
        poll.cases.ended().whenComplete((v, e) -> forget(poll));
    }

    private void forget(Poll poll) {
        for (OrderRequest r : poll.batch.requests()) {
            requestsInFlight.remove(r.requestId(), poll.mine);
        }
        poll.mine.complete(null);
    }

    /** Whether a request is in flight here (handed over and not released). */
    boolean inFlight(String requestId) {
        return requestsInFlight.containsKey(requestId);
    }

    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        for (int i = 0; i < 10 && (c instanceof CamelExecutionException || c instanceof ExecutionException
                || c instanceof CompletionException) && c.getCause() != null; i++) {
            c = c.getCause();
        }
        return c;
    }
}
