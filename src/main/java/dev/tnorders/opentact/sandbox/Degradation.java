package dev.tnorders.opentact.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sandbox's seeded "degraded" mode: each call draws, from one seeded random sequence, whether
 * it meets one of the faults an API under strain shows ({@link OpentactSandbox#degrade}). A rate of
 * {@code n} means one call in {@code n} on average; 0 means never. The draws are made under one lock,
 * in the order the calls arrive: the same seed gives the same sequence of faults.
 */
final class Degradation {

    /** The faults, as {@link OpentactSandbox#degradedFaults()} names them. */
    enum Fault { unavailable, rateLimited, brokenLookup, resetOrderPost }

    /**
     * @param unavailableOneIn   a 503 with the documented error envelope, before the call is handled
     * @param rateLimitedOneIn   a 429 with Retry-After, before the call is handled
     * @param brokenLookupOneIn  an order lookup ({@code GET /rest/order/{uuid}}) answered with a body cut off mid-JSON
     * @param resetOrderPostOneIn an order POST carried out, then its connection closed without an answer
     */
    record Rates(int unavailableOneIn, int rateLimitedOneIn, int brokenLookupOneIn, int resetOrderPostOneIn) {
    }

    private final Random random;
    private final Rates rates;
    private final Map<Fault, AtomicInteger> fired = new ConcurrentHashMap<>();

    Degradation(long seed, Rates rates) {
        this.random = new Random(seed);
        this.rates = rates;
    }

    /** Draws for a call before it is handled: the fault to answer with instead, or null. */
    Fault before() {
        if (draw(rates.unavailableOneIn())) {
            return count(Fault.unavailable);
        }
        return draw(rates.rateLimitedOneIn()) ? count(Fault.rateLimited) : null;
    }

    /** Draws for a handled order lookup: whether its answer is cut off. */
    boolean breakLookup() {
        return draw(rates.brokenLookupOneIn()) && count(Fault.brokenLookup) != null;
    }

    /** Draws for a handled order POST: whether its connection closes without the answer. */
    boolean resetOrderPost() {
        return draw(rates.resetOrderPostOneIn()) && count(Fault.resetOrderPost) != null;
    }

    Map<String, Integer> fired() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Fault f : Fault.values()) {
            AtomicInteger n = fired.get(f);
            out.put(f.name(), n == null ? 0 : n.get());
        }
        return out;
    }

    private synchronized boolean draw(int oneIn) {
        return oneIn > 0 && random.nextInt(oneIn) == 0;
    }

    private Fault count(Fault f) {
        fired.computeIfAbsent(f, k -> new AtomicInteger()).incrementAndGet();
        return f;
    }
}
