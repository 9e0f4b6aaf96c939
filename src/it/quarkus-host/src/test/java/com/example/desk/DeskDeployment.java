package com.example.desk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

/**
 * The deployment: a real Kafka broker (the library's in-process KRaft broker) and the Opentact
 * sandbox over HTTP, started before the application at the addresses that this JVM's environment
 * variables name (set by the build: surefire's environmentVariables in pom.xml), stopped after it.
 * It gives the application no configuration: the application reads the same variables itself.
 * (No Dev Services: they would need Docker.)
 */
public class DeskDeployment implements QuarkusTestResourceLifecycleManager {

    static final String BROKERS = env("CAMEL_COMPONENT_KAFKA_BROKERS");
    static final String TOKEN = env("OPENTACT_API_TOKEN");
    static final Path INBOX = Path.of(env("OPENTACT_INBOX_DIR"));
    static final Path OUTBOX = Path.of(env("OPENTACT_OUTBOX_DIR"));

    static EmbeddedKafkaBroker broker;
    static OpentactSandbox sandbox;

    @Override
    public Map<String, String> start() {
        try {
            broker = EmbeddedKafkaBroker.startTemporary(URI.create("kafka://" + BROKERS).getPort());
            sandbox = OpentactSandbox.start(URI.create(env("OPENTACT_API_BASE_URL")).getPort(), TOKEN);
            sandbox.setCompletionDelay(Duration.ofMillis(100));
            return Map.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A deployment setting from this JVM's environment (pom.xml sets them for the tests). */
    static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not in the environment: run the tests with Maven (pom.xml sets it)");
        }
        return value;
    }

    @Override
    public void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
