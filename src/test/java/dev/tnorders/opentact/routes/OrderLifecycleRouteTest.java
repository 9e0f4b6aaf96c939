package dev.tnorders.opentact.routes;

import java.util.List;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.Produce;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.client.OpentactAuthException;
import dev.tnorders.opentact.client.OpentactUnavailableException;
import dev.tnorders.opentact.model.CriteriaSearch;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.order.CaseCancelledException;

import static dev.tnorders.opentact.model.RequestBuilder.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * order-lifecycle.camel.yaml and the order pipeline's error handling in seconds, with the
 * lifecycle faked: the poll's batches run side by side on the order-case threads, its cases of
 * one after them, one after the other, and an error stops the poll, pausing intake
 * as error-handling.camel.yaml says.
 */
@CamelMainTest(properties = {
        "camel.main.routes-include-pattern=classpath:dev/tnorders/opentact/routes/order-lifecycle.camel.yaml,"
                + "classpath:dev/tnorders/opentact/routes/error-handling.camel.yaml",
        "opentact.intake.outage-pause-ms=60000"},
        configurationClasses = RouteTestBeans.class)
class OrderLifecycleRouteTest {

    @Produce("direct:order-lifecycle")
    ProducerTemplate lifecycle;

    @BeforeEach
    void reset() {
        RouteTestBeans.reset();
    }

    private static OrderRequest plain(String id, String tn) {
        return request(id).tns(tn).build();
    }

    private static final List<OrderRequest> POLL = List.of(
            plain("r1", "+12012000001"), plain("r2", "+12012000002"),
            request("limited").tns("+12012000003").maxNrc("1.00").build(),
            request("criteria").search(new CriteriaSearch("201", "200", 1, CriteriaSearch.Fill.all)).build());

    @Test
    void batchesRunOnTheOrderCaseThreadsAndCasesOfOneAfterThemInOrder() {
        lifecycle.sendBody(POLL);
        assertThat(RouteTestBeans.RUNS).extracting(RouteTestBeans.Run::requestIds)
                .containsExactly(List.of("r1", "r2"), List.of("limited"), List.of("criteria"));
        assertThat(RouteTestBeans.RUNS.get(0).thread()).startsWith("OrderCase-");
    }

    @Test
    void eachCaseGetsThePollsOwnRequestObjectsNotCopies() {
        lifecycle.sendBody(POLL);
        assertThat(RouteTestBeans.RECEIVED).hasSize(POLL.size());
        for (OrderRequest r : POLL) {
            assertThat(RouteTestBeans.RECEIVED).as(r.requestId()).anySatisfy(received -> assertThat(received).isSameAs(r));
        }
    }

    @Test
    void aCaseOfACancelledPollStopsThePollWithoutPausingIntake() {
        RouteTestBeans.failWith = new CaseCancelledException("an order case of 2 request(s) of poll p did not start");
        assertThatThrownBy(() -> lifecycle.sendBody(POLL)).hasRootCauseInstanceOf(CaseCancelledException.class);
        assertThat(RouteTestBeans.RUNS).as("stops at the first case").hasSize(1);
        assertThat(RouteTestBeans.INTAKE.isPaused()).as("the poll is given back, intake goes on").isFalse();
    }

    @Test
    void aRefusedTokenStopsThePollAndPausesIntakeUntilTheTokenWorks() {
        RouteTestBeans.failWith = new OpentactAuthException(401, "Unauthorized");
        assertThatThrownBy(() -> lifecycle.sendBody(POLL)).isInstanceOf(CamelExecutionException.class)
                .hasRootCauseInstanceOf(OpentactAuthException.class);
        assertThat(RouteTestBeans.RUNS).as("stops at the first case").hasSize(1);
        assertThat(RouteTestBeans.INTAKE.isPausedForToken()).isTrue();
    }

    @Test
    void opentactDownAfterTheRetriesPausesIntakeForAWhile() {
        RouteTestBeans.failWith = new OpentactUnavailableException(503, "Service Unavailable", 0);
        assertThatThrownBy(() -> lifecycle.sendBody(POLL)).hasRootCauseInstanceOf(OpentactUnavailableException.class);
        assertThat(RouteTestBeans.INTAKE.isPaused()).isTrue();
        assertThat(RouteTestBeans.INTAKE.isPausedForToken()).isFalse();
        assertThat(RouteTestBeans.INTAKE.reason()).contains("Service Unavailable");
    }
}
