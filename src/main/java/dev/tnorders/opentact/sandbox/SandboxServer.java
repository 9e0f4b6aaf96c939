package dev.tnorders.opentact.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The sandbox's HTTP server on 127.0.0.1: takes each call at its arrival, checks the rate limit,
 * the token and the faults due before it is handled, dispatches it to its endpoint, and sends the
 * answer in the documented envelope, or the fault due after it was handled.
 */
final class SandboxServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectMapper json;
    private final SandboxState state;
    private final SandboxFaults faults;
    private final SandboxCallLog log;
    private final OrderEndpoints orders;
    private final OrderViews views;
    private final InventoryEndpoints inventory;
    private volatile String token;

    /** When a call reached the server (its dispatcher), by the wall clock and the monotonic one. */
    private record Arrival(Instant at, long nanos) {
    }

    private static final ThreadLocal<Arrival> ARRIVAL = new ThreadLocal<>();

    SandboxServer(int port, String token, SandboxWire wire, SandboxState state, SandboxFaults faults,
                  SandboxCallLog log, OrderEndpoints orders, OrderViews views, InventoryEndpoints inventory)
            throws IOException {
        this.token = token;
        this.json = wire.json;
        this.state = state;
        this.faults = faults;
        this.log = log;
        this.orders = orders;
        this.views = views;
        this.inventory = inventory;
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

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    void setToken(String newToken) {
        token = newToken;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            Arrival arrival = ARRIVAL.get() != null ? ARRIVAL.get() : new Arrival(Instant.now(), System.nanoTime());
            log.arrived(path, arrival.at());
            Map<String, String> query = SandboxWire.query(ex.getRequestURI().getRawQuery());
            try {
                // Counted on arrival, as a rate-limiting gateway does; the answer still takes L.
                boolean limited = !path.equals("/_sandbox/stats") && faults.overRateLimit(arrival.nanos());
                faults.sleepLatency();
                if (path.equals("/_sandbox/stats")) {
                    send(ex, 200, log.stats(), Map.of());
                    return;
                }
                if (limited) {
                    faults.refusedForRateLimit();
                    throw new ApiError(429, "Too many requests", null);
                }
                if (!authorized(ex, query)) {
                    throw new ApiError(401, "Unauthorized", null);
                }
                Degradation degraded = faults.degradation();
                Degradation.Fault before = degraded == null ? null : degraded.before();
                if (before != null) {
                    faults.fired();
                    throw before == Degradation.Fault.unavailable
                            ? new ApiError(503, "Service temporarily unavailable", null)
                            : new ApiError(429, "Too many requests", null);
                }
                faults.injectedFault(path);
                if (faults.proxyErrorBefore(path)) {
                    sendHtml(ex, 502);
                    return;
                }
                if (faults.successFalse(path)) {
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
                    payload = orders.price(body);
                } else if (method.equals("POST") && path.equals("/rest/order")) {
                    payload = orders.placeItems(body);
                    status = 201;
                    orders.placed();
                } else if (method.equals("POST") && path.equals("/rest/order/tn")) {
                    payload = orders.placeTn(body);
                    status = 201;
                    orders.placed();
                } else if (method.equals("POST") && path.equals("/rest/order/search")) {
                    payload = views.searchOrders(body, query);
                } else if (method.equals("GET") && path.startsWith("/rest/order/")) {
                    SandboxState.Order order = state.order(path.substring("/rest/order/".length()));
                    if (order == null) {
                        throw new ApiError(404, "Not found", null);
                    }
                    lookup = true;
                    state.lookedUp(order);
                    Map<String, Object> view = views.orderView(order);
                    faults.oddState(view);
                    payload = view;
                } else if (method.equals("POST") && path.equals("/rest/tn/search")) {
                    payload = inventory.searchNumbers(body, query);
                } else if (path.equals("/rest/lease/tn") && method.equals("GET")
                        || path.equals("/rest/lease/tn/search") && method.equals("POST")) {
                    payload = inventory.leases(body, query);
                } else {
                    throw new ApiError(404, "Not found", null);
                }
                boolean orderPost = status == 201;
                if (orderPost && faults.otherOrderAnswer(path)) {
                    payload = views.oldestOrderBut((String) ((Map<?, ?>) payload).get("uuid"), payload);
                }
                if (faults.shouldDrop(path) || orderPost && degraded != null && degraded.resetOrderPost()) {
                    faults.fired();
                    return; // closed without an answer: the work is done, the client never hears of it
                }
                if (faults.proxyErrorAfter(path)) {
                    sendHtml(ex, 502); // the work is done; a proxy in between lost the answer
                    return;
                }
                faults.hangIfAsked(path); // the work is done; the answer comes too late
                // Written straight from the map: a JsonNode tree would normalise 1.00 to 1.
                Map<String, Object> envelope = new LinkedHashMap<>();
                envelope.put("success", true);
                envelope.put("payload", payload);
                boolean cutOff = faults.malformed(path);
                if (!cutOff && lookup && degraded != null && degraded.breakLookup()) {
                    faults.fired();
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
            log.authorizedWith(form);
        }
        return form != null;
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
        log.answering(status);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void sendHtml(HttpExchange ex, int status) throws IOException {
        byte[] bytes = ("<html><head><title>" + status + " Bad Gateway</title></head><body><center><h1>" + status
                + " Bad Gateway</h1></center><hr><center>nginx</center></body></html>").getBytes(StandardCharsets.UTF_8);
        log.answering(status);
        ex.getResponseHeaders().set("Content-Type", "text/html");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void send(HttpExchange ex, int status, Object body, Map<String, String> headers) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        log.answering(status);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
