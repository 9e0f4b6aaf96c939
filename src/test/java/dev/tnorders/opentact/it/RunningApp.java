package dev.tnorders.opentact.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;

import dev.tnorders.opentact.standalone.OrderRoutesMain;

import static org.awaitility.Awaitility.await;

/**
 * The standalone application, started in this JVM exactly as users start it (Camel Main with the
 * project's config file), pointed at the shared broker and a test's sandbox through properties.
 * Each instance gets its own topics and consumer groups.
 */
public final class RunningApp implements AutoCloseable {

    public final String brokers;
    public final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + ".";
    public final Path inbox;
    public final Path outbox;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private OrderRoutesMain main;

    public RunningApp(Path workDir, String baseUrl, String token) {
        this(workDir, baseUrl, token, SharedKafka.bootstrapServers());
    }

    /** @param brokers another broker than the shared one (e.g. a secured one: its settings with {@link #with}) */
    public RunningApp(Path workDir, String baseUrl, String token, String brokers) {
        this.brokers = brokers;
        this.inbox = workDir.resolve("inbox");
        this.outbox = workDir.resolve("outbox");
        properties.put("camel.component.kafka.brokers", brokers);
        properties.put("opentact.api.base-url", baseUrl);
        properties.put("opentact.api.token", token);
        properties.put("opentact.inbox.dir", inbox.toString());
        properties.put("opentact.outbox.dir", outbox.toString());
        properties.put("opentact.topics.requests", topic("requests"));
        properties.put("opentact.topics.outcomes", topic("outcomes"));
        properties.put("opentact.topics.numbers", topic("numbers"));
        properties.put("opentact.topics.dlq", topic("dlq"));
        properties.put("opentact.topics.journal", topic("journal"));
        properties.put("opentact.topics.control", topic("control"));
        properties.put("opentact.topics.files", topic("files"));
        properties.put("opentact.topics.file-state", topic("file-state"));
        properties.put("opentact.topics.rate-shares", topic("rate-shares"));
        properties.put("opentact.kafka.files-group-id", prefix + "file-ends");
        properties.put("opentact.kafka.group-id", prefix + "orders");
        properties.put("opentact.kafka.results-group-id", prefix + "results");
        properties.put("opentact.order.poll-interval-ms", "50");
        properties.put("opentact.order.poll-max-interval-ms", "200");
        properties.put("opentact.api.retry-delay-ms", "50");
        // Reconciliation concludes "no order" only after the window since the intent, derived from
        // these (ReconcileWindow: 1 + 1 + 5 + 1 + 1 = 9 s): short in tests.
        properties.put("opentact.order.send-deadline-ms", "1000");
        properties.put("opentact.api.connect-timeout-ms", "1000");
        properties.put("opentact.api.response-timeout-ms", "5000");
        properties.put("opentact.order.reconcile-clock-skew-ms", "1000");
        properties.put("opentact.order.reconcile-search-lag-ms", "1000");
        properties.put("opentact.order.reconcile-interval-ms", "200");
        properties.put("opentact.api.auth-probe-interval-ms", "500");
        // The mode comes from config/application.properties (batching) unless -Dit.batching=false
        // asks for the per-request mode; a test that pins its mode sets the property itself.
        TestMode.batchingOverride().ifPresent(b -> properties.put("opentact.order.batching", b));
        // The management server (health, metrics) is on by default: a free port per app.
        properties.put("camel.management.port", String.valueOf(managementPort));
    }

    /** Port of the app's management HTTP server (/observe/health, /observe/metrics) on 127.0.0.1. */
    public final int managementPort = FreePort.find();

    public String topic(String name) {
        return prefix + "opentact.order." + name;
    }

    public RunningApp with(String key, String value) {
        properties.put(key, value);
        return this;
    }

    /** The settings this app is started with (to start the same routes another way, e.g. KameletMainIT). */
    public Map<String, String> properties() {
        return Collections.unmodifiableMap(properties);
    }

    public RunningApp start() {
        main = new OrderRoutesMain();
        properties.forEach(main::addOverrideProperty);
        try {
            main.start();
        } catch (Exception e) {
            throw new IllegalStateException("the application did not start", e);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> main.getCamelContext() != null
                && main.getCamelContext().getStatus() == ServiceStatus.Started);
        return this;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public <T> T bean(String name, Class<T> type) {
        return context().getRegistry().lookupByNameAndType(name, type);
    }

    @Override
    public void close() {
        if (main != null) {
            main.stop();
        }
    }
}
