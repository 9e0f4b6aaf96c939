package dev.tnorders.opentact.standalone;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import dev.tnorders.opentact.config.OpentactSettings;
import dev.tnorders.opentact.kafka.KafkaClientSettings;

/**
 * What the command-line helpers run next to the app ({@link TopicTail}, {@link SendRequest}) need:
 * the brokers ({@code CAMEL_COMPONENT_KAFKA_BROKERS}, else the embedded broker the standalone run
 * started, found in its {@code ports.properties}), the Kafka client settings of the app (security
 * included) and a setting as the app reads it.
 */
final class LocalKafka {

    /** Where the standalone run keeps its embedded broker (as {@link OrderRoutesMain} does). */
    static final String KAFKA_DIR_PROPERTY = "opentact.embedded.kafka-dir";
    static final Path CONFIG = Path.of("config/application.properties");

    /** No brokers: neither the variable nor an embedded broker's ports file. */
    static final class NoBrokersException extends Exception {
        NoBrokersException(String message) {
            super(message);
        }
    }

    private LocalKafka() {
    }

    /**
     * The embedded broker's folder, as {@link OrderRoutesMain} chooses it: {@code opentact.embedded.kafka-dir}
     * (-D, its environment variable or the config file), else target/embedded-kafka.
     */
    static Path embeddedKafkaDir(Properties file) {
        String dir = OrderRoutesMain.external(KAFKA_DIR_PROPERTY);
        if (dir == null || dir.isBlank()) {
            dir = file.getProperty(KAFKA_DIR_PROPERTY);
        }
        return Path.of(dir == null || dir.isBlank() ? "target/embedded-kafka" : dir.strip());
    }

    /**
     * @param fromEnv   the value of {@code CAMEL_COMPONENT_KAFKA_BROKERS} (null or blank: unset)
     * @param kafkaDir  the embedded broker's folder, read when the variable is unset
     */
    /**
     * The brokers as a tool run next to the app finds them ({@link #brokers(String, Path)}), or null
     * after saying on standard error why there are none (the tool then exits with 2).
     */
    static String brokersOrSayWhy(Properties file) throws IOException {
        try {
            return brokers(System.getenv("CAMEL_COMPONENT_KAFKA_BROKERS"), embeddedKafkaDir(file));
        } catch (NoBrokersException e) {
            System.err.println(e.getMessage());
            return null;
        }
    }

    static String brokers(String fromEnv, Path kafkaDir) throws NoBrokersException, IOException {
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        Path ports = kafkaDir.resolve("ports.properties");
        if (!Files.exists(ports)) {
            throw new NoBrokersException("No brokers: set CAMEL_COMPONENT_KAFKA_BROKERS, or start the app first ("
                    + ports + " not found)");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(ports)) {
            p.load(in);
        }
        String port = p.getProperty("broker");
        if (port == null || port.isBlank()) {
            throw new NoBrokersException("No brokers: " + ports + " has no broker= line");
        }
        return "127.0.0.1:" + port.strip();
    }

    /** config/application.properties of the working folder (empty when there is none). */
    static Properties configFile() throws IOException {
        Properties file = new Properties();
        if (Files.exists(CONFIG)) {
            try (InputStream in = Files.newInputStream(CONFIG)) {
                file.load(in);
            }
        }
        return file;
    }

    /** The app's Kafka client settings for these brokers: {@code camel.component.kafka.*} from -D, the environment or the config file. */
    static KafkaClientSettings clientSettings(String brokers, Properties file) {
        Set<String> keys = new TreeSet<>(file.stringPropertyNames());
        keys.addAll(System.getProperties().stringPropertyNames());
        return KafkaClientSettings.from(brokers, key -> {
            String v = OrderRoutesMain.external(key);
            return v != null ? v : file.getProperty(key);
        }, keys);
    }

    /** A setting as the app reads it: -D, then its environment variable, then the config file, then the declared default. */
    static String setting(String key, Properties file) {
        String v = OrderRoutesMain.external(key);
        if (v == null || v.isBlank()) {
            v = file.getProperty(key);
        }
        if (v == null || v.isBlank()) {
            v = OpentactSettings.defaultOf(key);
        }
        return v == null ? null : v.strip();
    }
}
