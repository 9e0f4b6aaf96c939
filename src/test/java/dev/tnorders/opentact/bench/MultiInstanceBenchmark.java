package dev.tnorders.opentact.bench;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.tnorders.opentact.it.Hiccups;
import dev.tnorders.opentact.it.RateWindows;
import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;
import dev.tnorders.opentact.standalone.OrderRoutesMain;

/**
 * Several instances benchmark (docs/benchmarks.md, "Several instances"; run by {@code bash bench/multi-instance.sh}).
 * Not a test.
 *
 * <p>The embedded Kafka broker and the sandbox (latency L per call, R calls/s, 429 beyond it, a
 * large balance) run in this JVM; the app instances are child JVMs ({@link OrderRoutesMain},
 * {@code -Xmx512m}) configured by environment variables only, as users run them, with every volume
 * setting at its default (consumers, max-poll-records, batch wait, poll interval): only the
 * endpoints, the topics and groups of the run, the account's rate limit R (shared by the
 * instances), no budgets, a management port and an inbox of their own. Their logs go to
 * {@code app-<i>.log} under the run's temp dir (printed).
 *
 * <ul>
 *   <li>{@code --mode=throughput}: per instance count a fresh topic prefix and a fresh sandbox;
 *   starts the instances, waits until all are in the requests consumer group and hold every
 *   partition, feeds N one-number Kafka requests, reads the outcomes (read_committed) until all
 *   arrived, prints numbers/s (first send to last outcome, and 10%-90%), Opentact calls and 429s,
 *   calls per number, the API bound R / answered calls per number and the share of it reached;
 *   checks one outcome per request, one result per number, nothing bought twice; stops the
 *   instances (SIGTERM, then wait).</li>
 *   <li>{@code --mode=recovery}: one instance; orders stay processing for {@code --completion-delay-ms};
 *   feeds the requests, waits until most numbers are in order POSTs and few outcomes are out,
 *   kills the instance with SIGKILL and starts it again at once; prints the time from the restart
 *   to the last outcome and how many requests had no outcome at the kill; same checks.</li>
 * </ul>
 */
