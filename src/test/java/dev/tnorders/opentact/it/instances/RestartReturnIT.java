package dev.tnorders.opentact.it.instances;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.SandboxAndAppProcess;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fast return after a restart (static group membership): an instance killed with SIGKILL in the
 * middle of its work and started again as the same instance gets its partitions back at once, not
 * after its old members' session timeout (left at its default, 45 s): every outcome of the
 * requests sent so far is published within {@value #BOUND_S} s of the restart. Then the promises
 * ({@link Invariants}): one outcome per request, no number in two order POSTs, nothing lost.
 *
 * <p>Each round sends a burst of requests, kills the app (odd rounds inside an order POST, the
 * order placed and its answer never sent; even rounds between POSTs) and starts it again at once
 * with the same settings, so the same derived group.instance.id (host name and slot). Sizes:
 * {@code -Drestart.rounds} (1 in CI, more in {@code -Preliability}), {@code -Drestart.requests}
 * two-number requests per round. {@code -Drestart.group-instance-id=none} runs it without static
 * membership (then the bound is missed by the session timeout: the check that the test can fail).
 */
class RestartReturnIT extends SandboxAndAppProcess {

    private static final Logger LOG = LoggerFactory.getLogger(RestartReturnIT.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final int BOUND_S = 20;
    /** Of the bound, what the app's own start may take. */
    static final int START_S = 10;

    @Test
    void aKilledInstanceStartedAgainHasEveryOutcomeOutWithinTwentySeconds() throws Exception {
        int rounds = Integer.getInteger("restart.rounds", 1);
        int perRound = Integer.getInteger("restart.requests", 12);
        String groupInstanceId = System.getProperty("restart.group-instance-id", "");
        String token = "restart-" + UUID.randomUUID();
        sandbox = OpentactSandbox.start(0, token);
        sandbox.setLatency(Duration.ofMillis(5));
        // Orders stay processing a while: the kill lands while some are followed.
        sandbox.setCompletionDelay(Duration.ofMillis(300));
        sandbox.setBalance(new BigDecimal("1000000.00"));
        String brokers = SharedKafka.bootstrapServers();
        String p = "restart" + UUID.randomUUID().toString().substring(0, 6) + ".";
        TopicProbe.createTopic(brokers, p + "requests", 4);
        Path inbox = Files.createDirectories(work.resolve("inbox"));
        // The session timeout and the group.instance.id at their defaults (derived from the host).
        app = new AppProcess(Path.of("target", "it-logs", p + "log"), List.of())
                .standardEnv(p, sandbox.baseUrl(), token, brokers, inbox, work.resolve("outbox"))
                .env("OPENTACT_KAFKA_CONSUMERS", "2")
                .env("OPENTACT_KAFKA_MAX_POLL_RECORDS", "10")
                .env("OPENTACT_ORDER_BATCH_WAIT_MS", "100")
                // Small orders: several POSTs per round to kill in and between.
                .env("OPENTACT_ORDER_BATCH_MAX_NUMBERS", "6");
        if (!groupInstanceId.isEmpty()) {
            app.env("OPENTACT_KAFKA_GROUP_INSTANCE_ID", groupInstanceId);
        }

        Invariants.Expected expected = new Invariants.Expected();
        List<List<TopicProbe.Raw>> bursts = new ArrayList<>();
        for (int r = 0, i = 0; r < rounds; r++) {
            List<TopicProbe.Raw> burst = new ArrayList<>();
            for (int k = 0; k < perRound; k++, i++) {
                long a = 13124000000L + 2L * i;
                String id = "r-" + i;
                expected.kafka(id, a, a + 1);
                burst.add(new TopicProbe.Raw(id, ("{\"request_id\":\"" + id + "\",\"tns\":[\"+" + a + "\",\"+"
                        + (a + 1) + "\"]}").getBytes(StandardCharsets.UTF_8)));
            }
            bursts.add(burst);
        }
        expected.stockIn(sandbox);
        AtomicInteger posts = new AtomicInteger();
        sandbox.onOrderPlaced(posts::set);

        List<Long> returnMs = new ArrayList<>();
        try (OutcomeWatch outcomes = new OutcomeWatch(brokers, p + "outcomes")) {
            app.start();
            int sent = 0;
            for (int r = 0; r < rounds; r++) {
                TopicProbe.sendAll(brokers, p + "requests", bursts.get(r));
                sent += bursts.get(r).size();
                // A few order POSTs into the burst: most of it is still to do, some is in flight.
                int target = posts.get() + 1;
                boolean insidePost = r % 2 == 0;
                AtomicBoolean killed = new AtomicBoolean();
                sandbox.onOrderPlaced(n -> {
                    posts.set(n);
                    if (insidePost && n >= target && killed.compareAndSet(false, true)) {
                        killQuietly();
                    }
                });
                await().atMost(Duration.ofSeconds(90)).until(() -> killed.get() || posts.get() >= target);
                if (!killed.get()) {
                    app.kill();
                }
                sandbox.onOrderPlaced(posts::set);
                // What had come out by the kill (the watch reads every 100 ms).
                await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> true);
                int before = outcomes.count();
                assertThat(before).as("outcomes when killed, round " + r).isLessThan(sent);
                long restartedAt = System.nanoTime();
                app.start();
                int all = sent;
                int starts = r + 2;
                long[] consumersAt = {0};
                long deadline = restartedAt + TimeUnit.SECONDS.toNanos(BOUND_S + 40);
                try {
                    await().atMost(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
                            .pollInterval(Duration.ofMillis(50)).until(() -> {
                                if (consumersAt[0] == 0 && consumersStarted(app.log(), p) >= starts) {
                                    consumersAt[0] = System.nanoTime();
                                }
                                return outcomes.count() >= all && consumersAt[0] != 0;
                            });
                } catch (ConditionTimeoutException e) {
                    // logged and asserted below
                }
                long lastAt = outcomes.count() < all ? System.nanoTime() : outcomes.lastArrival();
                long took = TimeUnit.NANOSECONDS.toMillis(lastAt - restartedAt);
                long startup = consumersAt[0] == 0 ? took : TimeUnit.NANOSECONDS.toMillis(consumersAt[0] - restartedAt);
                returnMs.add(took);
                LOG.info("restart round {} ({}): {} of {} outcomes when killed; all {} out {} ms after the restart, "
                                + "{} ms after its consumers started ({} ms to start them)", r,
                        insidePost ? "killed inside an order POST" : "killed between POSTs", before, sent,
                        outcomes.count(), took, took - startup, startup);
                assertThat(outcomes.count()).as("outcomes " + (BOUND_S + 40) + " s after restart " + r).isEqualTo(all);
                // The app's own start (a JVM, Camel, the journal's load) may take up to START_S of the
                // bound; on a machine so loaded that it takes longer, the excess is not counted
                // against the return (logged above). Without static membership the return alone
                // is the old members' session timeout (45 s) less the start.
                long excess = Math.max(0, startup - START_S * 1000L);
                assertThat(took - excess).as("ms from restart " + r + " to its last outcome, less a start past "
                        + START_S + " s (" + excess + " ms)").isLessThanOrEqualTo(BOUND_S * 1000L);
            }
        }
        LOG.info("restart figures: rounds={} requests={} return after restart (ms)={} max={} ms", rounds,
                expected.requests.size(), returnMs, returnMs.stream().mapToLong(Long::longValue).max().orElse(0));
        assertThat(Files.readString(app.log())).as("the app's log")
                .contains(groupInstanceId.equals("none") ? "dynamic group members" : "static group members");
        Invariants.Figures f = Invariants.check("restart", brokers, p + "outcomes", p + "numbers", expected, sandbox,
                Duration.ofSeconds(60));
        assertThat(f.outcomeRecords()).allSatisfy(o -> assertThat(o.value()).as(Invariants.name(o))
                .containsEntry("state", "completed"));
    }

    /** How many times the app's requests consumers started so far (one log line per start). */
    private static long consumersStarted(Path log, String prefix) throws IOException {
        String marker = "RequestConsumers - Reading " + prefix + "requests with";
        try (Stream<String> lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.contains(marker)).count();
        }
    }

    private void killQuietly() {
        try {
            app.kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The outcomes topic read as it is written, on a thread of its own (read_committed, from its
     * start), with when each request's first outcome arrived.
     */
    private static final class OutcomeWatch implements AutoCloseable {
        private final Map<String, Long> arrived = new ConcurrentHashMap<>();
        private final Properties props = new Properties();
        private final String topic;
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long last;

        OutcomeWatch(String brokers, String topic) {
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "watch-" + UUID.randomUUID());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 1000); // the app makes the topic a little later
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            this.topic = topic;
            this.thread = new Thread(this::run, "outcome-watch");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
                consumer.subscribe(List.of(topic));
                while (running) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                        long now = System.nanoTime();
                        try {
                            Map<String, Object> v = MAPPER.readValue(r.value(), new TypeReference<Map<String, Object>>() { });
                            if (arrived.putIfAbsent(String.valueOf(v.get("request_id")), now) == null) {
                                last = now;
                            }
                        } catch (Exception e) {
                            LOG.warn("outcome not read: {}", e.toString());
                        }
                    }
                }
            }
        }

        int count() {
            return arrived.size();
        }

        /** When the newest request's first outcome arrived (System.nanoTime). */
        long lastArrival() {
            return last;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }
    }
}
