package dev.tnorders.opentact.routes;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.EndpointInject;
import org.apache.camel.Produce;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import dev.tnorders.opentact.intake.BatchIntake;
import dev.tnorders.opentact.intake.IntakeBatch;
import dev.tnorders.opentact.intake.RequestValidator;
import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.order.OrderClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * kafka-intake.camel.yaml in seconds: a poll as the requests consumers hand it over (read by the
 * real BatchIntake), the lifecycle and the DLQ replaced by mock endpoints. A poll's good requests
 * go to the lifecycle, its bad records to the DLQ; a failure anywhere reaches the consumer (its
 * caller), which reads the poll again.
 */
@CamelMainTest(properties = {
        "camel.main.routes-include-pattern=classpath:dev/tnorders/opentact/routes/kafka-intake.camel.yaml,"
                + "classpath:dev/tnorders/opentact/routes/error-handling.camel.yaml",
        "camel.component.kafka.brokers=127.0.0.1:9",
        "opentact.intake.outage-pause-ms=1000"},
        configurationClasses = RouteTestBeans.class,
        mockEndpointsAndSkip = "direct:order-lifecycle|direct:publish-dead-letter")
class KafkaIntakeRouteTest {

    @Produce("direct:kafka-intake")
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

    private static IntakeBatch read(String... payloads) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < payloads.length; i++) {
            records.add(new ConsumerRecord<>("opentact.order.requests", 0, i, "k" + i, payloads[i]));
        }
        return new BatchIntake(new RequestValidator(100), new OrderClock()).read(records);
    }

    private static final String GOOD = "{\"request_id\":\"r%d\",\"tns\":[\"+1201200000%d\"]}";

    @Test
    void goodRequestsGoToTheLifecycleBadOnesToTheDlq() throws Exception {
        lifecycle.expectedMessageCount(1);
        deadLetters.expectedMessageCount(1);
        poll.sendBody(read(GOOD.formatted(1, 1), "{\"request_id\":\"bad\",\"tns\":\"not a list\"}", GOOD.formatted(2, 2)));

        MockEndpoint.assertIsSatisfied(lifecycle, deadLetters);
        @SuppressWarnings("unchecked")
        List<OrderRequest> requests = lifecycle.getExchanges().get(0).getMessage().getBody(List.class);
        assertThat(requests).extracting(OrderRequest::requestId).containsExactly("r1", "r2");
        assertThat(requests).extracting(r -> r.source().offset()).containsExactly(0L, 2L);
        IntakeBatch.DeadLetter dead = deadLetters.getExchanges().get(0).getMessage().getBody(IntakeBatch.DeadLetter.class);
        assertThat(dead.key()).isEqualTo("k1");
        assertThat(String.valueOf(dead.record().get("error"))).contains("tns");
    }

    @Test
    void aPollThatFailsFailsItsCaller() throws Exception {
        lifecycle.whenAnyExchangeReceived(e -> {
            throw new IllegalStateException("journal unreachable");
        });
        assertThatThrownBy(() -> poll.sendBody(read(GOOD.formatted(1, 1))))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseMessage("journal unreachable");
        assertThat(RouteTestBeans.INTAKE.isPaused()).as("an unexpected error pauses intake").isTrue();
    }
}
