package dev.tnorders.opentact.order;

import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.Feature;
import dev.tnorders.opentact.model.OrderRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrderPlannerTest {

    private final OrderPlanner planner = new OrderPlanner(3, null);

    private static OrderRequest req(String id, Set<Feature> features, String... tns) {
        return new OrderRequest(id, List.of(tns), null, features, true, null, null, null, null, null, null, "t");
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
                req("fax", EnumSet.of(Feature.FAX), "+5"), req("d", "+6", "+7")), r -> false);
        assertThat(plan.batches()).extracting(OrderPlannerTest::ids)
                .containsExactly(List.of("a", "b"), List.of("c", "d"), List.of("fax"));
        assertThat(plan.singles()).isEmpty();
        assertThat(OrderRules.asOneOrder(plan.batches().get(0)).tns()).containsExactly("+1", "+2", "+3");
    }

    @Test
    void whatTheBatchCannotDecideGoesOneByOne() {
        OrderRequest criteria = new OrderRequest("crit", null, new CriteriaSearch("201", null, 2, CriteriaSearch.Fill.all),
                EnumSet.of(Feature.VOICE), true, null, null, null, null, null, null, "t");
        OrderRequest limited = new OrderRequest("lim", List.of("+9"), null, EnumSet.of(Feature.VOICE), true, null, null,
                null, new BigDecimal("1.00"), null, null, "t");
        OrderPlan plan = planner.planWith(List.of(req("a", "+1"), criteria, limited, req("known", "+2"),
                req("again", "+1"), req("a", "+8"), req("big", "+3", "+4", "+5", "+6")), r -> r.requestId().equals("known"));
        assertThat(plan.batches()).extracting(OrderPlannerTest::ids).containsExactly(List.of("a"));
        assertThat(plan.singles()).extracting(OrderRequest::requestId)
                .containsExactly("crit", "lim", "known", "again", "a", "big");
    }

    @Test
    void aBatchNeedsRoomForOneNumber() {
        assertThatThrownBy(() -> new OrderPlanner(0, null)).hasMessageContaining("opentact.order.batch-max-numbers");
    }
}
