package dev.tnorders.opentact.standalone;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.tnorders.opentact.intake.InvalidRequestException;
import dev.tnorders.opentact.intake.JsonRequestReader;
import dev.tnorders.opentact.intake.RequestValidator;

/**
 * Puts order requests on the requests topic, for a person trying the Kafka path without writing a
 * producer: {@code mvn -q exec:java -Dexec.mainClass=dev.tnorders.opentact.standalone.SendRequest
 * -Dexec.args=samples/request.json}. Each argument is a file holding one JSON request; with no
 * argument (or {@code -}) each non-blank line of standard input is one.
 *
 * <p>Every request is checked first, by the intake's own validator, and must carry {@code request_id}
 * (the record's key, as docs/inputs-outputs.md says): if one is bad nothing is sent. The value sent
 * is the JSON as given. Topic: {@code opentact.topics.requests} as the app reads it (-D, its
 * environment variable, config/application.properties). Brokers and security as {@link TopicTail}
 * finds them. Waits at most 30 s for the broker's acknowledgement ({@code acks=all}), then prints
 * {@code sent  topic  key  value  (partition, offset)} for each record.
 *
 * <p>Exit status: 0 all sent; 1 a request is invalid (nothing sent); 2 no input or no brokers;
 * 3 the broker did not acknowledge in time or refused.
 */
public final class SendRequest {

    static final Duration DEADLINE = Duration.ofSeconds(30);
    /** Most requests read from standard input in one run. */
    static final int MAX_REQUESTS = 10_000;

    static final int OK = 0;
    static final int INVALID = 1;
    static final int NO_INPUT_OR_BROKERS = 2;
    static final int NOT_SENT = 3;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    /** A checked request: its id (the record key), its JSON as given, and where it came from. */
    record Request(String requestId, String json, String source) {
    }

    /** Where the client settings come from, asked only once every request is valid. */
    @FunctionalInterface
    interface Client {
        Properties properties() throws LocalKafka.NoBrokersException, IOException;
    }

    private SendRequest() {
    }

    public static void main(String[] args) throws IOException {
        Properties file = LocalKafka.configFile();
        String topic = LocalKafka.setting("opentact.topics.requests", file);
        RequestValidator validator = new RequestValidator(
                Integer.parseInt(LocalKafka.setting("opentact.order.max-numbers", file)));
        if (stdin(List.of(args)) && System.console() != null) {
            System.err.println("Reading requests from standard input, one JSON object per line (end with Ctrl-D)");
        }
        Client client = () -> LocalKafka.clientSettings(
                LocalKafka.brokers(System.getenv("CAMEL_COMPONENT_KAFKA_BROKERS"), LocalKafka.embeddedKafkaDir(file)), file)
                .clientProperties("opentact-send-request");
        int status = run(List.of(args), System.in, System.out, System.err, client, topic, validator, DEADLINE);
        System.out.flush();
        if (status != OK) {
            System.exit(status);
        }
    }

    static int run(List<String> args, InputStream in, PrintStream out, PrintStream err, Client client, String topic,
                   RequestValidator validator, Duration deadline) {
        if (args.contains("-h") || args.contains("--help")) {
            err.println("usage: SendRequest [request.json ...]   (no file or '-': one JSON request per line of standard input)");
            return NO_INPUT_OR_BROKERS;
        }
        List<Request> requests = new ArrayList<>();
        try {
            requests.addAll(read(args, in, new JsonRequestReader(validator)));
        } catch (InvalidRequestException e) {
            err.println("Not sent: " + e.getMessage());
            return INVALID;
        } catch (NoSuchFileException e) {
            err.println("Not sent: no such file " + e.getFile());
            return NO_INPUT_OR_BROKERS;
        } catch (IOException | IllegalArgumentException e) {
            err.println("Not sent: " + e.getMessage());
            return NO_INPUT_OR_BROKERS;
        }
        if (requests.isEmpty()) {
            err.println("Not sent: no request given (a JSON file as argument, or lines on standard input)");
            return NO_INPUT_OR_BROKERS;
        }
        Properties properties;
        try {
            properties = client.properties();
        } catch (LocalKafka.NoBrokersException | IOException e) {
            err.println(e.getMessage());
            return NO_INPUT_OR_BROKERS;
        }
        return send(requests, topic, properties, out, err, deadline);
    }

