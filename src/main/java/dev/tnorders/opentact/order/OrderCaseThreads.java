package dev.tnorders.opentact.order;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads the order cases of a poll run on, side by side ({@code opentact.order.parallel-orders}).
 * A case holds its thread while it waits between the reads of its order, so the pool is larger
 * than the calls in flight ({@code opentact.api.concurrency}); cases beyond it wait their turn.
 * Idle threads end after a minute.
 */
public class OrderCaseThreads extends ThreadPoolExecutor {

    public OrderCaseThreads(int threads) {
        super(check(threads), threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), new Named());
        allowCoreThreadTimeOut(true);
    }

    private static int check(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("opentact.order.parallel-orders must be at least 1: " + threads);
        }
        return threads;
    }

    private static final class Named implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "OrderCase-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
