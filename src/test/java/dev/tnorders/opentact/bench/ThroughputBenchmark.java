package dev.tnorders.opentact.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;
import dev.tnorders.opentact.standalone.OrderRoutesMain;

/**
 * Throughput benchmark (docs/benchmarks.md, "Tests and benchmarks"; run by {@code bash bench/throughput.sh}).
 *
 * <p>Starts an embedded Kafka broker, the sandbox with latency L per call and a rate limit of R
 * calls/s (429 beyond it), and the application as users start it (batching mode, its rate limit
 * set to R). Feeds N one-number requests, most through Kafka and the rest as a CSV file, waits for
 * every outcome, and prints numbers/s, requests/s, p50/p99 intake-to-outcome, Opentact calls per
 * number, the share of the API's bound reached, CPU seconds per 1,000 numbers and peak heap (both
 * for the whole JVM: app, broker and sandbox). Then it checks the run: one outcome per request, one
 * result per number, each number sold once.
 *
 * <p>Then, on the same inputs and a fresh sandbox with the same L and R, a plain sequential Camel
 * route (consume, price, order, poll until final; one request at a time) runs for a bounded time
 * as the baseline, and the ratio is printed.
 */
public final class ThroughputBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "bench-token";
    private static final String WARM_UP = "warm-";

    record Figures(int requests, int numbers, double seconds, double numbersPerSecond, long p50Ms, long p99Ms,
                   int calls, int rateLimited, double cpuSeconds, long peakHeapBytes, double steadyPerSecond) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        long latencyMs = Long.parseLong(a.getOrDefault("latency-ms", "100"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "50"));
        int n = Integer.parseInt(a.getOrDefault("numbers", "20000"));
        double csvShare = Double.parseDouble(a.getOrDefault("csv-share", "0.2"));
        int baselineSeconds = Integer.parseInt(a.getOrDefault("baseline-seconds", "60"));
        int consumers = Integer.parseInt(a.getOrDefault("consumers", "6"));
        int partitions = Integer.parseInt(a.getOrDefault("partitions", "6"));
        int pollRecords = Integer.parseInt(a.getOrDefault("max-poll-records", "1000"));
        long timeoutS = Long.parseLong(a.getOrDefault("timeout-s", "900"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "80000"));
        // --defaults: the app as a user first runs it (one partition, every opentact.* volume setting
        // at its default); only the endpoints, the account's rate limit and the budgets are set.
        boolean defaults = Boolean.parseBoolean(a.getOrDefault("defaults", "false"));
        if (defaults) {
            consumers = 1;
            partitions = Integer.parseInt(a.getOrDefault("partitions", "1"));
            pollRecords = -1;
        }

        Path work = Files.createTempDirectory("opentact-throughput");
        System.out.printf("Throughput benchmark: L=%d ms, R=%s calls/s, N=%d one-number requests (%.0f%% by CSV), "
                + "after a warm-up of up to %d requests (rounds of %d until the JIT settles) that is not measured%n",
                latencyMs, rate > 0 ? rate : "unlimited", n, csvShare * 100, warmup, WARM_UP_ROUND);
        List<String> tns = numbers(n);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), true)) {
            createTopic(broker.bootstrapServers(), "opentact.order.requests", partitions);
            Figures app = runApp(broker.bootstrapServers(), work, tns, latencyMs, rate, csvShare, consumers, pollRecords,
                    timeoutS, warmupNumbers(warmup));
            print("batching app", app);
            // A call Opentact refused with 429 is not one the flow needs: it only used up the limit.
            double neededPerNumber = (double) (app.calls() - app.rateLimited()) / app.numbers();
            double bound = rate > 0 ? rate / neededPerNumber : Double.NaN;
            if (rate > 0) {
                System.out.printf("  API bound for the calls this flow needs (answered calls, not those refused with 429): "
                        + "R / calls-per-number = %.1f numbers/s; "
                        + "reached %.1f%% of it over the whole run (%.1f%% from the 10%% to the 90%% outcome)%n", bound,
                        100 * app.numbersPerSecond() / bound, 100 * app.steadyPerSecond() / bound);
            }
            if (baselineSeconds > 0) {
                Figures base = runBaseline(broker.bootstrapServers(), tns, latencyMs, rate, baselineSeconds);
                print("sequential baseline", base);
                System.out.printf("  ratio batching app / sequential baseline: %.1fx%n",
                        app.numbersPerSecond() / base.numbersPerSecond());
            }
        }
    }

    // --- the application ---------------------------------------------------------------------

    static Figures runApp(String brokers, Path work, List<String> tns, long latencyMs, int rate, double csvShare,
                          int consumers, int pollRecords, long timeoutS, List<String> warmTns) throws Exception {
        OpentactSandbox sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setLatency(Duration.ofMillis(latencyMs));
        sandbox.setRateLimit(rate);
        sandbox.setBalance(new BigDecimal("100000000.00"));
        OrderRoutesMain main = new OrderRoutesMain();
        Map<String, String> p = new HashMap<>();
        p.put("camel.component.kafka.brokers", brokers);
        p.put("opentact.api.base-url", sandbox.baseUrl());
        p.put("opentact.api.token", TOKEN);
        p.put("opentact.api.rate-limit", String.valueOf(rate > 0 ? rate : 1_000_000));
        p.put("opentact.inbox.dir", work.resolve("inbox").toString());
        p.put("opentact.outbox.dir", work.resolve("outbox").toString());
        p.put("opentact.inbox.quiet-ms", "500");
        if (pollRecords > 0) { // else --defaults: the volume settings as shipped
            p.put("opentact.order.batching", "true");
            p.put("opentact.kafka.consumers", String.valueOf(consumers));
            p.put("opentact.kafka.max-poll-records", String.valueOf(pollRecords));
            p.put("opentact.order.batch-wait-ms", "200");
            p.put("opentact.order.poll-interval-ms", "250");
        }
        p.put("opentact.budget.daily-nrc", "none");
        p.put("opentact.budget.file-nrc", "none");
        p.forEach(main::addOverrideProperty);
        main.start();
        try {
            awaitStarted(main);
            awaitConsumersAssigned(brokers, "opentact-order-routes", consumers, partitions(brokers));
            int warmedUp = warmTns.isEmpty() ? 0 : warmUp(brokers, work, sandbox, warmTns, csvShare, timeoutS);
            int callsBefore = sandbox.callTimes().size();
            int rateLimitedBefore = sandbox.rateLimitedCalls();
            resetPeakHeap();
            long cpu0 = processCpuNanos();
            long jit0 = jitMillis();
            Instant start = Instant.now();
            feed(brokers, work, tns, csvShare, "bench-", "csv-bench-", "bench.csv");
            Outcomes o = readOutcomes(brokers, "opentact.order.outcomes", tns.size(), Duration.ofSeconds(timeoutS), false);
            double seconds = Duration.between(start, o.last()).toMillis() / 1000.0;
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            System.out.printf("  JIT compiling during the measured run: %.1f s (of %.1f s)%n", (jitMillis() - jit0) / 1000.0,
                    Duration.between(start, o.last()).toMillis() / 1000.0);
            long heap = peakHeap();
            check(brokers, o, tns, warmedUp, sandbox);
            printCallsPerSecond("Opentact calls", sandbox.callTimes(), start);
            printStartAndTail(sandbox.callTimes(), start, o.last());
            printCallsPerSecond("  price", sandbox.callTimes("/rest/order/price"), start);
            printCallsPerSecond("  order POST", sandbox.callTimesMatching(path -> path.equals("/rest/order") || path.equals("/rest/order/tn")), start);
            printCallsPerSecond("  order GET", sandbox.callTimesMatching(path -> path.startsWith("/rest/order/")
                    && !path.equals("/rest/order/price") && !path.equals("/rest/order/search") && !path.equals("/rest/order/tn")), start);
            return new Figures(o.byId().size(), tns.size(), seconds, tns.size() / seconds, o.percentile(50),
                    o.percentile(99), sandbox.callTimes().size() - callsBefore, sandbox.rateLimitedCalls() - rateLimitedBefore,
                    cpu, heap, o.steadyPerSecond());
        } finally {
            main.stop();
            sandbox.close();
        }
    }

    /** Requests into the app as users send them: a share by one CSV file dropped in the inbox, the rest on Kafka. */
    private static void feed(String brokers, Path work, List<String> tns, double csvShare, String kafkaIdPrefix,
                             String csvIdPrefix, String fileName) throws Exception {
        Instant start = Instant.now();
        int viaCsv = (int) Math.round(tns.size() * csvShare);
        List<String> kafkaTns = tns.subList(0, tns.size() - viaCsv);
        List<String> csvTns = tns.subList(tns.size() - viaCsv, tns.size());
        produce(brokers, "opentact.order.requests", kafkaTns, kafkaIdPrefix);
        System.out.printf("  %d requests produced to Kafka in %.1f s%n", kafkaTns.size(),
                Duration.between(start, Instant.now()).toMillis() / 1000.0);
        if (!csvTns.isEmpty()) {
            Path inbox = work.resolve("inbox");
            Files.createDirectories(inbox);
            StringBuilder csv = new StringBuilder("tn,request_id\n");
            csvTns.forEach(tn -> csv.append(tn).append(',').append(csvIdPrefix).append(tn.substring(1)).append('\n'));
            Path part = inbox.resolve(fileName + ".part");
            Files.writeString(part, csv, StandardCharsets.UTF_8);
            Files.move(part, inbox.resolve(fileName));
        }
    }

    /** Requests per warm-up round. */
    private static final int WARM_UP_ROUND = 5000;

    /** Warm-up rounds stop once the JIT compiles for less than this share of a round. */
    private static final double JIT_SETTLED = 0.10;

    /**
     * A long-running app is warm: the JIT has compiled its hot paths. On two cores the JIT's own
     * compiling takes a core for many seconds after start, so the warm-up orders rounds of
     * requests, the same mix of Kafka and CSV as the measured run, until a round leaves the JIT
     * (nearly) idle or the warm-up numbers run out.
     */
    private static int warmUp(String brokers, Path work, OpentactSandbox sandbox, List<String> warmTns, double csvShare,
                              long timeoutS) throws Exception {
        sandbox.addInventory(warmTns.stream().mapToLong(tn -> Long.parseLong(tn.substring(1))).toArray());
        int round = Math.min(WARM_UP_ROUND, warmTns.size());
        int ordered = 0;
        for (int from = 0, i = 1; from < warmTns.size(); from += round, i++) {
            List<String> tns = warmTns.subList(from, Math.min(warmTns.size(), from + round));
            long jit0 = jitMillis();
            Instant t0 = Instant.now();
            feed(brokers, work, tns, csvShare, WARM_UP, WARM_UP + "csv-", "warm-up-" + i + ".csv");
            readOutcomes(brokers, "opentact.order.outcomes", from + tns.size(), Duration.ofSeconds(timeoutS), true);
            ordered += tns.size();
            long wallMs = Math.max(1, Duration.between(t0, Instant.now()).toMillis());
            double jitShare = (jitMillis() - jit0) / (double) wallMs;
            System.out.printf("  warm-up round %d: %d requests in %.1f s, JIT compiling %.0f%% of it%n", i, tns.size(),
                    wallMs / 1000.0, 100 * jitShare);
            if (jitShare < JIT_SETTLED) {
                break;
            }
        }
        return ordered;
    }

    private static long jitMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    private static void awaitStarted(OrderRoutesMain main) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (main.getCamelContext() == null || !main.getCamelContext().isStarted()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the application did not start within 120 s");
            }
            sleep(100);
        }
    }

    /** Every request one outcome, all completed; every number one result; the sandbox sold each once. */
    private static void check(String brokers, Outcomes o, List<String> tns, int warmedUp, OpentactSandbox sandbox)
            throws Exception {
        List<String> problems = new ArrayList<>();
        if (o.byId().size() != tns.size()) {
            problems.add((tns.size() - o.byId().size()) + " requests without an outcome");
        }
        if (o.duplicates() > 0) {
            problems.add(o.duplicates() + " duplicate outcomes");
        }
        if (o.notCompleted() > 0) {
            problems.add(o.notCompleted() + " outcomes not 'completed'");
        }
        Map<String, Integer> perNumber = countKeys(brokers, "opentact.order.numbers", tns.size() + warmedUp,
                Duration.ofSeconds(60));
        long missing = tns.stream().filter(tn -> !perNumber.containsKey(tn)).count();
        long twice = perNumber.values().stream().filter(c -> c > 1).count();
        if (missing > 0 || twice > 0) {
            problems.add(missing + " numbers without a result, " + twice + " with more than one");
        }
        long boughtTwice = sandbox.purchases().values().stream().filter(c -> c > 1).count();
        if (boughtTwice > 0 || sandbox.purchases().size() != tns.size() + warmedUp) {
            problems.add(boughtTwice + " numbers bought twice, " + sandbox.purchases().size() + " bought of "
                    + (tns.size() + warmedUp));
        }
        System.out.printf("  checks: %d outcomes, %d duplicates, %d losses, %d numbers bought twice: %s%n",
                o.byId().size(), o.duplicates(), tns.size() - o.byId().size(), boughtTwice,
                problems.isEmpty() ? "OK" : "FAILED " + problems);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the run was not correct: " + problems);
        }
    }

    // --- the sequential baseline ---------------------------------------------------------------

    static Figures runBaseline(String brokers, List<String> tns, long latencyMs, int rate, int seconds) throws Exception {
        OpentactSandbox sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setLatency(Duration.ofMillis(latencyMs));
        sandbox.setRateLimit(rate);
        sandbox.setBalance(new BigDecimal("100000000.00"));
        String topic = "bench.baseline.requests";
        produce(brokers, topic, tns, "base-");
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger done = new AtomicInteger();
        String base = sandbox.baseUrl() + "?throwExceptionOnFailure=false";
        CamelContext ctx = new DefaultCamelContext();
        ctx.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("kafka:" + topic + "?brokers=" + brokers + "&groupId=baseline-" + UUID.randomUUID()
                        + "&autoOffsetReset=earliest&maxPollRecords=1")
                        .routeId("sequential-baseline")
                        .setProperty("started", method(System.class, "nanoTime"))
                        .process(e -> e.setProperty("tn", JSON.readTree(e.getMessage().getBody(String.class))
                                .get("tns").get(0).asText().substring(1)))
                        .removeHeaders("*")
                        .setHeader("X-Auth-Token", constant(TOKEN))
                        .setHeader("Content-Type", constant("application/json"))
                        .setHeader(Exchange.HTTP_METHOD, constant("POST"))
                        .setHeader(Exchange.HTTP_PATH, constant("/rest/order/price"))
                        .setBody(simple("{\"tns\":[${exchangeProperty.tn}],\"voice\":true,\"sms\":true}"))
                        .to(base)
                        .setHeader(Exchange.HTTP_PATH, constant("/rest/order"))
                        .setBody(simple("{\"items\":[{\"tn\":${exchangeProperty.tn},\"features\":[\"voice\",\"sms\"],"
                                + "\"autorenew\":true}]}"))
                        .to(base)
                        .process(e -> e.setProperty("uuid", JSON.readTree(e.getMessage().getBody(String.class))
                                .path("payload").path("uuid").asText()))
                        .setProperty("state", constant(""))
                        .loopDoWhile(e -> !e.getProperty("state", String.class).matches("success|failed")
                                && e.getProperty(Exchange.LOOP_INDEX, 0, Integer.class) < 100)
                            .delay(500).syncDelayed()
                            .setHeader(Exchange.HTTP_METHOD, constant("GET"))
                            .setHeader(Exchange.HTTP_PATH, simple("/rest/order/${exchangeProperty.uuid}"))
                            .setBody(constant((Object) null))
                            .to(base)
                            .process(e -> e.setProperty("state", JSON.readTree(e.getMessage().getBody(String.class))
                                    .path("payload").path("state").asText()))
                        .end()
                        .process(e -> {
                            latencies.add((System.nanoTime() - e.getProperty("started", Long.class)) / 1_000_000);
                            done.incrementAndGet();
                        });
            }
        });
        resetPeakHeap();
        long cpu0 = processCpuNanos();
        ctx.start();
        Instant start = Instant.now();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (System.nanoTime() < deadline && done.get() < tns.size()) {
            sleep(200);
        }
        double elapsed = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        int finished = done.get();
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        ctx.stop();
        int calls = sandbox.callTimes().size();
        sandbox.close();
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf("  (the baseline ran for %.0f s and finished %d of the %d requests; its rate is measured "
                + "over that time)%n", elapsed, finished, tns.size());
        return new Figures(finished, finished, elapsed, finished / elapsed, pct(sorted, 50), pct(sorted, 99), calls,
                sandbox.rateLimitedCalls(), cpu, peakHeap(), Double.NaN);
    }

    // --- Kafka ---------------------------------------------------------------------------------

    /** The requests topic with as many partitions as consumers can share (one consumer thread each). */
    /**
     * Until the app's consumers have joined their group and hold every partition of the requests
     * topic: the clock then measures ordering, not the group's first rebalances.
     */
    private static void awaitConsumersAssigned(String brokers, String group, int consumers, int partitions) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                var d = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
                int assigned = d.members().stream().mapToInt(m -> (int) m.assignment().topicPartitions().stream()
                        .filter(tp -> tp.topic().equals("opentact.order.requests")).count()).sum();
                if (d.state() == ConsumerGroupState.STABLE
                        && d.members().size() >= Math.min(consumers, partitions) && assigned == partitions) {
                    return;
                }
                sleep(100);
            }
        }
        throw new IllegalStateException("the app's consumers did not join group " + group + " within 60 s");
    }

    private static int partitions(String brokers) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        try (Admin admin = Admin.create(p)) {
            return admin.describeTopics(List.of("opentact.order.requests")).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get("opentact.order.requests").partitions().size();
        }
    }

    private static void createTopic(String brokers, String topic, int partitions) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    /** One one-number request per number, keyed {@code idPrefix + number}, acknowledged by all replicas. */
    static void produce(String brokers, String topic, List<String> tns, String idPrefix) throws Exception {
        produce(brokers, topic, tns, idPrefix, null);
    }

    /** The same, all to {@code partition} (null: by key, over the topic's partitions). */
    static void produce(String brokers, String topic, List<String> tns, String idPrefix, Integer partition)
            throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (String tn : tns) {
                String id = idPrefix + tn.substring(1);
                String value = "{\"request_id\":\"" + id + "\",\"tns\":[\"" + tn + "\"]}";
                producer.send(new ProducerRecord<>(topic, partition, id, value));
            }
            producer.flush();
        }
    }

    /** @param steadyPerSecond outcomes per second between the 10% and the 90% mark (no start-up, no tail) */
    record Outcomes(Map<String, Long> byId, int duplicates, int notCompleted, Instant last, double steadyPerSecond) {
        long percentile(int p) {
            List<Long> sorted = new ArrayList<>(byId.values());
            Collections.sort(sorted);
            return pct(sorted, p);
        }
    }

    /** Reads outcomes until every request has one (or the timeout), with read_committed as users should. */
    /** @param warmUp read the warm-up's outcomes (else they are passed over) */
    private static Outcomes readOutcomes(String brokers, String topic, int expected, Duration timeout, boolean warmUp)
            throws Exception {
        Map<String, Long> latencyById = new HashMap<>();
        int duplicates = 0;
        int notCompleted = 0;
        Instant last = Instant.now();
        long deadline = System.nanoTime() + timeout.toNanos();
        int lastReported = 0;
        Instant started = Instant.now();
        Instant at10 = null;
        Instant at90 = null;
        try (KafkaConsumer<String, String> c = consumer(brokers)) {
            c.subscribe(List.of(topic));
            while (latencyById.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key().startsWith(WARM_UP) != warmUp) {
                        continue;
                    }
                    JsonNode o = JSON.readTree(r.value());
                    long ms = Duration.between(Instant.parse(o.get("received_at").asText()),
                            Instant.parse(o.get("completed_at").asText())).toMillis();
                    if (latencyById.put(o.get("request_id").asText(), ms) != null) {
                        duplicates++;
                    }
                    if (!"completed".equals(o.get("state").asText())) {
                        notCompleted++;
                    }
                    last = Instant.now();
                }
                if (at10 == null && latencyById.size() >= expected / 10) {
                    at10 = Instant.now();
                }
                if (at90 == null && latencyById.size() >= expected * 9L / 10) {
                    at90 = Instant.now();
                }
                if (!warmUp && latencyById.size() - lastReported >= expected / 10) {
                    lastReported = latencyById.size();
                    System.out.printf("  ... %d outcomes at %.1f s%n", lastReported,
                            Duration.between(started, Instant.now()).toMillis() / 1000.0);
                }
            }
            // A short settle: anything published twice would show up now.
            long settle = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < settle) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key().startsWith(WARM_UP) != warmUp) {
                        continue;
                    }
                    if (latencyById.put(JSON.readTree(r.value()).get("request_id").asText(), 0L) != null) {
                        duplicates++;
                    }
                }
            }
        }
        double steady = at10 == null || at90 == null || !at90.isAfter(at10) ? Double.NaN
                : (expected * 9L / 10 - expected / 10) / (Duration.between(at10, at90).toMillis() / 1000.0);
        return new Outcomes(latencyById, duplicates, notCompleted, last, steady);
    }

    /** Records per key on the topic (read_committed), until {@code expected} came and 2 s passed quietly. */
    static Map<String, Integer> countKeys(String brokers, String topic, int expected, Duration timeout) {
        Map<String, Integer> counts = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> c = consumer(brokers)) {
            c.subscribe(List.of(topic));
            long quietUntil = 0;
            while (System.nanoTime() < deadline) {
                var records = c.poll(Duration.ofMillis(200));
                records.forEach(r -> counts.merge(r.key(), 1, Integer::sum));
                if (counts.values().stream().mapToInt(Integer::intValue).sum() >= expected) {
                    if (quietUntil == 0) {
                        quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                    } else if (System.nanoTime() > quietUntil) {
                        break;
                    }
                }
            }
        }
        return counts;
    }

    /** A read_committed consumer of a group of its own, from the earliest offset. */
    static KafkaConsumer<String, String> consumer(String brokers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    // --- figures -------------------------------------------------------------------------------

    /** Exchanges the sandbox stocks: the measured run's numbers. */
    private static final int[] MEASURED_NPAS = {201, 202, 212, 312, 415, 646};

    /** Exchanges the sandbox does not stock on its own: the benchmark stocks them for the warm-up. */
    private static final int[] WARM_UP_NPAS = {303, 305, 307, 317, 319, 321, 323, 325};

    /** Numbers of other exchanges than {@link #numbers}, for the warm-up (at most 80,000). */
    static List<String> warmupNumbers(int n) {
        return numbersIn(WARM_UP_NPAS, n, "warm-up requests");
    }

    /** Distinct US numbers the sandbox sells (at most 60,000). */
    static List<String> numbers(int n) {
        return numbersIn(MEASURED_NPAS, n, "distinct numbers the sandbox sells here");
    }

    /** The first {@code n} numbers of NPA × NXX 200..209 × line 0000..0999, for these NPAs. */
    private static List<String> numbersIn(int[] npas, int n, String what) {
        List<String> out = new ArrayList<>(n);
        for (int npa : npas) {
            for (int nxx = 200; nxx <= 209; nxx++) {
                for (int line = 0; line < 1000 && out.size() < n; line++) {
                    out.add(String.format("+1%d%d%04d", npa, nxx, line));
                }
            }
        }
        if (out.size() < n) {
            throw new IllegalArgumentException("at most " + out.size() + " " + what);
        }
        return out;
    }

    private static void print(String name, Figures f) {
        System.out.printf("%s: %d requests / %d numbers in %.1f s%n", name, f.requests(), f.numbers(), f.seconds());
        System.out.printf("  numbers ordered/s: %.1f   requests/s: %.1f%n", f.numbersPerSecond(), f.requests() / f.seconds());
        if (!Double.isNaN(f.steadyPerSecond())) {
            // Outcomes of one round of polls are published together, so over a part of the run this
            // rate can exceed what the calls allow; the calls per second show the steady state.
            System.out.printf("  from the 10%% to the 90%% outcome (no start-up, no tail; outcomes come in rounds): %.1f numbers/s%n",
                    f.steadyPerSecond());
        }
        System.out.printf("  intake to outcome: p50 %d ms, p99 %d ms%n", f.p50Ms(), f.p99Ms());
        System.out.printf("  Opentact calls: %d (%.4f per number, %d refused with 429), %.1f calls/s%n", f.calls(),
                (double) f.calls() / Math.max(1, f.numbers()), f.rateLimited(), f.calls() / f.seconds());
        System.out.printf("  CPU: %.2f s per 1,000 numbers (whole JVM)   peak heap: %d MiB%n",
                f.cpuSeconds() * 1000 / Math.max(1, f.numbers()), f.peakHeapBytes() / (1024 * 1024));
    }

    /** Calls Opentact received in each second of the run: where the rate limit was left unused. */
    private static void printCallsPerSecond(String what, List<Instant> calls, Instant start) {
        Map<Long, Integer> perSecond = new TreeMap<>();
        long seconds = calls.isEmpty() ? 0 : Math.max(0, Duration.between(start, calls.get(calls.size() - 1)).toMillis() / 1000);
        for (long i = 0; i <= seconds; i++) {
            perSecond.put(i, 0);
        }
        for (Instant t : calls) {
            if (t.isBefore(start)) {
                continue; // the warm-up's
            }
            perSecond.merge(Math.max(0, Duration.between(start, t).toMillis() / 1000), 1, Integer::sum);
        }
        StringBuilder line = new StringBuilder("  " + what + " in each second of the run:");
        perSecond.values().forEach(c -> line.append(' ').append(c));
        System.out.println(line);
    }

    /** The run's two ends, where the rate limit cannot be fully used: before the first call, after the last. */
    private static void printStartAndTail(List<Instant> calls, Instant start, Instant lastOutcome) {
        List<Instant> measured = calls.stream().filter(t -> !t.isBefore(start)).sorted().toList();
        if (measured.isEmpty()) {
            return;
        }
        System.out.printf("  first Opentact call %d ms after the first request was produced; last outcome %d ms after the last call%n",
                Duration.between(start, measured.get(0)).toMillis(),
                Duration.between(measured.get(measured.size() - 1), lastOutcome).toMillis());
    }

    private static long pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void resetPeakHeap() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(m -> m.getType() == MemoryType.HEAP)
                .mapToLong(m -> m.getPeakUsage().getUsed()).sum();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                m.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            } else {
                throw new IllegalArgumentException("arguments are --name=value: " + arg);
            }
        }
        return m;
    }
}
