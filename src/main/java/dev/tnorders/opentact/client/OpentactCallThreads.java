package dev.tnorders.opentact.client;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads the calls to Opentact go out on (route {@code opentact-call}, step
 * {@code opentact-call-workers}): a call holds one for its latency, so reaching R calls/s at a
 * latency of L seconds takes about R × L of them. Their number follows that ({@link #resize}, from
 * the in-flight limit's sampler: twice this instance's share × the calls' latency, and some),
 * between {@link #floor()} and {@code opentact.api.concurrency}, the cap (also the HTTP
 * connections at most). Not adaptive: always the cap, as a fixed pool. Calls beyond the threads
 * wait in a queue of {@value #QUEUE} (then on the caller's thread, as Camel's own pool did).
 */
public class OpentactCallThreads extends ThreadPoolExecutor {

    /** The least threads when they adapt (the former default). */
    public static final int FLOOR = 32;
    static final int QUEUE = 1000;

    private final int cap;
    private final int floor;

    /**
     * @param concurrency {@code opentact.api.concurrency}: the most threads
     * @param adaptive    {@code opentact.kafka.adaptive-in-flight}: start at the floor and follow the load
     */
    public OpentactCallThreads(int concurrency, boolean adaptive) {
        super(check(concurrency), concurrency, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), new Named(),
                new ThreadPoolExecutor.CallerRunsPolicy());
        this.cap = concurrency;
        this.floor = adaptive ? Math.min(FLOOR, concurrency) : concurrency;
        // Idle threads end after a minute, also below the core size: Camel does not shut down an
        // executor it looked up, so an application stopped in a JVM that goes on (a host's test,
        // the test suite) leaves none behind for long.
        allowCoreThreadTimeOut(true);
        resize(floor);
    }

    private static int check(int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("opentact.api.concurrency must be at least 1: " + concurrency);
        }
        return concurrency;
    }

    public int cap() {
        return cap;
    }

    public int floor() {
        return floor;
    }

    /** The threads from now on, kept between the floor and the cap; idle ones beyond end. */
    public synchronized void resize(int threads) {
        int n = Math.max(floor, Math.min(cap, threads));
        if (n > getMaximumPoolSize()) {
            setMaximumPoolSize(n);
            setCorePoolSize(n);
        } else if (n < getCorePoolSize()) {
            setCorePoolSize(n);
            setMaximumPoolSize(n);
        }
    }

    private static final class Named implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "OpentactCall-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
