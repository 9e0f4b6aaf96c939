package dev.tnorders.opentact.it.journal;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.LogCapture;
import dev.tnorders.opentact.it.RunningApp;
import dev.tnorders.opentact.it.SandboxAndApp;
import dev.tnorders.opentact.it.Trickle;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kafka broker goes away in the middle of a load for longer than the journal producer's
 * {@code max.block.ms} (the startup timeout, {@code -Djournal-outage.max-block-ms}, 5 s at CI size)
 * and the journal's transaction timeout (15 s), and comes back on the same port and data directory,
 * {@code -Djournal-outage.outages} times ({@code -Djournal-outage.seconds} each); the app (in this JVM)
 * is never restarted. Each outage starts while an order POST the sandbox carried out waits for its
 * answer, so the app writes that order's {@code placed} entry while the broker is away: its commit
 * times out, which before the journal closed and started its producer again stopped every later
 * journal write until a restart.
 *
 * <p>Checked: readiness says the journal cannot write while the broker is away, liveness stays UP,
 * the journal's readiness is UP again after each return, every request sent before a return has its
 * outcome within {@link #RECOVERY} of it (the load going on meanwhile), and in the end every request
 * has one outcome and nothing was lost or bought twice ({@link Invariants}).
 */
class JournalOutageIT extends SandboxAndApp {

    private static final Logger LOG = LoggerFactory.getLogger(JournalOutageIT.class);
    /** From the broker's return to the last outcome of the requests sent before it, at most. */
    private static final Duration RECOVERY = Duration.ofSeconds(Integer.getInteger("journal-outage.recovery-seconds", 60));
    private static final int BATCH_MAX_NUMBERS = 6;
    /** The most requests the trickle sends (it is stopped after the last outage). */
    private static final int MAX_REQUESTS = 5_000;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private EmbeddedKafkaBroker broker;

    @AfterEach
    void stopAppThenBroker() {
        if (app != null) {
            app.close(); // before its broker goes
            app = null;
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** An order POST the sandbox carried out and holds unanswered until the test has stopped the broker. */
    private record HeldPost(CountDownLatch held, CountDownLatch brokerStopped) {
    }

    @Test
    void theBrokerAwayLongerThanTheProducersTimeoutsNoRestartNothingLostNothingBoughtTwice() throws Exception {
        int outages = Integer.getInteger("journal-outage.outages", 1);
        Duration outage = Duration.ofSeconds(Integer.getInteger("journal-outage.seconds", 20));
        String maxBlockMs = Integer.toString(Integer.getInteger("journal-outage.max-block-ms", 5_000));
        Path kafkaDir = work.resolve("kafka");
        broker = EmbeddedKafkaBroker.start(kafkaDir, false);
        String brokers = broker.bootstrapServers();
        sandbox.setCompletionDelay(Duration.ofMillis(150));
        sandbox.setBalance(new BigDecimal("1000000.00")); // the profile's size buys more than the default balance
        long first = 12122070000L;
        long[] stock = new long[2 * MAX_REQUESTS];
        for (int i = 0; i < stock.length; i++) {
            stock[i] = first + i;
        }
        sandbox.addInventory(stock);
        AtomicReference<HeldPost> hold = new AtomicReference<>();
        sandbox.onOrderPlaced(n -> {
            HeldPost h = hold.getAndSet(null);
            if (h != null) {
                h.held().countDown();
                try {
                    h.brokerStopped().await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        app = new RunningApp(work, sandbox.baseUrl(), TOKEN, brokers)
                // The journal producer's max.block.ms (and the start's bound).
                .with("opentact.kafka.startup-timeout-ms", maxBlockMs)
                .with("opentact.kafka.session-timeout-ms", "10000")
                .with("opentact.intake.outage-pause-ms", "2000")
                .with("opentact.health.check-interval-ms", "1000")
                .with("opentact.order.batch-max-numbers", String.valueOf(BATCH_MAX_NUMBERS))
                .with("opentact.budget.daily-nrc", "none")
                // The backlog an outage leaves is worked off at the API rate limit (20 calls/s by default): a
                // higher one here, so that the bound below measures the journal's recovery, not the account's limit.
                .with("opentact.api.rate-limit", "200")
                .start();

        Invariants.Expected expected = new Invariants.Expected();
        Duration slowest = Duration.ZERO;
        try (LogCapture journalLog = new LogCapture("dev.tnorders.opentact.journal");
             OutcomesSeen outcomes = new OutcomesSeen(brokers, app.topic("outcomes"));
             Trickle trickle = new Trickle(brokers, app.topic("requests"), Duration.ofMillis(150), MAX_REQUESTS, i -> {
                 long a = first + 2L * i;
                 expected.kafka("jo-" + i, a, a + 1);
                 return Map.entry("jo-" + i, "{\"request_id\":\"jo-" + i + "\",\"tns\":[\"+" + a + "\",\"+" + (a + 1) + "\"]}");
             })) {
            for (int o = 1; o <= outages; o++) {
                int before = sandbox.orderCount();
                await().atMost(WAIT).until(() -> sandbox.orderCount() >= before + 3); // orders flow
                HeldPost post = new HeldPost(new CountDownLatch(1), new CountDownLatch(1));
                hold.set(post);
                assertThat(post.held().await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("an order POST during the load").isTrue();
                broker.close();
                long stopped = System.nanoTime();
                post.brokerStopped().countDown(); // its answer goes: the app writes 'placed' with the broker away
                LOG.info("outage {}: the broker stopped after {} orders, for {} s", o, sandbox.orderCount(), outage.toSeconds());

                // The outage lasts until readiness said so (the write's commit times out after max.block.ms), and
                // at least its length.
                await().atMost(Duration.ofMillis(Long.parseLong(maxBlockMs)).plus(WAIT)).untilAsserted(() -> assertThat(
                        journalCheck()).containsEntry("status", "DOWN").extractingByKey("message").asString()
                        .startsWith("order journal: cannot write since"));
                Duration left = outage.minusNanos(System.nanoTime() - stopped);
                if (!left.isNegative()) {
                    // The rest of the outage; the instance stays alive all along.
                    await().during(left).atMost(left.plusSeconds(30)).until(() -> status("/observe/health/live") == 200);
                }

                broker = EmbeddedKafkaBroker.start(kafkaDir, false);
                assertThat(broker.bootstrapServers()).isEqualTo(brokers);
                long returned = System.nanoTime();
                int sentBefore = trickle.sent();
                LOG.info("outage {}: the broker is back after {} s", o, Duration.ofNanos(returned - stopped).toSeconds());
                await().atMost(RECOVERY).untilAsserted(() -> assertThat(journalCheck()).containsEntry("status", "UP"));
                long ready = System.nanoTime();
                // Every request sent before the return has its outcome (the load goes on meanwhile).
                await().atMost(RECOVERY).pollInSameThread().untilAsserted(() -> assertThat(outcomes.missing(sentBefore))
                        .as("requests sent before the return without an outcome").isEmpty());
                Duration caughtUp = Duration.ofNanos(System.nanoTime() - returned);
                slowest = caughtUp.compareTo(slowest) > 0 ? caughtUp : slowest;
                LOG.info("outage {}: the journal is ready {} ms after the broker's return, and the last outcome of the "
                        + "{} requests sent before it comes {} ms after it", o, Duration.ofNanos(ready - returned).toMillis(),
                        sentBefore, caughtUp.toMillis());
            }
            assertThat(journalLog.messages()).as("the journal's log lines")
                    .anyMatch(m -> m.startsWith("The order journal cannot write: ") && m.contains("TimeoutException"))
                    .anyMatch(m -> m.startsWith("The order journal writes again (it could not for"));
        }
        // The trickle is stopped: every request it sent is expected once.
        Invariants.Figures f = Invariants.check("journal-outage", brokers, app.topic("outcomes"), app.topic("numbers"),
                expected, sandbox, WAIT);
        f.outcomeRecords().forEach(o -> assertThat(o.get("state")).as(Invariants.name(o)).isEqualTo("completed"));
        LOG.info("journal-outage figures: outages={} of {} s, max.block.ms={}, requests={}, numbers={}, orders={}, "
                        + "the last outcome of what was sent before a return at most {} ms after it", outages,
                outage.toSeconds(), maxBlockMs, expected.requests.size(), expected.numbers.size(), sandbox.orderCount(),
                slowest.toMillis());
    }

    /** The request ids of the outcomes topic (read_committed), read on as the test asks. */
    private static final class OutcomesSeen implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private final Set<String> seen = new HashSet<>();

        OutcomesSeen(String brokers, String topic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "outcomes-seen-" + UUID.randomUUID());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // the app's, not this reader's
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            consumer = new KafkaConsumer<>(p);
            consumer.subscribe(List.of(topic));
        }

        /** Those of requests jo-0 to jo-(n-1) that have no outcome yet (the first 20), after one more poll. */
        List<String> missing(int n) {
            consumer.poll(Duration.ofMillis(500)).forEach(r -> seen.add(r.key()));
            return IntStream.range(0, n).mapToObj(i -> "jo-" + i).filter(id -> !seen.contains(id)).limit(20).toList();
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** The journal's readiness check as an operator reads it: {status, message, ...}. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> journalCheck() throws Exception {
        String body = get("/observe/health/ready?exposureLevel=full").body();
        for (Map<String, Object> c : (List<Map<String, Object>>) new ObjectMapper().readValue(body, Map.class)
                .getOrDefault("checks", List.of())) {
            if ("opentact-journal".equals(c.get("name"))) {
                return c;
            }
        }
        return Map.of();
    }

    private int status(String path) throws Exception {
        return get(path).statusCode();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.managementPort + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
