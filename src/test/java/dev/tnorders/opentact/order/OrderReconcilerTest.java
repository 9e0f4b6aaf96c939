package dev.tnorders.opentact.order;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.ManualClock;
import dev.tnorders.opentact.client.ApiResponse;
import dev.tnorders.opentact.client.OpentactApi;
import dev.tnorders.opentact.client.OpentactClient;
import dev.tnorders.opentact.client.OpentactPayloads;
import dev.tnorders.opentact.client.OpentactResponses;
import dev.tnorders.opentact.client.OpentactUnavailableException;
import dev.tnorders.opentact.order.Reconciliation.Reconciled;
import dev.tnorders.opentact.order.Reconciliation.Verdict;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reconciliation against answers shaped only as the seeds show them: an order search that lists
 * summaries in pages of its own size, lookups for the numbers, leases.
 */
class OrderReconcilerTest {

    private static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    private static final long WINDOW = 60_000;
    private static final long INTERVAL = 2_000;
    private static final long SKEW = 30_000;

    // Reconciliation starts a second after the intent (the POST's answer was lost meanwhile).
    private final ManualClock clock = new ManualClock(T0 + 1_000);
    private final FakeOpentact opentact = new FakeOpentact();

    private OrderReconciler reconciler(int maxPages) {
        return new OrderReconciler(new OpentactClient(opentact, new OpentactPayloads("items")), null,
                new OrderClock(clock, clock::advance), WINDOW, INTERVAL, SKEW, maxPages);
    }

    private Reconciled reconcile(String... tns) throws InterruptedException {
        return reconciler(20).reconcile(List.of(tns), T0);
    }

    @Test
    void findsItsOrderByLookingUpTheSummariesTheSearchLists() throws Exception {
        opentact.order("older", T0 - 3_600_000, 0, "+12015550001"); // before the intent: never a candidate
        opentact.order("mine", T0 + 200, 0, "+12015550001", "+12015550002");
        opentact.order("newer", T0 + 900, 0, "+12015550009");
        Reconciled r = reconcile("+12015550001", "+12015550002");
        assertThat(r.verdict()).isEqualTo(Verdict.FOUND);
        assertThat(r.orderUuid()).isEqualTo("mine");
        assertThat(opentact.lookups).doesNotContainKey("older");
        assertThat(clock.millis()).as("found in the first pass, no wait").isEqualTo(T0 + 1_000);
    }

