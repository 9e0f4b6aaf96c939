package dev.tnorders.opentact.intake;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.journal.Fencing;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.order.CaseCancelledException;
import dev.tnorders.opentact.order.CaseTickets;

import static dev.tnorders.opentact.model.RequestBuilder.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The requests consumers' bookkeeping of a poll ({@link PollWork}), with the order cases played by
 * a fake of the lifecycle's parallel split: each case takes its ticket on a small pool of case
 * threads (the queue holds the cases that wait for a thread), and the route fails at the first
 * failing case while the other cases go on or wait, as Camel's split with stopOnException does.
 */
class PollWorkTest {

    private static final ConsumerGroupMetadata GEN = new ConsumerGroupMetadata("g", 1, "member-a", Optional.empty());
    private static final Duration SHORT = Duration.ofMillis(300);

    private final PartitionOwners owners = new PartitionOwners("requests");
    private final CaseTickets tickets = new CaseTickets();
    private final ExecutorService caseThreads = Executors.newFixedThreadPool(2);
    private final ExecutorService pollThreads = Executors.newCachedThreadPool();
    /** Request id → what its case does: hold (until released), fail, or (absent) end at once. */
    private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final Set<String> ran = ConcurrentHashMap.newKeySet();
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    private final Set<String> ranWithoutClaim = ConcurrentHashMap.newKeySet();
    private final AtomicInteger routeCalls = new AtomicInteger();
    private final CountDownLatch blocker = new CountDownLatch(1);
    private long offset;

    @BeforeEach
    void ownPartitionZero() {
        owners.observe(0, GEN);
        owners.assigned(0, Map.of(0, 0L));
    }

    @AfterEach
    void stop() {
        blocker.countDown();
        holds.values().forEach(CountDownLatch::countDown);
        caseThreads.shutdownNow();
        pollThreads.shutdownNow();
    }

    private static OrderRequest req(String id) {
        return request(id).tns("+12012091001").receivedAt("t").build();
    }

    private IntakeBatch batch(String... ids) {
        List<OrderRequest> requests = new ArrayList<>();
        List<Integer> partitions = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        for (String id : ids) {
            requests.add(req(id));
            partitions.add(0);
            offsets.add(offset++);
        }
        return new IntakeBatch(requests, partitions, offsets, List.of());
    }

    /** The lifecycle's parallel split: one case per request on the case threads, failing the route at the first failure. */
    private CompletableFuture<?> split(IntakeBatch batch) {
        routeCalls.incrementAndGet();
        CompletableFuture<Object> route = new CompletableFuture<>();
        AtomicInteger left = new AtomicInteger(batch.requests().size());
        for (OrderRequest r : batch.requests()) {
            caseThreads.execute(() -> {
                try {
                    tickets.run(List.of(r), () -> work(r));
                    if (left.decrementAndGet() == 0) {
                        route.complete(null);
                    }
                } catch (CaseCancelledException e) {
                    refused.add(r.requestId());
                    route.completeExceptionally(e);
                } catch (Exception e) {
                    route.completeExceptionally(e);
                }
            });
        }
        return route;
    }

    /** A case's work: held, failing or quick as the test says; it notes whether it ran under a claim. */
    private Void work(OrderRequest r) throws Exception {
        ran.add(r.requestId());
        try (Fencing.Fence fence = owners.acquire(List.of(r.requestId()))) {
            if (fence == null) {
                ranWithoutClaim.add(r.requestId()); // its journal writes would not be fenced
            }
        }
        CountDownLatch hold = holds.get(r.requestId());
        if (hold != null && !hold.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("never released");
        }
        if (failing.contains(r.requestId())) {
            throw new IllegalStateException("Opentact unavailable");
        }
        return null;
    }

    private PollWork work(Function<IntakeBatch, CompletableFuture<?>> route, long routeTimeoutMs, long casesEndMs) {
        return new PollWork(owners, tickets, route, routeTimeoutMs, casesEndMs, 30_000);
    }

    private CompletableFuture<Throwable> run(PollWork work, PollWork.Poll poll) {
        return CompletableFuture.supplyAsync(() -> work.run(poll), pollThreads);
    }

    /** What the poll's run returned (it must end within seconds). */
    private static Throwable ended(CompletableFuture<Throwable> run) throws Exception {
        return run.get(30, TimeUnit.SECONDS);
    }

