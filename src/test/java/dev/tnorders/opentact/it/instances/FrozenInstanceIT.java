package dev.tnorders.opentact.it.instances;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.it.AppProcess;
import dev.tnorders.opentact.it.Hiccups;
import dev.tnorders.opentact.it.Invariants;
import dev.tnorders.opentact.it.RateWindows;
import dev.tnorders.opentact.it.SharedKafka;
import dev.tnorders.opentact.it.TopicProbe;
import dev.tnorders.opentact.sandbox.OpentactSandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance frozen for longer than its session (SIGSTOP, as a long GC pause or a VM stall does)
 * while its order POSTs wait in its rate-limit queue, then resumed: the other instance takes its
 * partitions, reconciles its intents and orders those numbers; the frozen one's queued POSTs must
 * then never leave (the intent lease: its deadline passed by the monotonic clock, and its renewal
 * through the fenced journal is refused). Two instances, one-number requests, per-request mode, a
 * small account rate limit so that POSTs queue. Then the promises ({@link Invariants}), every
 * request {@code completed}, and a bound on the time from the last resume to the last outcome.
 *
 * <p>Sizes: {@code -Dfreeze.requests}, {@code -Dfreeze.freezes}, {@code -Dfreeze.seconds}, the limit
 * {@code -Dfreeze.rate} and the apps' window {@code -Dfreeze.window-ms}. CI runs one freeze;
 * {@code -Preliability} three.
 */
class FrozenInstanceIT {

    private static final Logger LOG = LoggerFactory.getLogger(FrozenInstanceIT.class);
    private static final String TOKEN = "freeze-" + UUID.randomUUID();
    private static final Duration WAIT = Duration.ofSeconds(240);
    /** The longest from the last resume to the last outcome. */
    private static final Duration BOUND = Duration.ofSeconds(Long.getLong("freeze.bound-s", 150));

    @TempDir
    Path work;
    private final List<AppProcess> apps = new ArrayList<>();
    private AppProcess frozen;
    private OpentactSandbox sandbox;
    /** This JVM's pauses, where the sandbox counts arrivals. */
    private final Hiccups hiccups = Hiccups.start(10);

