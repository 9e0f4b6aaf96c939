package dev.tnorders.opentact.order;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.journal.JournalEntry;
import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;

import static dev.tnorders.opentact.model.RequestBuilder.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrderPlannerTest {

    private final OrderPlanner planner = new OrderPlanner(3, null);

    private static OrderRequest req(String id, Set<Feature> features, String... tns) {
        return request(id).tns(tns).features(features).receivedAt("t").build();
    }

    private static OrderRequest req(String id, String... tns) {
        return req(id, EnumSet.of(Feature.VOICE, Feature.SMS), tns);
    }

    private static List<String> ids(List<OrderRequest> b) {
        return b.stream().map(OrderRequest::requestId).toList();
    }

    @Test
    void compatibleRequestsShareBatchesUpToTheNumberLimit() {
        OrderPlan plan = planner.planWith(List.of(req("a", "+1"), req("b", "+2", "+3"), req("c", "+4"),
                req("fax", EnumSet.of(Feature.FAX), "+5"), req("d", "+6", "+7")), r -> null);
        assertThat(plan.batches()).extracting(OrderPlannerTest::ids)
                .containsExactly(List.of("a", "b"), List.of("c", "d"), List.of("fax"));
        assertThat(plan.singles()).isEmpty();
        assertThat(OrderRules.asOneOrder(plan.batches().get(0)).tns()).containsExactly("+1", "+2", "+3");
    }

    @Test
    void whatTheBatchCannotDecideGoesOneByOne() {
        OrderRequest criteria = request("crit").search(new CriteriaSearch("201", null, 2, CriteriaSearch.Fill.all))
                .receivedAt("t").build();
        OrderRequest limited = request("lim").tns("+9").maxNrc("1.00").receivedAt("t").build();
        OrderPlan plan = planner.planWith(List.of(req("a", "+1"), criteria, limited, req("known", "+2"),
                req("again", "+1"), req("a", "+8"), req("big", "+3", "+4", "+5", "+6")),
                r -> r.requestId().equals("known") ? new JournalEntry("known", JournalEntry.Phase.done, null, "u0",
                        null, null, null, null) : null);
        assertThat(plan.batches()).extracting(OrderPlannerTest::ids).containsExactly(List.of("a"));
        assertThat(plan.singles()).extracting(OrderRequest::requestId)
                .containsExactly("crit", "lim", "known", "again", "a", "big");
    }

    @Test
    void requestsACrashLeftInOneOrderResumeTogetherInPollOrder() {
        Map<String, JournalEntry> journal = Map.of(
                "p1", entry("p1", JournalEntry.Phase.placed, "u1", 10L), "p2", entry("p2", JournalEntry.Phase.placed, "u1", 10L),
                "p3", entry("p3", JournalEntry.Phase.placed, "u2", 10L),
                "i1", entry("i1", JournalEntry.Phase.intent, null, 20L), "i2", entry("i2", JournalEntry.Phase.intent, null, 20L),
                "i3", entry("i3", JournalEntry.Phase.intent, null, 30L), "d1", entry("d1", JournalEntry.Phase.done, "u0", 5L));
        OrderPlan plan = planner.planWith(List.of(req("p1", "+1"), req("i1", "+2"), req("new", "+3"), req("p3", "+4"),
                req("p2", "+5"), req("i2", "+6"), req("d1", "+7"), req("i3", "+8")), r -> journal.get(r.requestId()));
        assertThat(plan.batches()).extracting(OrderPlannerTest::ids).containsExactly(List.of("new"));
        assertThat(plan.oneAfterAnother()).extracting(OrderPlannerTest::ids).containsExactly(
                List.of("p1", "p2"), List.of("i1", "i2"), List.of("p3"), List.of("d1"), List.of("i3"));
    }

    private static JournalEntry entry(String id, JournalEntry.Phase phase, String uuid, Long intentAt) {
        return new JournalEntry(id, phase, List.of("+1"), uuid, "2026-12-01", null, null, null, intentAt);
    }

    @Test
    void aBatchNeedsRoomForOneNumber() {
        assertThatThrownBy(() -> new OrderPlanner(0, null)).hasMessageContaining("opentact.order.batch-max-numbers");
    }
}