    /** Both case threads busy: one with another poll's case, one with the poll's case that holds; the rest queue. */
    private void occupyOneCaseThread() {
        caseThreads.execute(() -> {
            try {
                blocker.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void aPollGivenBackCancelsItsQueuedCasesAndEndsOnlyOnceItsRunningCaseHasEnded() throws Exception {
        PollWork work = work(this::split, 30_000, 30_000);
        occupyOneCaseThread();
        holds.put("b", new CountDownLatch(1));
        failing.add("b");
        PollWork.Poll poll = work.handOver("requests-0@0..3", batch("b", "c", "d", "e"));
        CompletableFuture<Throwable> given = run(work, poll);
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains("b"));

        // The route fails (b fails) only when b is released; meanwhile the poll waits.
        holds.get("b").countDown();
        Throwable failure = ended(given);
        assertThat(failure).hasMessageContaining("Opentact unavailable");
        assertThat(poll.cases.cancelled()).isTrue();

        blocker.countDown(); // the queued cases get a thread now, after the poll was given back
        await().atMost(Duration.ofSeconds(10)).until(() -> refused.size() + ran.size() == 4);
        assertThat(ran).as("no case of a poll given back starts after it").containsExactly("b");
        assertThat(ranWithoutClaim).as("cases that ran without the claim of their record").isEmpty();
        assertThat(refused).containsExactlyInAnyOrder("c", "d", "e");
        assertThat(work.inFlight("c")).isFalse();
    }

    @Test
    void aFailedPollWaitsForItsRunningCaseWithItsRequestsStillClaimed() throws Exception {
        PollWork work = work(split -> CompletableFuture.failedFuture(new IllegalStateException("journal unreachable")),
                30_000, 30_000);
        IntakeBatch batch = batch("r");
        PollWork.Poll poll = work.handOver("requests-0@0", batch);
        CaseTickets.Ticket running = tickets.take(batch.requests()); // a case of it started before the failure
        CompletableFuture<Throwable> given = run(work, poll);

        await().during(SHORT).atMost(SHORT.multipliedBy(3)).until(() -> !given.isDone());
        try (Fencing.Fence fence = owners.acquire(List.of("r"))) {
            assertThat(fence).as("still claimed: its writes are fenced by its owner").isNotNull();
        }
        running.close();
        assertThat(ended(given)).hasMessage("journal unreachable");
        assertThat(owners.acquire(List.of("r"))).as("untracked once it ended").isNull();
    }

    @Test
    void aPollPastItsDeadlineIsCancelledAndGivenBackOnceItsRunningCaseHasEnded() throws Exception {
        PollWork work = work(this::split, 400, 30_000);
        occupyOneCaseThread();
        holds.put("slow", new CountDownLatch(1));
        PollWork.Poll poll = work.handOver("requests-0@0..1", batch("slow", "queued"));
        CompletableFuture<Throwable> given = run(work, poll);
        await().atMost(Duration.ofSeconds(10)).until(() -> poll.cases.cancelled());

        assertThat(given).as("its running case is not abandoned").isNotDone();
        holds.get("slow").countDown();
        assertThat(ended(given)).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("opentact.kafka.poll-timeout-ms");
        blocker.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> refused.size() + ran.size() == 2);
        assertThat(ran).as("the queued case never starts").containsExactly("slow");
    }

    @Test
    void aRevokedPartitionsPollStartsNoMoreCasesAndIsGivenBack() throws Exception {
        PollWork work = work(this::split, 30_000, 30_000);
        occupyOneCaseThread();
        holds.put("running", new CountDownLatch(1));
        PollWork.Poll poll = work.handOver("requests-0@0..1", batch("running", "queued"));
        CompletableFuture<Throwable> given = run(work, poll);
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains("running"));

        assertThat(poll.cancelIfOf(List.of(1), "partitions revoked")).as("not of partition 1").isFalse();
        assertThat(poll.cancelIfOf(List.of(0), "partitions revoked")).isTrue();
        owners.revoked(List.of(0));
        blocker.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> refused.size() + ran.size() == 2);
        assertThat(ran).as("the queued case never starts").containsExactly("running");
        assertThat(given).as("the running case has not ended").isNotDone();
        holds.get("running").countDown();
        assertThat(ended(given)).isInstanceOf(CaseCancelledException.class).hasMessageContaining("partitions revoked");
        assertThat(ran).containsExactly("running");
    }

    @Test
    void aCaseStillRunningPastTheWaitIsFencedAndItsRequestIsNotWorkedOnAgainUntilItEnds() throws Exception {
        IntakeBatch first = batch("r");
        AtomicInteger rereadRoutes = new AtomicInteger();
        PollWork work = work(b -> {
            if (b == first) {
                return CompletableFuture.failedFuture(new IllegalStateException("failed"));
            }
            rereadRoutes.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }, 30_000, 200);
        PollWork.Poll poll = work.handOver("requests-0@0", first);
        CaseTickets.Ticket stuck = tickets.take(first.requests()); // a case of it that does not end
        assertThat(ended(run(work, poll))).as("given back after the wait").hasMessage("failed");

        assertThatThrownBy(() -> owners.acquire(List.of("r"))).as("its next journal write is refused")
                .isInstanceOf(Fencing.NotOwnedException.class);
        assertThat(work.inFlight("r")).isTrue();

        // The record read again: its poll waits for the old case before it calls the route.
        PollWork.Poll reread = work.handOver("requests-0@0", batch("r"));
        CompletableFuture<Throwable> second = run(work, reread);
        await().during(SHORT).atMost(SHORT.multipliedBy(3)).until(() -> !second.isDone());
        assertThat(rereadRoutes.get()).isZero();
        stuck.close();
        assertThat(ended(second)).isNull();
        assertThat(rereadRoutes.get()).isEqualTo(1);
        assertThat(work.inFlight("r")).isFalse();
    }

    @Test
    void aPollWhoseCasesAllEndedIsDoneAndForgotten() throws Exception {
        PollWork work = work(this::split, 30_000, 30_000);
        PollWork.Poll poll = work.handOver("requests-0@0..1", batch("x", "y"));
        assertThat(ended(run(work, poll))).isNull();
        assertThat(ran).containsExactlyInAnyOrder("x", "y");
        assertThat(routeCalls.get()).isEqualTo(1);
        assertThat(work.inFlight("x")).isFalse();
        assertThat(owners.acquire(List.of("x"))).isNull();
        assertThat(poll.cases.ended()).isDone();
    }
}
