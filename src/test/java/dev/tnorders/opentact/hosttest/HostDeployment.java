package dev.tnorders.opentact.hosttest;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Properties;

import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

/**
 * A host test's deployment: a real Kafka broker (the library's in-process KRaft broker) and the
 * Opentact sandbox over HTTP, at the addresses that this JVM's environment variables name (the host
 * build sets them: surefire's environmentVariables in its pom.xml, as a deployment would). It gives
 * the host no configuration: the host reads the same variables itself.
 */
public final class HostDeployment implements AutoCloseable {

    /** The longest any host test waits for one thing. */
    public static final Duration WAIT = Duration.ofSeconds(60);

    private final String brokers = env("CAMEL_COMPONENT_KAFKA_BROKERS");
    private final String token = env("OPENTACT_API_TOKEN");
    private EmbeddedKafkaBroker broker;
    private OpentactSandbox sandbox;

    private HostDeployment() {
    }

    /** Starts the broker and the sandbox (orders complete after 100 ms) where the environment says. */
    public static HostDeployment start() throws IOException {
        HostDeployment d = new HostDeployment();
        try {
            d.broker = EmbeddedKafkaBroker.startTemporary(URI.create("kafka://" + d.brokers).getPort());
            d.sandbox = OpentactSandbox.start(URI.create(env("OPENTACT_API_BASE_URL")).getPort(), d.token);
            d.sandbox.setCompletionDelay(Duration.ofMillis(100));
            return d;
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /** A deployment setting from this JVM's environment (the host's pom.xml sets them for its tests). */
    public static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not in the environment: run the tests with Maven (pom.xml sets it)");
        }
        return value;
    }

    /** CAMEL_COMPONENT_KAFKA_BROKERS, as the deployment gives it to the host. */
    public String brokers() {
        return brokers;
    }

    public EmbeddedKafkaBroker broker() {
        return broker;
    }

    public OpentactSandbox sandbox() {
        return sandbox;
    }

    /** A client of the test's plain broker. */
    public Properties client() {
        return HostTopics.plainClient(broker.bootstrapServers());
    }

    @Override
    public void close() {
        if (sandbox != null) {
            sandbox.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
