package dev.tnorders.opentact.sandbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * What the sandbox was asked and answered: when each call arrived, by path; the auth forms accepted;
 * the answers sent by status; and the stats ({@code GET /_sandbox/stats}) of purchases and order
 * attempts per number.
 */
final class SandboxCallLog {

    private final SandboxState state;
    private final Map<String, List<Instant>> calls = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> authForms = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> answersByStatus = new ConcurrentHashMap<>();

    SandboxCallLog(SandboxState state) {
        this.state = state;
    }

    /** A call to {@code path} arrived at {@code at}. */
    void arrived(String path, Instant at) {
        calls.computeIfAbsent(path, k -> Collections.synchronizedList(new ArrayList<>())).add(at);
    }

    /** A call was accepted with this auth form. */
    void authorizedWith(String form) {
        authForms.computeIfAbsent(form, k -> new AtomicInteger()).incrementAndGet();
    }

    /** An answer with this status is being sent. */
    void answering(int status) {
        answersByStatus.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
    }

    List<Instant> callTimes(String path) {
        List<Instant> times = calls.get(path);
        if (times == null) {
            return List.of();
        }
        synchronized (times) {
            return List.copyOf(times);
        }
    }

    Map<String, List<Instant>> callTimesByPath() {
        Map<String, List<Instant>> out = new TreeMap<>();
        for (Map.Entry<String, List<Instant>> e : calls.entrySet()) {
            synchronized (e.getValue()) {
                out.put(e.getKey(), List.copyOf(e.getValue()));
            }
        }
        return out;
    }

    List<Instant> callTimesMatching(Predicate<String> path) {
        List<Instant> all = new ArrayList<>();
        for (Map.Entry<String, List<Instant>> e : calls.entrySet()) {
            if (path.test(e.getKey())) {
                synchronized (e.getValue()) {
                    all.addAll(e.getValue());
                }
            }
        }
        all.sort(null);
        return all;
    }

    Map<String, Integer> authFormsSeen() {
        Map<String, Integer> out = new HashMap<>();
        authForms.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    int answered(int status) {
        AtomicInteger n = answersByStatus.get(status);
        return n == null ? 0 : n.get();
    }

    /** The payload of {@code GET /_sandbox/stats}. */
    Map<String, Object> stats() {
        Map<String, Object> s = new LinkedHashMap<>();
        Map<String, Integer> purchases = new LinkedHashMap<>();
        state.purchases().forEach((tn, n) -> purchases.put(Long.toString(tn), n));
        Map<String, Integer> attempts = new LinkedHashMap<>();
        state.attempts().forEach((tn, n) -> attempts.put(Long.toString(tn), n));
        s.put("purchases", purchases);
        s.put("orderAttempts", attempts);
        s.put("orders", state.orderCount());
        s.put("balance", state.balance().toPlainString());
        return s;
    }
}
