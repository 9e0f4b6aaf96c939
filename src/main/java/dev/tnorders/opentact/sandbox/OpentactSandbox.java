package dev.tnorders.opentact.sandbox;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * A stateful local implementation of the documented Opentact ordering API (opentact-api.md), on
 * 127.0.0.1. It answers in the documented shapes, including the error envelope, checks the token
 * in all three documented forms, keeps an inventory, owned numbers, orders that become final
 * after a delay, a balance, and counts purchases per number so tests can prove nothing was
 * bought twice. Latency and faults can be injected.
 *
 * <p>This is the facade tests and the standalone run use; the work is done by {@link SandboxServer}
 * (HTTP and dispatch), {@link OrderEndpoints} (price, order POSTs), {@link OrderViews} (order lookup
 * and search), {@link InventoryEndpoints} (number and lease search), {@link SandboxFaults} (fault
 * injection, rate limit, degraded mode), {@link SandboxCallLog} (calls, answers, stats) and
 * {@link SandboxState} (the account).
 */
public final class OpentactSandbox implements AutoCloseable {

    /** How numbers appear in answers: the documents show both. */
    public enum NumberStyle { NUMERIC, E164 }

    /**
     * How {@code GET /rest/order/{uuid}} shows an order: seed 000's form (tn_items, tn_leases) or
     * seed 001's GetOrderByUUID (tns, tnleases, no tn_items).
     */
    public enum LookupForm { SEED_000, SEED_001 }

    private final SandboxState state = new SandboxState(Clock.systemUTC());
    private final SandboxWire wire = new SandboxWire();
    private final SandboxFaults faults = new SandboxFaults();
    private final SandboxCallLog log = new SandboxCallLog(state);
    private final OrderEndpoints orders = new OrderEndpoints(state, wire);
    private final OrderViews views = new OrderViews(state, wire);
    private final InventoryEndpoints inventory = new InventoryEndpoints(state, wire);
    private final SandboxServer server;

    private OpentactSandbox(int port, String token) throws IOException {
        server = new SandboxServer(port, token, wire, state, faults, log, orders, views, inventory);
    }

