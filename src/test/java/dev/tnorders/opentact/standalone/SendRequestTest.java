package dev.tnorders.opentact.standalone;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tnorders.opentact.intake.RequestValidator;
import dev.tnorders.opentact.it.TopicProbe;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SendRequest, the command behind the README's "send a request through Kafka": through a real
 * embedded broker found as the command finds it (its ports.properties), the sample request arrives
 * on the requests topic keyed by its request id; bad input is refused naming the field, and nothing
 * is sent; no broker is a clear message.
 */
class SendRequestTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path kafkaDir;
    private static EmbeddedKafkaBroker broker;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedKafkaBroker.start(kafkaDir, false);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private int run(List<String> args, String stdin, String topic) {
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        // The brokers as main() finds them without CAMEL_COMPONENT_KAFKA_BROKERS: the embedded broker's ports file.
        SendRequest.Client client = () -> LocalKafka.clientSettings(LocalKafka.brokers(null, kafkaDir), new Properties())
                .clientProperties("send-request-test");
        return SendRequest.run(args, in, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), client, topic, new RequestValidator(100), WAIT);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theSampleFileArrivesOnTheRequestsTopicKeyedByItsRequestId() throws Exception {
        String topic = "send-file.requests";
        String sample = Files.readString(Path.of("samples/request.json")).strip();

        assertThat(run(List.of("samples/request.json"), "", topic)).as(err()).isEqualTo(0);

        assertThat(out()).startsWith("sent  " + topic + "  try-1  " + sample + "  (partition ");
        List<String> records = TopicProbe.readAllRaw(broker.bootstrapServers(), topic, Duration.ofSeconds(2));
        assertThat(records).containsExactly("try-1 " + sample);
    }

    @Test
    void eachLineOfStandardInputIsOneRequest() throws Exception {
        String topic = "send-stdin.requests";
        String first = "{\"request_id\": \"line-1\", \"tns\": [\"+12012000001\"], \"max_nrc\": \"1.00\"}";
        String second = "{\"request_id\": \"line-2\", \"search\": {\"area_code\": \"201\", \"quantity\": 2}}";

        assertThat(run(List.of(), first + "\n\n" + second + "\n", topic)).as(err()).isEqualTo(0);

        assertThat(out().lines()).hasSize(2);
        List<TopicProbe.Rec> records = TopicProbe.read(broker.bootstrapServers(), topic, 2, WAIT, Duration.ofSeconds(1));
        assertThat(records).extracting(TopicProbe.Rec::key).containsExactlyInAnyOrder("line-1", "line-2");
        assertThat(records).allSatisfy(r -> assertThat(r.value()).containsEntry("request_id", r.key()));
    }

    @Test
    void aRequestWithoutRequestIdIsRefusedNamingTheFieldAndNothingIsSent() {
        String topic = "send-refused.requests";
        String good = "{\"request_id\": \"ok-1\", \"tns\": [\"+12012000001\"]}";
        String noId = "{\"tns\": [\"+12012000002\"]}";

        assertThat(run(List.of(), good + "\n" + noId + "\n", topic)).isEqualTo(SendRequest.INVALID);

        assertThat(err()).contains("field 'request_id'").contains("is missing in line 2");
        assertThat(out()).isEmpty();
        assertThat(TopicProbe.readAllRaw(broker.bootstrapServers(), topic, Duration.ofSeconds(2))).isEmpty();
    }

    @Test
    void otherBadInputIsRefusedSayingWhatAndWhere() {
        assertThat(run(List.of(), "[1, 2]\n", "unused")).isEqualTo(SendRequest.INVALID);
        assertThat(err()).contains("line 1: the request must be a JSON object");
        err.reset();
        assertThat(run(List.of(), "{\"request_id\": 7, \"tns\": [\"+12012000001\"]}\n", "unused"))
                .isEqualTo(SendRequest.INVALID);
        assertThat(err()).contains("field 'request_id': must be a non-empty string in line 1");
        err.reset();
        assertThat(run(List.of(), "{\"request_id\": \"x-1\", \"tns\": [\"12\"]}\n", "unused")).isEqualTo(SendRequest.INVALID);
        assertThat(err()).contains("line 1: field 'tn': '12' is not a valid");
        err.reset();
        assertThat(run(List.of(), "{\"request_id\": \"x-1\"\n", "unused")).isEqualTo(SendRequest.INVALID);
        assertThat(err()).contains("line 1: malformed JSON");
        err.reset();
        assertThat(run(List.of("samples/no-such.json"), "", "unused")).isEqualTo(SendRequest.NO_INPUT_OR_BROKERS);
        assertThat(err()).contains("no such file samples/no-such.json");
        err.reset();
        assertThat(run(List.of(), "\n", "unused")).isEqualTo(SendRequest.NO_INPUT_OR_BROKERS);
        assertThat(err()).contains("no request given");
        assertThat(out()).isEmpty();
    }

    @Test
    void withoutBrokersItSaysHowToGiveThem(@TempDir Path empty) throws Exception {
        SendRequest.Client client = () -> LocalKafka.clientSettings(LocalKafka.brokers(null, empty), new Properties())
                .clientProperties("send-request-test");
        int status = SendRequest.run(List.of("samples/request.json"), InputStream.nullInputStream(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                client, "unused", new RequestValidator(100), WAIT);

        assertThat(status).isEqualTo(SendRequest.NO_INPUT_OR_BROKERS);
        assertThat(err()).contains("No brokers: set CAMEL_COMPONENT_KAFKA_BROKERS, or start the app first");
        assertThat(LocalKafka.brokers(" kafka-1:9092 ", empty)).isEqualTo("kafka-1:9092");
    }
}
