package dev.tnorders.opentact.order;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tnorders.opentact.ManualClock;
import dev.tnorders.opentact.client.ApiResponse;
import dev.tnorders.opentact.client.OpentactApi;
import dev.tnorders.opentact.client.OpentactAuthException;
import dev.tnorders.opentact.client.OpentactClient;
import dev.tnorders.opentact.client.OpentactPayloads;
import dev.tnorders.opentact.client.OpentactRateLimitedException;
import dev.tnorders.opentact.client.OpentactResponses;
import dev.tnorders.opentact.client.OpentactUnavailableException;
import dev.tnorders.opentact.client.SendGuard;
import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.journal.Fencing;
import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.journal.OrderStore;
import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.NumberResult;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.OrderResult;
import dev.tnorders.opentact.model.Outcome;

import static dev.tnorders.opentact.model.RequestBuilder.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lifecycle's phase rules as a table: every phase × every answer (ok, refused, 402, 429, lost
 * answer, unknown state, crash point) → the next phase, the calls made to Opentact, and the
 * journal writes. Opentact, the journal and reconciliation are fakes that answer from a script;
 * the clock moves only when the lifecycle waits, so nothing here sleeps.
 */
class OrderLifecycleTest {

    private static final String A = "+12012000001";
    private static final String B = "+12012000002";
    private static final String C = "+12012000003";

    static final String PRICE_OK = "{\"success\":true,\"payload\":{\"nrc\":1.00,\"mrc\":0.50,"
            + "\"items\":[{\"nrc\":\"1.00\",\"mrc\":\"0.50\",\"voice_nrc\":\"0\",\"voice_mrc\":\"0\"}]}}";
    static final String REFUSED = "{\"success\":false,\"message\":\"Invalid tn\",\"status\":400}";
    static final String NO_BALANCE = "{\"success\":false,\"message\":\"Not enough balance\",\"status\":402}";

    static String placed(String uuid) {
        return "{\"success\":true,\"payload\":{\"uuid\":\"" + uuid + "\",\"state\":\"created\"}}";
    }

    /** An order as GET /rest/order/{uuid} shows it: each number's item in the state given. */
    static String order(String uuid, String state, Map<String, String> items) {
        StringBuilder sb = new StringBuilder();
        items.forEach((tn, s) -> sb.append(sb.length() == 0 ? "" : ",").append("{\"state\":\"").append(s)
                .append("\",\"tn\":{\"tn\":").append(tn.substring(1)).append("}}"));
        return "{\"success\":true,\"payload\":{\"uuid\":\"" + uuid + "\",\"state\":\"" + state + "\",\"tn_items\":["
                + sb + "],\"tn_leases\":[]}}";
    }

    static String found(String... tns) {
        StringBuilder sb = new StringBuilder();
        for (String tn : tns) {
            sb.append(sb.length() == 0 ? "" : ",").append("{\"tn\":").append(tn.substring(1)).append("}");
        }
        return "{\"success\":true,\"payload\":{\"total\":" + tns.length + ",\"data\":[" + sb + "]}}";
    }

    static OrderRequest plain(String id, String... tns) {
        return request(id).tns(tns).build();
    }

    static OrderRequest limited(String id, String maxNrc, String tn) {
        return request(id).tns(tn).maxNrc(new BigDecimal(maxNrc)).build();
    }

    static OrderRequest criteria(String id, int quantity, CriteriaSearch.Fill fill) {
        return request(id).search(new CriteriaSearch("201", "200", quantity, fill)).build();
    }

    // ---- the table --------------------------------------------------------------------------

    /**
     * One row: a case in {@code from} (set up by {@code given}), Opentact's scripted answers, and
     * what must follow.
     */
    record Row(String name, Phase from, Consumer<World> given, Phase next, List<String> calls, List<String> writes,
               Consumer<World> also) {

        @Override
        public String toString() {
            return from + ": " + name;
        }
    }

    static Row row(String name, Phase from, Consumer<World> given, Phase next, List<String> calls, List<String> writes) {
        return new Row(name, from, given, next, calls, writes, w -> { });
    }

    static Row row(String name, Phase from, Consumer<World> given, Phase next, List<String> calls, List<String> writes,
                   Consumer<World> also) {
        return new Row(name, from, given, next, calls, writes, also);
    }

