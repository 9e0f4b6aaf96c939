package dev.tnorders.opentact.it.rate;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.RateWindows;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The account's rate limit is one limit over every instance: {@code -Dshared.instances} (default 3)
 * app processes in one consumer group, with the same settings, against one sandbox that answers
 * 429 to calls beyond {@code -Dshared.rate} (default 10) in any second, with a requests topic of 6
 * partitions. Once the group holds every instance, {@code -Dshared.requests} one-number requests
 * (default 150) go to the topic; every request must end with one outcome (Invariants), and few
 * calls may draw a 429 (below).
 *
 * <p>The apps run the product's defaults (the 1,020 ms window, 90% of a share while other
 * instances are members; {@code -Dshared.window-ms} sets another window). The sandbox counts
 * calls when it handles them, in the test JVM that also runs the broker, on the same 2 cores as
 * three app JVMs (and, in CI, nothing else to spare): calls from different JVMs arrive there with
 * scheduling jitter no client-side limiter can see. So CI asserts under
 * {@code -Dshared.max-429-share} (default 5%) of the calls drew a 429: with every instance taking
 * the whole limit, as before the split, the same run drew 19-23%. What this test proves is the
 * split; the under-1% figure is the benchmark's, on a machine not running three JVMs beside it
 * ({@code bench/multi-instance.sh}, docs/benchmarks.md, "Several instances").
 *
 * <p>{@code -Dshared.instances=1,2,3} runs one round per count, one after the other, and logs each
 * round's figures (the benchmark of docs/operations.md, bench/shared-rate.sh): aggregate calls per
 * second while every instance was busy, the most calls that arrived in any one second, and the
 * share of 429s.
 *
 * <p>{@code -Dshared.skew=true} keys every request alike, so that they all land on one partition
 * and one instance has the whole backlog while the others idle: the account's limit must follow
 * the work there (docs/several-instances.md, "One rate limit, shares that follow demand"); the
 * test then asserts that the calls per second approach the limit ({@code -Dshared.min-use},
 * default 0.8 of it) and that no rolling second at the sandbox held more than the limit.
 * {@link #skewedLoadTheBusyInstanceUsesTheWholeLimit} runs that at R = 6 in the default build.
 */
class SharedRateLimitIT {

    private static final Logger LOG = LoggerFactory.getLogger(SharedRateLimitIT.class);
    private static final int PARTITIONS = 6;

    private final List<AppProcess> apps = new ArrayList<>();
    private OpentactSandbox sandbox;

    @TempDir
    Path work;

    @AfterEach
    void stopAll() throws Exception {
        closeRound();
    }

    private void closeRound() throws Exception {
        for (AppProcess a : apps) {
            a.close();
        }
        apps.clear();
        if (sandbox != null) {
            sandbox.close();
            sandbox = null;
        }
    }

    record Round(int instances, int requests, int calls, int rateLimited, double seconds, double callsPerSecond,
                 int busiestSecond, int busiestTurns) {
        double rateLimitedRatio() {
            return calls == 0 ? 0 : (double) rateLimited / calls;
        }

        String summary() {
            return String.format(Locale.ROOT,
                    "instances=%d requests=%d calls=%d 429s=%d (%.2f%%) seconds=%.1f calls/s=%.2f busiest second=%d "
                            + "(turns in the apps: %d)",
                    instances, requests, calls, rateLimited, 100 * rateLimitedRatio(), seconds, callsPerSecond,
                    busiestSecond, busiestTurns);
        }
    }

    @Test
    void severalInstancesTogetherKeepToTheAccountsRateLimit() throws Exception {
        if (Boolean.getBoolean("shared.skew")) {
            return; // the skewed rounds run in skewedLoadTheBusyInstanceUsesTheWholeLimit
        }
        int rate = Integer.getInteger("shared.rate", 10);
        double max429Share = Double.parseDouble(System.getProperty("shared.max-429-share", "0.05"));
        int requests = Integer.getInteger("shared.requests", 150);
        int[] counts = Arrays.stream(System.getProperty("shared.instances", "3").split(",")).map(String::trim)
                .mapToInt(Integer::parseInt).toArray();
        List<Round> rounds = new ArrayList<>();
        for (int n : counts) {
            Round r = round(n, rate, requests, false);
            LOG.info("shared rate limit {}/s: {}", rate, r.summary());
            rounds.add(r);
            closeRound();
        }
        rounds.forEach(r -> LOG.info("shared rate limit {}/s figures: {}", rate, r.summary()));
        for (Round r : rounds) {
            assertThat(r.rateLimitedRatio()).as("429s of all calls, %s", r.summary()).isLessThan(max429Share);
            // The instances together use the limit (10 calls per 1,020 ms while several claim: 9.8/s at
            // the most) and never go over it in any rolling second as calls leave (their turns, summed
            // over the apps); at the sandbox the busiest second is a figure (FrozenInstanceIT says why).
            assertThat(r.callsPerSecond()).as(r.summary()).isGreaterThan(rate * 0.6).isLessThanOrEqualTo(rate * 1.02);
            assertThat(r.busiestTurns()).as("turns taken in the busiest rolling second, all apps, %s", r.summary())
                    .isLessThanOrEqualTo(rate);
            if (RateWindows.arrivalsAsserted()) {
                assertThat(r.busiestSecond()).as("calls at the sandbox in the busiest rolling second, %s", r.summary())
                        .isLessThanOrEqualTo(rate);
            }
        }
    }

    /**
     * Three instances, every request on one partition: one instance has the backlog. The calls per
     * second approach the limit (about 3 at R = 3: not one per window for the busy instance, as when
     * each took a third rounded down), and few calls draw a 429.
     */
    @Test
    void skewedLoadTheBusyInstanceUsesTheWholeLimit() throws Exception {
        boolean asked = Boolean.getBoolean("shared.skew");
        if (!asked && System.getProperty("shared.instances") != null) {
            return; // a benchmark of the even rounds only
        }
        int rate = Integer.getInteger("shared.rate", 6);
        int requests = Integer.getInteger("shared.requests", asked ? 150 : 90);
        double minUse = Double.parseDouble(System.getProperty("shared.min-use", "0.8"));
        int[] counts = Arrays.stream(System.getProperty("shared.instances", "3").split(",")).map(String::trim)
                .mapToInt(Integer::parseInt).toArray();
        List<Round> rounds = new ArrayList<>();
        for (int n : counts) {
            Round r = round(n, rate, requests, true);
            LOG.info("shared rate limit {}/s, skewed: {}", rate, r.summary());
            rounds.add(r);
            closeRound();
        }
        rounds.forEach(r -> LOG.info("shared rate limit {}/s skewed figures: {}", rate, r.summary()));
        double max429Share = Double.parseDouble(System.getProperty("shared.max-429-share", "0.05"));
        for (Round r : rounds) {
            // The shares in force add up to at most R as calls leave (ShareClaimsTest's model, RollingWindowTest),
            // spaced over 1,020 ms while several claim: a margin in time for the JVMs' jitter
            // (docs/operations.md, "Running several instances"). Checked as calls leave, their turns.
            assertThat(r.rateLimitedRatio()).as("429s of all calls, %s", r.summary()).isLessThan(max429Share);
            assertThat(r.busiestTurns()).as("turns taken in the busiest rolling second, all apps, %s", r.summary())
                    .isLessThanOrEqualTo(rate);
            if (RateWindows.arrivalsAsserted()) {
                assertThat(r.busiestSecond()).as("calls at the sandbox in the busiest rolling second, %s", r.summary())
                        .isLessThanOrEqualTo(rate);
            }
            assertThat(r.callsPerSecond()).as("calls per second with the backlog on one instance, %s", r.summary())
                    .isGreaterThanOrEqualTo(rate * minUse).isLessThanOrEqualTo(rate * 1.02);
        }
    }

    private Round round(int instances, int rate, int requests, boolean skewed) throws Exception {
        String token = "shared-" + UUID.randomUUID();
        sandbox = OpentactSandbox.start(0, token);
        sandbox.setLatency(Duration.ofMillis(5));
        sandbox.setCompletionDelay(Duration.ofMillis(300));
        sandbox.setBalance(new BigDecimal("1000000.00"));
        sandbox.setRateLimit(rate);
        String brokers = SharedKafka.bootstrapServers();
        String p = "shared" + instances + "-" + UUID.randomUUID().toString().substring(0, 6) + ".";
        try (Admin admin = admin(brokers)) {
            admin.createTopics(List.of(new NewTopic(p + "requests", PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Path inbox = work.resolve(p + "inbox");
        Files.createDirectories(inbox);
        for (int i = 0; i < instances; i++) {
            // The same settings for every instance, but for what must differ between two JVMs on one
            // host: the log, the management port (standardEnv) and the journal's transactional id.
            AppProcess a = new AppProcess(Path.of("target", "it-logs", p + "app" + i + ".log"), List.of())
                    .standardEnv(p, sandbox.baseUrl(), token, brokers, inbox, work.resolve(p + "outbox"))
                    .env("OPENTACT_KAFKA_TRANSACTIONAL_ID", p + "app" + i)
                    .env("OPENTACT_API_RATE_LIMIT", String.valueOf(rate))
                    .env("OPENTACT_API_RATE_LIMIT_WINDOW_MS", System.getProperty("shared.window-ms", "1020"))
                    .env("OPENTACT_API_RATE_SHARE_INTERVAL_MS", "1000")
                    .env("OPENTACT_KAFKA_SESSION_TIMEOUT_MS", "6000")
                    // Small polls and batches: many calls per request, and every instance busy.
                    .env("OPENTACT_KAFKA_MAX_POLL_RECORDS", "6")
                    .env("OPENTACT_ORDER_BATCH_MAX_NUMBERS", "2")
                    .env("OPENTACT_ORDER_POLL_MAX_INTERVAL_MS", "200")
                    .env("OPENTACT_BUDGET_DAILY_NRC", "none")
                    .env("OPENTACT_BUDGET_FILE_NRC", "none");
            apps.add(a);
            a.start();
        }
        // Every instance in the group, and each one's share taken, before the requests come.
        String group = p + "orders";
        try (Admin admin = admin(brokers)) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(5, TimeUnit.SECONDS)
                        .get(group);
                return d.members().size() == instances && "Stable".equalsIgnoreCase(String.valueOf(stateOf(d)));
            });
        }
        String expectedShare = "its 1 of " + instances + " members of consumer group '" + group + "'";
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (AppProcess a : apps) {
                String log = Files.readString(a.log(), StandardCharsets.UTF_8);
                if (skewed) { // each instance has taken a share (its last word on it is not 0), whatever it is
                    List<String> shares = log.lines().filter(l -> l.contains("this instance's share is now")).toList();
                    assertThat(shares).as(a.log().toString()).isNotEmpty();
                    assertThat(shares.get(shares.size() - 1)).as(a.log().toString()).doesNotContain("share is now 0 ");
                } else {
                    assertThat(log).as(a.log().toString()).contains(expectedShare);
                }
            }
        });
        int callsBefore = sandbox.callTimes().size();
        int limitedBefore = sandbox.rateLimitedCalls();

        Invariants.Expected expected = new Invariants.Expected();
        List<TopicProbe.Raw> records = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long tn = 13125000000L + i;
            String id = "s-" + i;
            expected.kafka(id, tn);
            records.add(new TopicProbe.Raw(skewed ? "one-partition" : id, ("{\"request_id\":\"" + id + "\",\"tns\":[\"+" + tn + "\"]}")
                    .getBytes(StandardCharsets.UTF_8)));
        }
        expected.stockIn(sandbox);
        Instant sent = Instant.now();
        TopicProbe.sendAll(brokers, p + "requests", records);
        Invariants.Figures f = Invariants.check("shared rate limit x" + instances, brokers, p + "outcomes", p + "numbers",
                expected, sandbox, Duration.ofSeconds(Math.max(180, requests * 2L)));
        assertThat(f.outcomes()).isEqualTo(requests);
        for (AppProcess a : apps) {
            assertThat(a.isAlive()).as(a.log() + " still running").isTrue();
        }

        List<Instant> calls = sandbox.callTimesMatching(path -> !path.startsWith("/_sandbox")).stream()
                .filter(t -> !t.isBefore(sent)).toList();
        int limited = sandbox.rateLimitedCalls() - limitedBefore;
        // The busy part: from the first call after the requests were sent to the last one, less
        // the tail in which the last orders are followed (the slowest instance's last seconds).
        double seconds = calls.size() < 2 ? 0
                : Duration.between(calls.get(0), calls.get(calls.size() - 1)).toMillis() / 1000.0;
        int busy = (int) (calls.size() * 0.9);
        double busySeconds = busy < 2 ? 0 : Duration.between(calls.get(0), calls.get(busy - 1)).toMillis() / 1000.0;
        LOG.info("shared rate limit x{}{}: {} calls before the requests came (start, journal), {} after; {}", instances,
                skewed ? " skewed" : "", callsBefore, calls.size(), busiestSecondPaths(sent));
        List<Instant> turns = RateWindows.turns(apps.stream().map(AppProcess::log).toList()).stream()
                .filter(t -> !t.isBefore(sent)).toList();
        assertThat(turns).as("turns in the apps' logs (RateTurns at DEBUG)").isNotEmpty();
        return new Round(instances, requests, calls.size(), limited, seconds,
                busySeconds == 0 ? 0 : (busy - 1) / busySeconds, RateWindows.busiest(calls, Duration.ofSeconds(1)),
                RateWindows.busiest(turns, Duration.ofSeconds(1)));
    }

    /** The calls of the busiest second by path and arrival (ms after the second's first call): what drew a 429. */
    private String busiestSecondPaths(Instant from) {
        Set<String> paths = new TreeSet<>();
        sandbox.callTimesMatching(path -> {
            paths.add(path);
            return false;
        });
        List<Map.Entry<Instant, String>> all = new ArrayList<>();
        Map<String, Integer> perPath = new TreeMap<>();
        for (String path : paths) {
            if (!path.startsWith("/_sandbox")) {
                for (Instant t : sandbox.callTimes(path)) {
                    if (!t.isBefore(from)) {
                        all.add(Map.entry(t, path));
                        perPath.merge(path, 1, Integer::sum);
                    }
                }
            }
        }
        all.sort(Map.Entry.comparingByKey());
        int most = 0;
        int start = 0;
        for (int i = 0, j = 0; j < all.size(); j++) {
            while (Duration.between(all.get(i).getKey(), all.get(j).getKey()).toNanos() >= 1_000_000_000L) {
                i++;
            }
            if (j - i + 1 > most) {
                most = j - i + 1;
                start = i;
            }
        }
        StringBuilder b = new StringBuilder("calls per path ").append(perPath).append(", busiest second:");
        for (int k = start; k < start + most; k++) {
            b.append(' ').append(Duration.between(all.get(start).getKey(), all.get(k).getKey()).toMillis()).append("ms ")
                    .append(all.get(k).getValue());
        }
        return b.toString();
    }

    @SuppressWarnings("deprecation")
    private static Object stateOf(ConsumerGroupDescription d) {
        return d.state();
    }

    private static Admin admin(String brokers) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        return Admin.create(p);
    }
}