    /** Starts a sandbox on 127.0.0.1 ({@code port} 0 = a free port) that accepts {@code token}. */
    public static OpentactSandbox start(int port, String token) {
        try {
            return new OpentactSandbox(port, token);
        } catch (IOException e) {
            throw new IllegalStateException("the Opentact sandbox could not start: " + e.getMessage(), e);
        }
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args.length > 0 ? args[0] : System.getenv().getOrDefault("SANDBOX_PORT", "0"));
        String token = args.length > 1 ? args[1] : System.getenv().getOrDefault("SANDBOX_TOKEN", "sandbox-token");
        OpentactSandbox sandbox = start(port, token);
        System.out.println("Opentact sandbox listening at " + sandbox.baseUrl());
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }

    // --- Test controls -------------------------------------------------------------------------

    public void setToken(String newToken) {
        server.setToken(newToken);
    }

    public void setLatency(Duration value) {
        faults.setLatency(value);
    }

    /**
     * Answers 429 (with Retry-After) to calls beyond {@code callsPerSecond} in any one second, as
     * a rate-limited API does; 0 lifts the limit.
     */
    public void setRateLimit(int callsPerSecond) {
        faults.setRateLimit(callsPerSecond);
    }

    /**
     * The next number search still offers these numbers, then they leave the inventory at once,
     * as if another customer bought them: an order for them fails.
     */
    public void goneAfterSearch(long... tns) {
        inventory.goneAfterSearch(tns);
    }

    /**
     * Every number search (until changed) also offers these numbers, first, whatever its pattern:
     * numbers of another area code or exchange, or toll-free ones, as a search answer might hold.
     * They are in the inventory, so an order for them would succeed: a test can prove that none
     * was bought. No numbers: back to offering only what matches.
     */
    public void offerExtraInSearch(long... tns) {
        inventory.offerExtraInSearch(tns);
    }

    /** How many calls were refused with 429 for the rate limit. */
    public int rateLimitedCalls() {
        return faults.rateLimitedCalls();
    }

    public void setNumberStyle(NumberStyle style) {
        wire.setE164(style == NumberStyle.E164);
    }

    /** How long an order stays open: {@code processing} after {@code processing}, final after {@code completion}. */
    public void setDelays(Duration processing, Duration completion) {
        state.setDelays(processing, completion);
    }

    public void setCompletionDelay(Duration completion) {
        state.setDelays(Duration.ZERO, completion);
    }

    /**
     * A slow Opentact: an order is final only at its {@code n}-th lookup ({@code GET /rest/order/{uuid}}),
     * whatever its age, and answers {@code processing} to the lookups before it ({@code created} before
     * any; the order search shows the same). Each order then takes n lookups, so a client makes
     * 2 + n calls per order (price, POST, the lookups). 0 (the default): orders are final by their age
     * ({@link #setDelays}). Lookups refused before they are handled (429, a fault) do not count.
     */
    public void setLookupsToFinal(int n) {
        state.setLookupsToFinal(n);
    }

    public void setBalance(BigDecimal balance) {
        state.setBalance(balance);
    }

    public BigDecimal balance() {
        return state.balance();
    }

    public void setBasePrice(BigDecimal nrc, BigDecimal mrc) {
        state.setBasePrice(nrc, mrc);
    }

    public void setPrice(long tn, BigDecimal nrc, BigDecimal mrc) {
        state.setPrice(tn, nrc, mrc);
    }

    /**
     * What a feature ({@code voice}, {@code sms}, {@code mms}, {@code fax}, {@code emergency})
     * costs per number on top of the number's own price: its {@code <feature>_nrc} and
     * {@code <feature>_mrc} in price answers, counted in the totals and charged by orders that ask
     * for it. 0.00 unless set.
     */
    public void setFeaturePrice(String feature, BigDecimal nrc, BigDecimal mrc) {
        if (!OrderEndpoints.FEATURES.contains(feature)) {
            throw new IllegalArgumentException("unknown feature " + feature + "; use one of "
                    + OrderEndpoints.FEATURES);
        }
        state.setFeaturePrice(feature, nrc, mrc);
    }

    public void addInventory(long... tns) {
        state.addInventory(tns);
    }

    public void removeInventory(long... tns) {
        state.removeInventory(tns);
    }

    public boolean isOwned(long tn) {
        return state.isOwned(tn);
    }

    /** How many times the number was sold. More than 1 is the worst bug this product can have. */
    public int purchaseCount(long tn) {
        return state.purchaseCount(tn);
    }

    /** Number → order POSTs that reached Opentact with it. More than 1 means the number was sent in two orders. */
    public Map<Long, Integer> orderAttempts() {
        return state.attempts();
    }

    /** Whether the number, if owned, was bought with autorenew on; null when it is not owned. */
    public Boolean autorenew(long tn) {
        return state.leases().stream().filter(l -> l.tn() == tn).map(SandboxState.Lease::autorenew).findFirst()
                .orElse(null);
    }

    /** How many times the number appeared in an order POST, sold or not. */
    public int orderAttempts(long tn) {
        return state.orderAttempts(tn);
    }

    public Map<Long, Integer> purchases() {
        return state.purchases();
    }

    public int orderCount() {
        return state.orderCount();
    }

    /** When each call to exactly {@code path} arrived, in order. */
    public List<Instant> callTimes(String path) {
        return log.callTimes(path);
    }

    /** When each call arrived, by path (copies). */
    public Map<String, List<Instant>> callTimesByPath() {
        return log.callTimesByPath();
    }

    /** When each call arrived, whatever its path, in order. */
    public List<Instant> callTimes() {
        return callTimesMatching(path -> true);
    }

    /** When each call to a path this accepts arrived, in order. */
    public List<Instant> callTimesMatching(Predicate<String> path) {
        return log.callTimesMatching(path);
    }

    /** How many accepted calls used each auth form: {@code x-auth-token}, {@code bearer}, {@code query}. */
    public Map<String, Integer> authFormsSeen() {
        return log.authFormsSeen();
    }

    /**
     * The next {@code count} calls to exactly {@code path} are carried out, but the connection
     * closes before any answer: the client cannot know whether the call worked.
     */
    public void dropAnswerAfterHandling(String path, int count) {
        faults.dropAnswerAfterHandling(path, count);
    }

    /**
     * The next {@code count} calls to {@code path} (a trailing {@code *} matches a prefix) are
     * carried out, then their answer waits {@code duration} before it is sent: a client whose
     * response timeout is shorter gives up without knowing whether the call worked.
     */
    public void hangNext(String path, int count, Duration duration) {
        faults.hangNext(path, count, duration);
    }

    /**
     * The next {@code count} calls to {@code path} (a trailing {@code *} matches a prefix) are
     * carried out and answered with their usual status but a body cut off mid-JSON.
     */
    public void malformedAnswerNext(String path, int count) {
        faults.malformedAnswerNext(path, count);
    }

    /** The next {@code count} order reads ({@code GET /rest/order/{uuid}}) show {@code state}, one no client knows. */
    public void unexpectedOrderStateNext(String state, int count) {
        faults.unexpectedOrderStateNext(state, count);
    }

    /** How many answers with this HTTP status were sent (e.g. 402 once the balance ran out). */
    public int answered(int status) {
        return log.answered(status);
    }

    /** How many injected faults (errors, dropped, hung or malformed answers, odd states) actually fired. */
    public int faultsInjected() {
        return faults.faultsInjected();
    }

    /**
     * Called with the running count of accepted order POSTs, after the order is placed and before
     * it is answered: a test can kill its client right there, the worst moment.
     */
    public void onOrderPlaced(IntConsumer hook) {
        orders.onOrderPlaced(hook);
    }

    /**
     * Called with the numbers of every valid order POST as it arrives, before it is carried out
     * (the client is waiting for its answer): a test can look at the client's state right then.
     */
    public void onOrderArrival(Consumer<List<Long>> hook) {
        orders.onOrderArrival(hook);
    }

    /** Places an order as if through the API (someone else's order, or one whose answer was lost). */
    public String placeOrder(long... tns) {
        return orders.placeOrder(tns);
    }

    /**
     * The next {@code count} calls to {@code path} answer {@code status} with an error envelope
     * and do nothing else. A path ending in {@code *} matches every path that starts with the rest.
     */
    public void failNext(String path, int status, int count) {
        faults.failNext(path, status, count);
    }

    /** Seed 000's lookup form (default) or seed 001's (tns and tnleases, no tn_items). */
    public void setLookupForm(LookupForm form) {
        views.setSeed001Form(form == LookupForm.SEED_001);
    }

    /** Orders per order search page at the most (default 10); the payload's take says so. */
    public void setSearchPageCap(int cap) {
        views.setSearchPageCap(cap);
    }

    /** New orders show in the order search only this long after they were placed (default: at once). */
    public void setSearchDelay(Duration delay) {
        views.setSearchDelay(delay);
    }

    /** tn_items listed per order at the most (default 50); the rest show only as leases and in the counters. */
    public void setItemsListed(int count) {
        views.setItemsListed(count);
    }

    /** Whether an order's first bought number is listed twice, success then failed, as seed 000 shows (default true). */
    public void setBoughtNumberListedTwice(boolean twice) {
        views.setBoughtNumberListedTwice(twice);
    }

    /** The next {@code count} calls to {@code path} get a proxy's HTML 502, before reaching Opentact. */
    public void proxyErrorNext(String path, int count) {
        faults.proxyErrorNext(path, count);
    }

    /** The next {@code count} calls to {@code path} are carried out, then a proxy answers HTML 502. */
    public void proxyErrorAfterHandling(String path, int count) {
        faults.proxyErrorAfterHandling(path, count);
    }

    /** The next {@code count} calls to {@code path} answer 200 with {@code success: false} and do nothing. */
    public void successFalseNext(String path, int count) {
        faults.successFalseNext(path, count);
    }

    /**
     * The next {@code count} order POSTs to {@code path} are carried out, but answered 201 with the
     * account's oldest other order (as seed 001's ListOrders answers a {@code POST /rest/order}):
     * an answer that is not the new order, whose {@code created_on} says so.
     */
    public void answerOrderPostWithOtherOrderNext(String path, int count) {
        faults.answerOrderPostWithOtherOrderNext(path, count);
    }

    /**
     * A seeded "degraded" Opentact, every fault in the documented style: at random from
     * {@code seed}, one call in {@code unavailableOneIn} answers 503 with the documented error
     * envelope and one in {@code rateLimitedOneIn} answers 429 with Retry-After (both before the
     * call is handled), one order lookup in {@code brokenLookupOneIn} is answered with its body cut
     * off mid-JSON, and one order POST in {@code resetOrderPostOneIn} is carried out and then its
     * connection closed without an answer (0: never). Combine with {@link #setSearchDelay} and
     * {@link #setSearchPageCap}. Each fault that fires counts in {@link #faultsInjected()} too.
     */
    public void degrade(long seed, int unavailableOneIn, int rateLimitedOneIn, int brokenLookupOneIn,
                        int resetOrderPostOneIn) {
        faults.setDegradation(new Degradation(seed, new Degradation.Rates(unavailableOneIn, rateLimitedOneIn,
                brokenLookupOneIn, resetOrderPostOneIn)));
    }

    /** The degraded mode off (the faults already fired stay counted). */
    public void stopDegrading() {
        faults.setDegradation(null);
    }

    /** How often each fault of the degraded mode fired: unavailable, rateLimited, brokenLookup, resetOrderPost. */
    public Map<String, Integer> degradedFaults() {
        return faults.degradedFaults();
    }
}
