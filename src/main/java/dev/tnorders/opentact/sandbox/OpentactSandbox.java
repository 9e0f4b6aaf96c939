package dev.tnorders.opentact.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stateful local implementation of the documented Opentact ordering API (opentact-api.md), on
 * 127.0.0.1. It answers in the documented shapes, including the error envelope, checks the token
 * in all three documented forms, keeps an inventory, owned numbers, orders that become final
 * after a delay, a balance, and counts purchases per number so tests can prove nothing was
 * bought twice. Latency and faults can be injected.
 */
public final class OpentactSandbox implements AutoCloseable {

    /** How numbers appear in answers: the documents show both. */
    public enum NumberStyle { NUMERIC, E164 }

    /**
     * How {@code GET /rest/order/{uuid}} shows an order: seed 000's form (tn_items, tn_leases) or
     * seed 001's GetOrderByUUID (tns, tnleases, no tn_items).
     */
    public enum LookupForm { SEED_000, SEED_001 }

    private static final DateTimeFormatter UTC_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern UUID_PATTERN =
            Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
    private static final List<String> FEATURES = List.of("voice", "sms", "mms", "fax", "emergency");
    private static final String ACCOUNT_UUID = "5d6b1c2e-0000-4000-8000-000000000001";

    private final ObjectMapper json = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();
    private final SandboxState state = new SandboxState(Clock.systemUTC());
    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> authForms = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> dropAfterHandling = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hangAfterHandling = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> malformedAnswers = new ConcurrentHashMap<>();
    private final AtomicInteger unexpectedStates = new AtomicInteger();
    private final AtomicInteger faultsInjected = new AtomicInteger();
    private final Map<Integer, AtomicInteger> answersByStatus = new ConcurrentHashMap<>();
    private volatile Duration hang = Duration.ZERO;
    private volatile String unexpectedState = "on_hold";
    private final AtomicInteger orderPosts = new AtomicInteger();
    private final Map<String, List<Instant>> calls = new ConcurrentHashMap<>();
    private volatile IntConsumer orderPostHook = n -> { };
    private volatile Consumer<List<Long>> orderArrivalHook = tns -> { };
    private volatile String token;
    private volatile Duration latency = Duration.ZERO;
    /** Calls per second the sandbox takes before answering 429 (0: no limit), and when it took the last ones. */
    private volatile int rateLimit;
    private final ArrayDeque<Long> recentCalls = new ArrayDeque<>();
    private final AtomicInteger rateLimited = new AtomicInteger();
    private final AtomicReference<long[]> extraInSearch =
            new AtomicReference<>(new long[0]);
    private final AtomicReference<long[]> goneAfterSearch =
            new AtomicReference<>(new long[0]);
    private volatile NumberStyle numberStyle = NumberStyle.NUMERIC;
    // The documented style (opentact-api.md): what a client may count on, and no more.
    private volatile LookupForm lookupForm = LookupForm.SEED_000;
    /** Orders per page of the order search at the most, whatever take asked (seed 000 answers take 1 to take=10). */
    private volatile int searchPageCap = 10;
    /** How long a new order takes to show in the order search (nothing documents how soon it does). */
    private volatile Duration searchDelay = Duration.ZERO;
    /** tn_items listed per order at the most; counters and leases still cover every number. */
    private volatile int itemsListed = 50;
    /** As seed 000: an order's first bought number is listed twice, success then failed. */
    private volatile boolean boughtNumberListedTwice = true;
    private final Map<String, AtomicInteger> proxyErrors = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> proxyErrorsAfterHandling = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> successFalseAnswers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> otherOrderAnswers = new ConcurrentHashMap<>();
    /** The seeded degraded mode, or null when off. */
    private volatile Degradation degradation;

    private record Fault(int status, AtomicInteger remaining) {
    }

    private static final class ApiError extends RuntimeException {
        final int status;
        final Map<String, Object> fields;

        ApiError(int status, String message, Map<String, Object> fields) {
            super(message);
            this.status = status;
            this.fields = fields;
        }
    }

    /** When a call reached the server (its dispatcher), by the wall clock and the monotonic one. */
    private record Arrival(Instant at, long nanos) {
    }

    private static final ThreadLocal<Arrival> ARRIVAL = new ThreadLocal<>();

