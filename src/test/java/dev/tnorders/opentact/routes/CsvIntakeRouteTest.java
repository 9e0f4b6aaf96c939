package dev.tnorders.opentact.routes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Message;
import org.apache.camel.Produce;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.intake.CsvIntake;
import dev.tnorders.opentact.intake.CsvKafkaBatch;
import dev.tnorders.opentact.intake.CsvOutbox;
import dev.tnorders.opentact.intake.InboxClaims;
import dev.tnorders.opentact.intake.InboxNames;
import dev.tnorders.opentact.intake.RequestValidator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * csv-intake.camel.yaml in seconds, on a real folder with Kafka mocked: a file's good rows go to
 * the requests topic as one batch, its bad rows to its rejects file and the DLQ, and the file moves
 * to .done/ once all of it is handed on; a file that cannot be read moves to .failed/.
 */
@CamelMainTest(properties = {
        "camel.main.routes-include-pattern=classpath:dev/tnorders/opentact/routes/csv-intake.camel.yaml,"
                + "classpath:dev/tnorders/opentact/routes/error-handling.camel.yaml",
        "camel.component.kafka.brokers=127.0.0.1:9",
        "opentact.inbox.dir=" + CsvIntakeRouteTest.INBOX, "opentact.outbox.dir=" + CsvIntakeRouteTest.OUTBOX,
        "opentact.inbox.quiet-ms=100", "opentact.inbox.check-interval-ms=50",
        "opentact.inbox.instance-id=" + CsvIntakeRouteTest.INSTANCE},
        configurationClasses = {RouteTestBeans.class, CsvIntakeRouteTest.CsvBeans.class},
        mockEndpointsAndSkip = "kafka:*")
class CsvIntakeRouteTest {

    static final String INBOX = "target/route-tests/inbox";
    static final String OUTBOX = "target/route-tests/outbox";
    static final String INSTANCE = "route-test";

    /** The CSV beans, on the folders above. */
    public static class CsvBeans implements CamelConfiguration {
        @BindToRegistry("csvIntake")
        public CsvIntake csvIntake() {
            return new CsvIntake(new RequestValidator(100), 500, 10_000, 10_000, csvOutbox());
        }

        @BindToRegistry("csvOutbox")
        public CsvOutbox csvOutbox() {
            return new CsvOutbox(OUTBOX);
        }

        @BindToRegistry("csvKafkaBatch")
        public CsvKafkaBatch csvKafkaBatch() {
            return new CsvKafkaBatch();
        }

        @BindToRegistry("inboxClaims")
        public InboxClaims inboxClaims() {
            return new InboxClaims(INBOX, INSTANCE, 100, 60_000, 2);
        }

        @BindToRegistry("inboxNames")
        public InboxNames inboxNames() {
            return new InboxNames(INBOX);
        }
    }

    @Produce("direct:unused")
    ProducerTemplate template;

    private MockEndpoint topic(String name) {
        CamelContext context = template.getCamelContext();
        return context.getEndpoints().stream().filter(e -> e instanceof MockEndpoint && e.getEndpointUri().contains(name))
                .map(MockEndpoint.class::cast).findFirst().orElseThrow(() -> new AssertionError("no mock for " + name));
    }

    private static long filesIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    @BeforeAll
    static void emptyFolders() throws IOException {
        for (String dir : List.of(INBOX, OUTBOX)) {
            Path p = Path.of(dir);
            if (Files.exists(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    @Test
    void goodRowsToTheRequestsTopicBadRowsToTheRejectsFileAndTheDlqThenTheFileIsDone() throws Exception {
        Path inbox = Path.of(INBOX);
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve("mixed.csv"), "tn,features\n+12012000001,voice\nnot-a-number,voice\n+12012000002,sms\n");

        await().atMost(Duration.ofSeconds(20)).until(() -> filesIn(inbox.resolve(".done")) == 1);
        MockEndpoint requests = topic("opentact.order.requests");
        MockEndpoint dlq = topic("opentact.order.dlq");
        assertThat(requests.getReceivedCounter()).as("one batch per chunk").isEqualTo(1);
        @SuppressWarnings("unchecked")
        List<Message> sent = requests.getExchanges().get(0).getMessage().getBody(List.class);
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).getBody(String.class)).contains("+12012000001");
        assertThat(dlq.getReceivedCounter()).isEqualTo(1);
        Path rejects = Path.of(OUTBOX, "mixed.csv.rejects.csv");
        assertThat(rejects).exists();
        assertThat(Files.readString(rejects)).contains("not-a-number").contains("tn");
    }

    @Test
    void aFileThatCannotBeReadMovesToFailed() throws Exception {
        Path inbox = Path.of(INBOX);
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve("empty.csv"), "");
        await().atMost(Duration.ofSeconds(20)).until(() -> filesIn(inbox.resolve(".failed")) >= 1);
    }
}
