package dev.tnorders.opentact.it.running;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.intake.InvalidRequestException;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The opentact-order-sink Kamelet as the jar ships it (kamelets/ on the classpath), used from a
 * host route ({@code to: kamelet:opentact-order-sink?...}) and from a Pipe, with the bundle's
 * routes in the same context, a real Kafka broker and the sandbox over HTTP: each request ends
 * in one outcome and its number is bought once.
 */
class KameletSinkIT extends SandboxAndApp {

    /** The bundle's routes, then the host's: a route using the Kamelet and a Pipe (src/test/resources/kamelet-it). */
    private static final String ROUTES = "classpath:dev/tnorders/opentact/beans.camel.yaml,classpath:dev/tnorders/opentact/routes/*.camel.yaml,"
            + "classpath:kamelet-it/*.yaml";

    @Test
    void aHostRouteAndAPipeOrderThroughTheKamelet() throws Exception {
        app = app().with("camel.main.routes-include-pattern", ROUTES).start();
        ProducerTemplate producer = app.context().createProducerTemplate();

        // A host route: to: kamelet:opentact-order-sink?requestIdPrefix=kit
        Exchange viaRoute = producer.request("direct:kit-new-customer", e -> {
            e.getMessage().setHeader("customerId", "c-1");
            e.getMessage().setHeader("tn", "+12012000021");
        });
        assertThat(viaRoute.getException()).isNull();
        assertThat(viaRoute.getMessage().getHeader("OpentactRequestId")).isEqualTo("kit-c-1");

        // A Pipe whose sink is the Kamelet (requestIdPrefix: pipe); the request has no id of its own.
        Exchange viaPipe = producer.request("direct:kit-pipe-orders",
                e -> e.getMessage().setBody("{\"tns\": [\"+12012000022\"]}"));
        assertThat(viaPipe.getException()).isNull();
        String pipeId = viaPipe.getMessage().getHeader("OpentactRequestId", String.class);
        assertThat(pipeId).startsWith("pipe-");

        List<TopicProbe.Rec> outcomes = TopicProbe.read(app.brokers, app.topic("outcomes"), 2, WAIT, SETTLE);
        assertThat(outcomes).extracting(TopicProbe.Rec::key).containsExactlyInAnyOrder("kit-c-1", pipeId);
        assertThat(outcomes).allSatisfy(o -> assertThat(o.value()).containsEntry("state", "completed")
                .containsEntry("numbers_ordered", 1));
        List<TopicProbe.Rec> requests = TopicProbe.read(app.brokers, app.topic("requests"), 2, WAIT, SETTLE);
        assertThat(requests).extracting(TopicProbe.Rec::key).containsExactlyInAnyOrder("kit-c-1", pipeId);
        assertThat(sandbox.purchaseCount(12012000021L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(12012000022L)).isEqualTo(1);
        assertThat(sandbox.orderAttempts(12012000021L)).isEqualTo(1);
    }

    @Test
    void theKameletRefusesABadRequestNamingTheFieldAndSendsNothing() throws Exception {
        app = app().with("camel.main.routes-include-pattern", ROUTES).start();
        Exchange sent = app.context().createProducerTemplate().send("kamelet:opentact-order-sink",
                e -> e.getMessage().setBody("{\"request_id\": \"kit-bad\", \"tns\": [\"+12012000024\"], \"features\": [\"telepathy\"]}"));
        Throwable error = sent.getException();
        while (error != null && !(error instanceof InvalidRequestException)) {
            error = error.getCause();
        }
        assertThat(error).isInstanceOf(InvalidRequestException.class).hasMessageContaining("features");
        // A good one after it goes through, so that the requests topic is known to hold only it.
        app.context().createProducerTemplate().requestBody("kamelet:opentact-order-sink?validate=false",
                "{\"request_id\": \"kit-good\", \"tns\": [\"+12012000025\"]}");
        List<TopicProbe.Rec> requests = TopicProbe.read(app.brokers, app.topic("requests"), 1, WAIT, SETTLE);
        assertThat(requests).extracting(TopicProbe.Rec::key).containsExactly("kit-good");
        assertThat(sandbox.purchaseCount(12012000024L)).isZero();
    }
}