public final class MultiInstanceBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "multi-bench-token";

    /** Exchanges the sandbox stocks (as {@code ThroughputBenchmark}): NPA × NXX 200..209 × line 0000..0999. */
    private static final int[] NPAS = {201, 202, 212, 312, 415, 646};

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        String mode = a.getOrDefault("mode", "throughput");
        Path work = Files.createTempDirectory("opentact-multi");
        System.out.printf("Several instances benchmark, mode %s; logs and data under %s%n", mode, work);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), true)) {
            if (mode.equals("throughput")) {
                throughput(a, broker.bootstrapServers(), work);
            } else if (mode.equals("recovery")) {
                recovery(a, broker.bootstrapServers(), work);
            } else {
                throw new IllegalArgumentException("--mode=throughput or --mode=recovery: " + mode);
            }
        }
    }

    // --- throughput ----------------------------------------------------------------------------

    /**
     * One throughput point: {@code instances} app JVMs against a fresh sandbox (latency L, R calls/s,
     * orders final at their {@code lookupsToFinal}-th lookup, 0: by age) and a fresh topic prefix,
     * {@code numbers} one-number Kafka requests as a burst, by key over the partitions or, {@code skewed},
     * all on partition 0.
     */
    record Point(int instances, long latencyMs, int rate, int numbers, int partitions, long settleMs, long timeoutS,
                 Map<String, String> extraEnv, int lookupsToFinal, boolean skewed) {

        String label() {
            return instances + "i-L" + latencyMs + "-R" + rate + (skewed ? "-skewed" : "");
        }
    }

    /**
     * @param bound         R ÷ answered calls per number (the bound this run's own call mix allows)
     * @param busiestSecond the most calls that reached the sandbox in any rolling second of the run (429s included)
     */
    record Row(int instances, int numbers, double seconds, double perSecond, double steadyPerSecond, int calls,
               int rateLimited, double bound, int busiestSecond, String checks) {
    }

    private static void throughput(Map<String, String> a, String brokers, Path work) throws Exception {
        long latencyMs = Long.parseLong(a.getOrDefault("latency-ms", "100"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "20"));
        int n = Integer.parseInt(a.getOrDefault("numbers", "20000"));
        int partitions = Integer.parseInt(a.getOrDefault("partitions", "6"));
        long timeoutS = Long.parseLong(a.getOrDefault("timeout-s", "900"));
        long settleMs = Long.parseLong(a.getOrDefault("settle-ms", "5000"));
        List<Integer> counts = new ArrayList<>();
        for (String c : a.getOrDefault("instances", "1,2,3").split(",")) {
            counts.add(Integer.parseInt(c.trim()));
        }
        Map<String, String> extraEnv = appEnv(a);
        System.out.printf("throughput: instances %s, L=%d ms, R=%s calls/s (the account's, shared), N=%d one-number "
                + "Kafka requests, %d partitions, extra app env %s%n", counts, latencyMs, rate > 0 ? rate : "unlimited",
                n, partitions, extraEnv);
        List<String> tns = numbers(n);
        List<Row> rows = new ArrayList<>();
        for (int count : counts) {
            rows.add(measure(brokers, work, tns, new Point(count, latencyMs, rate, n, partitions, settleMs, timeoutS,
                    extraEnv, 0, false)));
        }
        System.out.printf("%nSummary (L=%d ms, R=%d, N=%d, %d partitions, default volume settings):%n", latencyMs, rate, n,
                partitions);
        System.out.println("| instances | numbers/s (whole run) | numbers/s (10%-90%) | API bound | % of bound (whole / 10-90%) "
                + "| calls | 429s | 429 share | busiest second | checks |");
        for (Row r : rows) {
            System.out.printf("| %d | %.1f | %.1f | %.1f | %.1f%% / %.1f%% | %d | %d | %.2f%% | %d | %s |%n", r.instances(),
                    r.perSecond(), r.steadyPerSecond(), r.bound(), 100 * r.perSecond() / r.bound(),
                    100 * r.steadyPerSecond() / r.bound(), r.calls(), r.rateLimited(),
                    100.0 * r.rateLimited() / Math.max(1, r.calls()), r.busiestSecond(), r.checks());
        }
        if (rows.stream().anyMatch(r -> !r.checks().equals("OK"))) {
            throw new IllegalStateException("a run was not correct");
        }
    }

    /**
     * Runs one point (the first {@code p.numbers()} of {@code tns}): starts the instances, waits until all are in
     * the requests consumer group holding every partition (then {@code settleMs} for the rate shares), feeds the
     * requests, reads the outcomes until all arrived (or the timeout), prints the figures, checks the run,
     * stops the instances (SIGTERM, then wait).
     */
    static Row measure(String brokers, Path work, List<String> allTns, Point p) throws Exception {
        int count = p.instances();
        int n = p.numbers();
        int rate = p.rate();
        List<String> tns = allTns.subList(0, n);
        String prefix = "mb" + count + "-" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path run = Files.createDirectories(work.resolve("throughput-" + p.label() + "-" + prefix.substring(4, 10)));
        System.out.printf("%n== %d instance(s), L=%d ms, R=%s, %d numbers%s%s, topic prefix %s, logs %s%n", count,
                p.latencyMs(), rate > 0 ? rate : "unlimited", n, p.skewed() ? ", all on partition 0" : "",
                p.lookupsToFinal() > 0 ? ", orders final at lookup " + p.lookupsToFinal() : "", prefix, run);
        OpentactSandbox sandbox = sandbox(p.latencyMs(), rate);
        sandbox.setLookupsToFinal(p.lookupsToFinal());
        sandbox.addInventory(tns.stream().mapToLong(tn -> Long.parseLong(tn.substring(1))).toArray());
        createTopics(brokers, prefix, p.partitions());
        List<App> apps = new ArrayList<>();
        OutcomeReader outcomes = null;
        Hiccups hiccups = Hiccups.start(10);
        try {
            for (int i = 0; i < count; i++) {
                App app = new App(run.resolve("app-" + i + ".log"),
                        env(prefix, i, sandbox.baseUrl(), brokers, run, rate, p.extraEnv()));
                apps.add(app);
                app.start();
            }
            Instant launched = Instant.now();
            awaitGroup(brokers, prefix + "orders", count, p.partitions(), Duration.ofSeconds(180), apps);
            System.out.printf("  all %d in group %s holding the %d partitions %.1f s after launch; %d ms more for "
                    + "the rate shares to settle%n", count, prefix + "orders", p.partitions(),
                    Duration.between(launched, Instant.now()).toMillis() / 1000.0, p.settleMs());
            sleep(p.settleMs());
            outcomes = OutcomeReader.start(brokers, prefix + "outcomes");
            int callsBefore = sandbox.callTimes().size();
            int rateLimitedBefore = sandbox.rateLimitedCalls();
            long cpu0 = cpuNanos(apps);
            Instant start = Instant.now();
            ThroughputBenchmark.produce(brokers, prefix + "requests", tns, "r-", p.skewed() ? 0 : null);
            System.out.printf("  %d requests produced in %.1f s%n", n,
                    Duration.between(start, Instant.now()).toMillis() / 1000.0);
            awaitOutcomes(outcomes, n, start, Duration.ofSeconds(p.timeoutS()), apps);
            Instant last = outcomes.lastArrival();
            double seconds = Duration.between(start, last).toMillis() / 1000.0;
            double appCpu = (cpuNanos(apps) - cpu0) / 1e9;
            sleep(3000); // anything published twice would show up now
            outcomes.stop();
            String checks = check(brokers, prefix, outcomes, tns, sandbox);
            List<Instant> calls = sandbox.callTimes().stream().filter(t -> !t.isBefore(start)).toList();
            int callCount = sandbox.callTimes().size() - callsBefore;
            int limited = sandbox.rateLimitedCalls() - rateLimitedBefore;
            double answeredPerNumber = (double) (callCount - limited) / n;
            double bound = rate > 0 ? rate / answeredPerNumber : Double.NaN;
            double perSecond = n / seconds;
            double steady = outcomes.steadyPerSecond(n);
            RateWindows.Busiest busiestWindow = RateWindows.busiestWindow(calls, Duration.ofSeconds(1));
            int busiest = busiestWindow.calls();
            System.out.printf("  %d numbers in %.1f s (first send to last outcome): %.1f numbers/s; from the 10%% to "
                    + "the 90%% outcome %.1f numbers/s%n", n, seconds, perSecond, steady);
            System.out.printf("  Opentact calls: %d, %d refused with 429 (%.2f%% of the calls); %.4f calls per number, "
                    + "%.4f answered; %.1f calls/s; at most %d in any rolling second%n", callCount, limited,
                    100.0 * limited / Math.max(1, callCount), (double) callCount / n, answeredPerNumber,
                    callCount / seconds, busiest);
            if (rate > 0) {
                System.out.printf("  API bound R / answered calls per number = %.1f numbers/s; reached %.1f%% of it "
                        + "(%.1f%% from the 10%% to the 90%% outcome)%n", bound, 100 * perSecond / bound,
                        100 * steady / bound);
            }
            System.out.printf("  app CPU during the run: %.1f s (all %d JVMs), %.2f s per 1,000 numbers; bench JVM "
                    + "(broker, sandbox, clients) %.1f s in all%n", appCpu, count, appCpu * 1000 / n,
                    ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class)
                            .getProcessCpuTime() / 1e9);
            if (busiestWindow.start() != null) {
                // The sandbox counts a call when this JVM's server thread takes it in: a pause of this
                // JVM (broker, sandbox and clients) counts the calls that came meanwhile together.
                System.out.printf("  this JVM's pauses over 10 ms from a second before the busiest second to its end: %s "
                        + "(longest in the run %d ms, %d in all)%n", hiccups.overlapping(busiestWindow.start()
                        .minusSeconds(1), Duration.ofSeconds(2)), hiccups.longestMs(), hiccups.count());
            }
            printPerSecond("  Opentact calls in each second of the run:", calls, start);
            printPerSecond("  order POSTs in each second:", sandbox.callTimesMatching(path -> path.equals("/rest/order")
                    || path.equals("/rest/order/tn")).stream().filter(t -> !t.isBefore(start)).toList(), start);
            System.out.println("  checks: " + checks);
            return new Row(count, n, seconds, perSecond, steady, callCount, limited, bound, busiest, checks);
        } finally {
            if (outcomes != null) {
                outcomes.stop();
            }
            Instant stopping = Instant.now();
            apps.forEach(App::terminate); // all at once, then wait for each
            for (App app : apps) {
                app.stop();
            }
            System.out.printf("  instances stopped (SIGTERM) in %.1f s%n",
                    Duration.between(stopping, Instant.now()).toMillis() / 1000.0);
            for (App app : apps) {
                app.summarizeLog();
            }
            sandbox.close();
            hiccups.close();
        }
    }

    // --- recovery ------------------------------------------------------------------------------

    private static void recovery(Map<String, String> a, String brokers, Path work) throws Exception {
        long latencyMs = Long.parseLong(a.getOrDefault("latency-ms", "100"));
        int rate = Integer.parseInt(a.getOrDefault("rate", "0"));
        int n = Integer.parseInt(a.getOrDefault("requests", "1000"));
        int partitions = Integer.parseInt(a.getOrDefault("partitions", "6"));
        long completionMs = Long.parseLong(a.getOrDefault("completion-delay-ms", "5000"));
        double killAt = Double.parseDouble(a.getOrDefault("kill-at", "0.9"));
        long timeoutS = Long.parseLong(a.getOrDefault("timeout-s", "600"));
        long targetS = Long.parseLong(a.getOrDefault("target-s", "60"));
        Map<String, String> extraEnv = appEnv(a);
        System.out.printf("recovery: one instance, L=%d ms, R=%s calls/s, %d one-number Kafka requests, orders processing "
                + "%d ms, kill -9 once %.0f%% of the numbers are in order POSTs, restart at once; extra app env %s%n",
                latencyMs, rate > 0 ? rate : "unlimited", n, completionMs, killAt * 100, extraEnv);
        List<String> tns = numbers(n);
        String prefix = "mbr-" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Path run = Files.createDirectories(work.resolve("recovery"));
        OpentactSandbox sandbox = sandbox(latencyMs, rate);
        sandbox.setCompletionDelay(Duration.ofMillis(completionMs));
        sandbox.addInventory(tns.stream().mapToLong(tn -> Long.parseLong(tn.substring(1))).toArray());
        createTopics(brokers, prefix, partitions);
        Map<String, String> env = env(prefix, 0, sandbox.baseUrl(), brokers, run, rate, extraEnv);
        App app = new App(run.resolve("app-0.log"), env);
        OutcomeReader outcomes = null;
        try {
            app.start();
            awaitGroup(brokers, prefix + "orders", 1, partitions, Duration.ofSeconds(180), List.of(app));
            sleep(2000);
            outcomes = OutcomeReader.start(brokers, prefix + "outcomes");
            Instant start = Instant.now();
            ThroughputBenchmark.produce(brokers, prefix + "requests", tns, "r-");
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (sandbox.orderAttempts().size() < killAt * n && System.nanoTime() < deadline) {
                sleep(20);
            }
            int posted = sandbox.orderAttempts().size();
            int orders = sandbox.orderCount();
            int bought = sandbox.purchases().size();
            int outcomesAtKill = outcomes.count();
            Set<String> before = memberIds(brokers, prefix + "orders");
            Instant killedAt = Instant.now();
            app.kill();
            env.put("CAMEL_MANAGEMENT_PORT", String.valueOf(freePort()));
            app.start();
            Instant restart = Instant.now();
            System.out.printf("  killed (SIGKILL) %.1f s after the first send: %d of %d numbers in order POSTs (%d orders), "
                    + "%d bought, %d outcomes out: %d requests without an outcome at the kill; restarted at once%n",
                    Duration.between(start, killedAt).toMillis() / 1000.0, posted, n, orders, bought, outcomesAtKill,
                    n - outcomesAtKill);
            Thread groupWatch = watchGroup(brokers, prefix + "orders", partitions, restart, before);
            awaitOutcomes(outcomes, n, restart, Duration.ofSeconds(timeoutS), List.of(app));
            groupWatch.interrupt();
            Instant last = outcomes.lastArrival();
            double recoveryS = Duration.between(restart, last).toMillis() / 1000.0;
            List<Instant> after = outcomes.arrivals().stream().filter(t -> t.isAfter(restart)).sorted().toList();
            System.out.printf("  after the restart: %d outcomes; first at %.1f s, half of them at %.1f s, 90%% at %.1f s, "
                    + "the last at %.1f s after the restart%n", after.size(), secs(restart, after, 0.0),
                    secs(restart, after, 0.5), secs(restart, after, 0.9), recoveryS);
            sleep(3000);
            outcomes.stop();
            String checks = check(brokers, prefix, outcomes, tns, sandbox);
            System.out.printf("  order POSTs: %d orders for %d numbers (numbers in more than one POST: %d); Opentact calls "
                    + "%d, %d refused with 429%n", sandbox.orderCount(), sandbox.orderAttempts().size(),
                    sandbox.orderAttempts().values().stream().filter(c -> c > 1).count(), sandbox.callTimes().size(),
                    sandbox.rateLimitedCalls());
            System.out.println("  checks: " + checks);
            System.out.printf("%nSummary: %d requests, %d without an outcome at the kill; all outcomes %.1f s after the "
                    + "restart (target %d s): %s; checks %s%n", n, n - outcomesAtKill, recoveryS, targetS,
                    recoveryS <= targetS ? "met" : "MISSED", checks);
            if (!checks.equals("OK")) {
                throw new IllegalStateException("the run was not correct: " + checks);
            }
        } finally {
            if (outcomes != null) {
                outcomes.stop();
            }
            app.stop();
            app.summarizeLog();
            sandbox.close();
        }
    }

    private static double secs(Instant from, List<Instant> sorted, double share) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = Math.min(sorted.size() - 1, (int) Math.ceil(share * sorted.size()) - (share == 0 ? 0 : 1));
        return Duration.between(from, sorted.get(Math.max(0, i))).toMillis() / 1000.0;
    }

    private static Set<String> memberIds(String brokers, String group) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        try (Admin admin = Admin.create(p)) {
            return admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group).members()
                    .stream().map(m -> m.consumerId()).collect(Collectors.toSet());
        }
    }

    /**
     * Prints the group's changes after the restart, and when the restarted member alone holds every
     * partition (the killed one, {@code killed}, left the group: its session timed out).
     */
    private static Thread watchGroup(String brokers, String group, int partitions, Instant restart,
                                     Set<String> killed) {
        Thread t = new Thread(() -> {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            String last = "";
            try (Admin admin = Admin.create(p)) {
                while (!Thread.currentThread().isInterrupted()) {
                    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all()
                            .get(10, TimeUnit.SECONDS).get(group);
                    int members = d.members().size();
                    long dead = d.members().stream().filter(m -> killed.contains(m.consumerId())).count();
                    int assigned = d.members().stream().filter(m -> !killed.contains(m.consumerId()))
                            .mapToInt(m -> m.assignment().topicPartitions().size()).sum();
                    String now = d.state() + " " + members + " " + dead + " " + assigned;
                    if (!now.equals(last)) {
                        System.out.printf("  group %s at %.1f s after the restart: %d member(s) (%d of them the killed "
                                + "instance's), state %s, %d partitions held by the restarted instance%n", group,
                                Duration.between(restart, Instant.now()).toMillis() / 1000.0, members, dead, d.state(),
                                assigned);
                        last = now;
                    }
                    if (dead == 0 && assigned == partitions && d.state() == ConsumerGroupState.STABLE) {
                        System.out.printf("  the restarted instance holds all %d partitions %.1f s after the restart%n",
                                partitions, Duration.between(restart, Instant.now()).toMillis() / 1000.0);
                        return;
                    }
                    Thread.sleep(200);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                System.out.println("  group watch stopped: " + e);
            }
        }, "group-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }

    // --- the app instances ---------------------------------------------------------------------

    /**
     * The contract's environment for instance {@code i} (as the ITs' {@code AppProcess.standardEnv}, without
     * its test-only shortcuts): every volume setting at its default.
     */
    private static Map<String, String> env(String prefix, int i, String baseUrl, String brokers, Path run, int rate,
                                           Map<String, String> extra) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("OPENTACT_API_BASE_URL", baseUrl);
        e.put("OPENTACT_API_TOKEN", TOKEN);
        e.put("CAMEL_COMPONENT_KAFKA_BROKERS", brokers);
        e.put("OPENTACT_INBOX_DIR", run.resolve("inbox-" + i).toString());
        e.put("OPENTACT_OUTBOX_DIR", run.resolve("outbox-" + i).toString());
        e.put("OPENTACT_INBOX_INSTANCE_ID", "app" + i);
        for (String t : List.of("requests", "outcomes", "numbers", "dlq", "journal", "control")) {
            e.put("OPENTACT_TOPICS_" + t.toUpperCase(Locale.ROOT), prefix + t);
        }
        e.put("OPENTACT_KAFKA_GROUP_ID", prefix + "orders");
        e.put("OPENTACT_KAFKA_RESULTS_GROUP_ID", prefix + "results");
        // The account's limit, shared by the instances; "unlimited" as the throughput benchmark does.
        e.put("OPENTACT_API_RATE_LIMIT", String.valueOf(rate > 0 ? rate : 1_000_000));
        e.put("OPENTACT_BUDGET_DAILY_NRC", "none");
        e.put("OPENTACT_BUDGET_FILE_NRC", "none");
        e.put("CAMEL_MANAGEMENT_PORT", String.valueOf(freePort()));
        e.putAll(extra);
        return e;
    }

    /** {@code --app-env=NAME=value,NAME=value}: more environment for every instance (e.g. a shorter session timeout). */
    static Map<String, String> appEnv(Map<String, String> a) {
        Map<String, String> m = new LinkedHashMap<>();
        String s = a.getOrDefault("app-env", "");
        for (String kv : s.split(",")) {
            if (!kv.isBlank()) {
                m.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        return m;
    }

    /** One app JVM, started as users start it, configured by environment variables only; its log to a file. */
    static final class App {
        private final Path log;
        private final Map<String, String> env;
        private Process process;
        private int starts;

        App(Path log, Map<String, String> env) {
            this.log = log;
            this.env = env;
        }

        void start() throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx512m");
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add("-Dlog4j2.configurationFile=config/log4j2.properties");
            command.add(OrderRoutesMain.class.getName());
            ProcessBuilder pb = new ProcessBuilder(command).directory(new File(System.getProperty("user.dir")));
            // Nothing of this shell's own opentact/camel settings leaks in.
            pb.environment().keySet().removeIf(k -> k.startsWith("OPENTACT_") || k.startsWith("CAMEL_"));
            pb.environment().putAll(env);
            Files.writeString(log, "==== start " + (++starts) + " at " + Instant.now() + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            process = pb.start();
        }

        boolean isAlive() {
            return process != null && process.isAlive();
        }

        long cpuNanos() {
            return process == null ? 0 : process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        }

        /** SIGKILL: no shutdown hook, no flush. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** SIGTERM, not waiting. */
        void terminate() {
            if (process != null && process.isAlive()) {
                process.destroy();
            }
        }

        /** SIGTERM, then wait for it to end (SIGKILL after 60 s). */
        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    System.out.println("  " + log.getFileName() + ": did not stop within 60 s of SIGTERM; SIGKILL");
                    process.destroyForcibly();
                    process.waitFor(30, TimeUnit.SECONDS);
                }
            }
        }

        /** Counts of WARN and ERROR lines, the last rate-share line and the first few WARN/ERROR lines. */
        void summarizeLog() throws IOException {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<String> warnings = lines.stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
            long errors = lines.stream().filter(l -> l.contains(" ERROR ")).count();
            String share = lines.stream().filter(l -> l.contains("this instance's share is now")).reduce((x, y) -> y)
                    .orElse("(no rate-share line)");
            System.out.printf("  %s: %d lines, %d WARN, %d ERROR; last share: %s%n", log, lines.size(),
                    warnings.size() - errors, errors, share.substring(Math.max(0, share.indexOf(" - ") + 3)));
            warnings.stream().filter(l -> !l.contains("rate limit: this instance's share")).limit(8)
                    .forEach(l -> System.out.println("    " + (l.length() > 300 ? l.substring(0, 300) + "..." : l)));
        }
    }

    private static long cpuNanos(List<App> apps) {
        return apps.stream().mapToLong(App::cpuNanos).sum();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on loopback", e);
        }
    }

    private static OpentactSandbox sandbox(long latencyMs, int rate) {
        OpentactSandbox sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setLatency(Duration.ofMillis(latencyMs));
        sandbox.setRateLimit(rate);
        sandbox.setBalance(new BigDecimal("100000000.00"));
        return sandbox;
    }

    // --- Kafka ---------------------------------------------------------------------------------

    /** Until every instance's consumers are members of the group and the group holds every requests partition. */
    private static void awaitGroup(String brokers, String group, int members, int partitions, Duration timeout,
                                   List<App> apps) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        long deadline = System.nanoTime() + timeout.toNanos();
        Instant from = Instant.now();
        String seen = "";
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                for (App app : apps) {
                    if (!app.isAlive()) {
                        throw new IllegalStateException("an instance ended before it joined: see " + app.log);
                    }
                }
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all()
                        .get(10, TimeUnit.SECONDS).get(group);
                int assigned = d.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum();
                // How the group got there: its state and each member's partitions, at every change.
                String now = d.state() + " " + d.members().stream().map(m -> String.valueOf(m.assignment().topicPartitions()
                        .size())).sorted().toList();
                if (!now.equals(seen)) {
                    System.out.printf("    group %s at %.1f s: %s (partitions per member)%n", group,
                            Duration.between(from, Instant.now()).toMillis() / 1000.0, now);
                    seen = now;
                }
                if (d.state() == ConsumerGroupState.STABLE && d.members().size() >= members && assigned == partitions) {
                    return;
                }
                sleep(200);
            }
        }
        throw new IllegalStateException("the instances did not all join group " + group + " within " + timeout);
    }

    private static void awaitOutcomes(OutcomeReader outcomes, int n, Instant from, Duration timeout, List<App> apps) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int reported = 0;
        while (outcomes.count() < n && System.nanoTime() < deadline) {
            int c = outcomes.count();
            if (c - reported >= Math.max(1, n / 10)) {
                reported = c;
                System.out.printf("  ... %d outcomes at %.1f s%n", c, Duration.between(from, Instant.now()).toMillis() / 1000.0);
            }
            sleep(100);
        }
        if (outcomes.count() < n) {
            System.out.printf("  TIMEOUT: %d of %d outcomes after %d s; instances alive: %s%n", outcomes.count(), n,
                    timeout.toSeconds(), apps.stream().map(x -> String.valueOf(x.isAlive())).toList());
        }
    }

    private static void createTopics(String brokers, String prefix, int partitions) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        try (Admin admin = Admin.create(p)) {
            // The outcomes and numbers topics as the broker would make them on first use (3 partitions),
            // made now so that the readers subscribe to topics that exist.
            admin.createTopics(List.of(new NewTopic(prefix + "requests", partitions, (short) 1),
                    new NewTopic(prefix + "outcomes", 3, (short) 1), new NewTopic(prefix + "numbers", 3, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Reads the outcomes topic (read_committed) on a thread of its own: when each request's outcome arrived. */
    static final class OutcomeReader implements Runnable {
        private final String brokers;
        private final String topic;
        private final Map<String, Instant> firstArrival = new ConcurrentHashMap<>();
        private final List<Instant> arrivals = new ArrayList<>();
        private final AtomicInteger duplicates = new AtomicInteger();
        private final AtomicInteger notCompleted = new AtomicInteger();
        private final Map<String, Integer> states = new ConcurrentHashMap<>();
        private volatile boolean stop;
        private volatile Instant last = Instant.now();
        private Thread thread;

        private OutcomeReader(String brokers, String topic) {
            this.brokers = brokers;
            this.topic = topic;
        }

        static OutcomeReader start(String brokers, String topic) {
            OutcomeReader r = new OutcomeReader(brokers, topic);
            r.thread = new Thread(r, "outcome-reader");
            r.thread.setDaemon(true);
            r.thread.start();
            return r;
        }

        @Override
        public void run() {
            try (KafkaConsumer<String, String> c = ThroughputBenchmark.consumer(brokers)) {
                c.subscribe(List.of(topic));
                while (!stop) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        Instant now = Instant.now();
                        JsonNode o = JSON.readTree(r.value());
                        String id = o.path("request_id").asText(r.key());
                        String state = o.path("state").asText();
                        states.merge(state, 1, Integer::sum);
                        if (!"completed".equals(state)) {
                            notCompleted.incrementAndGet();
                        }
                        if (firstArrival.putIfAbsent(id, now) != null) {
                            duplicates.incrementAndGet();
                        } else {
                            synchronized (arrivals) {
                                arrivals.add(now);
                            }
                            last = now;
                        }
                    }
                }
            } catch (Exception e) {
                System.out.println("  outcome reader failed: " + e);
            }
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }

        int count() {
            return firstArrival.size();
        }

        Instant lastArrival() {
            return last;
        }

        List<Instant> arrivals() {
            synchronized (arrivals) {
                return new ArrayList<>(arrivals);
            }
        }

        /** Outcomes per second between the 10% and the 90% outcome. */
        double steadyPerSecond(int n) {
            List<Instant> sorted = arrivals().stream().sorted().toList();
            int i10 = n / 10;
            int i90 = n * 9 / 10;
            if (sorted.size() < i90 || i10 < 1) {
                return Double.NaN;
            }
            long ms = Duration.between(sorted.get(i10 - 1), sorted.get(i90 - 1)).toMillis();
            return ms <= 0 ? Double.NaN : (i90 - i10) / (ms / 1000.0);
        }
    }

    /** One outcome per request, all completed; one result per number; every number bought once. */
    private static String check(String brokers, String prefix, OutcomeReader o, List<String> tns, OpentactSandbox sandbox) {
        List<String> problems = new ArrayList<>();
        if (o.count() != tns.size()) {
            problems.add((tns.size() - o.count()) + " requests without an outcome");
        }
        if (o.duplicates.get() > 0) {
            problems.add(o.duplicates.get() + " duplicate outcomes");
        }
        if (o.notCompleted.get() > 0) {
            problems.add(o.notCompleted.get() + " outcomes not 'completed' " + o.states);
        }
        Map<String, Integer> perNumber = ThroughputBenchmark.countKeys(brokers, prefix + "numbers", tns.size(), Duration.ofSeconds(60));
        long missing = tns.stream().filter(tn -> !perNumber.containsKey(tn)).count();
        long twice = perNumber.values().stream().filter(c -> c > 1).count();
        if (missing > 0 || twice > 0) {
            problems.add(missing + " numbers without a result, " + twice + " with more than one");
        }
        long boughtTwice = sandbox.purchases().values().stream().filter(c -> c != 1).count();
        if (boughtTwice > 0 || sandbox.purchases().size() != tns.size()) {
            problems.add(boughtTwice + " numbers bought twice, " + sandbox.purchases().size() + " bought of " + tns.size());
        }
        System.out.printf("  %d outcomes %s, %d duplicates, %d numbers with a result, %d bought, %d bought twice%n",
                o.count(), o.states, o.duplicates.get(), perNumber.size(), sandbox.purchases().size(), boughtTwice);
        return problems.isEmpty() ? "OK" : "FAILED " + problems;
    }

    // --- figures -------------------------------------------------------------------------------

    /** Distinct US numbers the sandbox sells (at most 60,000). */
    static List<String> numbers(int n) {
        List<String> out = new ArrayList<>(n);
        for (int npa : NPAS) {
            for (int nxx = 200; nxx <= 209; nxx++) {
                for (int line = 0; line < 1000 && out.size() < n; line++) {
                    out.add(String.format("+1%d%d%04d", npa, nxx, line));
                }
            }
        }
        if (out.size() < n) {
            throw new IllegalArgumentException("at most " + out.size() + " distinct numbers");
        }
        return out;
    }

    /** Counts per second of the run. */
    private static void printPerSecond(String what, List<Instant> times, Instant start) {
        if (times.isEmpty()) {
            return;
        }
        Map<Long, Integer> perSecond = new TreeMap<>();
        long seconds = Math.max(0, Duration.between(start, times.get(times.size() - 1)).toMillis() / 1000);
        for (long i = 0; i <= seconds; i++) {
            perSecond.put(i, 0);
        }
        times.forEach(t -> perSecond.merge(Math.max(0, Duration.between(start, t).toMillis() / 1000), 1, Integer::sum));
        StringBuilder line = new StringBuilder(what);
        perSecond.values().forEach(c -> line.append(' ').append(c));
        System.out.println(line);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                m.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            } else if (arg.startsWith("--") && arg.length() > 2) {
                m.put(arg.substring(2), "true"); // a flag: --quick
            } else {
                throw new IllegalArgumentException("arguments are --name=value or --flag: " + arg);
            }
        }
        return m;
    }
}
