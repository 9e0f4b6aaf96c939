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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

/**
 * A real single-node Kafka 3.9 broker in KRaft mode (broker and controller in one), started in
 * this JVM on 127.0.0.1 with free ports. Used when no brokers are configured, and by the tests.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private final Path dataDir;
    private final boolean deleteOnClose;
    private final int port;
    private final KafkaRaftServer server;
    /** null: a PLAINTEXT listener; else the SASL listener's admin (a PLAIN user, and a super user). */
    private final String adminUser;
    private final String adminPassword;
    private final Tls tls;

    /**
     * TLS of a SASL_SSL listener: the broker's key store (its key and certificate chain) and the
     * trust store holding the CA that signed it (the broker's own client trusts it too).
     *
     * @param clientAuth mTLS: clients must show a certificate the trust store's CA signed
     */
    public record Tls(Path keystore, Path truststore, String password, String type, boolean clientAuth) {
        public Tls(Path keystore, Path truststore, String password, String type) {
            this(keystore, truststore, password, type, false);
        }

        public Tls withClientAuth() {
            return new Tls(keystore, truststore, password, type, true);
        }
    }

    private EmbeddedKafkaBroker(Path dataDir, boolean deleteOnClose) throws IOException {
        this(dataDir, deleteOnClose, null, null, false, null);
    }

    /**
     * @param adminUser null for a PLAINTEXT listener, or an SSL one when {@code tls} is given (mTLS:
     *                  the principal is the client certificate's subject, the admin shows the broker's
     *                  own certificate); else the broker's one listener is SASL_PLAINTEXT (SASL_SSL with
     *                  {@code tls}) with PLAIN (only this user, its password in the broker's JAAS config)
     *                  and SCRAM-SHA-512 (users created with {@link #createScramUser})
     * @param acls      Kafka's StandardAuthorizer is on, the admin is a super user, and every other
     *                  principal needs ACLs
     */
    private EmbeddedKafkaBroker(Path dataDir, boolean deleteOnClose, String adminUser, String adminPassword,
                                boolean acls, Tls tls) throws IOException {
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
        this.tls = tls;
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        Path metaProps = dataDir.resolve("logs").resolve("meta.properties");
        Path portFile = dataDir.resolve("ports.properties");
        // Keep the ports of an existing data directory, so that a restarted broker is the same broker
        // (or the ones chosen beforehand: startTemporary(int)).
        Properties ports = new Properties();
        if (Files.exists(portFile)) {
            try (var in = Files.newInputStream(portFile)) {
                ports.load(in);
            }
        } else {
            int[] free = freePorts(2);
            ports.setProperty("broker", Integer.toString(free[0]));
            ports.setProperty("controller", Integer.toString(free[1]));
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
        String listener = adminUser == null ? (tls == null ? "PLAINTEXT" : "SSL")
                : tls == null ? "SASL_PLAINTEXT" : "SASL_SSL";
        String prefix = "listener.name." + listener.toLowerCase(Locale.ROOT) + ".";
        props.put("listeners", listener + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", listener + "://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:PLAINTEXT");
        props.put("inter.broker.listener.name", listener);
        if (adminUser != null) {
            props.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512");
            props.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
            props.put(prefix + "plain.sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + adminUser
                            + "\" password=\"" + adminPassword + "\" user_" + adminUser + "=\"" + adminPassword + "\";");
            props.put(prefix + "scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        }
        if (tls != null) {
            props.put("ssl.keystore.location", tls.keystore().toString());
            props.put("ssl.keystore.password", tls.password());
            props.put("ssl.key.password", tls.password());
            props.put("ssl.keystore.type", tls.type());
            props.put("ssl.truststore.location", tls.truststore().toString());
            props.put("ssl.truststore.password", tls.password());
            props.put("ssl.truststore.type", tls.type());
            if (tls.clientAuth()) {
                props.put(prefix + "ssl.client.auth", "required");
            }
        }
        if (acls) {
            props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            // The controller listener (loopback, PLAINTEXT) is the broker itself: ANONYMOUS there.
            // mTLS: the admin shows the broker's certificate (CN=localhost).
            props.put("super.users", (adminUser == null ? "User:CN=localhost" : "User:" + adminUser) + ";User:ANONYMOUS");
        }
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

    /**
     * Starts a broker (temporary data) whose client listener is 127.0.0.1:{@code port}: for a test whose
     * application reads the address from its environment, set before the test started.
     */
    public static EmbeddedKafkaBroker startTemporary(int port) throws IOException {
        Path dataDir = Files.createTempDirectory("opentact-kafka-");
        Properties ports = new Properties();
        ports.setProperty("broker", Integer.toString(port));
        // Two free ports at once (they differ); either one that is not the broker's.
        int controller = Arrays.stream(freePorts(2)).filter(p -> p != port).findFirst().orElseThrow();
        ports.setProperty("controller", Integer.toString(controller));
        try (var out = Files.newOutputStream(dataDir.resolve("ports.properties"))) {
            ports.store(out, "embedded broker ports");
        }
        return start(dataDir, true);
    }

    /** Starts a broker on a data directory that outlives it (restarts keep their topics). */
    public static EmbeddedKafkaBroker start(Path dataDir, boolean deleteOnClose) throws IOException {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, deleteOnClose);
        broker.server.startup();
        return broker;
    }

    /**
     * Starts a broker (temporary data) whose only client listener is SASL_PLAINTEXT on 127.0.0.1:
     * the admin logs in with PLAIN; other users are SCRAM-SHA-512 users made by {@link #createScramUser}.
     *
     * @param acls whether Kafka's StandardAuthorizer is on (the admin a super user, others need ACLs)
     */
    public static EmbeddedKafkaBroker startTemporarySasl(String adminUser, String adminPassword, boolean acls)
            throws IOException {
        return startTemporarySasl(adminUser, adminPassword, acls, null);
    }

    /** {@link #startTemporarySasl(String, String, boolean)}, the listener SASL_SSL when {@code tls} is given. */
    public static EmbeddedKafkaBroker startTemporarySasl(String adminUser, String adminPassword, boolean acls, Tls tls)
            throws IOException {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(Files.createTempDirectory("opentact-kafka-sasl-"), true,
                adminUser, adminPassword, acls, tls);
        broker.server.startup();
        return broker;
    }

    /**
     * Starts a broker (temporary data) whose only client listener is SSL on 127.0.0.1 with client
     * certificates required (mTLS, no SASL): a client's principal is its certificate's subject, e.g.
     * {@code User:CN=opentact-order-routes}; the admin ({@link #adminClientProperties}) shows the
     * broker's own certificate, {@code User:CN=localhost}.
     *
     * @param acls whether Kafka's StandardAuthorizer is on (the broker's subject a super user, others need ACLs)
     */
    public static EmbeddedKafkaBroker startTemporaryMtls(Tls tls, boolean acls) throws IOException {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(Files.createTempDirectory("opentact-kafka-mtls-"), true,
                null, null, acls, tls.withClientAuth());
        broker.server.startup();
        return broker;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Client properties of the admin: the SASL PLAIN user, the broker's certificate (mTLS), or none (PLAINTEXT). */
    public Properties adminClientProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers());
        if (tls != null) {
            p.put("security.protocol", adminUser == null ? "SSL" : "SASL_SSL");
            p.put("ssl.truststore.location", tls.truststore().toString());
            p.put("ssl.truststore.password", tls.password());
            p.put("ssl.truststore.type", tls.type());
            if (tls.clientAuth()) { // the broker's own certificate serves the admin as client certificate
                p.put("ssl.keystore.location", tls.keystore().toString());
                p.put("ssl.keystore.password", tls.password());
                p.put("ssl.key.password", tls.password());
                p.put("ssl.keystore.type", tls.type());
            }
        }
        if (adminUser != null) {
            if (tls == null) {
                p.put("security.protocol", "SASL_PLAINTEXT");
            }
            p.put("sasl.mechanism", "PLAIN");
            p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                    + adminUser + "\" password=\"" + adminPassword + "\";");
        }
        return p;
    }

    /** Creates (or updates) a SCRAM-SHA-512 user, as the admin, through Admin#alterUserScramCredentials. */
    public void createScramUser(String user, String password) {
        try (Admin admin = Admin.create(adminClientProperties())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                    user, new ScramCredentialInfo(
                            ScramMechanism.SCRAM_SHA_512, 4096), password)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not create the SCRAM user '" + user + "': " + e.getMessage(), e);
        }
    }

    /** The JAAS config for a SCRAM user's client. */
    public static String scramJaasConfig(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
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

    /**
     * {@code n} distinct free ports: all sockets stay bound until every port is chosen (one at a time,
     * the system could hand out the same port twice, and the broker refused to start with
     * "two listeners on the same port").
     */
    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket();
                sockets[i].setReuseAddress(true);
                sockets[i].bind(new InetSocketAddress("127.0.0.1", 0));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
