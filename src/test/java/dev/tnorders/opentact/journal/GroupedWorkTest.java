package dev.tnorders.opentact.journal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class GroupedWorkTest {

    private final ExecutorService callers = Executors.newFixedThreadPool(8);
    private final List<List<Integer>> rounds = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch firstRoundMayEnd = new CountDownLatch(1);
    private GroupedWork<Integer> work;

    @AfterEach
    void stop() {
        firstRoundMayEnd.countDown();
        if (work != null) {
            work.stop();
        }
        callers.shutdownNow();
    }

    /** Rounds are recorded; the first one holds until the test lets it end. */
    private GroupedWork<Integer> start(int maxPerRound, RuntimeException failure) {
        work = new GroupedWork<>("grouped-work-test", maxPerRound, items -> {
            rounds.add(items);
            if (rounds.size() == 1) {
                try {
                    firstRoundMayEnd.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return failure;
        });
        work.start();
        return work;
    }

    private Future<?> submit(int item) {
        return callers.submit(() -> work.submitAndWait(item, 10, "test work " + item));
    }

    /**
     * Caller 0 starts a round that holds; callers 1-5 queue behind it; then the round ends and
     * every caller gets its answer.
     */
    private void fiveCallersQueueBehindARoundInProgress() throws Exception {
        Future<?> first = submit(0);
        await().atMost(5, TimeUnit.SECONDS).until(() -> rounds.size() == 1);
        List<Future<?>> others = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            others.add(submit(i));
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> queued() == 5);
        firstRoundMayEnd.countDown();
        first.get(5, TimeUnit.SECONDS);
        for (Future<?> f : others) {
            f.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void callersWaitingAtTheSameMomentShareOneRound() throws Exception {
        start(100, null);
        fiveCallersQueueBehindARoundInProgress();
        assertThat(rounds).hasSize(2);
        assertThat(rounds.get(0)).containsExactly(0);
        assertThat(rounds.get(1)).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
    }

    @Test
    void aRoundTakesAtMostItsCap() throws Exception {
        start(2, null);
        fiveCallersQueueBehindARoundInProgress();
        assertThat(rounds.subList(1, rounds.size())).allSatisfy(r -> assertThat(r).hasSizeLessThanOrEqualTo(2));
        assertThat(rounds.stream().mapToInt(List::size).sum()).isEqualTo(6);
    }

    @Test
    void workHandedOverWithoutWaitingIsDoneInARoundWithTheOthers() {
        firstRoundMayEnd.countDown();
        start(100, new IllegalStateException("nobody hears this one"));
        work.submit(3); // returns at once; its round's error goes nowhere
        await().atMost(5, TimeUnit.SECONDS).until(() -> rounds.stream().anyMatch(r -> r.contains(3)));
        assertThatThrownBy(() -> work.submitAndWait(4, 10, "test work")).hasMessage("nobody hears this one");
    }

    @Test
    void aFailedRoundFailsEveryCallerInItWithItsError() {
        firstRoundMayEnd.countDown();
        start(100, new IllegalStateException("the broker said no"));
        assertThatThrownBy(() -> work.submitAndWait(7, 10, "test work"))
                .isInstanceOf(IllegalStateException.class).hasMessage("the broker said no");
    }

    @Test
    void aRoundThatThrowsFailsItsCallersAndTheThreadGoesOn() {
        firstRoundMayEnd.countDown();
        work = new GroupedWork<>("grouped-work-test", 100, items -> {
            if (items.contains(1)) {
                throw new IllegalArgumentException("round failed");
            }
            return null;
        });
        work.start();
        assertThatThrownBy(() -> work.submitAndWait(1, 10, "test work")).hasMessage("round failed");
        work.submitAndWait(2, 10, "test work"); // the thread still serves
    }

    @Test
    void callersStillWaitingWhenItStopsGetAnError() throws Exception {
        start(100, null);
        Future<?> first = submit(0);
        await().atMost(5, TimeUnit.SECONDS).until(() -> rounds.size() == 1);
        Future<?> waiting = submit(1);
        await().atMost(5, TimeUnit.SECONDS).until(() -> queued() == 1);
        firstRoundMayEnd.countDown();
        work.stop();
        first.get(5, TimeUnit.SECONDS);
        // Either the waiting caller made it into a last round before the stop, or it was told.
        try {
            waiting.get(5, TimeUnit.SECONDS);
            assertThat(rounds.stream().flatMap(List::stream)).contains(1);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).hasMessageContaining("is stopped");
        }
    }

    private int queued() {
        return work.waiting();
    }
}
