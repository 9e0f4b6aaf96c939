package dev.tnorders.opentact.routes;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.EndpointInject;
import org.apache.camel.Exchange;
import org.apache.camel.Produce;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.intake.IntakeBatch;
import dev.tnorders.opentact.model.OrderRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kafka-intake.camel.yaml in seconds: the Kafka consumer replaced by {@code direct:poll}, the
 * lifecycle and the DLQ by mock endpoints. A poll's good requests go to the lifecycle, its bad
 * records to the DLQ, and its offsets are committed after; a poll that fails anywhere is given
 * back (the consumer restarts) and nothing of it is committed.
 */
@CamelMainTest(properties = {
        "camel.main.routes-include-pattern=classpath:dev/tnorders/opentact/routes/kafka-intake.camel.yaml,"
                + "classpath:dev/tnorders/opentact/routes/error-handling.camel.yaml",
        "camel.component.kafka.brokers=127.0.0.1:9",
        "opentact.intake.outage-pause-ms=1000", "opentact.intake.paused-wait-ms=100"},
        configurationClasses = RouteTestBeans.class,
        replaceRouteFromWith = "kafka-intake=direct:poll",
        mockEndpointsAndSkip = "direct:order-lifecycle|direct:publish-dead-letter")
class KafkaIntakeRouteTest {

    @Produce("direct:poll")
    ProducerTemplate poll;

    @EndpointInject("mock:direct:order-lifecycle")
    MockEndpoint lifecycle;

    @EndpointInject("mock:direct:publish-dead-letter")
    MockEndpoint deadLetters;

    @BeforeEach
    void reset() {
        RouteTestBeans.reset();
        lifecycle.reset();
        deadLetters.reset();
    }

    private List<Exchange> records(String... payloads) {
        List<Exchange> records = new ArrayList<>();
        for (int i = 0; i < payloads.length; i++) {
            Exchange e = new DefaultExchange(poll.getCamelContext());
            e.getMessage().setBody(payloads[i]);
            e.getMessage().setHeader(KafkaConstants.TOPIC, "opentact.order.requests");
            e.getMessage().setHeader(KafkaConstants.PARTITION, 0);
            e.getMessage().setHeader(KafkaConstants.OFFSET, (long) i);
            e.getMessage().setHeader(KafkaConstants.KEY, "k" + i);
            e.getMessage().setHeader(KafkaConstants.MANUAL_COMMIT, new RouteTestBeans.NumberedCommit(i));
            records.add(e);
        }
        return records;
    }

    private static final String GOOD = "{\"request_id\":\"r%d\",\"tns\":[\"+1201200000%d\"]}";

    @Test
    void goodRequestsGoToTheLifecycleBadOnesToTheDlqAndThePollIsCommittedAfter() throws Exception {
        lifecycle.expectedMessageCount(1);
        deadLetters.expectedMessageCount(1);
        poll.sendBody(records(GOOD.formatted(1, 1), "{\"request_id\":\"bad\",\"tns\":\"not a list\"}", GOOD.formatted(2, 2)));

        MockEndpoint.assertIsSatisfied(lifecycle, deadLetters);
        @SuppressWarnings("unchecked")
        List<OrderRequest> requests = lifecycle.getExchanges().get(0).getMessage().getBody(List.class);
        assertThat(requests).extracting(OrderRequest::requestId).containsExactly("r1", "r2");
        IntakeBatch.DeadLetter dead = deadLetters.getExchanges().get(0).getMessage().getBody(IntakeBatch.DeadLetter.class);
        assertThat(dead.key()).isEqualTo("k1");
        assertThat(String.valueOf(dead.record().get("error"))).contains("tns");
        assertThat(RouteTestBeans.COMMITTED).as("the partition's last record covers the poll").containsExactly(2);
        assertThat(RouteTestBeans.RESTARTS).isEmpty();
    }

    @Test
    void aRecordWithBatchingOffIsAPollOfOne() throws Exception {
        lifecycle.expectedMessageCount(1);
        Exchange one = records(GOOD.formatted(3, 3)).get(0);
        poll.send(one);
        lifecycle.assertIsSatisfied();
        assertThat(RouteTestBeans.COMMITTED).containsExactly(0);
    }

    @Test
    void aPollThatFailsIsGivenBackUncommitted() throws Exception {
        lifecycle.whenAnyExchangeReceived(e -> {
            throw new IllegalStateException("journal unreachable");
        });
        poll.sendBody(records(GOOD.formatted(1, 1)));
        assertThat(RouteTestBeans.RESTARTS).singleElement().asString().startsWith("kafka-intake").contains("journal unreachable");
        assertThat(RouteTestBeans.COMMITTED).isEmpty();
    }

    @Test
    void whilePausedAPollIsGivenBackWithoutReadingIt() throws Exception {
        RouteTestBeans.INTAKE.pause("token refused");
        lifecycle.expectedMessageCount(0);
        poll.sendBody(records(GOOD.formatted(1, 1)));
        lifecycle.assertIsSatisfied();
        assertThat(RouteTestBeans.RESTARTS).singleElement().asString().contains("token refused");
        assertThat(RouteTestBeans.COMMITTED).isEmpty();
    }
}
