package dev.tnorders.opentact.it.running;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.main.KameletMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.it.RunningApp;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.TopicProbe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The routes run as {@code camel run routes/*.camel.yaml config/application.properties} runs them:
 * Camel JBang's runtime, {@link KameletMain}, given the route files of {@code routes/} as
 * {@code file:} locations in {@code camel.main.routesIncludePattern} and the config file as the
 * property location (what JBang's Run command sets), plus a Pipe file to the Kamelet as a user
 * would add one. No OrderRoutesMain: no embedded broker or sandbox of its own, the deployment's
 * settings (broker, sandbox URL, token, this test's topics) come as override properties.
 * Downloads are off: the test classpath has every jar ({@code --dep}s in docs/embedding.md). KameletMain
 * then logs an ERROR that it cannot fetch the Kamelet catalog (org.apache.camel.kamelets:camel-kamelets)
 * in offline mode; that is harmless here, the only Kamelet used is the bundle's own, in kamelets/.
 */
@Tag("camel-kamelet-main") // KameletMain itself: left out of -Pcamel-4.22 (pom.xml)
class KameletMainIT extends SandboxAndApp {

    private KameletMain main;

    @AfterEach
    void stopMain() {
        if (main != null) {
            main.stop();
        }
    }

    @Test
    void theRouteFilesRunOnKameletMainAndOrderEndToEnd() throws Exception {
        RunningApp settings = app(); // only its settings: it is never started
        String routes;
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            routes = Stream.concat(files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted()
                    .map(f -> "file:" + f), Stream.of("file:src/test/resources/kamelet-it/orders-pipe.yaml"))
                    .collect(Collectors.joining(","));
        }
        main = new KameletMain("camel.jbang");
        main.setDownload(false);
        main.addInitialProperty("camel.main.routesIncludePattern", routes);
        main.addInitialProperty("camel.component.properties.location", "file:config/application.properties");
        main.setPropertyPlaceholderLocations("file:config/application.properties");
        settings.properties().forEach(main::addOverrideProperty);
        main.start();
        await().atMost(WAIT).until(() -> main.getCamelContext() != null
                && main.getCamelContext().getStatus() == ServiceStatus.Started);
        assertThat(main.getCamelContext().getName()).isEqualTo("opentact-order-routes");
        assertThat(main.getCamelContext().getRouteController().getRouteStatus("kafka-intake"))
                .isEqualTo(ServiceStatus.Started);

        // A request on the requests topic, as any producer sends one.
        TopicProbe.send(settings.brokers, settings.topic("requests"), "km-1",
                "{\"request_id\": \"km-1\", \"tns\": [\"+12012000031\"], \"max_nrc\": \"5.00\"}");
        // And one through the Pipe to the Kamelet (found in kamelets/ on the classpath).
        Exchange viaPipe = main.getCamelContext().createProducerTemplate().request("direct:kit-pipe-orders",
                e -> e.getMessage().setBody("{\"request_id\": \"km-2\", \"tns\": [\"+12012000032\"]}"));
        assertThat(viaPipe.getException()).isNull();

        List<TopicProbe.Rec> outcomes = TopicProbe.read(settings.brokers, settings.topic("outcomes"), 2, WAIT, SETTLE);
        assertThat(outcomes).extracting(TopicProbe.Rec::key).containsExactlyInAnyOrder("km-1", "km-2");
        assertThat(outcomes).allSatisfy(o -> assertThat(o.value()).containsEntry("state", "completed")
                .containsEntry("numbers_ordered", 1));
        List<TopicProbe.Rec> numbers = TopicProbe.read(settings.brokers, settings.topic("numbers"), 2, WAIT, Duration.ZERO);
        assertThat(numbers).extracting(TopicProbe.Rec::key).containsExactlyInAnyOrder("+12012000031", "+12012000032");
        assertThat(sandbox.purchaseCount(12012000031L)).isEqualTo(1);
        assertThat(sandbox.purchaseCount(12012000032L)).isEqualTo(1);
        assertThat(sandbox.orderAttempts(12012000031L)).isEqualTo(1);
    }
}
