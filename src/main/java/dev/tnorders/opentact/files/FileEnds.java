package dev.tnorders.opentact.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tnorders.opentact.kafka.KafkaClientSettings;
import dev.tnorders.opentact.model.Outcome;

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
 */
public class FileEnds implements FileWatch, CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(FileEnds.class);
    /** The logger of the progress and end lines (the reading's own lines share it). */
    private static final Logger PROGRESS = LoggerFactory.getLogger("dev.tnorders.opentact.intake.progress");

    static final Map<String, String> STATE_TOPIC_CONFIGS = Map.of("cleanup.policy", "compact",
            "segment.ms", "3600000", "min.cleanable.dirty.ratio", "0.1");
    private static final long COMMIT_EVERY_MS = 500;
    private static final long SEND_TIMEOUT_MS = 30_000;

    private final ObjectMapper json = mapper();

    /** The JSON of the file records: snake_case names, unknown fields passed over (a newer writer's). */
    static ObjectMapper mapper() {
        return new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(SerializationFeature.INDENT_OUTPUT, false);
    }

    private final KafkaClientSettings kafka;
    private final String stateTopic;
    private final String filesTopic;
    private final String outcomesTopic;
    private final String groupId;
    private final Path outbox;
    private final long progressIntervalMs;
    private int sessionTimeoutMs = 45_000;
    private int managementPort = -1;
    private long endedShownMs = 3_600_000;
    private long rememberedMs = 604_800_000;
    private CamelContext camelContext;

    private volatile boolean running;
    private Thread viewThread;
    private Thread trackerThread;
    private KafkaProducer<String, String> readerProducer;

    /** The view: every drop's parts as last read from the file-state topic. */
    private final Map<String, FileRead> reads = new ConcurrentHashMap<>();
    private final Map<String, FileTally> viewTallies = new ConcurrentHashMap<>();
    private final Map<String, Eta> etas = new ConcurrentHashMap<>();
    private final Map<String, Long> lastLine = new ConcurrentHashMap<>();
    private volatile boolean viewCaughtUp;
    /** Tries left to find the management HTTP server (it may start after this bean). */
    private int httpTries = 100;
    /** Whether this instance is the end tracker now. */
    private volatile boolean tracking;

    public FileEnds(KafkaClientSettings kafka, String stateTopic, String filesTopic, String outcomesTopic, String groupId,
                    String outboxDir, long progressIntervalMs) {
        this.kafka = kafka;
        this.stateTopic = stateTopic;
        this.filesTopic = filesTopic;
        this.outcomesTopic = outcomesTopic;
        this.groupId = groupId;
        this.outbox = Path.of(outboxDir);
        this.progressIntervalMs = Math.max(1, progressIntervalMs);
    }

    public void setSessionTimeoutMs(int sessionTimeoutMs) {
        this.sessionTimeoutMs = sessionTimeoutMs;
    }

    /** The management HTTP server's port, where {@code /observe/files} is served (none when below 0). */
    public void setManagementPort(int managementPort) {
        this.managementPort = managementPort;
    }

    /** How long an ended drop stays in the endpoint's list. */
    public void setEndedShownMs(long endedShownMs) {
        this.endedShownMs = endedShownMs;
    }

    /**
     * How long the order journal remembers a request after its outcome ({@code opentact.journal.retention-ms}):
     * a drop of the same content as one ended less than this before repeats it ({@link FileEndRules#repeatOf}).
     */
    public void setRememberedMs(long rememberedMs) {
        this.rememberedMs = rememberedMs;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    // --- start and stop ------------------------------------------------------------------------

    /** Creates the topics when missing, starts the view and the tracker, serves the endpoint, binds the gauges. */
    public synchronized void start() {
        if (running) {
            return;
        }
        createTopics();
        running = true;
        viewThread = new Thread(this::viewLoop, "opentact-file-view");
        viewThread.setDaemon(true);
        viewThread.start();
        trackerThread = new Thread(this::trackerLoop, "opentact-file-ends");
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
            running = false;
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
        synchronized (this) {
            if (readerProducer != null) {
                readerProducer.close(Duration.ofSeconds(5));
                readerProducer = null;
            }
        }
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
        try {
            producer().send(new ProducerRecord<>(stateTopic, FileIds.READ + read.fileId(), json.writeValueAsString(read)))
                    .get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the progress of " + read.file(), e);
        } catch (Exception e) {
            if (mustLand) {
                throw new IllegalStateException("cannot write the manifest of order file " + read.file() + " to '"
                        + stateTopic + "': " + e, e);
            }
            LOG.warn("Cannot write the progress of order file {} to '{}': {}", read.file(), stateTopic, e.toString());
        }
    }

    private synchronized KafkaProducer<String, String> producer() {
        if (readerProducer == null) {
            Properties p = kafka.clientProperties("opentact-file-reader");
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) SEND_TIMEOUT_MS);
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT_MS);
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            readerProducer = new KafkaProducer<>(p);
        }
        return readerProducer;
    }

    // --- the view --------------------------------------------------------------------------------

    private void viewLoop() {
        while (running) {
            Properties c = kafka.committedStringReader("opentact-file-view");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
                TopicPartition tp = new TopicPartition(stateTopic, 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                while (running) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                        viewRecord(r.key(), r.value());
                    }
                    if (!viewCaughtUp && consumer.position(tp) >= end) {
                        viewCaughtUp = true;
                    }
                    tidyAndLog();
                    serveHttp();
                }
            } catch (RuntimeException e) {
                LOG.warn("The files' progress view stopped ({}); reading it again", e.toString());
                viewCaughtUp = false;
                pause(1000);
            }
        }
    }

    private void viewRecord(String key, String value) {
        if (key == null) {
            return;
        }
        try {
            if (key.startsWith(FileIds.READ)) {
                String id = key.substring(FileIds.READ.length());
                if (value == null) {
                    reads.remove(id);
                } else {
                    reads.put(id, json.readValue(value, FileRead.class));
                }
            } else if (key.startsWith(FileIds.TALLY)) {
                String id = key.substring(FileIds.TALLY.length());
                if (value == null) {
                    viewTallies.remove(id);
                } else {
                    FileTally t = json.readValue(value, FileTally.class);
                    viewTallies.put(id, t);
                    etas.computeIfAbsent(id, k -> new Eta(60_000)).observe(System.nanoTime() / 1_000_000, t.requests());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("A record on '{}' that is not a file's progress ({}): passed over", stateTopic, key);
        }
    }

    /**
     * Forgets drops that ended long ago (kept while the list shows them, and while a drop of the same
     * content would repeat them); the tracker logs each open drop's line now and then.
     */
    private void tidyAndLog() {
        Instant forgetBefore = Instant.now().minusMillis(endedShownMs + rememberedMs);
        for (Map.Entry<String, FileTally> e : viewTallies.entrySet()) {
            FileTally t = e.getValue();
            if (t.ended() && t.endedAt() != null && parse(t.endedAt()).isBefore(forgetBefore)) {
                reads.remove(e.getKey());
                viewTallies.remove(e.getKey());
                etas.remove(e.getKey());
                lastLine.remove(e.getKey());
            }
        }
        if (!tracking) {
            return;
        }
        long now = System.nanoTime() / 1_000_000;
        for (FileStatus s : statuses()) {
            if (!s.open()) {
                continue;
            }
            Long last = lastLine.putIfAbsent(s.fileId(), now);
            if (last != null && now - last >= progressIntervalMs) {
                lastLine.put(s.fileId(), now);
                PROGRESS.info("{}", s.line());
            }
        }
    }

    /** Adds {@code /observe/files} to the management HTTP server once it is there (tried a while). */
    private void serveHttp() {
        if (httpTries <= 0 || managementPort < 0 || camelContext == null) {
            return;
        }
        httpTries--;
        try {
            Class.forName("org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter");
            if (FilesHttp.serve(camelContext, managementPort, this::statusesJson)) {
                httpTries = 0;
                LOG.info("The files' progress is served at {} on port {}", FilesHttp.PATH, managementPort);
            } else if (httpTries == 0) {
                LOG.info("No management HTTP server on port {}: the files' progress is not served over HTTP",
                        managementPort);
            }
        } catch (ClassNotFoundException | LinkageError e) {
            httpTries = 0;
            LOG.info("No management HTTP server here: the files' progress is not served over HTTP");
        }
    }

    private static Instant parse(String at) {
        try {
            return Instant.parse(at);
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }

    /** The drops in progress and those ended lately, oldest taken first. */
    public List<FileStatus> statuses() {
        List<FileStatus> out = new ArrayList<>();
        Instant shownAfter = Instant.now().minusMillis(endedShownMs);
        for (FileRead r : reads.values()) {
            FileTally t = viewTallies.get(r.fileId());
            if (t != null && t.ended() && t.endedAt() != null && parse(t.endedAt()).isBefore(shownAfter)) {
                continue;
            }
            Eta eta = etas.get(r.fileId());
            long etaMs = eta == null ? -1 : eta.remainingMs(Eta.expectedRequests(r));
            out.add(FileStatus.of(r, t, etaMs));
        }
        out.sort(Comparator.comparing(FileStatus::takenAt, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(FileStatus::fileId));
        return out;
    }

    /** The endpoint's answer: a JSON list of {@link FileStatus}. */
    public String statusesJson() {
        try {
            return json.writeValueAsString(statuses());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
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

    // --- the end tracker -------------------------------------------------------------------------

    private void trackerLoop() {
        while (running) {
            try {
                track();
            } catch (RuntimeException e) {
                LOG.warn("The file end tracker stopped ({}); it joins its group again", e.toString());
                tracking = false;
                pause(1000);
            }
        }
        tracking = false;
    }

    /** One membership of the files group: while this instance holds the outcomes' partitions, it tracks. */
    private void track() {
        Properties c = kafka.clientProperties("opentact-file-ends");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeoutMs);
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, OneFileTracker.class.getName());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        Properties p = kafka.clientProperties("opentact-file-ends");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "opentact-file-ends-" + stateTopic + "-" + UUID.randomUUID());
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        Map<String, FileTally> tallies = new HashMap<>();
        Set<String> dirty = new LinkedHashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c);
             KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            consumer.subscribe(List.of(outcomesTopic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        tracking = false;
                        tallies.clear();
                        dirty.clear();
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        // Counted up to the committed offsets, as the last tracker's transactions left them
                        // (read before this poll fetches from those offsets).
                        tallies.clear();
                        dirty.clear();
                        tallies.putAll(readTallies());
                        tracking = true;
                        LOG.info("This instance tracks the ends of the CSV files now ({} drops known)", tallies.size());
                    }
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    onPartitionsRevoked(partitions);
                }
            });
            long lastCommit = 0;
            while (running) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (!tracking) {
                    continue;
                }
                for (ConsumerRecord<String, String> r : records) {
                    Outcome o = outcome(r.value());
                    if (o == null || o.source() == null || !o.source().fromFile() || o.receivedAt() == null) {
                        continue;
                    }
                    String id = FileIds.of(o.source().file(), o.receivedAt());
                    FileTally t = tallies.getOrDefault(id, FileTally.empty(id));
                    if (t.ended()) {
                        continue; // the end is out: an outcome past its manifest (a stopped file's chunk in flight)
                    }
                    tallies.put(id, t.plus(o));
                    dirty.add(id);
                }
                List<Ending> ending = new ArrayList<>();
                if (viewCaughtUp) {
                    for (FileRead read : reads.values()) {
                        FileTally t = tallies.get(read.fileId());
                        if (!read.handedOn() || (t != null && t.ended())) {
                            continue;
                        }
                        FileRead earlier = FileEndRules.repeatOf(read, reads.values(), tallies, rememberedMs);
                        if (FileEndRules.ended(read, t, earlier, earlier == null ? null : tallies.get(earlier.fileId()))) {
                            ending.add(new Ending(read, earlier));
                        }
                    }
                }
                long now = System.nanoTime() / 1_000_000;
                if (!ending.isEmpty() || (!dirty.isEmpty() && now - lastCommit >= COMMIT_EVERY_MS)) {
                    commit(consumer, producer, tallies, dirty, ending);
                    lastCommit = now;
                }
            }
        } finally {
            tracking = false;
        }
    }

    /** A drop that ends now, and the earlier drop it repeats (or null). */
    private record Ending(FileRead read, FileRead earlier) {
    }

    private void commit(KafkaConsumer<String, String> consumer, KafkaProducer<String, String> producer,
                        Map<String, FileTally> tallies, Set<String> dirty, List<Ending> ending) {
        String endedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        List<FileEnd> ends = new ArrayList<>();
        producer.beginTransaction();
        try {
            for (Ending e : ending) {
                FileRead read = e.read();
                FileTally t = tallies.getOrDefault(read.fileId(), FileTally.empty(read.fileId())).endedAt(endedAt);
                tallies.put(read.fileId(), t);
                dirty.add(read.fileId());
                String name = safeName(read.file());
                FileEnd end = FileEndRules.end(read, t, e.earlier(), endedAt, outbox.resolve(name + ".results.csv").toString(),
                        outbox.resolve(name + ".rejects.csv").toString());
                writeSummary(name, end);
                producer.send(new ProducerRecord<>(filesTopic, read.fileId(), json.writeValueAsString(end)));
                ends.add(end);
            }
            for (String id : dirty) {
                producer.send(new ProducerRecord<>(stateTopic, FileIds.TALLY + id, json.writeValueAsString(tallies.get(id))));
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : consumer.assignment()) {
                offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
            }
            // With the group's generation: a tracker no longer in the group (stalled, cut off) is refused.
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (IOException e) {
            producer.abortTransaction();
            throw new IllegalStateException(e);
        }
        dirty.clear();
        for (FileEnd end : ends) {
            PROGRESS.info("{}", FileEndRules.line(end));
        }
    }

    private Map<String, FileTally> readTallies() {
        Map<String, FileTally> out = new HashMap<>();
        Properties c = kafka.committedStringReader("opentact-file-ends-tallies");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            TopicPartition tp = new TopicPartition(stateTopic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            // read_committed: the end is the last stable offset, after the last tracker's transactions.
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumer.position(tp) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the file tallies on '" + stateTopic + "' were not read in 60 s");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.key().startsWith(FileIds.TALLY)) {
                        String id = r.key().substring(FileIds.TALLY.length());
                        if (r.value() == null) {
                            out.remove(id);
                        } else {
                            try {
                                out.put(id, json.readValue(r.value(), FileTally.class));
                            } catch (IOException e) {
                                LOG.warn("An unreadable file tally on '{}' ({}): passed over", stateTopic, r.key());
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private Outcome outcome(String value) {
        if (value == null) {
            return null;
        }
        try {
            return json.readValue(value, Outcome.class);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code <outbox>/<file>.summary.json}, whole or not at all (written to a temporary name first). */
    private void writeSummary(String name, FileEnd end) throws IOException {
        Files.createDirectories(outbox);
        Path file = outbox.resolve(name + ".summary.json");
        Path tmp = outbox.resolve("." + name + ".summary.json.tmp");
        Files.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(end) + "\n",
                StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** As the outbox names a file's results and rejects (dev.tnorders.opentact.intake.CsvOutbox). */
    static String safeName(String file) {
        String name = Path.of(file).getFileName().toString();
        return name.replaceAll("[^\\p{Alnum}._-]", "_");
    }

    private void pause(long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (running && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** For tests: the drops the view knows. */
    Set<String> known() {
        return new HashSet<>(reads.keySet());
    }
}