    @AfterEach
    void stopAll() throws Exception {
        hiccups.close();
        if (frozen != null && frozen.isAlive()) {
            signal("CONT", frozen); // never leave a stopped process behind
        }
        for (AppProcess a : apps) {
            a.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private AppProcess instance(String prefix, int i, Path inbox, Path outbox) throws Exception {
        return new AppProcess(Path.of("target", "it-logs", prefix + "app" + i + ".log"), List.of())
                .standardEnv(prefix, sandbox.baseUrl(), TOKEN, SharedKafka.bootstrapServers(), inbox, outbox)
                .env("OPENTACT_INBOX_INSTANCE_ID", "app" + i)
                .env("OPENTACT_ORDER_BATCHING", "false")
                .env("OPENTACT_KAFKA_CONSUMERS", "1")
                .env("OPENTACT_KAFKA_SESSION_TIMEOUT_MS", "6000")
                .env("OPENTACT_KAFKA_MAX_POLL_RECORDS", "20")
                // The account's limit, split over the two: POSTs wait in each instance's queue.
                .env("OPENTACT_API_RATE_LIMIT", System.getProperty("freeze.rate", "6"))
                // The default window unless told: the reliability profile gives the at-size run the
                // margin docs/operations.md advises for a jittery path (its host is shared).
                .env("OPENTACT_API_RATE_LIMIT_WINDOW_MS", System.getProperty("freeze.window-ms", "1020"))
                .env("OPENTACT_API_RETRY_DELAY_MS", "100")
                .env("OPENTACT_INTAKE_OUTAGE_PAUSE_MS", "1000");
    }

    @Test
    void aFrozenInstancesQueuedOrderPostsNeverLeaveAfterItsLease() throws Exception {
        int requests = Integer.getInteger("freeze.requests", 60);
        int freezes = Integer.getInteger("freeze.freezes", 1);
        long freezeSeconds = Long.getLong("freeze.seconds", 20);
        sandbox = OpentactSandbox.start(0, TOKEN);
        sandbox.setLatency(Duration.ofMillis(5));
        sandbox.setBalance(new BigDecimal("1000000.00"));
        String brokers = SharedKafka.bootstrapServers();
        String p = "freeze" + UUID.randomUUID().toString().substring(0, 6) + ".";
        TopicProbe.createTopic(brokers, p + "requests", 4);
        Path inbox = Files.createDirectories(work.resolve("inbox"));
        Path outbox = work.resolve("outbox");
        for (int i = 0; i < 2; i++) {
            apps.add(instance(p, i, inbox, outbox));
        }
        Invariants.Expected expected = new Invariants.Expected();
        List<TopicProbe.Raw> records = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long tn = 13125000000L + i;
            expected.kafka("z-" + i, tn);
            records.add(new TopicProbe.Raw("z-" + i, ("{\"request_id\":\"z-" + i + "\",\"tns\":[\"+" + tn + "\"]}")
                    .getBytes(StandardCharsets.UTF_8)));
        }
        expected.stockIn(sandbox);
        AtomicInteger posts = new AtomicInteger();
        sandbox.onOrderPlaced(posts::set);
        for (AppProcess a : apps) {
            a.start();
        }
        long lastResume = System.nanoTime();
        List<Instant> resumes = new ArrayList<>();
        for (int f = 0; f < freezes; f++) {
            // A part of the requests, then a freeze once a quarter of them were ordered: the prices
            // queued first are through, and the victim's later POSTs wait in its rate-limit queue,
            // their intents written.
            List<TopicProbe.Raw> part = records.subList(f * requests / freezes, (f + 1) * requests / freezes);
            TopicProbe.sendAll(brokers, p + "requests", part);
            int before = posts.get();
            await().atMost(WAIT).until(() -> posts.get() >= before + Math.max(3, part.size() / 4));
            frozen = apps.get(f % 2);
            LOG.info("freeze {}: SIGSTOP to app{} for {} s ({} order POSTs so far)", f + 1, f % 2, freezeSeconds, posts.get());
            signal("STOP", frozen);
            // Frozen past its session (6 s) and the reconcile window (9 s): the other instance has
            // taken its partitions and ordered on meanwhile.
            long resumeAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(freezeSeconds);
            int atFreeze = posts.get();
            await().atMost(Duration.ofSeconds(freezeSeconds + 60))
                    .until(() -> System.nanoTime() >= resumeAt && posts.get() > atFreeze);
            signal("CONT", frozen);
            lastResume = System.nanoTime();
            resumes.add(Instant.now());
            LOG.info("freeze {}: SIGCONT to app{} ({} order POSTs so far)", f + 1, f % 2, posts.get());
            frozen = null;
        }
        Invariants.Figures figures = Invariants.check("frozen-instance", brokers, p + "outcomes", p + "numbers", expected,
                sandbox, WAIT);
        long afterResume = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastResume);
        LOG.info("frozen-instance figures: freezes={} of {} s, requests={}, order POSTs={}, last outcome read {} ms after "
                + "the last resume", freezes, freezeSeconds, requests, posts.get(), afterResume);
        assertThat(figures.outcomeRecords()).allSatisfy(o -> assertThat(o.value()).as(Invariants.name(o))
                .containsEntry("state", "completed"));
        assertThat(Duration.ofMillis(afterResume)).as("last resume to the last outcome").isLessThan(BOUND);
        // The account's limit, summed over both instances and every kind of call (reconciliation,
        // health probes, a member frozen and back). As calls leave: when each request was written
        // (RateTurns' DEBUG line; a call held up after its turn, by a freeze, is admitted again before
        // it is written), in any rolling second. As Opentact counts them: the arrivals at the sandbox,
        // asserted too in the reliability profile (it.assert-arrivals) and logged here: on this 2-core
        // host with other builds beside it the sandbox (in this JVM, with the broker) once took calls in
        // up to ~0.5 s after they left (70 arrivals in a second that had 47 turns, load 20).
        int rate = Integer.parseInt(System.getProperty("freeze.rate", "6"));
        List<RateWindows.Departure> departures = RateWindows.departures(apps.stream().map(AppProcess::log).toList());
        List<Instant> turns = RateWindows.turnsOf(departures);
        int busiestTurns = RateWindows.busiest(turns, Duration.ofMillis(1000));
        int busiest = RateWindows.busiest(sandbox.callTimes(), Duration.ofMillis(1000));
        LOG.info("frozen-instance busiest second: {} turns taken in the apps, {} calls at the sandbox (limit {}): {}; "
                        + "in 1,020 ms: {}; {} turns and {} calls in all", busiestTurns, busiest, rate,
                RateWindows.describeBusiest(sandbox.callTimesByPath(), Duration.ofMillis(1000)),
                RateWindows.busiest(sandbox.callTimes(), Duration.ofMillis(1020)), turns.size(), sandbox.callTimes().size());
        RateWindows.Busiest atSandbox = RateWindows.busiestWindow(sandbox.callTimes(), Duration.ofMillis(1000));
        if (atSandbox.start() != null) {
            Instant from = atSandbox.start().minusMillis(1000);
            LOG.info("frozen-instance: in the sandbox's busiest second from {}: {} turns in the apps; this JVM's pauses "
                            + "over 10 ms from a second before it: {} (longest in the run {} ms, {} in all)", atSandbox.start(),
                    turns.stream().filter(t -> !t.isBefore(atSandbox.start()) && t.isBefore(atSandbox.start().plusMillis(1000))).count(),
                    hiccups.overlapping(from, Duration.ofMillis(2000)), hiccups.longestMs(), hiccups.count());
        }
        assertThat(turns).as("turns in the apps' logs (RateTurns at DEBUG)").isNotEmpty();
        assertThat(busiestTurns).as("calls that left in the busiest rolling second, both apps (limit %d)", rate)
                .isLessThanOrEqualTo(rate);
        // A SIGSTOP that lands inside a call's write (after its last admission, before the listener
        // that counts it left) leaves it counted at the resume, 20 s after its turn, where its request
        // may have gone out before the freeze (it then arrived at the sandbox before the freeze), or
        // as the JVM woke, with no admission after it: the one gap no check in the process can close.
        // Such calls are left out of the sum above, and must be few and at a resume of the frozen app.
        List<RateWindows.Departure> stalled = departures.stream().filter(d -> d.written() && d.stalledInItsWrite()).toList();
        LOG.info("frozen-instance: {} call(s) stalled inside their write by a freeze: {}", stalled.size(), stalled);
        assertThat(stalled).as("calls stalled inside their write, resumes at %s", resumes)
                .hasSizeLessThanOrEqualTo(8 * freezes)
                .allSatisfy(d -> assertThat(resumes).as("a resume at most 3 s before %s", d)
                        .anySatisfy(r -> assertThat(Duration.between(r, d.at()).toMillis()).isBetween(-1000L, 3000L)));
        if (RateWindows.arrivalsAsserted()) {
            assertThat(busiest).as("calls at the sandbox in the busiest rolling second (limit %d)", rate).isLessThanOrEqualTo(rate);
        }
    }

    /** kill -STOP / -CONT to an app this test started, by its pid. */
    private static void signal(String signal, AppProcess app) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(app.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -" + signal).isTrue();
        assertThat(kill.exitValue()).as("kill -" + signal + " exit").isZero();
    }

}
