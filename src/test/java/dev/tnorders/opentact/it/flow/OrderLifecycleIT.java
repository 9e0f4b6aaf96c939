package dev.tnorders.opentact.it.flow;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.control.IntakeControl;
import dev.tnorders.opentact.it.LogCapture;
import dev.tnorders.opentact.it.RunningApp;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.journal.OrderJournal;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestBuilder;
import dev.tnorders.opentact.order.OrderClock;
import dev.tnorders.opentact.order.OrderResults;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The order lifecycle through real Kafka and the sandbox: limits, Opentact's refusals, criteria
 * orders, retries, lost answers and crash leftovers in the journal. Each test checks what the
 * sandbox sold, not only what was published.
 */
class OrderLifecycleIT extends SandboxAndApp {

    private TopicProbe.Rec outcome(String requestId, String json) throws Exception {
        TopicProbe.send(app.brokers, app.topic("requests"), requestId, json);
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 1, WAIT, SETTLE);
        assertThat(outcomes).hasSize(1);
        return outcomes.get(0);
    }

    @Test
    void aNumberDearerThanMaxNrcIsRejectedAndNotBought() throws Exception {
        sandbox.setPrice(12012010001L, new BigDecimal("7.50"), new BigDecimal("0.50"));
        app = app().start();
        TopicProbe.Rec o = outcome("lim-1", "{\"request_id\":\"lim-1\",\"tns\":[\"+12012010001\",\"+12012010002\"],\"max_nrc\":\"5.00\"}");
        assertThat(o.value()).containsEntry("state", "rejected").containsEntry("numbers_ordered", 0);
        assertThat((String) o.get("reason")).contains("7.50").contains("max_nrc 5.00");
        assertThat(sandbox.orderAttempts(12012010001L)).isZero();
        assertThat(sandbox.orderAttempts(12012010002L)).isZero();
        assertThat(TopicProbe.read(app.brokers, app.topic("numbers"), 2, WAIT, Duration.ZERO))
                .allSatisfy(n -> assertThat(n.value()).containsEntry("state", "rejected"));
    }

    @Test
    void quoteOnlyPublishesThePriceAndOrdersNothing() throws Exception {
        app = app().with("opentact.order.quote-only", "true").start();
        TopicProbe.Rec o = outcome("quote-1", "{\"request_id\":\"quote-1\",\"tns\":[\"+12012080001\",\"+12012080002\"]}");
        assertThat(o.value()).containsEntry("state", "rejected").containsEntry("numbers_ordered", 0);
        assertThat(o.map("price")).containsEntry("nrc", "2.00").containsEntry("mrc", "1.00");
        assertThat((String) o.get("reason")).contains("quote only");
        assertThat(sandbox.orderAttempts(12012080001L)).isZero();
        assertThat(sandbox.orderCount()).isZero();
    }

    @Test
    void notEnoughBalanceIsRejectedWithOpentactsWordsAndPausesIntake() throws Exception {
        sandbox.setBalance(new BigDecimal("0.50"));
        app = app().with("opentact.intake.balance-pause-ms", "3000").start();
        TopicProbe.Rec o = outcome("bal-1", "{\"request_id\":\"bal-1\",\"tns\":[\"+12012020001\"]}");
        assertThat(o.value()).containsEntry("state", "rejected");
        assertThat((String) o.get("reason")).contains("not enough account balance")
                .contains("Not enough account balance");
        IntakeControl intake = app.bean("intakeControl", IntakeControl.class);
        assertThat(intake.isPaused()).isTrue();

        sandbox.setBalance(new BigDecimal("100.00")); // the operator tops up the account
        TopicProbe.send(app.brokers, app.topic("requests"), "bal-2", "{\"request_id\":\"bal-2\",\"tns\":[\"+12012020002\"]}");
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 2, WAIT, SETTLE);
        assertThat(outcomes).hasSize(2);
        assertThat(outcomes.get(1).value()).containsEntry("request_id", "bal-2").containsEntry("state", "completed");
        assertThat(sandbox.purchaseCount(12012020001L)).isZero();
        assertThat(sandbox.purchaseCount(12012020002L)).isEqualTo(1);
    }

    @Test
    void criteriaOrdersHonourFill() throws Exception {
        app = app().start();
        TopicProbe.send(app.brokers, app.topic("requests"), "crit-1",
                "{\"request_id\":\"crit-1\",\"search\":{\"area_code\":\"415\",\"exchange\":\"777\",\"quantity\":3}}");
        sandbox.removeInventory(LongStream.rangeClosed(16047770000L, 16047770996L).toArray());
        TopicProbe.send(app.brokers, app.topic("requests"), "crit-2",
                "{\"request_id\":\"crit-2\",\"search\":{\"area_code\":\"604\",\"exchange\":\"777\",\"quantity\":5,\"fill\":\"all\"}}");
        // crit-3 competes for the same 3 numbers: only once crit-2 is decided (requests on different
        // partitions have no order between them).
        assertThat(TopicProbe.read(app.brokers, app.topic("outcomes"), 2, WAIT, Duration.ZERO)).hasSize(2);
        TopicProbe.send(app.brokers, app.topic("requests"), "crit-3",
                "{\"request_id\":\"crit-3\",\"search\":{\"area_code\":\"604\",\"exchange\":\"777\",\"quantity\":5,\"fill\":\"partial\"}}");
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 3, WAIT, SETTLE);
        assertThat(outcomes).hasSize(3);
        TopicProbe.Rec c1 = byId(outcomes, "crit-1");
        assertThat(c1.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 3);
        TopicProbe.Rec c2 = byId(outcomes, "crit-2");
        assertThat(c2.value()).containsEntry("state", "rejected").containsEntry("numbers_ordered", 0);
        assertThat((String) c2.get("reason")).contains("only 3 of 5");
        TopicProbe.Rec c3 = byId(outcomes, "crit-3");
        assertThat(c3.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 3)
                .containsEntry("numbers_requested", 3);
        assertThat(sandbox.purchases().values()).containsOnly(1).hasSize(6);
    }

    @Test
    void criteriaOffersNotMatchingAreSkippedAndFurtherPagesRead() throws Exception {
        // Page 1 (100 a page) offers only numbers of another area code and toll-free ones; page 2
        // has 50 more of them, then the numbers asked for.
        long[] extra = new long[150];
        for (int i = 0; i < 100; i++) {
            extra[i] = 12125550000L + i;
        }
        for (int i = 0; i < 50; i++) {
            extra[100 + i] = 18005550000L + i;
        }
        sandbox.offerExtraInSearch(extra);
        app = app().start();
        TopicProbe.Rec o = outcome("pages-1",
                "{\"request_id\":\"pages-1\",\"search\":{\"area_code\":\"415\",\"exchange\":\"777\",\"quantity\":3}}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 3);
        assertThat(sandbox.purchases().keySet()).hasSize(3).allSatisfy(tn -> assertThat(tn / 10_000).isEqualTo(1415777L));
        for (long tn : extra) {
            assertThat(sandbox.orderAttempts(tn)).as("offered %d", tn).isZero();
        }
        assertThat(sandbox.callTimes("/rest/tn/search")).hasSize(2);
    }

    @Test
    void numbersGoneByOrderTimeAreSearchedForAgain() throws Exception {
        // 415-777-0000 and -0001 are offered first, then bought by someone else before our order.
        sandbox.goneAfterSearch(14157770000L, 14157770001L);
        app = app().start();
        TopicProbe.Rec o = outcome("again-1",
                "{\"request_id\":\"again-1\",\"search\":{\"area_code\":\"415\",\"exchange\":\"777\",\"quantity\":3}}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("numbers_requested", 3)
                .containsEntry("numbers_ordered", 3).containsEntry("numbers_failed", 2);
        assertThat(o.map("price")).containsEntry("nrc", "3.00");
        List<TopicProbe.Rec> numbers = TopicProbe.read(app.brokers, app.topic("numbers"), 5, WAIT, SETTLE);
        assertThat(numbers).hasSize(5);
        assertThat(numbers).filteredOn(n -> n.get("state").equals("ordered")).hasSize(3);
        assertThat(numbers).filteredOn(n -> n.get("state").equals("failed")).extracting(TopicProbe.Rec::key)
                .containsExactlyInAnyOrder("+14157770000", "+14157770001");
        assertThat(sandbox.purchases().values()).containsOnly(1).hasSize(3);
        assertThat(sandbox.callTimes("/rest/tn/search")).hasSize(2);
    }

    @Test
    void idempotentCallsAreRetriedThroughServerErrors() throws Exception {
        sandbox.failNext("/rest/order/price", 503, 2);
        app = app().start();
        TopicProbe.Rec o = outcome("retry-1", "{\"request_id\":\"retry-1\",\"tns\":[\"+12012030001\"]}");
        assertThat(o.value()).containsEntry("state", "completed");
        assertThat(sandbox.purchaseCount(12012030001L)).isEqualTo(1);
    }

    @Test
    void anOpentactOutagePausesIntakeInsteadOfSpinning() throws Exception {
        sandbox.failNext("/rest/order/price", 503, 1000);
        app = app().with("opentact.api.retries", "2").with("opentact.intake.outage-pause-ms", "3000").start();
        TopicProbe.send(app.brokers, app.topic("requests"), "down-1", "{\"request_id\":\"down-1\",\"tns\":[\"+12012030003\"]}");
        IntakeControl intake = app.bean("intakeControl", IntakeControl.class);
        await().atMost(WAIT).until(intake::isPaused);
        assertThat(intake.reason()).contains("Opentact is unavailable (HTTP 503");
        int callsWhilePaused = sandbox.callTimes("/rest/order/price").size();
        assertThat(callsWhilePaused).isEqualTo(3); // the call and its 2 retries, then nothing

        sandbox.failNext("/rest/order/price", 503, 0); // Opentact is back
        TopicProbe.Rec o = TopicProbe.read(app.brokers, app.topic("outcomes"), 1, WAIT, SETTLE).get(0);
        assertThat(o.value()).containsEntry("request_id", "down-1").containsEntry("state", "completed");
        assertThat(Duration.between(sandbox.callTimes("/rest/order/price").get(2),
                sandbox.callTimes("/rest/order/price").get(3))).isGreaterThanOrEqualTo(Duration.ofMillis(2500));
        assertThat(sandbox.purchaseCount(12012030003L)).isEqualTo(1);
    }

    @Test
    void retryAfterIsHonoured() throws Exception {
        sandbox.failNext("/rest/order/price", 429, 1); // the sandbox says Retry-After: 1
        app = app().start(); // backoff is 50 ms in tests: only Retry-After explains a 1 s wait
        TopicProbe.Rec o = outcome("ra-1", "{\"request_id\":\"ra-1\",\"tns\":[\"+12012030002\"]}");
        assertThat(o.value()).containsEntry("state", "completed");
        List<Instant> prices = sandbox.callTimes("/rest/order/price");
        assertThat(prices).hasSize(2);
        assertThat(Duration.between(prices.get(0), prices.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void anOrderPostRefusedWith429IsSentAgainAfterRetryAfterWithoutReconciling() throws Exception {
        sandbox.failNext("/rest/order", 429, 1); // the sandbox says Retry-After: 1
        app = app().start();
        TopicProbe.Rec o = outcome("rl-1", "{\"request_id\":\"rl-1\",\"tns\":[\"+12012030004\"]}");
        assertThat(o.value()).containsEntry("state", "completed");
        List<Instant> posts = sandbox.callTimes("/rest/order");
        assertThat(posts).hasSize(2);
        assertThat(Duration.between(posts.get(0), posts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(sandbox.callTimes("/rest/order/search")).isEmpty(); // a 429 placed nothing: no reconciliation
        assertThat(sandbox.purchaseCount(12012030004L)).isEqualTo(1);
    }

    @Test
    void aRequestAnotherInstanceFinishedMeanwhileIsNotPublishedAgain() throws Exception {
        // As after a rebalance: another instance takes the request over and publishes it while this
        // one is still following the order. This one must not give it a second outcome.
        sandbox.setCompletionDelay(Duration.ofSeconds(4));
        app = app().start();
        try (LogCapture journalLog = new LogCapture(OrderJournal.class.getName())) {
            TopicProbe.send(app.brokers, app.topic("requests"), "taken-1", "{\"request_id\":\"taken-1\",\"tns\":[\"+12012030006\"]}");
            await().atMost(WAIT).until(() -> sandbox.orderAttempts(12012030006L) == 1);
            OrderJournal other = new OrderJournal(app.brokers, app.topic("journal"), app.topic("outcomes"),
                    app.topic("numbers"), "other-instance-" + UUID.randomUUID());
            other.start();
            try {
                OrderRequest taken = request("taken-1", "+12012030006");
                other.finish(List.of(taken), List.of(new OrderResults(
                        new OrderClock()).postUnanswered(taken, "published by the other instance")));
            } finally {
                other.stop();
            }
            await().atMost(WAIT).until(() -> journalLog.messages().stream()
                    .anyMatch(m -> m.contains("taken-1") && m.contains("not published again")));
        }
        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 1, WAIT, SETTLE);
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0).value()).containsEntry("request_id", "taken-1").containsEntry("state", "unknown");
        assertThat(sandbox.purchaseCount(12012030006L)).isEqualTo(1);
    }

    @Test
    void anOrderWhoseAnswerWasLostIsFoundNotBoughtAgain() throws Exception {
        sandbox.dropAnswerAfterHandling("/rest/order", 1);
        app = app().start();
        TopicProbe.Rec o = outcome("lost-1", "{\"request_id\":\"lost-1\",\"tns\":[\"+12012040001\"]}");
        assertThat(o.value()).containsEntry("state", "completed");
        assertThat(o.get("order_uuid")).isNotNull();
        assertThat(sandbox.orderAttempts(12012040001L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(12012040001L)).isEqualTo(1);
    }

    @Test
    void anOrderPostAnsweredWithAnOrderThatIsNotOursIsReconciledNotTakenAsOurs() throws Exception {
        // Someone else's order, older than our intent less the clock-skew margin (1 s here).
        Instant before = Instant.now();
        String theirs = sandbox.placeOrder(12012090009L);
        app = app().with("opentact.order.reconcile-clock-skew-ms", "1000").start();
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(before.plusMillis(1500)));
        // Our POST is carried out, but its 201 shows that older order (as seed 001's ListOrders does).
        sandbox.answerOrderPostWithOtherOrderNext("/rest/order", 1);
        TopicProbe.Rec o = outcome("notours-1", "{\"request_id\":\"notours-1\",\"tns\":[\"+12012090001\"]}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 1);
        assertThat(o.get("order_uuid")).isNotNull().isNotEqualTo(theirs);
        assertThat(sandbox.faultsInjected()).as("the other order was answered").isEqualTo(1);
        assertThat(sandbox.orderAttempts(12012090001L)).as("one order POST").isEqualTo(1);
        assertThat(sandbox.purchaseCount(12012090001L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(12012090009L)).as("theirs, bought once, by them").isEqualTo(1);
        List<TopicProbe.Rec> numbers = TopicProbe.read(app.brokers, app.topic("numbers"), 1, WAIT, SETTLE);
        assertThat(numbers).hasSize(1);
        assertThat(numbers.get(0).value()).containsEntry("state", "ordered").containsEntry("order_uuid", o.get("order_uuid"));
    }

    @Test
    void aCrashAfterTheOrderPostIsReconciledOnRestart() throws Exception {
        // What a process that died right after its order POST leaves behind: an intent in the
        // journal, and an order in Opentact that it never heard about.
        RunningApp fresh = app();
        leftInJournal(fresh, journal -> journal.intent(List.of(request("crash-1", "+12012050001")), Collections.singletonList(null), null));
        String uuid = sandbox.placeOrder(12012050001L);

        app = fresh.start();
        TopicProbe.Rec o = outcome("crash-1", "{\"request_id\":\"crash-1\",\"tns\":[\"+12012050001\"]}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("order_uuid", uuid);
        assertThat(sandbox.orderAttempts(12012050001L)).isEqualTo(1);
    }

    @Test
    void aCrashBeforeTheOrderPostOrdersOnce() throws Exception {
        RunningApp fresh = app();
        leftInJournal(fresh, journal -> journal.intent(List.of(request("crash-2", "+12012050002")), Collections.singletonList(null), null));

        app = fresh.start();
        TopicProbe.Rec o = outcome("crash-2", "{\"request_id\":\"crash-2\",\"tns\":[\"+12012050002\"]}");
        assertThat(o.value()).containsEntry("state", "completed");
        assertThat(sandbox.orderAttempts(12012050002L)).isEqualTo(1);
    }

    @Test
    void aPlacedOrderIsFollowedNotPlacedAgain() throws Exception {
        RunningApp fresh = app();
        String uuid = sandbox.placeOrder(12012050003L);
        leftInJournal(fresh, journal -> journal.placed(List.of(request("crash-3", "+12012050003")), uuid));

        app = fresh.start();
        TopicProbe.Rec o = outcome("crash-3", "{\"request_id\":\"crash-3\",\"tns\":[\"+12012050003\"]}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("order_uuid", uuid);
        assertThat(sandbox.orderAttempts(12012050003L)).isEqualTo(1);
    }

    @Test
    void aCriteriaOrderPlacedBeforeACrashIsFollowedWithTheNumbersItChose() throws Exception {
        // The redelivered record holds only the criteria; the numbers the search chose are in the journal.
        RunningApp fresh = app();
        String uuid = sandbox.placeOrder(14157770500L, 14157770501L);
        leftInJournal(fresh, journal -> journal.placed(List.of(RequestBuilder.request("crit-crash")
                .tns("+14157770500", "+14157770501").receivedAt("2026-11-24T00:00:00.000Z").build()), uuid));

        app = fresh.start();
        TopicProbe.Rec o = outcome("crit-crash",
                "{\"request_id\":\"crit-crash\",\"search\":{\"area_code\":\"415\",\"exchange\":\"777\",\"quantity\":2}}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("order_uuid", uuid)
                .containsEntry("numbers_ordered", 2);
        assertThat(TopicProbe.read(app.brokers, app.topic("numbers"), 2, WAIT, SETTLE)).extracting(TopicProbe.Rec::key)
                .containsExactlyInAnyOrder("+14157770500", "+14157770501");
        assertThat(sandbox.orderCount()).isEqualTo(1);
        assertThat(sandbox.purchases().values()).containsOnly(1);
    }

    @Test
    void anOrderStillOpenAtTheDeadlineEndsUnknown() throws Exception {
        sandbox.setCompletionDelay(Duration.ofMinutes(10));
        app = app().with("opentact.order.follow-deadline-ms", "1500").start();
        TopicProbe.Rec o = outcome("slow-1", "{\"request_id\":\"slow-1\",\"tns\":[\"+12012060001\"]}");
        assertThat(o.value()).containsEntry("state", "unknown");
        assertThat((String) o.get("reason")).contains("still 'processing'").contains((String) o.get("order_uuid"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(sandbox.purchaseCount(12012060001L)).isEqualTo(1));
    }

    @Test
    void anOrderPostThatGetsA503IsNeverResentBlindly() throws Exception {
        // A 503 to the order POST says nothing certain about the order: reconciliation decides,
        // the HTTP client must not re-send the POST on its own.
        sandbox.failNext("/rest/order", 503, 1);
        app = app().start();
        TopicProbe.Rec o = outcome("post503-1", "{\"request_id\":\"post503-1\",\"tns\":[\"+12012070001\"]}");
        assertThat(o.value()).containsEntry("state", "completed");
        assertThat(sandbox.orderAttempts(12012070001L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(12012070001L)).isEqualTo(1);
    }

    // --- Against Opentact as documented (summary-only order search, late search, seed 001) ------

    @Test
    void aCriteriaOrderWhoseAnswerWasLostIsFoundNotSearchedAndBoughtAgain() throws Exception {
        sandbox.dropAnswerAfterHandling("/rest/order", 1);
        app = app().start();
        TopicProbe.Rec o = outcome("crit-lost", "{\"request_id\":\"crit-lost\",\"search\":{\"area_code\":\"415\","
                + "\"exchange\":\"777\",\"quantity\":3}}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 3);
        assertThat(sandbox.orderCount()).isEqualTo(1);
        assertThat(sandbox.purchases().values()).containsOnly(1).hasSize(3);
        assertThat(sandbox.callTimes("/rest/tn/search")).as("no second search").hasSize(1);
    }

    @Test
    void aCriteriaOrderWhosePostNeverReachedOpentactOrdersTheSameNumbersAgainNotANewSet() throws Exception {
        sandbox.proxyErrorNext("/rest/order", 1); // a proxy's HTML 502: the POST never got through
        app = app().start();
        TopicProbe.Rec o = outcome("crit-502", "{\"request_id\":\"crit-502\",\"search\":{\"area_code\":\"415\","
                + "\"exchange\":\"777\",\"quantity\":2}}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 2);
        assertThat(sandbox.callTimes("/rest/tn/search")).as("one search: the same numbers ordered again").hasSize(1);
        assertThat(sandbox.callTimes("/rest/order")).as("the refused POST and the one after reconciliation").hasSize(2);
        assertThat(sandbox.orderCount()).isEqualTo(1);
        assertThat(sandbox.purchases().values()).containsOnly(1).hasSize(2);
    }

    @Test
    void anOrderThatShowsInTheSearchOnlyLaterIsFoundNotOrderedAgain() throws Exception {
        sandbox.setSearchDelay(Duration.ofMillis(1500)); // within the window (3 s in tests)
        sandbox.dropAnswerAfterHandling("/rest/order", 1);
        app = app().start();
        TopicProbe.Rec o = outcome("late-1", "{\"request_id\":\"late-1\",\"tns\":[\"+12012040011\",\"+12012040012\"]}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 2);
        assertThat(sandbox.orderAttempts(12012040011L)).isEqualTo(1);
        assertThat(sandbox.orderCount()).isEqualTo(1);
        assertThat(sandbox.callTimes("/rest/order/search").size()).as("looked again until it showed").isGreaterThan(1);
    }

    @Test
    void aCriteriaOrderWhoseFateCannotBeKnownEndsUnknownAndBuysNothingMore() throws Exception {
        sandbox.dropAnswerAfterHandling("/rest/order", 1);
        sandbox.failNext("/rest/order/search", 503, 100_000); // the order search never answers
        app = app().with("opentact.api.retries", "0").start();
        TopicProbe.Rec o = outcome("crit-unknown", "{\"request_id\":\"crit-unknown\",\"search\":{\"area_code\":\"415\","
                + "\"exchange\":\"777\",\"quantity\":2}}");
        assertThat(o.value()).containsEntry("state", "unknown");
        assertThat((String) o.get("reason")).contains("the order search failed on page 1 (skip=0) after 1 attempt")
                .contains("check the account's orders");
        assertThat(sandbox.orderCount()).isEqualTo(1);
        assertThat(sandbox.callTimes("/rest/tn/search")).hasSize(1);
        assertThat(TopicProbe.read(app.brokers, app.topic("numbers"), 2, WAIT, SETTLE))
                .allSatisfy(n -> assertThat(n.value()).containsEntry("state", "unknown"));
    }

    @Test
    void aLostAnswerWhoseOrderIsOnlyInTheLeasesIsNeverOrderedAgain() throws Exception {
        // The order search never lists the order (as if it lagged for good); the account's leases
        // show the number was bought since the order was sent.
        sandbox.setSearchDelay(Duration.ofHours(1));
        sandbox.dropAnswerAfterHandling("/rest/order", 1);
        app = app().start();
        TopicProbe.Rec o = outcome("leased-1", "{\"request_id\":\"leased-1\",\"tns\":[\"+12012040021\"]}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 1);
        assertThat(sandbox.orderAttempts(12012040021L)).isEqualTo(1);
        TopicProbe.Rec n = TopicProbe.read(app.brokers, app.topic("numbers"), 1, WAIT, SETTLE).get(0);
        assertThat(n.value()).containsEntry("state", "ordered");
        assertThat((String) n.get("reason")).contains("lease");
    }

    @Test
    void seed001sLookupFormIsRead() throws Exception {
        sandbox.setLookupForm(OpentactSandbox.LookupForm.SEED_001);
        app = app().start();
        TopicProbe.Rec o = outcome("s001-1", "{\"request_id\":\"s001-1\",\"tns\":[\"+12012040031\",\"+12012040032\"]}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 2);
    }

    @Test
    void numbersCanTravelAsE164StringsInEveryBody() throws Exception {
        sandbox.setNumberStyle(OpentactSandbox.NumberStyle.E164); // and come back so
        app = app().with("opentact.api.number-format", "e164").start();
        TopicProbe.Rec o = outcome("e164-1", "{\"request_id\":\"e164-1\",\"tns\":[\"+12012040041\",\"+12012040042\"]}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 2);
        assertThat(sandbox.purchaseCount(12012040041L)).isEqualTo(1);
    }

    @Test
    void numbersBeyondTheListedItemsAndANumberListedTwiceAreAllOrdered() throws Exception {
        // 60 numbers: the sandbox lists 50 tn_items (the first bought one twice, success then
        // failed, as seed 000), and every bought number as a lease.
        StringBuilder tns = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            tns.append(i == 0 ? "" : ",").append("\"+12012040").append(100 + i).append('"');
        }
        app = app().start();
        TopicProbe.Rec o = outcome("many-1", "{\"request_id\":\"many-1\",\"tns\":[" + tns + "]}");
        assertThat(o.value()).containsEntry("state", "completed").containsEntry("numbers_ordered", 60)
                .containsEntry("numbers_failed", 0);
        assertThat(TopicProbe.read(app.brokers, app.topic("numbers"), 60, WAIT, SETTLE))
                .hasSize(60).allSatisfy(n -> assertThat(n.value()).containsEntry("state", "ordered"));
    }

    private static OrderRequest request(String id, String tn) {
        return RequestBuilder.request(id).tns(tn).receivedAt("2026-11-24T00:00:00.000Z").build();
    }

    /** Writes to the app's journal what a process that died would have left there. */
    private static void leftInJournal(RunningApp app, Consumer<OrderJournal> entries) {
        OrderJournal journal = new OrderJournal(app.brokers, app.topic("journal"));
        journal.start();
        try {
            entries.accept(journal);
        } finally {
            journal.stop();
        }
    }

    private static TopicProbe.Rec byId(List<TopicProbe.Rec> outcomes, String id) {
        return outcomes.stream().filter(o -> id.equals(o.get("request_id"))).findFirst().orElseThrow();
    }
}