    /**
     * A busy account: orders keep coming (4 a second) while a reconciliation waits out its window.
     * Read whole, the search down to the intent would be 25 pages of 10 at the end, past the cap of
     * 20, and no pass could ever be clean; read again from the top only (down to the last read's
     * start less the search lag and the clock skew), each pass reads the newest pages and keeps the
     * rest, and the conclusion is clean. Each order is looked up once.
     */
    @Test
    void aBusyAccountsSearchIsReadAgainFromTheTopOnly() throws Exception {
        for (int i = 0; i < 250; i++) {
            opentact.order("other-" + i, T0 + 100 + i * 250L, 0, "+1201600" + String.format("%04d", i));
        }
        Reconciled r = reconciler(20).reconcile(List.of("+12015550001"), T0);
        assertThat(r.verdict()).as(r.reason()).isEqualTo(Verdict.NOT_PLACED);
        assertThat(opentact.lookups.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(opentact.lookups).hasSizeGreaterThan(200);
    }

    @Test
    void aBatchsOrderHoldsTheNumbersOfTheOtherRequestsOfItsPost() throws Exception {
        // Requests of one batch resumed apart: the order also holds the numbers of the others of its POST.
        opentact.order("batch", T0 + 200, 0, "+12015550001", "+12015550002", "+12015550003");
        Reconciled r = reconciler(20).reconcile(List.of("+12015550001", "+12015550002"), Set.of("+12015550003"), T0);
        assertThat(r.verdict()).isEqualTo(Verdict.FOUND);
        assertThat(r.orderUuid()).isEqualTo("batch");
    }

    @Test
    void anOrderThatAlsoHoldsNumbersOfNoRequestOfThePostIsNeverFound() throws Exception {
        // Someone else's order (another request's, a person's) holding our numbers and others: not ours.
        opentact.order("theirs", T0 + 200, 0, "+12015550001", "+12015550002", "+12015550077");
        Reconciled r = reconcile("+12015550001", "+12015550002");
        assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(r.orderUuid()).isNull();
        assertThat(r.reason()).contains("order theirs holds these numbers and 1 of no request of this order POST (+12015550077)");
        assertThat(opentact.leaseSearches.get()).as("a pass that saw it is not clean: no lease search, never 'not placed'")
                .isZero();
    }

    @Test
    void anOrderCreatedBeforeTheIntentIsNeverTakenAlsoWhenOnlyItsLookupSaysWhen() throws Exception {
        // The search lists it without a created_on (a candidate then); its lookup shows it is an hour old.
        opentact.order("old", T0 - 3_600_000, 0, "+12015550001");
        opentact.withoutCreatedOnInSearch.add("old");
        Reconciled r = reconcile("+12015550001");
        assertThat(r.verdict()).isEqualTo(Verdict.NOT_PLACED);
        assertThat(r.orderUuid()).isNull();
        assertThat(opentact.lookups).containsKey("old");
    }

    @Test
    void aReadThatFailsOnceIsSentAgainAndThePassStaysClean() throws Exception {
        clock.advance(WINDOW + 5_000); // a crash long ago: the first clean pass concludes
        long start = clock.millis();
        opentact.leaseFailures = 1; // a 503 to the lease search
        opentact.lookupFailures = 1; // a 503 to the lookup
        opentact.order("someone-else", T0 + 100, 0, "+12015550077");
        Reconciled r = reconcile("+12015550001");
        assertThat(r.verdict()).isEqualTo(Verdict.NOT_PLACED);
        assertThat(clock.millis()).as("one pass: its reads were retried, not the pass").isEqualTo(start);
        assertThat(opentact.sentOnce.get()).as("reads sent on the path without retries").isZero();
    }

    @Test
    void aReadThatStillFailsNamesItselfAndItsAttempts() throws Exception {
        opentact.order("mine", T0 + 100, 0, "+12015550001");
        opentact.lookupFailures = Integer.MAX_VALUE;
        Reconciled r = reconcile("+12015550001");
        assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(r.reason()).contains("the lookup of order mine failed after " + (FakeOpentact.RETRIES + 1)
                + " attempts: Opentact is unavailable (HTTP 503");
    }

    @Test
    void pagesByThePayloadsTakeNotThePageSizeAsked() throws Exception {
        opentact.pageCap = 1; // as seed 000: "take": 1 to take=10
        for (int i = 0; i < 5; i++) {
            opentact.order("other-" + i, T0 + 500 + i, 0, "+1201555010" + i);
        }
        opentact.order("mine", T0 + 100, 0, "+12015550001");
        Reconciled r = reconcile("+12015550001");
        assertThat(r.orderUuid()).isEqualTo("mine");
        assertThat(opentact.searchSkips).containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void anOrderThatShowsInTheSearchLateIsFoundNotOrderedAgain() throws Exception {
        opentact.order("mine", T0 + 100, 20_000, "+12015550001"); // visible in the search only 20 s later
        Reconciled r = reconcile("+12015550001");
        assertThat(r.verdict()).isEqualTo(Verdict.FOUND);
        assertThat(clock.millis() - T0).isBetween(20_000L, 20_000L + INTERVAL);
    }

    @Test
    void noOrderIsConcludedOnlyByACleanPassAfterTheWindow() throws Exception {
        opentact.order("someone-else", T0 + 100, 0, "+12015550077");
        Reconciled r = reconcile("+12015550001");
        assertThat(r.verdict()).isEqualTo(Verdict.NOT_PLACED);
        assertThat(clock.millis()).isGreaterThanOrEqualTo(T0 + WINDOW);
        assertThat(opentact.leaseSearches.get()).isPositive();
    }

    @Test
    void errorsAreNotNoOrder() throws Exception {
        opentact.searchFailures = Integer.MAX_VALUE;
        Reconciled r = reconcile("+12015550001");
        assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(r.reason()).contains("the order search failed on page 1 (skip=0) after " + (FakeOpentact.RETRIES + 1)
                + " attempts").contains("HTTP 502");
        assertThat(clock.millis()).as("bounded: the window and a few passes more")
                .isBetween(T0 + WINDOW, T0 + WINDOW + OrderReconciler.FINAL_PASSES * INTERVAL);
    }

    @Test
    void anErrorAnswerInsideTheEnvelopeIsNotNoOrderEither() throws Exception {
        opentact.searchSuccessFalse = true;
        assertThat(reconcile("+12015550001").verdict()).isEqualTo(Verdict.UNKNOWN);
    }

    @Test
    void errorsThatEndBeforeTheWindowStillLetItConclude() throws Exception {
        opentact.searchFailures = 3;
        opentact.order("mine", T0 + 100, 0, "+12015550001");
        assertThat(reconcile("+12015550001").orderUuid()).isEqualTo("mine");
    }

    @Test
    void aCandidateThatNeverShowsItsNumbersLeavesItUnknown() throws Exception {
        opentact.order("processing", T0 + 100, 0); // a lookup that lists no number yet
        Reconciled r = reconcile("+12015550001");
        assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(r.reason()).contains("processing").contains("does not show its numbers");
    }

    @Test
    void aNumberTheAccountLeasedSinceTheIntentIsHeldNeverOrderedAgain() throws Exception {
        opentact.lease("+12015550001", T0 + 500);
        opentact.lease("+12015550002", T0 - 86_400_000); // held long before: not this request's purchase
        Reconciled r = reconcile("+12015550001", "+12015550002");
        assertThat(r.verdict()).isEqualTo(Verdict.HELD_WITHOUT_ORDER);
        assertThat(r.held()).containsExactly("+12015550001");
    }

    /**
     * The pages of one read (3) do not reach the orders older than the intent: that pass is no
     * answer, and the next reads on below what it holds (the newest pages again only down to the
     * last read's start less the search lag and the clock skew), so the listing reaches back in the
     * end and the conclusion is clean; no read takes more than the cap.
     */
    @Test
    void notReachingOrdersOlderThanTheIntentWithinThePageCapReadsOnAtTheNextPass() throws Exception {
        opentact.pageCap = 1;
        for (int i = 0; i < 5; i++) {
            opentact.order("other-" + i, T0 + 500 + i, 0, "+1201555010" + i);
        }
        Reconciled r = reconciler(3).reconcile(List.of("+12015550001"), T0);
        assertThat(r.verdict()).as(r.reason()).isEqualTo(Verdict.NOT_PLACED);
        String skips = opentact.searchSkips.toString();
        assertThat(skips).as("read on below what it held: pages 4 and 5 after page 1").contains("0, 3, 4");
        assertThat(skips).doesNotContain("0, 1, 2, 3");
    }

    @Test
    void anOrderHoldingOnlySomeOfTheNumbersIsNotNoOrder() throws Exception {
        opentact.order("overlap", T0 + 100, 0, "+12015550001", "+12015550099");
        // Never "not placed"; for requests resumed together, a sign that they were in several orders.
        assertThat(reconcile("+12015550001", "+12015550002").verdict()).isEqualTo(Verdict.IN_SEVERAL_ORDERS);
    }

    @Test
    void withoutAnIntentTimeEveryListedOrderIsACandidate() throws Exception {
        opentact.order("old-mine", T0 - 3_600_000, 0, "+12015550001");
        assertThat(reconciler(20).reconcile(List.of("+12015550001"), null).orderUuid()).isEqualTo("old-mine");
    }

    @Test
    void anOrderInProgressIsLookedUpAgainUntilItShowsAllItsNumbers() throws Exception {
        opentact.order("mine", T0 + 100, 0, "+12015550001", "+12015550002");
        opentact.showOnlyFirstWhileProcessing("mine", 5_000); // lists one number, in progress, for 5 s
        Reconciled r = reconcile("+12015550001", "+12015550002");
        assertThat(r.orderUuid()).isEqualTo("mine");
        assertThat(opentact.lookups.get("mine").get()).isGreaterThan(1);
    }

    @Test
    void reconciliationsAfterTheLeaseShareOneReadOfTheSearchAndOfTheLeases() throws Exception {
        clock.advance(WINDOW + 5_000); // a crash long ago: both intents' leases have ended
        opentact.pageCap = 2;
        for (int i = 0; i < 5; i++) {
            opentact.order("other-" + i, T0 + 500 + i, 0, "+1201555010" + i);
        }
        opentact.order("mine-b", T0 + 300, 0, "+12015550002");
        OrderReconciler shared = reconciler(20);
        assertThat(shared.reconcile(List.of("+12015550001"), T0).verdict()).isEqualTo(Verdict.NOT_PLACED);
        assertThat(shared.reconcile(List.of("+12015550002"), T0).orderUuid()).isEqualTo("mine-b");
        assertThat(shared.reconcile(List.of("+12015550003"), T0 + 200).verdict()).isEqualTo(Verdict.NOT_PLACED);
        assertThat(opentact.searchSkips).as("one read of the search's pages for the three").containsExactly(0, 2, 4);
        assertThat(opentact.leaseSearches.get()).as("one read of the leases for the two not found").isEqualTo(1);
    }

    @Test
    void aReadMadeBeforeTheLeaseEndedDoesNotLetAnotherReconciliationConclude() throws Exception {
        OrderReconciler shared = reconciler(20);
        // An old intent concludes at once, from a read made now ...
        assertThat(shared.reconcile(List.of("+12015550001"), T0 - WINDOW - 5_000).verdict()).isEqualTo(Verdict.NOT_PLACED);
        // ... which a request whose POST may still be in flight must not conclude from: its order,
        // made a moment ago, shows in the search just before its lease ends (after its last pass
        // before that), and only a read made after the lease shows it.
        opentact.order("mine", T0 + 2_000, WINDOW - 2_500, "+12015550002");
        Reconciled r = shared.reconcile(List.of("+12015550002"), T0);
        assertThat(r.verdict()).isEqualTo(Verdict.FOUND);
        assertThat(r.orderUuid()).isEqualTo("mine");
    }

    @Test
    void aReadThatDoesNotReachBackFarEnoughIsNotShared() throws Exception {
        clock.advance(WINDOW + 5_000);
        opentact.pageCap = 1;
        opentact.order("recent", T0 + 100, 0, "+12015550077");
        opentact.order("old-mine", T0 - 400_000, 0, "+12015550002"); // before the first request's cutoff
        OrderReconciler shared = reconciler(20);
        assertThat(shared.reconcile(List.of("+12015550001"), T0).verdict()).isEqualTo(Verdict.NOT_PLACED);
        assertThat(shared.reconcile(List.of("+12015550002"), T0 - 600_000).orderUuid()).isEqualTo("old-mine");
    }

    @Test
    void reconciliationsThatNeedAnOrderWhileItIsLookedUpTakeThatLookupsAnswer() throws Exception {
        clock.advance(WINDOW + 5_000);
        opentact.order("mine", T0 + 100, 0, "+12015550001", "+12015550002");
        opentact.holdLookups = new CountDownLatch(1);
        OrderReconciler shared = reconciler(20);
        var pool = Executors.newFixedThreadPool(2);
        try {
            // Two requests of one batch, resumed apart: the order holds the other's numbers too.
            var first = pool.submit(() -> shared.reconcile(List.of("+12015550001"), Set.of("+12015550002"), T0));
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> opentact.lookups.containsKey("mine"));
            Thread[] second = new Thread[1];
            var other = pool.submit(() -> {
                second[0] = Thread.currentThread();
                return shared.reconcile(List.of("+12015550002"), Set.of("+12015550001"), T0);
            });
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> second[0] != null && second[0].getState() == Thread.State.TIMED_WAITING);
            opentact.holdLookups.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS).orderUuid()).isEqualTo("mine");
            assertThat(other.get(10, TimeUnit.SECONDS).orderUuid()).isEqualTo("mine");
        } finally {
            pool.shutdownNow();
        }
        assertThat(opentact.lookups.get("mine")).hasValue(1);
    }

    @Test
    void lookupsAreRememberedAcrossPasses() throws Exception {
        opentact.order("someone-else", T0 + 100, 0, "+12015550077");
        reconcile("+12015550001");
        assertThat(opentact.lookups.get("someone-else")).hasValue(1);
    }

    /** Opentact as the seeds show it: summaries in the search, numbers in lookups, leases. */
    private final class FakeOpentact implements OpentactApi {

        /** As opentact.api.retries: a call safe to repeat is sent again this often at the most. */
        static final int RETRIES = 4;
        final AtomicInteger sentOnce = new AtomicInteger();

        /** As the client route: sent once. */
        @Override
        public ApiResponse call(String method, String path, String query, String body) {
            sentOnce.incrementAndGet();
            return answer(method, path, query, body);
        }

        /** As opentact-call-idempotent: sent again after a 5xx or a 429, up to {@link #RETRIES} times. */
        @Override
        public ApiResponse callIdempotent(String method, String path, String query, String body) {
            return callIdempotent(method, path, query, body, n -> { });
        }

        @Override
        public ApiResponse callIdempotent(String method, String path, String query, String body, IntConsumer sent) {
            for (int attempt = 1; ; attempt++) {
                try {
                    ApiResponse r = answer(method, path, query, body);
                    sent.accept(attempt);
                    return r;
                } catch (OpentactUnavailableException e) {
                    if (attempt > RETRIES) {
                        sent.accept(attempt);
                        throw e;
                    }
                }
            }
        }

        record Order(String uuid, long createdOn, long visibleFrom, List<String> tns) {
        }

        record Lease(String tn, long createdOn) {
        }

        final List<Order> orders = new ArrayList<>();
        final List<Lease> leases = new ArrayList<>();
        final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();
        final List<Integer> searchSkips = new ArrayList<>();
        final Map<String, Long> partialUntil = new ConcurrentHashMap<>();
        final AtomicInteger leaseSearches = new AtomicInteger();
        int pageCap = 10;
        // Set: each order lookup waits for it (a lookup in flight while others need the order).
        volatile CountDownLatch holdLookups;
        int searchFailures;
        int leaseFailures;
        int lookupFailures;
        final Set<String> withoutCreatedOnInSearch = ConcurrentHashMap.newKeySet();
        boolean searchSuccessFalse;
        private final OpentactResponses responses = new OpentactResponses();

        void order(String uuid, long createdOn, long visibleAfterMs, String... tns) {
            orders.add(new Order(uuid, createdOn, createdOn + visibleAfterMs, List.of(tns)));
        }

        void showOnlyFirstWhileProcessing(String uuid, long forMs) {
            partialUntil.put(uuid, clock.millis() + forMs);
        }

        void lease(String tn, long createdOn) {
            leases.add(new Lease(tn, createdOn));
        }

        private ApiResponse answer(String method, String path, String query, String body) {
            if (path.equals("/rest/order/search")) {
                if (searchFailures-- > 0) {
                    throw new OpentactUnavailableException(502, "<html>Bad Gateway</html>", 0);
                }
                if (searchSuccessFalse) {
                    return responses.read("{\"success\":false,\"message\":\"Search unavailable\"}", 200, null);
                }
                int skip = Integer.parseInt(query.replaceAll(".*skip=(\\d+).*", "$1"));
                searchSkips.add(skip);
                List<Order> visible = orders.stream().filter(o -> o.visibleFrom <= clock.millis())
                        .sorted((a, b) -> Long.compare(b.createdOn, a.createdOn)).toList();
                StringBuilder data = new StringBuilder();
                visible.stream().skip(skip).limit(pageCap).forEach(o -> data.append(data.length() == 0 ? "" : ",")
                        .append("{\"uuid\":\"").append(o.uuid).append("\",\"state\":\"success\",")
                        .append(withoutCreatedOnInSearch.contains(o.uuid) ? ""
                                : "\"created_on\":\"" + Instant.ofEpochMilli(o.createdOn) + "\",")
                        .append("\"total\":10,\"success\":10,\"processing\":0,\"failed\":0}"));
                return ok("{\"take\":" + pageCap + ",\"skip\":" + skip + ",\"total\":" + visible.size() + ",\"data\":[" + data + "]}");
            }
            if (path.startsWith("/rest/order/")) {
                String uuid = path.substring("/rest/order/".length());
                lookups.computeIfAbsent(uuid, k -> new AtomicInteger()).incrementAndGet();
                if (lookupFailures-- > 0) {
                    throw new OpentactUnavailableException(503, "Service temporarily unavailable", 0);
                }
                if (holdLookups != null) {
                    try {
                        holdLookups.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                Order o = orders.stream().filter(x -> x.uuid.equals(uuid)).findFirst().orElseThrow();
                boolean partial = clock.millis() < partialUntil.getOrDefault(uuid, 0L);
                StringBuilder items = new StringBuilder();
                o.tns.stream().limit(partial ? 1 : o.tns.size()).forEach(tn -> items.append(items.length() == 0 ? "" : ",")
                        .append("{\"state\":\"").append(partial ? "processing" : "success").append("\",\"tn\":{\"tn\":")
                        .append(tn.substring(1)).append("}}"));
                return ok("{\"uuid\":\"" + uuid + "\",\"state\":\"" + (o.tns.isEmpty() || partial ? "processing" : "success")
                        + "\",\"created_on\":\"" + Instant.ofEpochMilli(o.createdOn) + "\",\"tn_items\":[" + items
                        + "],\"tn_leases\":[]}");
            }
            if (path.equals("/rest/lease/tn/search")) {
                if (leaseFailures-- > 0) {
                    throw new OpentactUnavailableException(503, "Service temporarily unavailable", 0);
                }
                leaseSearches.incrementAndGet();
                StringBuilder data = new StringBuilder();
                leases.stream().sorted((a, b) -> Long.compare(b.createdOn, a.createdOn)).forEach(l -> data
                        .append(data.length() == 0 ? "" : ",").append("{\"tn\":{\"tn\":").append(l.tn.substring(1))
                        .append("},\"created_on\":\"").append(Instant.ofEpochMilli(l.createdOn)).append("\"}"));
                return ok("{\"take\":100,\"skip\":0,\"total\":" + leases.size() + ",\"data\":[" + data + "]}");
            }
            throw new IllegalArgumentException(method + " " + path);
        }

        private ApiResponse ok(String payload) {
            return responses.read("{\"success\":true,\"payload\":" + payload + "}", 200, null);
        }
    }
}
