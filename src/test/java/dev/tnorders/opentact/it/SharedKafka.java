package dev.tnorders.opentact.it;

import java.io.IOException;
import java.io.UncheckedIOException;

import dev.tnorders.opentact.standalone.EmbeddedKafkaBroker;

/**
 * One real KRaft broker for the whole test JVM (starting one takes seconds); each test isolates
 * itself with its own topic names and consumer groups.
 */
public final class SharedKafka {

    private static EmbeddedKafkaBroker broker;

    private SharedKafka() {
    }

    public static synchronized String bootstrapServers() {
        if (broker == null) {
            try {
                broker = EmbeddedKafkaBroker.startTemporary();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "embedded-kafka-shutdown"));
        }
        return broker.bootstrapServers();
    }
}
