package com.example.desk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import dev.tnorders.opentact.sandbox.OpentactSandbox;
import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

/**
 * What the deployment would give as environment variables: a real Kafka broker (the library's
 * in-process KRaft broker) and the Opentact sandbox over HTTP, both started before the application,
 * stopped after it. (No Dev Services: they would need Docker.)
 */
public class DeskDeployment implements QuarkusTestResourceLifecycleManager {

    static final String TOKEN = "desk-token";

    static EmbeddedKafkaBroker broker;
    static OpentactSandbox sandbox;
    static Path work;

    @Override
    public Map<String, String> start() {
        try {
            broker = EmbeddedKafkaBroker.startTemporary();
            sandbox = OpentactSandbox.start(0, TOKEN);
            sandbox.setCompletionDelay(Duration.ofMillis(100));
            work = Files.createTempDirectory("desk-host");
            return Map.of(
                    "camel.component.kafka.brokers", broker.bootstrapServers(),
                    "opentact.api.base-url", sandbox.baseUrl(),
                    "opentact.api.token", TOKEN,
                    "opentact.inbox.dir", work.resolve("inbox").toString(),
                    "opentact.outbox.dir", work.resolve("outbox").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