    static final String PRICE = "POST /rest/order/price";
    static final String POST = "POST /rest/order";
    static final String SEARCH = "POST /rest/tn/search";
    static final String GET = "GET /rest/order/u1";

    static Stream<Row> table() {
        return Stream.of(
                // RESUME: only a case of one resumes; the journal says where it is.
                row("new plain request", Phase.RESUME, w -> w.one(plain("r1", A)), Phase.PRICE, List.of(), List.of()),
                row("new criteria request", Phase.RESUME, w -> w.one(criteria("r1", 1, CriteriaSearch.Fill.all)),
                        Phase.SEARCH, List.of(), List.of()),
                row("journal: done", Phase.RESUME, w -> w.one(plain("r1", A)).entry("r1", JournalEntry.Phase.done, null),
                        Phase.DONE, List.of(), List.of()),
                row("journal: placed", Phase.RESUME, w -> w.one(plain("r1", A)).entry("r1", JournalEntry.Phase.placed, "u1"),
                        Phase.FOLLOW, List.of(), List.of(), w -> assertThat(w.c.orderUuid()).isEqualTo("u1")),
                row("journal: intent (crash before the POST's answer)", Phase.RESUME,
                        w -> w.one(plain("r1", A)).entry("r1", JournalEntry.Phase.intent, null),
                        Phase.RECONCILE, List.of(), List.of()),
                row("journal: a criteria request's intent gives back its numbers", Phase.RESUME,
                        w -> w.one(criteria("r1", 1, CriteriaSearch.Fill.all)).entry("r1", JournalEntry.Phase.intent, null),
                        Phase.RECONCILE, List.of(), List.of(), w -> assertThat(w.c.request().tns()).containsExactly(A)),

                row("a crash's batch, all placed in one order", Phase.RESUME,
                        w -> w.batch(plain("r1", A), plain("r2", B)).entry("r1", JournalEntry.Phase.placed, "u1")
                                .entry("r2", JournalEntry.Phase.placed, "u1"),
                        Phase.FOLLOW, List.of(), List.of(), w -> assertThat(w.c.orderUuid()).isEqualTo("u1")),
                row("a crash's batch, all intents: reconciled together", Phase.RESUME,
                        w -> w.batch(plain("r1", A), plain("r2", B)).entry("r1", JournalEntry.Phase.intent, null)
                                .entry("r2", JournalEntry.Phase.intent, null),
                        Phase.RECONCILE, List.of(), List.of()),
                row("a batch whose entries do not agree: each resumes on its own", Phase.RESUME,
                        w -> w.batch(plain("r1", A), plain("r2", B)).entry("r1", JournalEntry.Phase.placed, "u1")
                                .entry("r2", JournalEntry.Phase.done, "u1"),
                        Phase.SPLIT, List.of(), List.of(), w -> assertThat(w.c.splitInto()).isEqualTo(Phase.RESUME)),

                // SEARCH
                row("ok: enough usable numbers", Phase.SEARCH,
                        w -> w.one(criteria("r1", 2, CriteriaSearch.Fill.all)).answer(found(A, B)),
                        Phase.PRICE, List.of(SEARCH), List.of(), w -> assertThat(w.c.request().tns()).containsExactly(A, B)),
                row("refused on the first page", Phase.SEARCH,
                        w -> w.one(criteria("r1", 2, CriteriaSearch.Fill.all)).answer(REFUSED),
                        Phase.PUBLISH, List.of(SEARCH), List.of(), w -> w.pending(Outcome.State.rejected, "number search")),
                row("too few for fill=all (the search's total says there are no more)", Phase.SEARCH,
                        w -> w.one(criteria("r1", 2, CriteriaSearch.Fill.all)).answer(found(A)),
                        Phase.PUBLISH, List.of(SEARCH), List.of(), w -> w.pending(Outcome.State.rejected, "only 1 of 2")),

                // PRICE
                row("ok", Phase.PRICE, w -> w.one(plain("r1", A)).answer(PRICE_OK), Phase.ADMIT, List.of(PRICE), List.of(),
                        w -> assertThat(w.c.quote().totalNrc()).isEqualByComparingTo("1.00")),
                row("refused (a case of one)", Phase.PRICE, w -> w.one(plain("r1", A)).answer(REFUSED), Phase.PUBLISH,
                        List.of(PRICE), List.of(), w -> w.pending(Outcome.State.rejected, "Invalid tn")),
                row("refused (a batch)", Phase.PRICE, w -> w.batch(plain("r1", A), plain("r2", B)).answer(REFUSED),
                        Phase.SPLIT, List.of(PRICE), List.of()),

                // ADMIT
                row("within limits and budgets", Phase.ADMIT, w -> w.one(plain("r1", A)).quoted(), Phase.PLACE, List.of(),
                        List.of()),
                row("over the request's max_nrc", Phase.ADMIT, w -> w.one(limited("r1", "0.50", A)).quoted(), Phase.PUBLISH,
                        List.of(), List.of(), w -> w.pending(Outcome.State.rejected, "over max_nrc 0.50")),
                row("quote only", Phase.ADMIT, w -> w.one(plain("r1", A)).quoted().quoteOnly(), Phase.PUBLISH, List.of(),
                        List.of(), w -> w.pending(Outcome.State.rejected, "quote only")),
                row("a batch: the one over its limit is published, the rest go on", Phase.ADMIT,
                        w -> w.batch(plain("r1", A), limited("r2", "0.50", B)).quoted(), Phase.PLACE, List.of(),
                        List.of("finish [r2]"), w -> assertThat(w.c.requests()).extracting(OrderRequest::requestId)
                                .containsExactly("r1")),

                // PLACE: the intent is durable before the POST
                row("ok", Phase.PLACE, w -> w.one(plain("r1", A)).quoted().answer(placed("u1")), Phase.FOLLOW, List.of(POST),
                        List.of("intent [r1]", "placed [r1] u1")),
                row("refused (a case of one)", Phase.PLACE, w -> w.one(plain("r1", A)).quoted().answer(REFUSED),
                        Phase.PUBLISH, List.of(POST), List.of("intent [r1]"), w -> w.pending(Outcome.State.rejected, "Invalid tn")),
                row("refused (a batch)", Phase.PLACE, w -> w.batch(plain("r1", A), plain("r2", B)).quoted().answer(REFUSED),
                        Phase.SPLIT, List.of(POST), List.of("intent [r1, r2]")),
                row("402: refused and intake paused", Phase.PLACE,
                        w -> w.batch(plain("r1", A), plain("r2", B)).quoted().answer(NO_BALANCE), Phase.PUBLISH, List.of(POST),
                        List.of("intent [r1, r2]"), w -> {
                            w.pending(Outcome.State.rejected, "not enough account balance");
                            assertThat(w.intake.isPaused()).isTrue();
                        }),
                // The intent is written again before the second POST: another instance's reconciliation
                // counts its lease (the reconcile window) from the POST that may still be in flight.
                row("429, then ok: sent again after the wait, its intent renewed", Phase.PLACE,
                        w -> w.one(plain("r1", A)).quoted().fail(new OpentactRateLimitedException("429", 3_000))
                                .answer(placed("u1")), Phase.FOLLOW, List.of(POST, POST),
                        List.of("intent [r1]", "intent [r1]", "placed [r1] u1"),
                        w -> assertThat(w.waited).isEqualTo(3_000)),
                row("lost answer (connection reset)", Phase.PLACE,
                        w -> w.one(plain("r1", A)).quoted().fail(new IOException("Connection reset")), Phase.RECONCILE,
                        List.of(POST), List.of("intent [r1]")),
                row("lost answer (502)", Phase.PLACE,
                        w -> w.one(plain("r1", A)).quoted().fail(new OpentactUnavailableException(502, "Bad Gateway", 0)),
                        Phase.RECONCILE, List.of(POST), List.of("intent [r1]")),
                row("a 2xx that is not our order", Phase.PLACE,
                        w -> w.one(plain("r1", A)).quoted().answer("{\"success\":true,\"payload\":{\"state\":\"created\"}}"),
                        Phase.RECONCILE, List.of(POST), List.of("intent [r1]")),
                row("a 2xx showing an order created before the intent (less the margin): not ours", Phase.PLACE,
                        w -> w.one(plain("r1", A)).quoted().answer("{\"success\":true,\"payload\":{\"uuid\":\"old\","
                                + "\"state\":\"success\",\"created_on\":\"" + Instant.ofEpochMilli(T0 - 31_000) + "\"}}"),
                        Phase.RECONCILE, List.of(POST), List.of("intent [r1]")),
                row("a 2xx showing an order created since the intent less the margin: ours", Phase.PLACE,
                        w -> w.one(plain("r1", A)).quoted().answer("{\"success\":true,\"payload\":{\"uuid\":\"u1\","
                                + "\"state\":\"created\",\"created_on\":\"" + Instant.ofEpochMilli(T0 - 29_000) + "\"}}"),
                        Phase.FOLLOW, List.of(POST), List.of("intent [r1]", "placed [r1] u1")),
                // Its order may exist: reconciled like the others (a found order is followed).
                row("lost answer, the last attempt", Phase.PLACE,
                        w -> w.one(plain("r1", A)).quoted().attempts(2).fail(new IOException("Read timed out")),
                        Phase.RECONCILE, List.of(POST), List.of("intent [r1]")),

                // RECONCILE
                row("found", Phase.RECONCILE, w -> w.one(plain("r1", A)).verdict(Reconciliation.Verdict.FOUND),
                        Phase.FOLLOW, List.of(), List.of("placed [r1] u1"), w -> assertThat(w.c.orderUuid()).isEqualTo("u1")),
                row("not placed: the same numbers are priced again", Phase.RECONCILE,
                        w -> w.one(plain("r1", A)).verdict(Reconciliation.Verdict.NOT_PLACED), Phase.PRICE, List.of(), List.of()),
                row("not placed after the last order POST: unknown, not ordered again", Phase.RECONCILE,
                        w -> w.one(plain("r1", A)).attempts(3).verdict(Reconciliation.Verdict.NOT_PLACED), Phase.PUBLISH,
                        List.of(), List.of(), w -> w.pending(Outcome.State.unknown, "no usable answer")),
                row("found after the last order POST: followed", Phase.RECONCILE,
                        w -> w.one(plain("r1", A)).attempts(3).verdict(Reconciliation.Verdict.FOUND),
                        Phase.FOLLOW, List.of(), List.of("placed [r1] u1")),
                row("held without an order", Phase.RECONCILE,
                        w -> w.one(plain("r1", A, B)).verdict(Reconciliation.Verdict.HELD_WITHOUT_ORDER), Phase.PUBLISH,
                        List.of(), List.of(), w -> w.pending(Outcome.State.partial, null)),
                row("unknown: nothing is ordered again", Phase.RECONCILE,
                        w -> w.one(plain("r1", A)).verdict(Reconciliation.Verdict.UNKNOWN), Phase.PUBLISH, List.of(),
                        List.of(), w -> w.pending(Outcome.State.unknown, "could not tell")),
                row("resumed together but in several orders: each reconciled on its own", Phase.RECONCILE,
                        w -> w.batch(plain("r1", A), plain("r2", B)).verdict(Reconciliation.Verdict.IN_SEVERAL_ORDERS),
                        Phase.SPLIT, List.of(), List.of(), w -> {
                            assertThat(w.c.splitInto()).isEqualTo(Phase.RECONCILE);
                            assertThat(w.c.pendingResults()).as("no outcome on a guess").isEmpty();
                        }),
                row("one request whose numbers are in several orders: unknown", Phase.RECONCILE,
                        w -> w.one(plain("r1", A)).verdict(Reconciliation.Verdict.IN_SEVERAL_ORDERS), Phase.PUBLISH,
                        List.of(), List.of(), w -> w.pending(Outcome.State.unknown, null)),

                // FOLLOW
                row("final at the first read", Phase.FOLLOW,
                        w -> w.one(plain("r1", A)).placedAs("u1").answer(order("u1", "success", Map.of(A, "success"))),
                        Phase.PUBLISH, List.of(GET), List.of(), w -> w.pending(Outcome.State.completed, null)),
                row("unknown state until the deadline", Phase.FOLLOW,
                        w -> w.one(plain("r1", A)).placedAs("u1").answerAlways(order("u1", "processing", Map.of(A, "processing"))),
                        Phase.PUBLISH, null, List.of(), w -> {
                            w.pending(Outcome.State.unknown, "still 'processing'");
                            assertThat(w.clock.millis() - T0).as("followed to the deadline").isGreaterThanOrEqualTo(60_000);
                        }),
                row("a criteria round whose numbers were gone searches again", Phase.FOLLOW,
                        w -> w.one(criteria("r1", 1, CriteriaSearch.Fill.all).withTns(List.of(A))).placedAs("u1")
                                .answer(order("u1", "failed", Map.of(A, "failed"))),
                        Phase.SEARCH, List.of(GET), List.of(), w -> {
                            assertThat(w.c.settled()).extracting(NumberResult::tn).containsExactly(A);
                            assertThat(w.c.request().tns()).isNull();
                        }),

                // PUBLISH: results and done entries together
                row("the results and done entries", Phase.PUBLISH, w -> w.one(plain("r1", A)).concluded(), Phase.DONE,
                        List.of(), List.of("finish [r1]"))
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void eachPhaseAndAnswerLeadsToItsNextPhase(Row row) throws Exception {
        World w = new World();
        row.given().accept(w);
        w.c.phase(row.from());
        Phase next = w.lifecycle().step(w.c);
        assertThat(next).as(row.name()).isEqualTo(row.next());
        if (row.calls() != null) {
            assertThat(w.api.calls).as("calls to Opentact").containsExactlyElementsOf(row.calls());
        }
        assertThat(w.store.writes).as("journal writes").containsExactlyElementsOf(row.writes());
        row.also().accept(w);
    }

    // ---- crash points and whole runs --------------------------------------------------------

    @Test
    void aCrashBeforeTheIntentIsDurableSendsNoPost() {
        World w = new World().one(plain("r1", A)).quoted();
        w.store.failOn = "intent";
        w.c.phase(Phase.PLACE);
        assertThatThrownBy(() -> w.lifecycle().step(w.c)).hasMessageContaining("journal unreachable");
        assertThat(w.api.calls).as("no POST without a durable intent").isEmpty();
    }

    // ---- the intent lease: checked where the POST leaves ------------------------------------

    @Test
    void aPostQueuedPastItsLeaseRenewsItsIntentThenLeaves() throws Exception {
        World w = new World().one(plain("r1", A)).quoted().answer(placed("u1"));
        w.c.phase(Phase.PLACE);
        w.api.queue = () -> w.nanos.addAndGet(TimeUnit.SECONDS.toNanos(100)); // frozen in the queue
        assertThat(w.lifecycle().step(w.c)).isEqualTo(Phase.FOLLOW);
        assertThat(w.api.calls).containsExactly(POST);
        assertThat(w.store.writes).containsExactly("intent [r1]", "intent [r1]", "placed [r1] u1");
    }

    @Test
    void aPostWithinItsLeaseLeavesWithoutARenewal() throws Exception {
        World w = new World().one(plain("r1", A)).quoted().answer(placed("u1"));
        w.c.phase(Phase.PLACE);
        w.api.queue = () -> w.nanos.addAndGet(TimeUnit.SECONDS.toNanos(10));
        assertThat(w.lifecycle().step(w.c)).isEqualTo(Phase.FOLLOW);
        assertThat(w.store.writes).containsExactly("intent [r1]", "placed [r1] u1");
    }

    @Test
    void aPostPastItsLeaseWhoseRenewalTheJournalRefusesIsNotSentAndIsReconciled() throws Exception {
        World w = new World().one(plain("r1", A)).quoted().answer(placed("u1"));
        w.c.phase(Phase.PLACE);
        w.store.intentsWritable = 1;
        w.api.queue = () -> w.nanos.addAndGet(TimeUnit.SECONDS.toNanos(100));
        assertThat(w.lifecycle().step(w.c)).isEqualTo(Phase.RECONCILE);
        assertThat(w.api.calls).as("not sent").isEmpty();
        assertThat(w.store.writes).containsExactly("intent [r1]");
    }

    @Test
    void aPostWhoseRequestsAreNoLongerOwnedWhenItLeavesIsNotSent() throws Exception {
        World w = new World().one(plain("r1", A)).quoted().answer(placed("u1"));
        w.c.phase(Phase.PLACE);
        w.store.ownedChecks = 1; // owned when the POST was queued, not when it leaves
        assertThatThrownBy(() -> w.lifecycle().step(w.c)).isInstanceOf(Fencing.NotOwnedException.class);
        assertThat(w.api.calls).as("not sent").isEmpty();
    }

    @Test
    void aCrashAfterThePostLeavesTheIntentAndTheNextReadReconciles() throws Exception {
        World w = new World().one(plain("r1", A)).quoted().answer(placed("u1"));
        w.store.failOn = "placed";
        w.c.phase(Phase.PLACE);
        assertThatThrownBy(() -> w.lifecycle().step(w.c)).hasMessageContaining("journal unreachable");
        // The poll is read again: the journal has the intent, so the request reconciles, never POSTs blindly.
        World again = new World().one(plain("r1", A));
        again.store.entries.putAll(w.store.entries);
        assertThat(again.lifecycle().step(again.c)).isEqualTo(Phase.RECONCILE);
    }

    @Test
    void aRefusedTokenIsThrownForTheIntakeToPause() {
        World w = new World().one(plain("r1", A)).fail(new OpentactAuthException(401, "Unauthorized"));
        w.c.phase(Phase.PRICE);
        assertThatThrownBy(() -> w.lifecycle().step(w.c)).isInstanceOf(OpentactAuthException.class);
    }

    @Test
    void aBatchIsPricedAndOrderedOnceAndEachRequestGetsItsOwnResult() throws Exception {
        World w = new World().answer(PRICE_OK).answer(placed("u1"))
                .answer(order("u1", "success", Map.of(A, "success", B, "success", C, "failed")));
        List<OrderResult> results = w.lifecycle().runNew(List.of(plain("r1", A, B), plain("r2", C)));
        assertThat(w.api.calls).containsExactly(PRICE, POST, GET);
        assertThat(w.store.writes).containsExactly("intent [r1, r2]", "placed [r1, r2] u1", "finish [r1, r2]");
        assertThat(results).extracting(r -> r.outcome().state()).containsExactly(Outcome.State.completed, Outcome.State.failed);
        assertThat(results.get(0).outcome().price().nrc()).as("its share of the quote").isEqualTo("2.00");
    }

    @Test
    void aBatchRefusedAsAWholeGoesOnOneByOneFromItsPrice() throws Exception {
        World w = new World().answer(PRICE_OK).answer(REFUSED)
                .answer(PRICE_OK).answer(placed("u1")).answer(order("u1", "success", Map.of(A, "success")))
                .answer(PRICE_OK).answer(REFUSED);
        List<OrderResult> results = w.lifecycle().runNew(List.of(plain("r1", A), plain("r2", B)));
        assertThat(w.api.calls).containsExactly(PRICE, POST, PRICE, POST, GET, PRICE, POST);
        assertThat(results).extracting(r -> r.outcome().requestId() + ":" + r.outcome().state())
                .containsExactly("r1:completed", "r2:rejected");
    }

    @Test
    void aLostAnswerThatWasNotPlacedIsOrderedAgainAndThenGivesUp() throws Exception {
        World w = new World().verdict(Reconciliation.Verdict.NOT_PLACED).answer(PRICE_OK).fail(new IOException("reset"))
                .answer(PRICE_OK).fail(new IOException("reset")).answer(PRICE_OK).fail(new IOException("reset"));
        List<OrderResult> results = w.lifecycle().run(List.of(plain("r1", A)));
        assertThat(w.api.calls).containsExactly(PRICE, POST, PRICE, POST, PRICE, POST);
        assertThat(w.reconciled).as("each lost answer reconciled, the last one's too").isEqualTo(3);
        assertThat(results.get(0).outcome().state()).isEqualTo(Outcome.State.unknown);
    }

    @Test
    void requestsACrashLeftPlacedInOneOrderAreFollowedWithOneReadOfIt() throws Exception {
        World w = new World().answer(order("u1", "success", Map.of(A, "success", B, "success")));
        w.entry("r1", JournalEntry.Phase.placed, "u1").entry("r2", JournalEntry.Phase.placed, "u1");
        List<OrderResult> results = w.lifecycle().run(List.of(plain("r1", A), plain("r2", B)));
        assertThat(w.api.calls).containsExactly(GET);
        assertThat(w.store.writes).containsExactly("finish [r1, r2]");
        assertThat(results).extracting(r -> r.outcome().state()).containsOnly(Outcome.State.completed);
    }

    @Test
    void aRequestTheJournalHasDoneIsNotOrderedNorPublishedAgain() throws Exception {
        World w = new World();
        w.store.entries.put("r1", new JournalEntry("r1", JournalEntry.Phase.done, List.of(A), "u0", null, null, null,
                null));
        assertThat(w.lifecycle().run(List.of(plain("r1", A)))).isEmpty();
        assertThat(w.api.calls).isEmpty();
        assertThat(w.store.writes).isEmpty();
    }

    // ---- the fakes --------------------------------------------------------------------------

    static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();

    /** Opentact, the journal, reconciliation and the clock of one row. */
    static final class World {
        final ManualClock clock = new ManualClock(T0);
        long waited;
        final OrderClock orderClock = new OrderClock(clock, ms -> {
            waited += ms;
            clock.advance(ms);
        });
        final AtomicLong nanos = new AtomicLong();
        final FakeApi api = new FakeApi();
        final FakeStore store = new FakeStore();
        final IntakeControl intake = new IntakeControl(clock);
        Reconciliation.Verdict verdict = Reconciliation.Verdict.UNKNOWN;
        int reconciled;
        boolean quoteOnly;
        OrderCase c;

        OrderLifecycle lifecycle() {
            OrderLifecycleBuilder b = new OrderLifecycleBuilder();
            b.setClient(new OpentactClient(api, new OpentactPayloads("items")));
            b.setStore(store);
            b.setReconciliation(new Reconciliation() {
                @Override
                public Reconciliation.Reconciled reconcile(List<OrderRequest> requests) {
                    reconciled++;
                    return new Reconciliation.Reconciled(verdict, verdict == Reconciliation.Verdict.FOUND ? "u1" : null,
                            verdict == Reconciliation.Verdict.HELD_WITHOUT_ORDER ? Set.of(A) : Set.of(),
                            verdict == Reconciliation.Verdict.UNKNOWN ? "Opentact's answers could not tell" : "seen");
                }

                @Override
                public Instant createdNotBefore(List<OrderRequest> requests) {
                    return Instant.ofEpochMilli(T0 - 30_000); // the intent (now) less a clock-skew margin
                }
            });
            b.setBudgets(new Budgets("none", "none", null));
            b.setNumberSearch(new NumberSearch(2));
            b.setIntake(intake);
            b.setClock(orderClock);
            b.setFollow(new FollowPolicy(orderClock, 500, 5_000, 60_000));
            b.setQuoteOnly(quoteOnly);
            b.setMaxPostAttempts(3);
            b.setResearchTries(2);
            b.setPostRetries(4);
            b.setBalancePauseMs(300_000);
            b.setSendDeadlineMs(10_000);
            b.setNanos(nanos::get);
            return b.build();
        }

        World one(OrderRequest r) {
            c = new OrderCase(List.of(r), Phase.RESUME);
            return this;
        }

        World batch(OrderRequest... rs) {
            c = new OrderCase(List.of(rs), Phase.PRICE);
            return this;
        }

        World quoted() {
            OrderRequest order = OrderRules.asOneOrder(c.requests());
            c.quote(new OpentactPayloads("items").quote(new OpentactResponses().read(PRICE_OK, 200, null), order));
            return this;
        }

        World quoteOnly() {
            quoteOnly = true;
            return this;
        }

        World attempts(int done) {
            for (int i = 0; i < done; i++) {
                c.postUnanswered("Read timed out");
            }
            return this;
        }

        World placedAs(String uuid) {
            c.orderUuid(uuid);
            return this;
        }

        World concluded() {
            c.conclude(c.request(), new OrderResults(orderClock).rejected(c.request(), "quote only", null));
            return this;
        }

        World entry(String id, JournalEntry.Phase phase, String uuid) {
            store.entries.put(id, new JournalEntry(id, phase, List.of(A), uuid, "2026-12-01", null, null, null,
                    T0 - 1_000));
            return this;
        }

        World answer(String json) {
            // A failure envelope comes with the HTTP status it names.
            int status = json.contains("\"status\":402") ? 402 : json.contains("\"status\":400") ? 400 : 200;
            api.script.add(() -> new OpentactResponses().read(json, status, null));
            return this;
        }

        World answerAlways(String json) {
            api.always = json;
            return this;
        }

        World fail(Exception e) {
            api.script.add(() -> {
                throw e;
            });
            return this;
        }

        World verdict(Reconciliation.Verdict v) {
            verdict = v;
            return this;
        }

        /** The one result waiting to be published has this state, and its reason says this. */
        void pending(Outcome.State state, String reason) {
            assertThat(c.pendingResults()).hasSize(c.toPublish().size()).isNotEmpty();
            Outcome o = c.pendingResults().get(0).outcome();
            assertThat(o.state()).isEqualTo(state);
            if (reason != null) {
                assertThat(o.reason()).contains(reason);
            }
        }
    }

    interface Answer {
        ApiResponse get() throws Exception;
    }

    static final class FakeApi implements OpentactApi {
        final Deque<Answer> script = new ArrayDeque<>();
        final List<String> calls = new ArrayList<>();
        String always;
        /** Runs where the call waits in the rate limit's queue, before its guard is asked. */
        Runnable queue = () -> { };

        @Override
        public ApiResponse callGuarded(String method, String path, String query, String body,
                                       SendGuard guard) throws Exception {
            queue.run();
            return OpentactApi.super.callGuarded(method, path, query, body, guard);
        }

        @Override
        public ApiResponse call(String method, String path, String query, String body) throws Exception {
            calls.add(method + " " + path);
            if (script.isEmpty() && always != null) {
                return new OpentactResponses().read(always, 200, null);
            }
            if (script.isEmpty()) {
                throw new AssertionError("no answer scripted for " + method + " " + path);
            }
            return script.poll().get();
        }

        @Override
        public ApiResponse callIdempotent(String method, String path, String query, String body) throws Exception {
            return call(method, path, query, body);
        }
    }

    static final class FakeStore implements OrderStore {
        final Map<String, JournalEntry> entries = new HashMap<>();
        final List<String> writes = new ArrayList<>();
        String failOn;
        int ownedChecks = Integer.MAX_VALUE;
        int intentsWritable = Integer.MAX_VALUE;

        @Override
        public void confirmOwned(List<OrderRequest> requests) {
            if (ownedChecks-- <= 0) {
                throw new Fencing.NotOwnedException("partition 0 was given to another consumer");
            }
        }

        @Override
        public JournalEntry lookup(String requestId) {
            return entries.get(requestId);
        }

        @Override
        public Map<String, JournalEntry> entries(Collection<String> requestIds) {
            Map<String, JournalEntry> out = new HashMap<>();
            requestIds.stream().filter(entries::containsKey).forEach(id -> out.put(id, entries.get(id)));
            return out;
        }

        private List<String> ids(List<OrderRequest> requests) {
            return requests.stream().map(OrderRequest::requestId).toList();
        }

        private void check(String what) {
            if (what.equals(failOn)) {
                throw new IllegalStateException("journal unreachable");
            }
        }

        @Override
        public void intent(List<OrderRequest> requests, List<BigDecimal> reservedNrc, List<NumberResult> settled) {
            check("intent");
            if (intentsWritable-- <= 0) {
                throw new IllegalStateException("the journal refused the write: the group's generation moved on");
            }
            writes.add("intent " + ids(requests));
            requests.forEach(r -> entries.put(r.requestId(), new JournalEntry(r.requestId(), JournalEntry.Phase.intent,
                    r.tns(), null, null, null, null, settled, T0)));
        }

        @Override
        public void placed(List<OrderRequest> requests, String orderUuid) {
            check("placed");
            writes.add("placed " + ids(requests) + " " + orderUuid);
            requests.forEach(r -> entries.put(r.requestId(), new JournalEntry(r.requestId(), JournalEntry.Phase.placed,
                    r.tns(), orderUuid, null, null, null, null, T0)));
        }

        @Override
        public void finish(List<OrderRequest> requests, List<OrderResult> results) {
            check("finish");
            writes.add("finish " + ids(requests));
            requests.forEach(r -> entries.put(r.requestId(), new JournalEntry(r.requestId(), JournalEntry.Phase.done,
                    null, null, null, null, null, null)));
        }
    }
}
