package dev.tnorders.opentact.order;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The case threads follow the cases in flight: a thread starts only when none is idle, as many as
 * the cases that wait at once, up to the ceiling; beyond it cases wait their turn.
 */
class OrderCaseThreadsTest {

    @Test
    void casesOneAfterAnotherShareOneThread() throws Exception {
        OrderCaseThreads pool = new OrderCaseThreads(64);
        try {
            for (int i = 0; i < 20; i++) {
                pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
                // the case's thread is idle again once afterExecute ran
                await().atMost(Duration.ofSeconds(10)).until(() -> pool.casesInFlight() == 0);
            }
            assertThat(pool.getLargestPoolSize()).as("a thread for each case would be 20").isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void casesWaitingTogetherGetAThreadEachBeyondAFixedSize() throws Exception {
        OrderCaseThreads pool = new OrderCaseThreads(1024);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(200);
        List<Future<?>> cases = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                cases.add(pool.submit(() -> {
                    started.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return null;
                }));
            }
            assertThat(started.await(30, TimeUnit.SECONDS)).as("all 200 run at once (the old fixed 128 would hold 72 back)").isTrue();
            assertThat(pool.getPoolSize()).isEqualTo(200);
            assertThat(pool.casesInFlight()).isEqualTo(200);
            release.countDown();
            for (Future<?> f : cases) {
                f.get(30, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.casesInFlight() == 0);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void beyondTheCeilingCasesWaitTheirTurnAndAllRun() throws Exception {
        OrderCaseThreads pool = new OrderCaseThreads(3);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(3);
        List<Future<?>> cases = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                cases.add(pool.submit(() -> {
                    started.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return null;
                }));
            }
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(pool.getPoolSize()).isEqualTo(3);
            assertThat(pool.getQueue()).as("two wait their turn").hasSize(2);
            assertThat(pool.casesInFlight()).isEqualTo(5);
            release.countDown();
            for (Future<?> f : cases) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(pool.getLargestPoolSize()).isEqualTo(3);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void aCaseTakenBackFromTheQueueIsNoLongerInFlight() throws Exception {
        OrderCaseThreads pool = new OrderCaseThreads(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            Future<?> running = pool.submit(() -> {
                release.await(30, TimeUnit.SECONDS);
                return null;
            });
            Runnable queued = () -> { };
            pool.execute(queued);
            assertThat(pool.casesInFlight()).isEqualTo(2);
            assertThat(pool.remove(queued)).isTrue();
            assertThat(pool.casesInFlight()).isEqualTo(1);
            release.countDown();
            running.get(30, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
