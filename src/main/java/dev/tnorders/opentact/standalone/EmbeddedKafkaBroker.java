package dev.tnorders.opentact.standalone;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;

/**
 * A real single-node Kafka 3.9 broker in KRaft mode (broker and controller in one), started in
 * this JVM on 127.0.0.1 with free ports. Used when no brokers are configured, and by the tests.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private final Path dataDir;
    private final boolean deleteOnClose;
    private final int port;
    private final KafkaRaftServer server;

    private EmbeddedKafkaBroker(Path dataDir, boolean deleteOnClose) throws IOException {
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        Path metaProps = dataDir.resolve("logs").resolve("meta.properties");
        Path portFile = dataDir.resolve("ports.properties");
        // Keep the ports of an existing data directory, so that a restarted broker is the same broker.
        Properties ports = new Properties();
        if (Files.exists(metaProps) && Files.exists(portFile)) {
            try (var in = Files.newInputStream(portFile)) {
                ports.load(in);
            }
        } else {
            ports.setProperty("broker", Integer.toString(freePort()));
            ports.setProperty("controller", Integer.toString(freePort()));
            Files.createDirectories(dataDir);
            try (var out = Files.newOutputStream(portFile)) {
                ports.store(out, "embedded broker ports");
            }
        }
        this.port = Integer.parseInt(ports.getProperty("broker"));
        int controllerPort = Integer.parseInt(ports.getProperty("controller"));

        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", dataDir.resolve("logs").toString());
        props.put("num.partitions", "3");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "3");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "true");
        // No fsync per message: what the broker wrote survives the death of its process (it is in
        // the OS page cache); forcing every append to disk only made the embedded broker slow.
        // The log cleaner (for the compacted journal) allocates this on the heap it shares with the
        // app: Kafka's 128 MiB default would take half of a 256 MiB standalone heap.
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        Path configFile = dataDir.resolve("server.properties");
        try (var out = Files.newOutputStream(configFile)) {
            props.store(out, "embedded broker");
        }
        if (!Files.exists(metaProps)) {
            format(configFile);
        }
        server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    }

    /** Starts a broker whose data lives in a temporary directory deleted on close. */
    public static EmbeddedKafkaBroker startTemporary() throws IOException {
        return start(Files.createTempDirectory("opentact-kafka-"), true);
    }

    /** Starts a broker on a data directory that outlives it (restarts keep their topics). */
    public static EmbeddedKafkaBroker start(Path dataDir, boolean deleteOnClose) throws IOException {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, deleteOnClose);
        broker.server.startup();
        return broker;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) {
            try {
                Utils.delete(dataDir.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void format(Path configFile) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c",
                configFile.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IllegalStateException("formatting the embedded broker's storage failed: "
                    + out.toString(StandardCharsets.UTF_8));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