    private OpentactSandbox(int port, String token) throws IOException {
        this.token = token;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        executor = Executors.newFixedThreadPool(64, r -> {
            Thread t = new Thread(r, "opentact-sandbox");
            t.setDaemon(true);
            return t;
        });
        // A call counts when the server's dispatcher hands it over, not when a worker thread gets to
        // it: on a busy host that wait would bunch arrivals that came apart.
        server.setExecutor(r -> {
            Arrival at = new Arrival(Instant.now(), System.nanoTime());
            executor.execute(() -> {
                ARRIVAL.set(at);
                try {
                    r.run();
                } finally {
                    ARRIVAL.remove();
                }
            });
        });
        server.createContext("/", this::handle);
        server.start();
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
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // --- Test controls -------------------------------------------------------------------------

    public void setToken(String newToken) {
        token = newToken;
    }

    public void setLatency(Duration value) {
        latency = value;
    }

    /**
     * Answers 429 (with Retry-After) to calls beyond {@code callsPerSecond} in any one second, as
     * a rate-limited API does; 0 lifts the limit.
     */
    public void setRateLimit(int callsPerSecond) {
        rateLimit = callsPerSecond;
    }

    /**
     * The next number search still offers these numbers, then they leave the inventory at once,
     * as if another customer bought them: an order for them fails.
     */
    public void goneAfterSearch(long... tns) {
        goneAfterSearch.set(tns.clone());
    }

    /**
     * Every number search (until changed) also offers these numbers, first, whatever its pattern:
     * numbers of another area code or exchange, or toll-free ones, as a search answer might hold.
     * They are in the inventory, so an order for them would succeed: a test can prove that none
     * was bought. No numbers: back to offering only what matches.
     */
    public void offerExtraInSearch(long... tns) {
        state.addInventory(tns);
        extraInSearch.set(tns.clone());
    }

    /** How many calls were refused with 429 for the rate limit. */
    public int rateLimitedCalls() {
        return rateLimited.get();
    }

    private boolean overRateLimit(long now) {
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

    public void setNumberStyle(NumberStyle style) {
        numberStyle = style;
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
        if (!FEATURES.contains(feature)) {
            throw new IllegalArgumentException("unknown feature " + feature + "; use one of " + FEATURES);
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
        List<Instant> times = calls.get(path);
        if (times == null) {
            return List.of();
        }
        synchronized (times) {
            return List.copyOf(times);
        }
    }

    /** When each call arrived, by path (copies). */
    public Map<String, List<Instant>> callTimesByPath() {
        Map<String, List<Instant>> out = new TreeMap<>();
        for (Map.Entry<String, List<Instant>> e : calls.entrySet()) {
            synchronized (e.getValue()) {
                out.put(e.getKey(), List.copyOf(e.getValue()));
            }
        }
        return out;
    }

    /** When each call arrived, whatever its path, in order. */
    public List<Instant> callTimes() {
        return callTimesMatching(path -> true);
    }

    /** When each call to a path this accepts arrived, in order. */
    public List<Instant> callTimesMatching(Predicate<String> path) {
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

    /** How many accepted calls used each auth form: {@code x-auth-token}, {@code bearer}, {@code query}. */
    public Map<String, Integer> authFormsSeen() {
        Map<String, Integer> out = new HashMap<>();
        authForms.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /**
     * The next {@code count} calls to exactly {@code path} are carried out, but the connection
     * closes before any answer: the client cannot know whether the call worked.
     */
    public void dropAnswerAfterHandling(String path, int count) {
        dropAfterHandling.put(path, new AtomicInteger(count));
    }

    /**
     * The next {@code count} calls to {@code path} (a trailing {@code *} matches a prefix) are
     * carried out, then their answer waits {@code duration} before it is sent: a client whose
     * response timeout is shorter gives up without knowing whether the call worked.
     */
    public void hangNext(String path, int count, Duration duration) {
        hang = duration;
        hangAfterHandling.put(path, new AtomicInteger(count));
    }

    /**
     * The next {@code count} calls to {@code path} (a trailing {@code *} matches a prefix) are
     * carried out and answered with their usual status but a body cut off mid-JSON.
     */
    public void malformedAnswerNext(String path, int count) {
        malformedAnswers.put(path, new AtomicInteger(count));
    }

    /** The next {@code count} order reads ({@code GET /rest/order/{uuid}}) show {@code state}, one no client knows. */
    public void unexpectedOrderStateNext(String state, int count) {
        unexpectedState = state;
        unexpectedStates.set(count);
    }

    /** How many answers with this HTTP status were sent (e.g. 402 once the balance ran out). */
    public int answered(int status) {
        AtomicInteger n = answersByStatus.get(status);
        return n == null ? 0 : n.get();
    }

    /** How many injected faults (errors, dropped, hung or malformed answers, odd states) actually fired. */
    public int faultsInjected() {
        return faultsInjected.get();
    }

    /**
     * Called with the running count of accepted order POSTs, after the order is placed and before
     * it is answered: a test can kill its client right there, the worst moment.
     */
    public void onOrderPlaced(IntConsumer hook) {
        orderPostHook = hook;
    }

    /**
     * Called with the numbers of every valid order POST as it arrives, before it is carried out
     * (the client is waiting for its answer): a test can look at the client's state right then.
     */
    public void onOrderArrival(Consumer<List<Long>> hook) {
        orderArrivalHook = hook;
    }

    /** Places an order as if through the API (someone else's order, or one whose answer was lost). */
    public String placeOrder(long... tns) {
        List<Long> list = new ArrayList<>();
        List<Map<String, Object>> items = new ArrayList<>();
        for (long tn : tns) {
            list.add(tn);
            items.add(Map.of("tn", tn, "features", List.of("voice", "sms"), "autorenew", true));
        }
        SandboxState.Order order = state.place(list, List.of("voice", "sms"), true, Map.of("items", items));
        if (order == null) {
            throw new IllegalStateException("not enough balance");
        }
        return order.uuid();
    }

    /**
     * The next {@code count} calls to {@code path} answer {@code status} with an error envelope
     * and do nothing else. A path ending in {@code *} matches every path that starts with the rest.
     */
    public void failNext(String path, int status, int count) {
        faults.put(path, new Fault(status, new AtomicInteger(count)));
    }

    /** Seed 000's lookup form (default) or seed 001's (tns and tnleases, no tn_items). */
    public void setLookupForm(LookupForm form) {
        this.lookupForm = form;
    }

    /** Orders per order search page at the most (default 10); the payload's take says so. */
    public void setSearchPageCap(int cap) {
        this.searchPageCap = Math.max(1, cap);
    }

    /** New orders show in the order search only this long after they were placed (default: at once). */
    public void setSearchDelay(Duration delay) {
        this.searchDelay = delay;
    }

    /** tn_items listed per order at the most (default 50); the rest show only as leases and in the counters. */
    public void setItemsListed(int count) {
        this.itemsListed = count;
    }

    /** Whether an order's first bought number is listed twice, success then failed, as seed 000 shows (default true). */
    public void setBoughtNumberListedTwice(boolean twice) {
        this.boughtNumberListedTwice = twice;
    }

    /** The next {@code count} calls to {@code path} get a proxy's HTML 502, before reaching Opentact. */
    public void proxyErrorNext(String path, int count) {
        proxyErrors.put(path, new AtomicInteger(count));
    }

    /** The next {@code count} calls to {@code path} are carried out, then a proxy answers HTML 502. */
    public void proxyErrorAfterHandling(String path, int count) {
        proxyErrorsAfterHandling.put(path, new AtomicInteger(count));
    }

    /** The next {@code count} calls to {@code path} answer 200 with {@code success: false} and do nothing. */
    public void successFalseNext(String path, int count) {
        successFalseAnswers.put(path, new AtomicInteger(count));
    }

    /**
     * The next {@code count} order POSTs to {@code path} are carried out, but answered 201 with the
     * account's oldest other order (as seed 001's ListOrders answers a {@code POST /rest/order}):
     * an answer that is not the new order, whose {@code created_on} says so.
     */
    public void answerOrderPostWithOtherOrderNext(String path, int count) {
        otherOrderAnswers.put(path, new AtomicInteger(count));
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
        degradation = new Degradation(seed, new Degradation.Rates(unavailableOneIn, rateLimitedOneIn, brokenLookupOneIn,
                resetOrderPostOneIn));
    }

    /** The degraded mode off (the faults already fired stay counted). */
    public void stopDegrading() {
        degradation = null;
    }

    /** How often each fault of the degraded mode fired: unavailable, rateLimited, brokenLookup, resetOrderPost. */
    public Map<String, Integer> degradedFaults() {
        Degradation d = degradation;
        return d == null ? Map.of() : d.fired();
    }

    // --- HTTP ----------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            Arrival arrival = ARRIVAL.get() != null ? ARRIVAL.get() : new Arrival(Instant.now(), System.nanoTime());
            calls.computeIfAbsent(path, k -> Collections.synchronizedList(new ArrayList<>())).add(arrival.at());
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            try {
                // Counted on arrival, as a rate-limiting gateway does; the answer still takes L.
                boolean limited = !path.equals("/_sandbox/stats") && overRateLimit(arrival.nanos());
                if (!latency.isZero()) {
                    Thread.sleep(latency.toMillis());
                }
                if (path.equals("/_sandbox/stats")) {
                    send(ex, 200, stats(), Map.of());
                    return;
                }
                if (limited) {
                    rateLimited.incrementAndGet();
                    throw new ApiError(429, "Too many requests", null);
                }
                if (!authorized(ex, query)) {
                    throw new ApiError(401, "Unauthorized", null);
                }
                Degradation degraded = degradation;
                Degradation.Fault before = degraded == null ? null : degraded.before();
                if (before != null) {
                    faultsInjected.incrementAndGet();
                    throw before == Degradation.Fault.unavailable
                            ? new ApiError(503, "Service temporarily unavailable", null)
                            : new ApiError(429, "Too many requests", null);
                }
                injectedFault(path);
                if (take(proxyErrors, path)) {
                    sendHtml(ex, 502);
                    return;
                }
                if (take(successFalseAnswers, path)) {
                    Map<String, Object> refused = new LinkedHashMap<>();
                    refused.put("success", false);
                    refused.put("message", "Service temporarily unavailable");
                    refused.put("status", 503);
                    send(ex, 200, refused, Map.of());
                    return;
                }
                JsonNode body = readBody(ex);
                String method = ex.getRequestMethod();
                Object payload;
                int status = 200;
                boolean lookup = false;
                if (method.equals("POST") && path.equals("/rest/order/price")) {
                    payload = price(body);
                } else if (method.equals("POST") && path.equals("/rest/order")) {
                    payload = placeItems(body);
                    status = 201;
                    orderPostHook.accept(orderPosts.incrementAndGet());
                } else if (method.equals("POST") && path.equals("/rest/order/tn")) {
                    payload = placeTn(body);
                    status = 201;
                    orderPostHook.accept(orderPosts.incrementAndGet());
                } else if (method.equals("POST") && path.equals("/rest/order/search")) {
                    payload = searchOrders(body, query);
                } else if (method.equals("GET") && path.startsWith("/rest/order/")) {
                    SandboxState.Order order = state.order(path.substring("/rest/order/".length()));
                    if (order == null) {
                        throw new ApiError(404, "Not found", null);
                    }
                    lookup = true;
                    state.lookedUp(order);
                    Map<String, Object> view = orderView(order);
                    if (unexpectedStates.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        faultsInjected.incrementAndGet();
                        view.put("state", unexpectedState);
                    }
                    payload = view;
                } else if (method.equals("POST") && path.equals("/rest/tn/search")) {
                    payload = searchNumbers(body, query);
                } else if (path.equals("/rest/lease/tn") && method.equals("GET")
                        || path.equals("/rest/lease/tn/search") && method.equals("POST")) {
                    payload = leases(body, query);
                } else {
                    throw new ApiError(404, "Not found", null);
                }
                boolean orderPost = status == 201;
                if (orderPost && take(otherOrderAnswers, path)) {
                    payload = oldestOrderBut((String) ((Map<?, ?>) payload).get("uuid"), payload);
                }
                if (shouldDrop(path) || orderPost && degraded != null && degraded.resetOrderPost()) {
                    faultsInjected.incrementAndGet();
                    return; // closed without an answer: the work is done, the client never hears of it
                }
                if (take(proxyErrorsAfterHandling, path)) {
                    sendHtml(ex, 502); // the work is done; a proxy in between lost the answer
                    return;
                }
                if (take(hangAfterHandling, path)) {
                    Thread.sleep(hang.toMillis()); // the work is done; the answer comes too late
                }
                // Written straight from the map: a JsonNode tree would normalise 1.00 to 1.
                Map<String, Object> envelope = new LinkedHashMap<>();
                envelope.put("success", true);
                envelope.put("payload", payload);
                boolean cutOff = take(malformedAnswers, path);
                if (!cutOff && lookup && degraded != null && degraded.breakLookup()) {
                    faultsInjected.incrementAndGet();
                    cutOff = true;
                }
                if (cutOff) {
                    byte[] whole = json.writeValueAsBytes(envelope);
                    sendRaw(ex, status, Arrays.copyOf(whole, whole.length / 2));
                    return;
                }
                send(ex, status, envelope, Map.of());
            } catch (ApiError e) {
                ObjectNode envelope = json.createObjectNode();
                envelope.put("success", false);
                envelope.put("message", e.getMessage());
                envelope.put("status", e.status);
                envelope.put("meta", ex.getRequestMethod() + " " + path);
                if (e.fields != null && !e.fields.isEmpty()) {
                    envelope.set("fields", json.valueToTree(e.fields));
                }
                send(ex, e.status, envelope, e.status == 429 ? Map.of("Retry-After", "1") : Map.of());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean authorized(HttpExchange ex, Map<String, String> query) {
        String expected = token;
        String form = null;
        if (expected.equals(ex.getRequestHeaders().getFirst("X-Auth-Token"))) {
            form = "x-auth-token";
        } else if (("Bearer " + expected).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            form = "bearer";
        } else if (expected.equals(query.get("bearer"))) {
            form = "query";
        }
        if (form != null) {
            authForms.computeIfAbsent(form, k -> new AtomicInteger()).incrementAndGet();
        }
        return form != null;
    }

    private boolean shouldDrop(String path) {
        AtomicInteger remaining = dropAfterHandling.get(path);
        return remaining != null && remaining.getAndDecrement() > 0;
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

    private void injectedFault(String path) {
        for (Map.Entry<String, Fault> f : faults.entrySet()) {
            if (pathMatches(f.getKey(), path) && f.getValue().remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                faultsInjected.incrementAndGet();
                throw new ApiError(f.getValue().status(), "Injected fault", null);
            }
        }
    }

    private JsonNode readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] bytes = in.readAllBytes();
            if (bytes.length == 0) {
                return json.createObjectNode();
            }
            try {
                return json.readTree(bytes);
            } catch (IOException e) {
                throw new ApiError(400, "Malformed JSON body", null);
            }
        }
    }

    private void sendRaw(HttpExchange ex, int status, byte[] bytes) throws IOException {
        answersByStatus.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void sendHtml(HttpExchange ex, int status) throws IOException {
        byte[] bytes = ("<html><head><title>" + status + " Bad Gateway</title></head><body><center><h1>" + status
                + " Bad Gateway</h1></center><hr><center>nginx</center></body></html>").getBytes(StandardCharsets.UTF_8);
        answersByStatus.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
        ex.getResponseHeaders().set("Content-Type", "text/html");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void send(HttpExchange ex, int status, Object body, Map<String, String> headers) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        answersByStatus.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
        ex.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    // --- Endpoints -----------------------------------------------------------------------------

    /** The CreateTNOrder / price body: tns, feature booleans, autorenew, profile, SIP uuids. */
    private record TnBody(List<Long> tns, Map<String, Boolean> features, boolean autorenew) {
    }

    private TnBody readTnBody(JsonNode body) {
        Map<String, Object> fields = new LinkedHashMap<>();
        List<Long> tns = new ArrayList<>();
        JsonNode t = body.get("tns");
        if (t == null || !t.isArray() || t.isEmpty()) {
            fields.put("tns", field("must be a non-empty array of phone numbers", t));
        } else {
            for (int i = 0; i < t.size(); i++) {
                Long tn = number(t.get(i));
                if (tn == null) {
                    fields.put("tns." + i, field("must be a valid phone number", t.get(i)));
                } else {
                    tns.add(tn);
                }
            }
        }
        Map<String, Boolean> features = new LinkedHashMap<>();
        for (String f : FEATURES) {
            JsonNode v = body.get(f);
            if (v != null && !v.isNull() && !v.isBoolean()) {
                fields.put(f, field("must be a boolean", v));
            }
            features.put(f, v != null && v.isBoolean() ? v.booleanValue() : f.equals("voice") || f.equals("sms"));
        }
        JsonNode autorenew = body.get("autorenew");
        if (autorenew != null && !autorenew.isNull() && !autorenew.isBoolean()) {
            fields.put("autorenew", field("must be a boolean", autorenew));
        }
        JsonNode profile = body.get("profile");
        if (profile != null && !profile.isNull() && (!profile.isTextual() || profile.asText().isEmpty()
                || profile.asText().length() > 255)) {
            fields.put("profile", field("must be a string of 1 to 255 characters", profile));
        }
        for (String name : List.of("sip_connection", "sip_control_app")) {
            JsonNode v = body.get(name);
            if (v != null && !v.isNull() && !(v.isTextual() && UUID_PATTERN.matcher(v.asText()).matches())) {
                fields.put(name, field("must match " + UUID_PATTERN.pattern(), v));
            }
        }
        if (!fields.isEmpty()) {
            throw new ApiError(500, "Validation failed", fields);
        }
        return new TnBody(tns, features, autorenew == null || autorenew.isNull() || autorenew.booleanValue());
    }

    /**
     * The documented price answer: totals {@code nrc}/{@code mrc} as numbers (each number's own price
     * plus the prices of the features asked for), and one item per distinct own price with every
     * documented field as a decimal string: {@code nrc}, {@code mrc}, each feature's {@code _nrc} and
     * {@code _mrc} and its usage costs.
     */
    private Map<String, Object> price(JsonNode body) {
        TnBody req = readTnBody(body);
        List<String> asked = req.features().entrySet().stream().filter(Map.Entry::getValue)
                .map(Map.Entry::getKey).toList();
        // One price group per distinct per-number price.
        Map<String, List<Long>> groups = new LinkedHashMap<>();
        Map<String, BigDecimal[]> groupPrice = new HashMap<>();
        BigDecimal nrc = BigDecimal.ZERO;
        BigDecimal mrc = BigDecimal.ZERO;
        for (long tn : req.tns()) {
            BigDecimal[] p = state.priceOf(tn);
            String key = p[0].toPlainString() + "/" + p[1].toPlainString();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(tn);
            groupPrice.put(key, p);
            BigDecimal[] withFeatures = state.priceWith(tn, asked);
            nrc = nrc.add(withFeatures[0]);
            mrc = mrc.add(withFeatures[1]);
        }
        List<Map<String, Object>> items = new ArrayList<>();
        int id = 1;
        for (Map.Entry<String, List<Long>> g : groups.entrySet()) {
            BigDecimal[] p = groupPrice.get(g.getKey());
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", Integer.toString(id++));
            item.put("name", "US local");
            item.put("description", "Local number, price per number");
            item.put("nrc", p[0].toPlainString());
            item.put("mrc", p[1].toPlainString());
            for (String f : List.of("voice", "fax", "emergency")) {
                BigDecimal[] fp = state.featurePriceOf(f);
                item.put(f + "_nrc", fp[0].toPlainString());
                item.put(f + "_mrc", fp[1].toPlainString());
                item.put(f + "_incoming_per_min_cost", "0.0050");
                item.put(f + "_outgoing_per_min_cost", "0.0100");
            }
            for (String f : List.of("sms", "mms")) {
                BigDecimal[] fp = state.featurePriceOf(f);
                item.put(f + "_nrc", fp[0].toPlainString());
                item.put(f + "_mrc", fp[1].toPlainString());
                item.put(f + "_per_send_cost", "0.0040");
                item.put(f + "_per_receive_cost", "0.0000");
            }
            item.put("count", g.getValue().size());
            item.put("tns", g.getValue().stream().map(this::numberOut).toList());
            items.add(item);
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("nrc", nrc);
        payload.put("mrc", mrc);
        payload.put("items", items);
        return payload;
    }

    private Map<String, Object> placeItems(JsonNode body) {
        JsonNode items = body.get("items");
        Map<String, Object> fields = new LinkedHashMap<>();
        List<Long> tns = new ArrayList<>();
        List<String> features = new ArrayList<>();
        boolean autorenew = true;
        if (items == null || !items.isArray() || items.isEmpty()) {
            fields.put("items", field("must be a non-empty array", items));
        } else {
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = items.get(i);
                Long tn = number(item.get("tn"));
                if (tn == null) {
                    fields.put("items." + i + ".tn", field("must be a valid phone number", item.get("tn")));
                } else {
                    tns.add(tn);
                }
                JsonNode fs = item.get("features");
                if (fs != null && fs.isArray()) {
                    for (JsonNode f : fs) {
                        if (!FEATURES.contains(f.asText())) {
                            fields.put("items." + i + ".features", field("unknown feature", f));
                        } else if (i == 0) {
                            features.add(f.asText());
                        }
                    }
                }
                autorenew = !item.has("autorenew") || item.get("autorenew").asBoolean(true);
            }
        }
        if (!fields.isEmpty()) {
            throw new ApiError(500, "Validation failed", fields);
        }
        orderArrivalHook.accept(List.copyOf(tns));
        SandboxState.Order order = state.place(tns, features, autorenew, json.convertValue(body, Map.class));
        if (order == null) {
            throw new ApiError(402, "Not enough account balance", null);
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("uuid", order.uuid());
        payload.put("state", "created");
        payload.put("created_on", time(order.createdOn()));
        payload.put("modified_on", time(order.createdOn()));
        payload.put("total", tns.size());
        payload.put("success", 0);
        payload.put("processing", tns.size());
        payload.put("failed", 0);
        return payload;
    }

    private Map<String, Object> placeTn(JsonNode body) {
        TnBody req = readTnBody(body);
        List<String> features = req.features().entrySet().stream().filter(Map.Entry::getValue)
                .map(Map.Entry::getKey).toList();
        orderArrivalHook.accept(List.copyOf(req.tns()));
        SandboxState.Order order = state.place(req.tns(), features, req.autorenew(), json.convertValue(body, Map.class));
        if (order == null) {
            throw new ApiError(402, "Not enough account balance", null);
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("uuid", order.uuid());
        payload.put("state", "created");
        payload.put("request", body);
        req.features().forEach(payload::put);
        payload.put("autorenew", req.autorenew());
        payload.put("price", null);
        payload.put("created_on", time(order.createdOn()));
        payload.put("modified_on", time(order.createdOn()));
        return payload;
    }

    /** The summary of the account's oldest order other than {@code uuid}; {@code otherwise} when there is none. */
    private Object oldestOrderBut(String uuid, Object otherwise) {
        return state.orders().stream().filter(o -> !o.uuid().equals(uuid))
                .min((a, b) -> a.createdOn().compareTo(b.createdOn())).<Object>map(this::orderSummary).orElse(otherwise);
    }

    /** An order's summary, as the order search lists it (seed 000): no request, no numbers. */
    private Map<String, Object> orderSummary(SandboxState.Order order) {
        String visible = state.visibleState(order);
        boolean done = visible.equals("success") || visible.equals("failed");
        long success = order.items().stream().filter(SandboxState.Item::success).count();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("uuid", order.uuid());
        o.put("state", visible);
        o.put("created_on", time(order.createdOn()));
        o.put("modified_on", time(done ? order.createdOn() : state.now()));
        o.put("total", order.items().size());
        o.put("success", done ? success : 0);
        o.put("processing", done ? 0 : order.items().size());
        o.put("failed", done ? order.items().size() - success : 0);
        return o;
    }

    /**
     * An order as {@code GET /rest/order/{uuid}} shows it, in the documented style: seed 000's form
     * lists at most {@code itemsListed} tn_items (the counters cover every number), the first bought
     * number twice (success, then failed), and every bought number as a lease; seed 001's form has
     * tns and tnleases instead. Items show as processing until the order is final.
     */
    private Map<String, Object> orderView(SandboxState.Order order) {
        String visible = state.visibleState(order);
        boolean done = visible.equals("success") || visible.equals("failed");
        Map<String, Object> o = orderSummary(order);
        o.put("account", Map.of("uuid", ACCOUNT_UUID, "balance", state.balance()));
        o.put("created_by", Map.of("uuid", ACCOUNT_UUID));
        Map<String, Object> price = new LinkedHashMap<>();
        price.put("nrc", done ? order.nrc() : null);
        price.put("mrc", done ? order.mrc() : null);
        price.put("items", List.of());
        o.put("price", price);
        o.put("autorenew", order.autorenew());
        List<Map<String, Object>> leases = new ArrayList<>();
        if (done) {
            for (SandboxState.Item item : order.items()) {
                if (item.success()) {
                    leases.add(Map.of("tn", Map.of("tn", numberOut(item.tn())), "autorenew", item.autorenew()));
                }
            }
        }
        if (lookupForm == LookupForm.SEED_001) {
            o.put("tns", order.items().stream().map(i -> Map.of("tn", numberOut(i.tn()))).toList());
            o.put("request", order.request());
            o.put("tnleases", leases);
            return o;
        }
        List<Map<String, Object>> items = new ArrayList<>();
        boolean listedTwice = !boughtNumberListedTwice;
        for (SandboxState.Item item : order.items()) {
            if (items.size() >= itemsListed) {
                break;
            }
            String itemState = !done ? "processing" : item.success() ? "success" : "failed";
            items.add(item(item, itemState, !done ? "Processing" : item.reason()));
            if (done && item.success() && !listedTwice) {
                items.add(item(item, "failed", "Error buying a number"));
                listedTwice = true;
            }
        }
        o.put("tn_items", items);
        o.put("tn_leases", leases);
        return o;
    }

    private Map<String, Object> item(SandboxState.Item item, String itemState, String reason) {
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("uuid", item.uuid());
        i.put("state", itemState);
        i.put("reason", reason);
        i.put("autorenew", item.autorenew());
        i.put("request", Map.of("tn", numberOut(item.tn())));
        i.put("features", item.features());
        i.put("context", "a2p");
        i.put("tn", Map.of("tn", numberOut(item.tn())));
        return i;
    }

    private Map<String, Object> searchOrders(JsonNode body, Map<String, String> query) {
        int take = intParam(query, "take", 10, 1, 1000);
        int skip = intParam(query, "skip", 0, 0, Integer.MAX_VALUE);
        String wantedState = body.hasNonNull("state") ? body.get("state").asText() : null;
        Long wantedTn = body.hasNonNull("tn") ? number(body.get("tn")) : null;
        boolean ascending = "ASC".equalsIgnoreCase(body.path("order").path("created_on").asText("DESC"));
        List<SandboxState.Order> all = state.orders();
        if (!ascending) {
            Collections.reverse(all);
        }
        List<Map<String, Object>> matching = new ArrayList<>();
        Instant shownBefore = state.now().minus(searchDelay);
        for (SandboxState.Order order : all) {
            if (order.createdOn().isAfter(shownBefore)) {
                continue;
            }
            if (wantedState != null && !wantedState.equals(state.visibleState(order))) {
                continue;
            }
            if (wantedTn != null && order.items().stream().noneMatch(i -> i.tn() == wantedTn)) {
                continue;
            }
            matching.add(orderSummary(order));
        }
        return page("take", Math.min(take, searchPageCap), "skip", skip, matching);
    }

    private Map<String, Object> searchNumbers(JsonNode body, Map<String, String> query) {
        int page = intParam(query, "page", 1, 1, Integer.MAX_VALUE);
        int size = intParam(query, "size", 10, 1, 100);
        String pattern = body.path("pattern").asText("");
        if (!pattern.matches("[0-9*%]{10}")) {
            throw new ApiError(500, "Validation failed", Map.of("pattern",
                    field("must be ten digits or wildcards (* or %)", body.get("pattern"))));
        }
        List<Map<String, Object>> found = new ArrayList<>();
        List<Long> matching = state.search(pattern);
        for (long tn : extraInSearch.get()) {
            if (!matching.contains(tn)) {
                found.add(Map.of("tn", numberOut(tn), "state", "available"));
            }
        }
        for (long tn : matching) {
            found.add(Map.of("tn", numberOut(tn), "state", "available"));
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("page", page);
        payload.put("size", size);
        payload.put("total", found.size());
        int from = Math.min(found.size(), (page - 1) * size);
        payload.put("data", found.subList(from, Math.min(found.size(), from + size)));
        // Someone else buys these right after they were offered: gone by the time they are ordered.
        long[] gone = goneAfterSearch.getAndSet(new long[0]);
        if (gone.length > 0) {
            state.removeInventory(gone);
        }
        return payload;
    }

    private Map<String, Object> leases(JsonNode body, Map<String, String> query) {
        int take = intParam(query, "take", 10, 1, 1000);
        int skip = intParam(query, "skip", 0, 0, Integer.MAX_VALUE);
        Long wanted = body.hasNonNull("tn") ? number(body.get("tn")) : null;
        List<Map<String, Object>> out = new ArrayList<>();
        List<SandboxState.Lease> all = new ArrayList<>(state.leases());
        if ("DESC".equalsIgnoreCase(body.path("order").path("created_on").asText("ASC"))) {
            Collections.reverse(all);
        }
        for (SandboxState.Lease lease : all) {
            if (wanted == null || wanted == lease.tn()) {
                out.add(Map.of("uuid", lease.uuid(), "tn", Map.of("tn", numberOut(lease.tn())),
                        "created_on", time(lease.createdOn()), "autorenew", lease.autorenew()));
            }
        }
        return page("take", take, "skip", skip, out);
    }

    private Map<String, Object> stats() {
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

    // --- Helpers -------------------------------------------------------------------------------

    private static Map<String, Object> page(String takeName, int take, String skipName, int skip,
                                            List<Map<String, Object>> all) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put(takeName, take);
        payload.put(skipName, skip);
        payload.put("total", all.size());
        int from = Math.min(all.size(), skip);
        payload.put("data", all.subList(from, Math.min(all.size(), from + take)));
        return payload;
    }

    private Object numberOut(long tn) {
        return numberStyle == NumberStyle.E164 ? "+" + tn : (Object) tn;
    }

    /** A number as the order endpoints take it: 11 digits starting with 1, as a JSON number or E.164 string. */
    private static Long number(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        String digits;
        if (v.isIntegralNumber()) {
            digits = v.asText();
        } else if (v.isTextual() && v.asText().matches("\\+?1[0-9]{10}")) {
            digits = v.asText().replace("+", "");
        } else {
            return null;
        }
        return digits.matches("1[2-9][0-9]{9}") ? Long.parseLong(digits) : null;
    }

    private static Map<String, Object> field(String message, JsonNode value) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("message", message);
        f.put("value", value);
        return f;
    }

    private static int intParam(Map<String, String> query, String name, int dflt, int min, int max) {
        String v = query.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ApiError(500, "Validation failed", Map.of(name, Map.of("message",
                    "must be a whole number from " + min + " to " + max, "value", v)));
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (Iterator<String> it = List.of(raw.split("&")).iterator(); it.hasNext(); ) {
            String pair = it.next();
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k.toLowerCase(Locale.ROOT), v);
        }
        return out;
    }

    private static String time(Instant instant) {
        return UTC_MILLIS.format(instant);
    }
}
