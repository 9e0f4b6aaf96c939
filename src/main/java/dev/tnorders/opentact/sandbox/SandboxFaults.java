package dev.tnorders.opentact.sandbox;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The faults the sandbox injects, and when: latency, the rate limit, errors before a call is handled,
 * dropped, hung, proxied or cut-off answers after it, odd order states, the seeded degraded mode;
 * and how many of them fired.
 */
final class SandboxFaults {

    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> dropAfterHandling = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hangAfterHandling = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> malformedAnswers = new ConcurrentHashMap<>();
    private final AtomicInteger unexpectedStates = new AtomicInteger();
    private final AtomicInteger faultsInjected = new AtomicInteger();
    private volatile Duration hang = Duration.ZERO;
    private volatile String unexpectedState = "on_hold";
    private volatile Duration latency = Duration.ZERO;
    /** Calls per second the sandbox takes before answering 429 (0: no limit), and when it took the last ones. */
    private volatile int rateLimit;
    private final ArrayDeque<Long> recentCalls = new ArrayDeque<>();
    private final AtomicInteger rateLimited = new AtomicInteger();
    private final Map<String, AtomicInteger> proxyErrors = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> proxyErrorsAfterHandling = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> successFalseAnswers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> otherOrderAnswers = new ConcurrentHashMap<>();
    /** The seeded degraded mode, or null when off. */
    private volatile Degradation degradation;

    private record Fault(int status, AtomicInteger remaining) {
    }

    // --- Set by tests --------------------------------------------------------------------------

    void setLatency(Duration value) {
        latency = value;
    }

    void setRateLimit(int callsPerSecond) {
        rateLimit = callsPerSecond;
    }

    int rateLimitedCalls() {
        return rateLimited.get();
    }

    void dropAnswerAfterHandling(String path, int count) {
        dropAfterHandling.put(path, new AtomicInteger(count));
    }

    void hangNext(String path, int count, Duration duration) {
        hang = duration;
        hangAfterHandling.put(path, new AtomicInteger(count));
    }

    void malformedAnswerNext(String path, int count) {
        malformedAnswers.put(path, new AtomicInteger(count));
    }

    void unexpectedOrderStateNext(String state, int count) {
        unexpectedState = state;
        unexpectedStates.set(count);
    }

    int faultsInjected() {
        return faultsInjected.get();
    }

    void failNext(String path, int status, int count) {
        faults.put(path, new Fault(status, new AtomicInteger(count)));
    }

    void proxyErrorNext(String path, int count) {
        proxyErrors.put(path, new AtomicInteger(count));
    }

    void proxyErrorAfterHandling(String path, int count) {
        proxyErrorsAfterHandling.put(path, new AtomicInteger(count));
    }

    void successFalseNext(String path, int count) {
        successFalseAnswers.put(path, new AtomicInteger(count));
    }

    void answerOrderPostWithOtherOrderNext(String path, int count) {
        otherOrderAnswers.put(path, new AtomicInteger(count));
    }

    /** The degraded mode on ({@code mode}) or off (null). */
    void setDegradation(Degradation mode) {
        degradation = mode;
    }

    Map<String, Integer> degradedFaults() {
        Degradation d = degradation;
        return d == null ? Map.of() : d.fired();
    }

    // --- Asked while a call is handled ---------------------------------------------------------

    /** The degraded mode now, or null when off. */
    Degradation degradation() {
        return degradation;
    }

    /** A fault fired (one counted elsewhere, e.g. by the degraded mode). */
    void fired() {
        faultsInjected.incrementAndGet();
    }

    /** Whether a call arriving at {@code now} (monotonic nanos) is one too many for the rate limit. */
    boolean overRateLimit(long now) {
        int limit = rateLimit;
        if (limit <= 0) {
            return false;
        }
        synchronized (recentCalls) {
            while (!recentCalls.isEmpty() && now - recentCalls.peekFirst() >= 1_000_000_000L) {
                recentCalls.pollFirst();
            }
            if (recentCalls.size() >= limit) {
                return true;
            }
            recentCalls.addLast(now);
            return false;
        }
    }

    /** A call is refused with 429 for the rate limit. */
    void refusedForRateLimit() {
        rateLimited.incrementAndGet();
    }

    /** Waits out the injected latency, if any. */
    void sleepLatency() throws InterruptedException {
        if (!latency.isZero()) {
            Thread.sleep(latency.toMillis());
        }
    }

    /** Throws the injected error for {@code path}, if one is left. */
    void injectedFault(String path) {
        for (Map.Entry<String, Fault> f : faults.entrySet()) {
            if (pathMatches(f.getKey(), path) && f.getValue().remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                faultsInjected.incrementAndGet();
                throw new ApiError(f.getValue().status(), "Injected fault", null);
            }
        }
    }

    boolean proxyErrorBefore(String path) {
        return take(proxyErrors, path);
    }

    boolean successFalse(String path) {
        return take(successFalseAnswers, path);
    }

    boolean otherOrderAnswer(String path) {
        return take(otherOrderAnswers, path);
    }

    /** Whether the answer to this call is dropped (not counted here: the caller counts the fault). */
    boolean shouldDrop(String path) {
        AtomicInteger remaining = dropAfterHandling.get(path);
        return remaining != null && remaining.getAndDecrement() > 0;
    }

    boolean proxyErrorAfter(String path) {
        return take(proxyErrorsAfterHandling, path);
    }

    /** Holds the answer back for the injected hang, if one is left for {@code path}. */
    void hangIfAsked(String path) throws InterruptedException {
        if (take(hangAfterHandling, path)) {
            Thread.sleep(hang.toMillis()); // the work is done; the answer comes too late
        }
    }

    boolean malformed(String path) {
        return take(malformedAnswers, path);
    }

    /** Puts the injected odd state in an order lookup's answer, if one is left. */
    void oddState(Map<String, Object> view) {
        if (unexpectedStates.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            faultsInjected.incrementAndGet();
            view.put("state", unexpectedState);
        }
    }

    /** Uses up one of the injected faults of {@code faults} that matches {@code path}, if any is left. */
    private boolean take(Map<String, AtomicInteger> remaining, String path) {
        for (Map.Entry<String, AtomicInteger> f : remaining.entrySet()) {
            if (pathMatches(f.getKey(), path) && f.getValue().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                faultsInjected.incrementAndGet();
                return true;
            }
        }
        return false;
    }

    private static boolean pathMatches(String key, String path) {
        return key.endsWith("*") ? path.startsWith(key.substring(0, key.length() - 1)) : path.equals(key);
    }
}
