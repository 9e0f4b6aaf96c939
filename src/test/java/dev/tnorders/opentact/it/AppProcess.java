package dev.tnorders.opentact.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.tnorders.opentact.standalone.OrderRoutesMain;

/**
 * The application in a JVM of its own, started as a user starts it and configured only through
 * environment variables, so that a test can kill it with SIGKILL and start it again.
 */
public final class AppProcess implements AutoCloseable {

    private final Map<String, String> env = new LinkedHashMap<>();
    private final Path log;
    private final List<String> jvmOptions;
    private Process process;
    private int starts;

    public AppProcess(Path log, List<String> jvmOptions) throws IOException {
        this.log = log;
        this.jvmOptions = jvmOptions;
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
    }

    public AppProcess env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** The contract's settings for a test run: its own topics and groups under {@code prefix}. */
    public AppProcess standardEnv(String prefix, String baseUrl, String token, String brokers, Path inbox, Path outbox) {
        // The mode is the configured default (batching) unless -Dit.batching=false asks for the
        // per-request mode.
        TestMode.batchingOverride().ifPresent(b -> env("OPENTACT_ORDER_BATCHING", b));
        return env("OPENTACT_API_BASE_URL", baseUrl)
                .env("OPENTACT_API_TOKEN", token)
                .env("CAMEL_COMPONENT_KAFKA_BROKERS", brokers)
                .env("OPENTACT_INBOX_DIR", inbox.toString())
                .env("OPENTACT_OUTBOX_DIR", outbox.toString())
                .env("OPENTACT_TOPICS_REQUESTS", prefix + "requests")
                .env("OPENTACT_TOPICS_OUTCOMES", prefix + "outcomes")
                .env("OPENTACT_TOPICS_NUMBERS", prefix + "numbers")
                .env("OPENTACT_TOPICS_DLQ", prefix + "dlq")
                .env("OPENTACT_TOPICS_JOURNAL", prefix + "journal")
                .env("OPENTACT_TOPICS_CONTROL", prefix + "control")
                .env("OPENTACT_TOPICS_FILES", prefix + "files")
                .env("OPENTACT_TOPICS_FILE_STATE", prefix + "file-state")
                .env("OPENTACT_TOPICS_RATE_SHARES", prefix + "rate-shares")
                .env("OPENTACT_KAFKA_FILES_GROUP_ID", prefix + "file-ends")
                .env("OPENTACT_KAFKA_GROUP_ID", prefix + "orders")
                .env("OPENTACT_KAFKA_RESULTS_GROUP_ID", prefix + "results")
                .env("OPENTACT_ORDER_POLL_INTERVAL_MS", "50")
                // "No order" after a lost order answer only this long after the intent: short in tests.
                // The reconcile window is derived from these (ReconcileWindow: 1 + 1 + 5 + 1 + 1 = 9 s).
                .env("OPENTACT_ORDER_SEND_DEADLINE_MS", "1000")
                .env("OPENTACT_API_CONNECT_TIMEOUT_MS", "1000")
                .env("OPENTACT_API_RESPONSE_TIMEOUT_MS", "5000")
                .env("OPENTACT_ORDER_RECONCILE_CLOCK_SKEW_MS", "1000")
                .env("OPENTACT_ORDER_RECONCILE_SEARCH_LAG_MS", "1000")
                .env("OPENTACT_ORDER_RECONCILE_INTERVAL_MS", "250")
                // The management server is on by default: each JVM gets a free port.
                .env("CAMEL_MANAGEMENT_PORT", String.valueOf(FreePort.find()));
    }

    public Path log() {
        return log;
    }

    /** The management HTTP server's port (set by {@link #standardEnv}). */
    public int managementPort() {
        return Integer.parseInt(env.get("CAMEL_MANAGEMENT_PORT"));
    }

    public void start() throws IOException {
        List<String> command = new ArrayList<>();
        // -Dit.apps.nice=N runs the apps at a lower CPU priority than the test JVM, where the sandbox
        // counts arrivals: on a host short of cores, Opentact's stand-in then is not starved by the apps
        // it judges (the real one runs on machines of its own). nice execs java: the pid is the app's.
        int nice = Integer.getInteger("it.apps.nice", 0);
        if (nice > 0) {
            command.addAll(List.of("nice", "-n", String.valueOf(nice)));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        // -Dit.apps.safepoint-log=true: each app logs its JVM's pauses (safepoints: collections and
        // the rest) with their wall-clock times beside its log, to read against the sandbox's count.
        if (Boolean.getBoolean("it.apps.safepoint-log")) {
            command.add("-Xlog:safepoint:file=" + log.resolveSibling(log.getFileName() + ".safepoints") + ":time");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-Dlog4j2.configurationFile=src/test/resources/log4j2-test.properties");
        command.add(OrderRoutesMain.class.getName());
        ProcessBuilder pb = new ProcessBuilder(command).directory(new File(System.getProperty("user.dir")));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Files.writeString(log, "==== start " + (++starts) + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        process = pb.start();
    }

    /** The process id of the running app (for heap sampling with jcmd). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no flush, no goodbye. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