    private static boolean stdin(List<String> args) {
        return args.isEmpty() || args.equals(List.of("-"));
    }

    /** Every request, checked; the first bad one throws {@link InvalidRequestException} naming where and what. */
    static List<Request> read(List<String> args, InputStream in, JsonRequestReader reader) throws IOException {
        List<Request> out = new ArrayList<>();
        if (stdin(args)) {
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int number = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                if (out.size() == MAX_REQUESTS) {
                    throw new IllegalArgumentException("more than " + MAX_REQUESTS + " requests on standard input: send them in parts");
                }
                out.add(check(line.strip(), "line " + number, reader));
            }
            return out;
        }
        for (String arg : args) {
            Path path = Path.of(arg);
            out.add(check(Files.readString(path, StandardCharsets.UTF_8).strip(), path.toString(), reader));
        }
        return out;
    }

    /**
     * One request: a JSON object with a {@code request_id} (a string), valid as the intake reads it.
     *
     * @param source named in the error (a file, "line 3")
     */
    static Request check(String json, String source, JsonRequestReader reader) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(null, source + ": malformed JSON (one request per file, one per line "
                    + "on standard input): " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRequestException(null, source + ": the request must be a JSON object, like "
                    + "{\"request_id\": \"try-1\", \"tns\": [\"+12029822917\"]}");
        }
        JsonNode id = root.get("request_id");
        if (id == null || id.isNull()) {
            throw new InvalidRequestException("request_id", "is missing in " + source
                    + ": the record's key is the request id, give one (e.g. \"request_id\": \"try-1\")");
        }
        if (!id.isTextual() || id.asText().isBlank()) {
            throw new InvalidRequestException("request_id", "must be a non-empty string in " + source);
        }
        try {
            String requestId = reader.read(json, null, id.asText(), null, null).requestId();
            return new Request(requestId, json, source);
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(null, source + ": " + e.getMessage());
        }
    }

    /** Sends every request with one producer and waits for each acknowledgement, all within {@code deadline}. */
    static int send(List<Request> requests, String topic, Properties client, PrintStream out, PrintStream err,
                    Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(deadline.toMillis()));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(deadline.toMillis(), 30_000)));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(deadline.toMillis()));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        KafkaProducer<String, String> producer = new KafkaProducer<>(p);
        try {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (Request r : requests) {
                acks.add(producer.send(new ProducerRecord<>(topic, r.requestId(), r.json())));
            }
            for (int i = 0; i < requests.size(); i++) {
                Request r = requests.get(i);
                long left = Math.max(0, end - System.nanoTime());
                RecordMetadata m = acks.get(i).get(left, TimeUnit.NANOSECONDS);
                out.println("sent  " + topic + "  " + r.requestId() + "  " + r.json()
                        + "  (partition " + m.partition() + ", offset " + m.offset() + ")");
            }
            return OK;
        } catch (TimeoutException e) {
            err.println("Not acknowledged within " + deadline.toSeconds() + " s by " + client.get("bootstrap.servers")
                    + ": is the broker up? (records not acknowledged may still arrive)");
            return NOT_SENT;
        } catch (ExecutionException e) {
            err.println("Not sent to " + topic + ": " + e.getCause());
            return NOT_SENT;
        } catch (KafkaException e) {
            err.println("Not sent to " + topic + ": " + e);
            return NOT_SENT;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("Interrupted before every request was acknowledged");
            return NOT_SENT;
        } finally {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
