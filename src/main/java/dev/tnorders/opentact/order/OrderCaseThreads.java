package dev.tnorders.opentact.order;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads the order cases of a poll run on, side by side. A case holds its thread while it
 * waits between the reads of its order, so the cases in flight, not the calls, set how many are
 * needed: by Little's law the orders a rate limit allows per second times the time an order takes,
 * which grows with the limit and with Opentact's latency. So this pool does not fix that number: a
 * case gets a thread of its own whenever none is idle, and idle threads end after a minute. What
 * bounds the cases is the records in flight (the requests consumers' adaptive limit: it grows while
 * the rate limit has turns left and shrinks on 429s and a slower Opentact), of which every case holds
 * at least one. {@code opentact.order.parallel-orders} is only the ceiling on threads; cases beyond
 * it wait their turn in order.
 *
 * <p>A plain {@link ThreadPoolExecutor} either queues a task while it has its core threads (so a
 * fixed size) or makes a thread for every task until the core size is reached, idle threads or
 * not; here the queue refuses a task while fewer threads run than the ceiling and none is idle,
 * which makes the pool start one, and takes it once the ceiling is reached.
 */
public class OrderCaseThreads extends ThreadPoolExecutor {

    /** Cases handed to the pool and not finished: running or waiting (Tomcat's way of knowing whether a thread is idle). */
    private final AtomicInteger submitted = new AtomicInteger();

    public OrderCaseThreads(int threads) {
        super(0, check(threads), 60, TimeUnit.SECONDS, new CaseQueue(), new Named(), OrderCaseThreads::queueAtCeiling);
        ((CaseQueue) getQueue()).pool = this;
    }

    private static int check(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("opentact.order.parallel-orders must be at least 1: " + threads);
        }
        return threads;
    }

    @Override
    public void execute(Runnable task) {
        submitted.incrementAndGet();
        try {
            super.execute(task);
        } catch (RuntimeException e) {
            submitted.decrementAndGet();
            throw e;
        }
    }

    @Override
    protected void afterExecute(Runnable task, Throwable error) {
        submitted.decrementAndGet();
    }

    @Override
    public boolean remove(Runnable task) {
        boolean removed = super.remove(task);
        if (removed) {
            submitted.decrementAndGet();
        }
        return removed;
    }

    /** Cases running or waiting now. */
    public int casesInFlight() {
        return submitted.get();
    }

    /** Every thread is busy and no other may start: the case waits in the queue. */
    private static void queueAtCeiling(Runnable task, ThreadPoolExecutor pool) {
        if (pool.isShutdown() || !((CaseQueue) pool.getQueue()).force(task)) {
            throw new RejectedExecutionException("order case threads are shut down");
        }
    }

    /** Cases not started yet: refused while no thread is idle and the pool may start one, which it then does. */
    private static final class CaseQueue extends LinkedBlockingQueue<Runnable> {
        private transient volatile OrderCaseThreads pool;

        @Override
        public boolean offer(Runnable task) {
            OrderCaseThreads p = pool;
            if (p == null || p.getPoolSize() >= p.getMaximumPoolSize() || p.submitted.get() <= p.getPoolSize()) {
                return super.offer(task); // at the ceiling, or a thread is idle and takes it
            }
            return false;
        }

        boolean force(Runnable task) {
            return super.offer(task);
        }
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
