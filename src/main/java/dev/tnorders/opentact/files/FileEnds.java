package dev.tnorders.opentact.files;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * Every dropped CSV file's progress and end, on Kafka, the same with one instance or many
 * (docs/inputs-outputs.md, "A file's end"; the choices: docs/file-ends.md).
 *
 * <ul>
 * <li><b>The reader's part</b> ({@link #reading}): the instance reading a file writes {@link FileRead}
 * records to the compacted file-state topic, key {@code read|<file id>}: when it takes the file, now
 * and then while reading, and, once every row is handed on, its manifest (rows, requests, rows rejected).</li>
 * <li><b>The end tracker</b>: one member of the files consumer group ({@link OneFileTracker} gives it
 * every partition of the outcomes topic) counts the outcomes of each drop ({@link FileTally}) and,
 * once a manifest and the drop's outcomes agree ({@link FileEndRules#ended}), publishes the end record
 * to the files topic. Each of its writes is one Kafka transaction with its consumer's offsets and
 * group generation: the tallies (key {@code tally|<file id>}), the end records, the offsets. A tracker
 * that dies or stalls is fenced, and the next one reads the tallies back and goes on from the committed
 * offsets: one end record per drop, whichever instance dies when.</li>
 * <li><b>The view</b>: every instance reads the file-state topic (both parts) for the progress endpoint,
 * the metrics and, on the tracker, the progress lines.</li>
 * </ul>
 *
 * <p>This class starts and stops them and is what the routes and hosts name; the parts are
 * {@link FileReadWriter} (the reader's), {@link FileEndTracker} with {@link FileEndPublisher} (the
 * tracker's), {@link FileView} with {@link FilesEndpoint} (the view and its endpoint).
 */
public class FileEnds implements FileWatch, CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(FileEnds.class);

    static final Map<String, String> STATE_TOPIC_CONFIGS = Map.of("cleanup.policy", "compact",
            "segment.ms", "3600000", "min.cleanable.dirty.ratio", "0.1");

    private final KafkaClientSettings kafka;
    private final String stateTopic;
    private final String filesTopic;
    private int managementPort = -1;
    private CamelContext camelContext;

    private final Running running = new Running();
    private Thread viewThread;
    private Thread trackerThread;
    private final FileReadWriter readWriter;
    private final FileView view;
    private final FileEndTracker tracker;
    /** Serves the view over HTTP: made at the first start, once the context and the port are set. */
    private FilesEndpoint endpoint;

    public FileEnds(KafkaClientSettings kafka, String stateTopic, String filesTopic, String outcomesTopic, String groupId,
                    String outboxDir, long progressIntervalMs) {
        this.kafka = kafka;
        this.stateTopic = stateTopic;
        this.filesTopic = filesTopic;
        ObjectMapper json = FileJson.mapper();
        this.readWriter = new FileReadWriter(kafka, stateTopic, json);
        this.view = new FileView(kafka, stateTopic, json, Math.max(1, progressIntervalMs), running, this::tracking);
        this.tracker = new FileEndTracker(kafka, stateTopic, outcomesTopic, groupId, json, running, view,
                new FileEndPublisher(stateTopic, filesTopic, Path.of(outboxDir), json));
    }

    public void setSessionTimeoutMs(int sessionTimeoutMs) {
        tracker.setSessionTimeoutMs(sessionTimeoutMs);
    }

    /** The management HTTP server's port, where {@code /observe/files} is served (none when below 0). */
    public void setManagementPort(int managementPort) {
        this.managementPort = managementPort;
    }

    /** How long an ended drop stays in the endpoint's list. */
    public void setEndedShownMs(long endedShownMs) {
        view.setEndedShownMs(endedShownMs);
    }

    /**
     * How long the order journal remembers a request after its outcome ({@code opentact.journal.retention-ms}):
     * a drop of the same content as one ended less than this before repeats it ({@link FileEndRules#repeatOf}).
     */
    public void setRememberedMs(long rememberedMs) {
        view.setRememberedMs(rememberedMs);
        tracker.setRememberedMs(rememberedMs);
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    private boolean tracking() {
        return tracker.tracking();
    }

    // --- start and stop ------------------------------------------------------------------------

    /** Creates the topics when missing, starts the view and the tracker, serves the endpoint, binds the gauges. */
    public synchronized void start() {
        if (running.on()) {
            return;
        }
        createTopics();
        running.set(true);
        if (endpoint == null) {
            endpoint = new FilesEndpoint(camelContext, managementPort, this::statusesJson);
        }
        FilesEndpoint http = endpoint;
        viewThread = new Thread(() -> view.viewLoop(http::serveHttp), "opentact-file-view");
        viewThread.setDaemon(true);
        viewThread.start();
        trackerThread = new Thread(tracker::trackerLoop, "opentact-file-ends");
        trackerThread.setDaemon(true);
        trackerThread.start();
        bindGauges();
        if (camelContext != null) {
            for (FileWatched w : camelContext.getRegistry().findByType(FileWatched.class)) {
                w.setFileWatch(this);
            }
        }
        LOG.info("File ends: the files' progress on '{}', their ends on '{}'", stateTopic, filesTopic);
    }

    public void stop() {
        Thread v;
        Thread t;
        synchronized (this) {
            running.set(false);
            v = viewThread;
            t = trackerThread;
        }
        for (Thread th : new Thread[] {t, v}) {
            if (th != null) {
                try {
                    th.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        readWriter.close();
    }

    private void createTopics() {
        Properties p = kafka.clientProperties("opentact-file-ends-admin");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        Admin admin = Admin.create(p);
        try {
            for (NewTopic t : List.of(new NewTopic(stateTopic, 1, (short) -1).configs(STATE_TOPIC_CONFIGS),
                    new NewTopic(filesTopic, 1, (short) -1).configs(Map.of("cleanup.policy", "compact")))) {
                try {
                    admin.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
                    LOG.info("Created the compacted topic '{}'", t.name());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        LOG.warn("Cannot create the topic '{}' ({}); it must exist", t.name(), e.getCause().toString());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | KafkaException e) {
            LOG.warn("Cannot create the file topics ({}); they must exist", e.toString());
        } finally {
            admin.close(Duration.ofSeconds(1));
        }
    }

    // --- the reader's part ---------------------------------------------------------------------

    /**
     * The reader's news of a file. {@code mustLand}: acknowledged by Kafka before this returns, or an
     * exception (the file's manifest: without it the file would never end). Otherwise a failure is
     * logged and reading goes on.
     */
    @Override
    public void reading(FileRead read, boolean mustLand) {
        readWriter.reading(read, mustLand);
    }

    // --- the view --------------------------------------------------------------------------------

    /** The drops in progress and those ended lately, oldest taken first. */
    public List<FileStatus> statuses() {
        return view.statuses();
    }

    /** The endpoint's answer: a JSON list of {@link FileStatus}. */
    public String statusesJson() {
        return view.statusesJson();
    }

    private void bindGauges() {
        MeterRegistry r = null;
        if (camelContext != null) {
            r = camelContext.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
            if (r == null) {
                Set<MeterRegistry> all = camelContext.getRegistry().findByType(MeterRegistry.class);
                r = all.size() == 1 ? all.iterator().next() : null;
            }
        }
        bindGauges(r == null ? Metrics.globalRegistry : r);
    }

    /** The gauges of the files in progress, in this registry (the dashboard's "CSV files in progress"). */
    public void bindGauges(MeterRegistry r) {
        Gauge.builder("opentact.files.in.progress", this, f -> f.statuses().stream().filter(FileStatus::open).count())
                .description("CSV files taken whose end is not published yet (all instances: the same on each)")
                .register(r);
        Gauge.builder("opentact.files.requests.open", this,
                        f -> f.statuses().stream().filter(FileStatus::open).mapToLong(FileStatus::requestsOpen).sum())
                .description("Requests handed on from files in progress whose outcome is not there yet (all instances)")
                .register(r);
    }

    /** For tests: the drops the view knows. */
    Set<String> known() {
        return view.known();
    }
}
